"""The audit log: hash chain, `verify` against tampering on both backends, concurrent writers,
old and new values of writes and imports, reads, exports and reveals (store/records.py,
store/audit.py)."""

from __future__ import annotations

import asyncio
import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from griddesk.store import audit, privacy, records, roster, tickets, views, workflow
from griddesk.store import io as roster_io
from griddesk.store.context import Store
from griddesk.store.errors import NotAllowed
from griddesk.store.models import AuditEntry
from tests.fixtures_town import Town


async def _entries(store: Store) -> list[AuditEntry]:
    async with store.db.session() as s:
        return list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def _some_history(town: Town) -> str:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    await workflow.act(town.store, town.operator, number, "dispatch", workflow.Params(unit=town.units["police"]))
    await views.detail(town.store, town.operator, number, record=True)
    await privacy.reveal_reporter(town.store, town.operator, number, "回访")
    await workflow.act(town.store, town.actors["u-police"], number, "sign")
    return number


async def test_every_entry_is_chained(any_town: Town) -> None:
    await _some_history(any_town)
    rows = await _entries(any_town.store)
    assert len(rows) >= 5
    prev = ""
    for e in rows:
        assert e.prev_hash == prev and e.hash and len(e.hash) == 64
        assert e.hash == records.entry_hash(prev, e.at, e.actor, e.action, e.entity, e.entity_key, e.detail)
        prev = e.hash
    verdict = await audit.verify(any_town.store, any_town.actors["sup01"])
    assert verdict.intact and verdict.entries == len(rows)


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
async def test_verify_finds_an_edited_a_deleted_and_a_reordered_entry(any_town: Town, tamper: str) -> None:
    await _some_history(any_town)
    rows = await _entries(any_town.store)
    victim = rows[2]
    async with any_town.store.db.session(write=True) as s:
        if tamper == "edit":
            await s.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(actor="someone(else)"))
            broken = victim.id
        elif tamper == "delete":
            await s.execute(delete(AuditEntry).where(AuditEntry.id == victim.id))
            broken = rows[3].id
        else:  # swap two entries' contents, hashes and all
            a, b = rows[2], rows[3]
            fields = ("at", "actor", "action", "entity", "entity_key", "detail", "prev_hash", "hash")
            va, vb = ({f: getattr(x, f) for f in fields} for x in (a, b))
            await s.execute(update(AuditEntry).where(AuditEntry.id == a.id).values(**vb))
            await s.execute(update(AuditEntry).where(AuditEntry.id == b.id).values(**va))
            broken = a.id
    verdict = await audit.verify(any_town.store, any_town.actors["admin"])
    assert not verdict.intact
    assert verdict.broken_id == broken


async def test_concurrent_writers_keep_one_linear_chain_on_postgresql(pg_town: Town) -> None:
    store = pg_town.store

    async def writer(i: int) -> None:
        for j in range(6):
            async with store.db.session(write=True) as s:
                await records.audit(s, pg_town.operator, "test.write", "ticket", f"{i}-{j}", store.now(), {"i": i})

    await asyncio.gather(*(writer(i) for i in range(8)))
    rows = await _entries(store)
    assert len([e for e in rows if e.action == "test.write"]) == 48
    assert len({e.prev_hash for e in rows}) == len(rows)  # no two entries hang off the same one
    assert (await audit.verify(store, pg_town.actors["sup01"])).intact


async def test_only_supervisors_and_admins_read_the_log(town: Town) -> None:
    for login in ("op01", "u-police", "gw01", "wall"):
        with pytest.raises(NotAllowed):
            await audit.entries(town.store, town.actors[login])
        with pytest.raises(NotAllowed):
            await audit.verify(town.store, town.actors[login])
    assert await audit.entries(town.store, town.actors["sup01"]) is not None


