"""`griddesk ticket reveal` and `griddesk audit verify|list|export`; masking in every CLI output
(ticket show text/json, tickets list table/json/csv, exports)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from griddesk.store import tickets, workflow
from griddesk.store.models import AuditEntry
from tests.cli.script import griddesk
from tests.fixtures_town import Town

NAME, PHONE, ID_NUMBER = "李明", "13807790001", "440703199001011234"


def _clean(text: str) -> bool:
    return not any(x in text for x in (NAME, PHONE, ID_NUMBER))


async def _ticket(town: Town) -> str:
    data = town.ticket(title=f"{NAME}反映垃圾", description=f"回访{NAME}，电话{PHONE}，身份证{ID_NUMBER}")
    number = await tickets.create(town.store, town.operator, tickets.parse(data))
    # led by the police, so the u-police account may see it (store/visibility.py)
    await workflow.dispatch(town.store, town.operator, number, town.units["police"])
    return number


@pytest.mark.parametrize("login", ["op01", "sup01", "u-police", "wall"])
async def test_show_and_list_are_masked_in_every_format(town: Town, cli: Any, login: str) -> None:
    n = await _ticket(town)
    for argv in (("ticket", "show", n), ("ticket", "show", n, "--format", "json"),
                 ("tickets", "list"), ("tickets", "list", "--format", "json"), ("tickets", "list", "--format", "csv")):
        r = await cli(*argv, login=login)
        assert r.code == 0, (argv, r.err)
        assert _clean(r.out), (argv, r.out)
    r = await cli("ticket", "show", n, "--format", "json", login=login)
    assert r.json()["reporter"] == {"name": "李*", "phone": "138****0001"}
    assert "李*" in r.json()["description"]


async def test_reveal_needs_a_reason_and_the_role(town: Town, cli: Any) -> None:
    n = await _ticket(town)
    r = await cli("ticket", "reveal", n)
    assert r.code == 2 and "理由" in r.err  # the field and the reason, in one line
    r = await cli("ticket", "reveal", n, "--reason", "  ")
    assert r.code == 2
    r = await cli("ticket", "reveal", n, "--reason", "回访", login="u-police")
    assert r.code == 1 and NAME not in r.out
    r = await cli("ticket", "reveal", n, "--reason", "回访核实", "--format", "json")
    assert r.code == 0
    assert r.json()["reporter"] == {"name": NAME, "phone": PHONE}
    r = await cli("audit", "list", "--action", "reveal", "--format", "json", login="sup01")
    assert r.code == 0
    [entry] = r.json()
    assert entry["key"] == n and entry["detail"]["reason"] == "回访核实" and entry["actor"] == "周敏(op01)"


async def test_audit_commands_are_for_supervisors_and_admins(town: Town, cli: Any, tmp_path: Path) -> None:
    for login in ("op01", "u-police", "gw01", "wall"):
        for argv in (("audit", "verify"), ("audit", "list"), ("audit", "export", str(tmp_path / "a.csv"))):
            r = await cli(*argv, login=login)
            assert r.code == 2, (login, argv)
    assert not (tmp_path / "a.csv").exists()
    for login in ("sup01", "admin"):
        r = await cli("audit", "verify", login=login)
        assert r.code == 0 and "完好" in r.out


async def test_show_is_a_read_and_verify_names_a_changed_entry(town: Town, cli: Any) -> None:
    n = await _ticket(town)
    assert (await cli("ticket", "show", n)).code == 0
    r = await cli("audit", "list", "--actor", "op01", "--action", "read", "--format", "json", login="admin")
    [read] = r.json()
    assert read["key"] == n
    r = await cli("audit", "verify", login="admin", lang="en")
    assert r.code == 0 and "intact" in r.out
    async with town.store.db.session(write=True) as s:
        await s.execute(update(AuditEntry).where(AuditEntry.id == read["id"]).values(entity_key="x"))
    r = await cli("audit", "verify", login="admin", lang="en")
    assert r.code == 1 and f"entry {read['id']}" in r.err


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
async def test_audit_export_writes_a_0600_file(town: Town, cli: Any, tmp_path: Path, fmt: str) -> None:
    await _ticket(town)
    path = tmp_path / f"audit.{fmt}"
    r = await cli("audit", "export", str(path), login="sup01")
    assert r.code == 0, r.err
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    if fmt == "jsonl":
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        assert lines and all(len(x["hash"]) == 64 for x in lines)


async def test_roster_export_for_a_wall_account_masks_staff_phones(town: Town, cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    r = await cli("export", "people", str(path), login="wall")
    assert r.code == 0, r.err
    text = path.read_text(encoding="utf-8-sig")
    assert "13807790002" not in text and "138****0002" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_reveal_and_audit_in_a_real_process(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    r = griddesk(tmp_path, "--db", str(db), "audit", "--help")
    assert r.returncode == 0 and "verify" in r.stdout
    r = griddesk(tmp_path, "--db", str(db), "ticket", "reveal", "450502005-20261126-0001")
    assert r.returncode == 2 and "Traceback" not in r.stderr
