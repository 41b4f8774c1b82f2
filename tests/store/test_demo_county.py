"""`demo init --county`: every town of a real county from the division data, with the roster's
gaps in each, tickets spread over the towns and numbered per town and day, the same data whether
worker processes lived the tickets or not; and the command's argument errors."""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from griddesk.console.cli.main import main as cli_entry
from griddesk.store import compliance, config, demo
from griddesk.store.context import Store

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
COUNTY = "450512"  # 北海市铁山港区: three towns
GRIDS, TICKETS, DAYS = 240, 2000, 20


async def _build(path: Path, **kw) -> demo.DemoSummary:  # type: ignore[no-untyped-def]
    s = await Store.open(str(path), config.Settings(), now=lambda: NOW)
    try:
        return await demo.build(s, county=COUNTY, tickets=TICKETS, days=DAYS, grids=GRIDS, **kw)
    finally:
        await s.close()


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.DemoSummary]:
    import asyncio

    path = tmp_path_factory.mktemp("county") / "county.db"
    return path, asyncio.run(_build(path, workers=0))


def _towns() -> dict[str, str]:
    with open(demo.DIVISIONS / "towns.csv", encoding="utf-8", newline="") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f) if r["areaCode"] == COUNTY}


def test_every_town_of_the_county_is_built(county: tuple[Path, demo.DemoSummary]) -> None:
    path, s = county
    towns = _towns()
    con = sqlite3.connect(path)
    assert dict(con.execute("SELECT code, name FROM areas WHERE level = 'town'").fetchall()) == towns
    assert s.towns == len(towns) == 3 and s.town == COUNTY
    assert con.execute("SELECT count(*) FROM areas WHERE level = 'county'").fetchone()[0] == 1
    per_town = dict(con.execute("SELECT town_code, count(*) FROM grids GROUP BY 1").fetchall())
    assert per_town == {code: GRIDS // 3 for code in towns} and s.grids == GRIDS
    assert all(code.startswith(town) for code, town in con.execute("SELECT code, town_code FROM grids"))
    assert s.people == con.execute("SELECT count(*) FROM people").fetchone()[0] > 3 * GRIDS
    # each town its own centre, seat operators and accounts; the county's units and accounts once
    logins = {r[0] for r in con.execute("SELECT login FROM operators")}
    suffixes = sorted(f"-{c[6:]}" for c in towns)[1:]
    assert {"op01", "admin", "county01", "u-housing"} <= logins
    assert all(f"op01{x}" in logins and f"u-police{x}" in logins for x in suffixes)
    assert "u-housing-002" not in logins and "admin-002" not in logins
    assert con.execute("SELECT count(*) FROM units WHERE kind = 'centre'").fetchone()[0] == 3
    con.close()


def test_the_roster_has_gaps_and_people_who_left(county: tuple[Path, demo.DemoSummary]) -> None:
    path, s = county
    con = sqlite3.connect(path)
    for gap in ("no_leader", "no_full_time", "notice_stale"):
        assert len(s.gaps[gap]) == 2 * 3  # two in every town
    without_worker = {r[0] for r in con.execute(
        "SELECT code FROM grids g WHERE NOT EXISTS (SELECT 1 FROM grid_assignments a WHERE a.grid_id = g.id "
        "AND a.role = 'full_time' AND a.until IS NULL)")}
    assert without_worker == set(s.gaps["no_full_time"])
    left = con.execute("SELECT count(*) FROM people WHERE status = 'left' AND left_on IS NOT NULL").fetchone()[0]
    assert left >= 2 * 3
    # about five people a grid (issue 13: 30,000 people for 6,000 grids), some of them on the
    # roster without a grid yet: not a seat operator, no assignment, heading no micro-grid
    assert 4.4 <= s.people / s.grids <= 5.4  # 4.55 in these three towns of 80 grids, 5.07 in 231102
    unassigned = con.execute(
        "SELECT count(*) FROM people p WHERE p.status = 'active' AND p.role != 'seat_operator' "
        "AND NOT EXISTS (SELECT 1 FROM grid_assignments a WHERE a.person_id = p.id) "
        "AND NOT EXISTS (SELECT 1 FROM micro_grids m WHERE m.head_person_id = p.id)").fetchone()[0]
    assert unassigned >= 2 * 3
    con.close()


def test_tickets_are_spread_over_the_towns_with_valid_grids(county: tuple[Path, demo.DemoSummary]) -> None:
    path, s = county
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM tickets").fetchone()[0] == TICKETS == sum(s.by_status.values())
    assert con.execute("SELECT count(*) FROM tickets t LEFT JOIN grids g ON g.id = t.grid_id "
                       "WHERE g.id IS NULL OR g.town_code != t.town_code").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM tickets t LEFT JOIN units u ON u.id = t.lead_unit_id "
                       "WHERE t.lead_unit_id IS NOT NULL AND u.id IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM timeline e LEFT JOIN tickets t ON t.id = e.ticket_id "
                       "WHERE t.id IS NULL").fetchone()[0] == 0
    towns = Counter(r[0] for r in con.execute("SELECT town_code FROM tickets"))
    assert set(towns) == set(_towns())
    # numbers run per town and day, and each town's counter holds its last number of the day
    numbers = Counter()
    for (number,) in con.execute("SELECT number FROM tickets"):
        town, day, _seq = number.split("-")
        numbers[f"{town}-{day}"] += 1
    assert dict(con.execute("SELECT key, value FROM counters").fetchall()) == dict(numbers)
    # the schema is as migrated: the indexes dropped for the load are back, the file in WAL mode
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_tickets_queue", "ix_timeline_action_at", "ix_clocks_ladder"} <= names
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the text index (paused for the load) holds every ticket and keeps in step again
    assert con.execute("SELECT count(*) FROM tickets_fts").fetchone()[0] == TICKETS
    con.execute("INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('integrity-check', 1)")
    triggers = {r[0] for r in con.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {"tickets"}
    con.close()


async def test_a_supervisor_finds_the_gaps_of_every_town(county: tuple[Path, demo.DemoSummary]) -> None:
    path, s = county
    store = await Store.open(str(path), config.Settings(), now=lambda: NOW)
    try:
        found = await compliance.findings(store, await store.actor("admin"), ["no_leader", "no_full_time"])
    finally:
        await store.close()
    keys = {(f.rule, f.subject_key) for f in found}
    assert keys == ({("no_leader", g) for g in s.gaps["no_leader"]}
                    | {("no_full_time", g) for g in s.gaps["no_full_time"]})


async def test_worker_processes_make_the_same_data(county: tuple[Path, demo.DemoSummary],
                                                   tmp_path: Path) -> None:
    other = tmp_path / "workers.db"
    await _build(other, workers=1)
    q = "SELECT id, number, grid_id, status, due_at, title, reporter_name FROM tickets ORDER BY id"
    a, b = sqlite3.connect(county[0]), sqlite3.connect(other)
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    q = "SELECT ticket_id, at, actor, action, note, data FROM timeline ORDER BY id"
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    a.close()
    b.close()


@pytest.mark.parametrize(("argv", "option"), [
    (["--county", "999999"], "--county"),
    (["--county", "450512", "--town", "450512001"], "--town"),
    (["--county", "450512", "--tickets", "lots"], "--tickets"),
])
def test_argument_errors_exit_2_naming_the_option(tmp_path: Path, argv: list[str], option: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "never.db"
    code = cli_entry(["--db", str(db), "--lang", "en", "demo", "init", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert option in err and "Traceback" not in err
    if argv[1] == "999999":
        assert "no county has the division code \"999999\"" in err
    assert not db.exists()  # told before anything is written
