"""Personal data: masking in every store output, the reveal, and 0600 files (store/privacy.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from griddesk.store import io as roster_io
from griddesk.store import privacy, queue, search, tickets, views
from griddesk.store.db import Database
from griddesk.store.errors import Invalid, NotAllowed, NotFound
from griddesk.store.models import AuditEntry
from tests.fixtures_town import Town

NAME, PHONE = "李明", "13807790001"  # the fixture town's reporter
ID_NUMBER = "44070319900101123X"
NOTE = f"回访{NAME}，电话{PHONE}，身份证{ID_NUMBER}，邻居座机0779-3351234"


def _mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _modes_beside(path: Path) -> dict[str, int]:
    """The database file's and its -wal / -shm files' modes, those that exist."""
    return {p.name: _mode(p) for p in path.parent.glob(path.name + "*") if ".bak" not in p.name}


async def _ticket(town: Town) -> str:
    data = town.ticket(description=NOTE, title=f"{NAME}反映垃圾未清运", address=f"海角路12号 {PHONE}")
    return await tickets.create(town.store, town.operator, tickets.parse(data))


def _leaks(text: str) -> list[str]:
    return [x for x in (NAME, PHONE, ID_NUMBER, "3351234") if x in text]


# --- the masks ---------------------------------------------------------------------------------


def test_the_three_masks() -> None:
    assert privacy.mask_name("张三丰") == "张**"
    assert privacy.mask_phone("13812341234") == "138****1234"
    assert privacy.mask_id("440703199001011234") == "4407**********1234"
    assert privacy.mask_name(None) is None and privacy.mask_phone(None) is None


def test_free_text_masks_phones_ids_and_the_reporter() -> None:
    out = privacy.mask_text("回访谢鸿健，电话 138-1234-5678，身份证440703199001011234", names=("谢鸿健",))
    assert out == "回访谢**，电话 138-****-5678，身份证4407**********1234"
    # codes and ticket numbers are not phone numbers
    keep = "网格450502005001001，工单450502005-20261126-0016，12345热线"
    assert privacy.mask_text(keep) == keep


digits = st.text(alphabet="0123456789", min_size=0, max_size=3)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
noise = st.text(alphabet=st.one_of(cjk, st.sampled_from(list("0123456789 -,.，。Xx"))), max_size=20)
mobile = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
id_number = st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True)
name = st.text(alphabet=cjk, min_size=2, max_size=4)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(before=noise, phone=mobile, middle=noise, number=id_number, after=noise, who=name, glue=digits)
def test_no_phone_id_or_name_survives_masking(before: str, phone: str, middle: str, number: str, after: str,
                                              who: str, glue: str) -> None:
    # embedded anywhere, even glued to other digits
    text = before + glue + phone + middle + who + number + glue + after + who
    out = privacy.mask_text(text, names=(who,), phones=(phone,)) or ""
    assert phone not in out
    assert number not in out
    assert who not in out


# --- lists and details --------------------------------------------------------------------------


async def test_detail_is_masked_for_every_role_until_a_reveal(town: Town) -> None:
    number = await _ticket(town)
    from griddesk.store import workflow

    await workflow.dispatch(town.store, town.operator, number, town.units["police"])  # so u-police sees it
    for login in ("op01", "sup01", "admin", "u-police", "gw01", "wall"):
        d = await views.detail(town.store, town.actors[login], number)
        assert (d.reporter_name, d.reporter_phone) == ("李*", "138****0001")
        assert (d.ticket.reporter_name, d.ticket.reporter_phone) == ("李*", "138****0001")
        assert not _leaks(str(d.json())), login
        assert not _leaks(repr(d.ticket)), login


async def test_timeline_notes_and_data_are_masked(town: Town) -> None:
    number = await _ticket(town)
    from griddesk.store import workflow

    await workflow.act(town.store, town.operator, number, "dispatch",
                       workflow.Params(unit=town.units["police"], note=NOTE))
    d = await views.detail(town.store, town.operator, number)
    assert any(e.note and "李*" in e.note for e in d.timeline)
    assert not _leaks(str([e.json() for e in d.timeline]))


async def test_queue_rows_are_masked(town: Town) -> None:
    number = await _ticket(town)
    rows = await queue.page(town.store, town.operator)
    row = next(r for r in rows if r.number == number)
    assert row.title == "李*反映垃圾未清运"
    assert not _leaks(str(views.row_json(row)))


async def test_staff_phones_follow_the_centre_rule(town: Town) -> None:
    hits = await search.search(town.store, town.operator, "陈丽")
    assert hits[0].phone == "13807790002"
    hits = await search.search(town.store, town.actors["u-police"], "陈丽")
    assert hits[0].phone == "138****0002"


@pytest.mark.parametrize("kind", ["people", "assignments"])
async def test_exports_mask_staff_phones_for_units_walls_and_grid_workers(town: Town, kind: str,
                                                                         tmp_path: Path) -> None:
    header, rows = await roster_io.export_table(town.store, town.operator, kind)
    col = header.index("phone" if kind == "people" else "person_phone")
    assert "13807790002" in [r[col] for r in rows]  # the centre: full, so the file imports back
    for login in ("u-police", "wall", "gw01"):
        header, rows = await roster_io.export_table(town.store, town.actors[login], kind)
        phones = [r[col] for r in rows if r[col]]
        assert phones and all("****" in p for p in phones), login


# --- reveal -------------------------------------------------------------------------------------


async def test_reveal_needs_the_permission_and_a_reason_and_is_audited(town: Town) -> None:
    number = await _ticket(town)
    for login in ("u-police", "gw01", "wall"):
        with pytest.raises(NotAllowed):
            await privacy.reveal_reporter(town.store, town.actors[login], number, "回访")
    for empty in ("", "   ", None):
        with pytest.raises(Invalid) as e:
            await privacy.reveal_reporter(town.store, town.operator, number, empty)
        assert e.value.field == "reason"
    with pytest.raises(NotFound):
        await privacy.reveal_reporter(town.store, town.operator, "450502005-20991231-0001", "回访")
    async with town.store.db.session() as s:
        assert not (await s.execute(select(AuditEntry).where(AuditEntry.action == "reveal"))).first()
    r = await privacy.reveal_reporter(town.store, town.operator, number, "回访核实")
    assert (r.name, r.phone, r.description) == (NAME, PHONE, NOTE)
    async with town.store.db.session() as s:
        e = (await s.execute(select(AuditEntry).where(AuditEntry.action == "reveal"))).scalar_one()
    assert e.entity_key == number and e.detail["reason"] == "回访核实" and e.actor == town.operator.label
    # and the next read is masked again
    d = await views.detail(town.store, town.operator, number)
    assert d.reporter_name == "李*"


# --- files 0600 ---------------------------------------------------------------------------------


async def test_database_wal_and_backup_files_are_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new.db"
        db = Database(str(path))
        await db.upgrade()
        async with db.session(write=True) as s:
            await s.execute(select(1))
        assert _mode(path) == 0o600
        assert set(_modes_beside(path).values()) == {0o600}
        backup = await db._backup_sqlite(path, "0002")
        assert _mode(backup) == 0o600
        await db.dispose()
        # a database made earlier with a wider mode is narrowed when opened
        os.chmod(path, 0o644)
        db = Database(str(path))
        await db.dispose()
        assert _mode(path) == 0o600
    finally:
        os.umask(old)


@pytest.mark.parametrize("name", ["people.csv", "people.xlsx"])
async def test_exports_are_0600(town: Town, tmp_path: Path, name: str) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / name
        await roster_io.export_file(town.store, town.operator, "people", path)
        assert _mode(path) == 0o600
    finally:
        os.umask(old)
