"""Bad input through the command line: exit 2 naming the field, no traceback, nothing written —
hypothesis over JSON intake (one object and JSON lines) and `ticket act` options, and the edges
the fuzzers found (issue 10). In-process `cli` on the test town's SQLite file; real subprocesses
where the process itself matters (argument bytes, output encoding, config file)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from griddesk.store import tickets, validation, workflow
from griddesk.store.models import AuditEntry, Ticket
from tests.cli.conftest import Run
from tests.cli.script import GRIDDESK, env, griddesk
from tests.fixtures_town import Town

Cli = Callable[..., Awaitable[Run]]
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NASTY = st.sampled_from(["\x1b[2J", "\x07", "\x00", "\u202e", "\ud800", "\x9b", "%", "_", "[/]", "\n", "\t", "ǅ"])
TEXT = st.one_of(st.text(max_size=20), st.builds(lambda a, b: a + b, st.text(max_size=8), NASTY))
VALUE = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=2),
                     max_leaves=6)
FIELD = st.sampled_from([*tickets.KEYS, "recieved_at", "urgncy", "reporter.name", "reporter.phone"])


async def rows(town: Town) -> tuple[int, int]:
    """Tickets and audit entries: what a write leaves behind."""
    async with town.store.db.session() as s:
        return ((await s.execute(select(func.count()).select_from(Ticket))).scalar_one(),
                (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


def clean(r: Run) -> None:
    assert "Traceback" not in r.err
    assert validation.is_printable(r.err, multiline=True) and validation.is_printable(r.out, multiline=True)


def mutate(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    for key, value in changes.items():
        if key.startswith("reporter."):
            if isinstance(data.get("reporter"), dict):
                data["reporter"][key.split(".", 1)[1]] = value
        else:
            data[key] = value
    return data


@FUZZ
@given(changes=st.dictionaries(FIELD, VALUE, min_size=1, max_size=3))
async def test_fuzzed_ticket_add_is_added_whole_or_refused_whole(town: Town, cli: Cli, tmp_path: Path,
                                                                 changes: dict[str, Any]) -> None:
    before = await rows(town)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(mutate(town.ticket(), changes), ensure_ascii=False), encoding="utf-8",
                    errors="surrogatepass")
    r = await cli("ticket", "add", str(path))
    clean(r)
    after = await rows(town)
    if r.code == 0:
        assert after[0] == before[0] + 1
    else:
        assert r.code == 2 and after == before and r.out == ""


@FUZZ
@given(changes=st.dictionaries(FIELD, VALUE, min_size=1, max_size=2), at=st.integers(0, 3))
async def test_one_bad_json_line_refuses_all_of_them(town: Town, cli: Cli, tmp_path: Path,
                                                     changes: dict[str, Any], at: int) -> None:
    before = await rows(town)
    lines = [json.dumps(town.ticket(title=f"第{i}张"), ensure_ascii=False) for i in range(3)]
    lines.insert(at, json.dumps(mutate(town.ticket(), changes), ensure_ascii=False))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    r = await cli("ticket", "add", str(path))
    clean(r)
    after = await rows(town)
    assert (r.code, after[0]) in ((0, before[0] + 4), (2, before[0]))
    if r.code == 2:
        assert after == before and (f"{at + 1}" in r.err or "UTF-8" in r.err)


@FUZZ
@given(raw=st.binary(max_size=200))
async def test_any_bytes_as_input(town: Town, cli: Cli, tmp_path: Path, raw: bytes) -> None:
    before = await rows(town)
    path = tmp_path / "in.bin"
    path.write_bytes(raw)
    r = await cli("ticket", "add", str(path))
    clean(r)
    assert r.code == 2 and await rows(town) == before


OPTIONS = st.lists(st.tuples(st.sampled_from(["--unit", "--co-unit", "--reason", "--note", "--until", "--days",
                                               "--satisfaction", "--version"]), TEXT), max_size=3)


@FUZZ
@given(action=st.sampled_from(workflow.ACTIONS), options=OPTIONS,
       flag=st.sampled_from([[], ["--passed"], ["--failed"]]))
async def test_fuzzed_ticket_act_never_half_writes(town: Town, cli: Cli, action: str,
                                                   options: list[tuple[str, str]], flag: list[str]) -> None:
    number = (await tickets.create(town.store, town.operator, tickets.parse(town.ticket())))
    argv = [a for pair in options for a in pair] + flag  # a value like "-x" is argparse's usage error: 2
    before = await rows(town)
    r = await cli("ticket", "act", number, action, *argv, login="sup01")
    clean(r)
    assert r.code in (0, 1, 2)
    if r.code != 0:
        assert await rows(town) == before


async def test_the_edges_the_fuzzers_found(town: Town, cli: Cli, tmp_path: Path) -> None:
    before = await rows(town)
    for change, named in (({"received_at": "0001-01-01T00:00:00+00:00"}, "received_at"),
                          ({"received_at": "9999-12-31T23:59:59-12:00"}, "received_at"),
                          ({"received_at": []}, "received_at"),
                          ({"out_of_list": "false", "matter": None}, "out_of_list"),
                          ({"title": {"a": 1}}, "title"),
                          ({"urgncy": "emergency"}, "urgncy"),
                          ({"title": "\ud800"}, "title")):
        path = tmp_path / "t.json"
        path.write_text(json.dumps(town.ticket(**change)), encoding="utf-8")
        r = await cli("ticket", "add", str(path), lang="en")
        clean(r)
        assert r.code == 2 and named.replace("_", " ") in r.err.replace("_", " "), (change, r.err)
    path.write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    r = await cli("ticket", "add", str(path))
    clean(r)
    assert r.code == 2
    r = await cli("ticket", "add", str(tmp_path / "missing.json"))
    assert r.code == 2 and "missing.json" in r.err
    assert await rows(town) == before


async def test_lenient_warns_and_adds(town: Town, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(town.ticket(priority="high")), encoding="utf-8")
    r = await cli("ticket", "add", str(path))
    assert r.code == 2 and "priority" in r.err
    r = await cli("ticket", "add", "--lenient", str(path))
    assert r.code == 0 and "priority" in r.err and r.out.strip()


async def test_dispatch_to_the_centre_is_refused(town: Town, cli: Cli) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    before = await rows(town)
    r = await cli("ticket", "act", number, "dispatch", "--unit", "CENTRE")
    assert r.code == 2 and "CENTRE" in r.err and await rows(town) == before
    r = await cli("ticket", "act", number, "dispatch", "--unit", "URBAN", "--co-unit", "CENTRE")
    assert r.code == 2 and await rows(town) == before
    r = await cli("ticket", "act", number, "dispatch", "--unit", "URBAN", "--reason", "\x1b[2J")
    assert r.code == 2 and "\x1b" not in r.err and await rows(town) == before
    r = await cli("ticket", "act", number, "dispatch", "--unit", "URBAN", "--note", "第一行\n第二行")
    assert r.code == 0


async def test_external_id_shown_and_found(town: Town, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(town.ticket(external_id="BH-7788")), encoding="utf-8")
    number = (await cli("ticket", "add", str(path))).out.strip()
    shown = (await cli("ticket", "show", number, "--format", "json")).json()
    assert shown["external_id"] == "BH-7788" and shown["external_source"] == "12345"
    assert "BH-7788" in (await cli("ticket", "show", number)).out
    found = (await cli("tickets", "list", "--text", "7788", "--format", "json")).json()
    assert [f["number"] for f in found] == [number]
    r = await cli("ticket", "add", str(path))
    assert r.code == 2 and number in r.err


async def test_an_old_row_with_escapes_never_reaches_the_terminal_raw(town: Town, cli: Cli) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    evil = "\x1b[2J\x1b]0;pwned\x07\u202e标题\x9b"
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Ticket).where(Ticket.number == number).values(title=evil, address="[/]\x00"))
    for argv in (("tickets", "list"), ("tickets", "list", "--format", "csv"), ("ticket", "show", number)):
        r = await cli(*argv)
        assert r.code == 0 and validation.is_printable(r.out, multiline=True), argv
        assert "␛[2J" in r.out
    data = (await cli("tickets", "list", "--format", "json")).json()
    assert any(row["title"] == evil for row in data)  # JSON stays exact: escapes, not changes
    shown = await cli("ticket", "show", number, "--format", "json")
    assert validation.is_printable(shown.out, multiline=True) and shown.json()["title"] == evil


# --- the process itself: argument bytes, output encoding, --db, config -----------------------------


def test_arguments_that_are_not_utf8_exit_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = subprocess.run([GRIDDESK, "tickets", "list", "--text", b"\xff\xfe".decode("utf-8", "surrogateescape")],
                       env=env(home), capture_output=True, timeout=60)
    assert r.returncode == 2 and b"Traceback" not in r.stderr and b"UTF-8" in r.stderr


def test_json_list_on_an_ascii_terminal(town: Town, db_path: Path, machine_admin: Path) -> None:
    # db_path.parent / "home" is the autouse GRIDDESK_HOME: machine_admin's mapping is who acts there
    tickets_json = town.ticket(title="海角路垃圾")
    r = subprocess.run([GRIDDESK, "--db", str(db_path), "ticket", "add"], input=json.dumps(tickets_json).encode(),
                       env=env(db_path.parent / "home"), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    e = {**env(db_path.parent / "home"), "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    r = subprocess.run([GRIDDESK, "--db", str(db_path), "tickets", "list", "--format", "json"],
                       env=e, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.decode("ascii"))[0]["title"] == "海角路垃圾"
    r = subprocess.run([GRIDDESK, "--db", str(db_path), "tickets", "list"], env=e, capture_output=True, timeout=60)
    assert r.returncode == 0 and b"Traceback" not in r.stderr


def test_a_mistyped_db_is_refused_and_not_created(tmp_path: Path) -> None:
    home, typo = tmp_path / "home", tmp_path / "twon.db"
    for argv in (("tickets", "list"), ("units", "list"), ("ticket", "show", "X")):
        r = griddesk(home, "--db", str(typo), *argv)
        assert r.returncode == 2 and str(typo) in r.stderr and "Traceback" not in r.stderr
    assert not typo.exists()
    r = griddesk(home, "--db", str(typo), "init")
    assert r.returncode == 0 and typo.exists()
    r = griddesk(home, "--db", str(typo), "tickets", "list")  # exists now, holds no account with a password yet:
    assert r.returncode == 2 and str(typo) not in r.stderr  # not refused as missing, but the first run's next step
    assert "griddesk user passwd admin" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(("text", "key"), [
    ("bel = false\n", "bel"), ("sign_limt_hours = 4\n", "sign_limt_hours"),
    ("due_soon_fraction = 7\n", "due_soon_fraction"), ("sign_limit_hours = -3\n", "sign_limit_hours"),
    ('timezone = "Mars/Olympus"\n', "timezone"),
])
def test_a_wrong_config_exits_2_in_one_line(tmp_path: Path, text: str, key: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(text, encoding="utf-8")
    r = griddesk(home, "units", "list")
    assert r.returncode == 2 and key in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert os.path.exists(home / "config.toml")