async def test_reads_are_recorded_for_an_open_not_for_a_refresh(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    await views.detail(town.store, town.operator, number)
    assert not [e for e in await _entries(town.store) if e.action == "read"]
    await views.detail(town.store, town.operator, number, record=True)
    reads = [e for e in await _entries(town.store) if e.action == "read"]
    assert [(e.entity_key, e.actor) for e in reads] == [(number, town.operator.label)]


async def test_workflow_and_roster_writes_hold_old_and_new_values(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    await workflow.act(town.store, town.operator, number, "dispatch", workflow.Params(unit=town.units["police"]))
    e = [e for e in await _entries(town.store) if e.action == "ticket.dispatch"][-1]
    assert e.detail["old"] == {"status": "pending_dispatch", "version": 1}
    assert e.detail["new"] == {"status": "dispatched", "version": 2}
    await roster.update_person(town.store, town.operator, 2, phone="13907790099")
    e = [e for e in await _entries(town.store) if e.action == "person.update"][-1]
    assert e.detail["old"] == {"phone": "13807790002"} and e.detail["new"] == {"phone": "13907790099"}


async def test_audit_change_keeps_only_what_changed_and_never_a_secret(town: Town) -> None:
    async with town.store.db.session(write=True) as s:
        await records.audit_change(s, town.actors["admin"], "operator", "op09",
                                   {"name": "甲", "role": "operator", "password_hash": "x"},
                                   {"name": "乙", "role": "operator", "password_hash": "y"}, at=town.store.now())
    e = (await _entries(town.store))[-1]
    assert e.action == "operator.update"
    assert e.detail == {"old": {"name": "甲"}, "new": {"name": "乙"}}


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


async def test_an_import_records_each_row_with_its_old_values(town: Town, tmp_path: Path) -> None:
    out = tmp_path / "people.csv"
    await roster_io.export_file(town.store, town.operator, "people", out)
    rows = _read_csv(out)
    head = rows[0]
    changed = next(r for r in rows[1:] if r[head.index("phone")] == "13807790002")
    was = changed[head.index("trained_on")]
    changed[head.index("trained_on")] = "2026-01-05"  # not part of the person's natural key
    new = [""] * len(head)
    new[head.index("name")], new[head.index("role")], new[head.index("phone")] = "新人", "part_time", "13907790077"
    rows.append(new)
    _write_csv(out, rows)
    result = await roster_io.import_file(town.store, town.operator, "people", out)
    assert (result.created, result.updated) == (1, 1)
    per_row = [e for e in await _entries(town.store) if e.action == "person.import"]
    details = [e.detail for e in per_row if e.detail]
    # rows are named by their natural key (store/io/batches.py); only the changed fields are kept
    # dates are kept tagged, as the batch stores them (store/io/batches.py)
    assert {"old": {"trained_on": {"$date": was}}, "new": {"trained_on": {"$date": "2026-01-05"}}} in [
        {k: d[k] for k in ("old", "new")} for d in details]
    assert any(d["old"] is None and d["new"]["name"] == "新人" for d in details)
    assert (await audit.verify(town.store, town.actors["admin"])).intact


async def test_exports_are_recorded_with_kind_rows_and_filters(town: Town, tmp_path: Path) -> None:
    n = await roster_io.export_file(town.store, town.actors["u-police"], "assignments", tmp_path / "a.csv")
    e = [e for e in await _entries(town.store) if e.action == "export"][-1]
    assert e.detail["kind"] == "assignments" and e.detail["rows"] == n and e.actor == town.actors["u-police"].label
    sup = town.actors["sup01"]
    only = audit.AuditFilter(action="export", limit=0)
    m = await audit.export_file(town.store, sup, tmp_path / "audit.jsonl", f=only)
    assert m == 1
    e = (await _entries(town.store))[-1]
    assert e.action == "export" and e.detail == {"kind": "audit", "rows": 1,
                                                  "filters": {"action": "export", "format": "jsonl"}}


async def _chain_existing(url: str) -> None:
    from sqlalchemy import text

    from griddesk.store.db import Database
    from tests.store.test_db import _upgrade_to

    db = Database(url)
    try:
        await _upgrade_to(db, "0002")
        async with db.connect(write=True) as conn:
            js = "CAST(:d AS JSON)" if db.backend == "postgresql" else ":d"
            for i in range(3):
                await conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) "
                                        f"VALUES (:at, '周敏(op01)', 'ticket.create', 'ticket', :k, {js})"),
                                   {"at": datetime(2026, 11, 20 + i, 8, 0, 0, 123456), "k": f"n{i}",
                                    "d": '{"rows": 3, "note": "回访"}' if i == 1 else None})
        await db.upgrade(backup=False)
        store = Store(db)
        from griddesk.store.actor import Actor
        from griddesk.store.enums import Role

        admin = Actor("admin", "管理员", Role.ADMIN, "")
        verdict = await audit.verify(store, admin)
        assert verdict.intact and verdict.entries == 3
        async with db.session(write=True) as s:  # and new entries carry on the chain
            await records.audit(s, admin, "test", "ticket", "n3", store.now())
        assert (await audit.verify(store, admin)).entries == 4
    finally:
        await db.dispose()


async def test_0004_chains_the_entries_written_before_it(tmp_path: Path) -> None:
    await _chain_existing(str(tmp_path / "old.db"))


async def test_0004_on_postgres_too(pg_url: str) -> None:
    await _chain_existing(pg_url)


async def test_a_created_person_is_recorded_with_its_values(town: Town) -> None:
    from datetime import date

    spec = roster.PersonSpec("黄小明", "part_time", "13907790066", trained_on=date(2026, 3, 1))
    pid = await roster.create_person(town.store, town.operator, spec)
    e = [e for e in await _entries(town.store) if e.action == "person.create"][-1]
    assert e.entity_key == str(pid) and e.detail["old"] is None
    assert e.detail["new"]["name"] == "黄小明" and e.detail["new"]["trained_on"] == "2026-03-01"
    assert "name_pinyin" not in e.detail["new"]
    assert (await audit.verify(town.store, town.actors["admin"])).intact
