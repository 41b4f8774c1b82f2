"""`griddesk report` and `griddesk focus` on the test town's SQLite file.

Three tickets registered today through intake: two from the same caller at one address, one
resolved on the spot. Exit codes: 0 done, 1 refused, 2 bad usage.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from griddesk.store import tickets
from tests.fixtures_town import Town


async def three(town: Town) -> None:
    for over in ({}, {"reporter": {"name": "李明", "phone": "138 0779 0001"}},
                 {"resolved_on_spot": True, "reporter": None, "address": "海角路99号"}):
        await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def test_hotspots_json_and_every_format(town: Town, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await three(town)
    r = await cli("report", "hotspots", "--days", "7", "--format", "json", login="sup01")
    assert r.code == 0, r.err
    data = r.json()
    tables = {tb["key"]: tb for tb in data["tables"]}
    assert tables["overview"]["rows"][0]["count"] == 3
    assert tables["by_matter"]["rows"][0] == {**tables["by_matter"]["rows"][0], "name": "暴露垃圾", "count": 3}
    repeats = tables["repeats"]["rows"]
    assert [(x["repeat_kind"], x["count"]) for x in repeats] == [("同一地址", 2), ("同一来电人", 2)]
    for fmt in ("text", "csv", "md", "html"):
        r = await cli("report", "hotspots", "--format", fmt)
        assert r.code == 0 and "海角路12号" in r.out
        assert "13807790001" not in r.out and "138 0779 0001" not in r.out and "李明" not in r.out
    out = tmp_path / "h.xlsx"
    r = await cli("report", "scorecard", "--format", "xlsx", "-o", str(out))
    assert r.code == 0 and out.exists()
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert [ws.title for ws in wb.worksheets] == ["承办单位", "网格员", "网格与村（社区）", "坐席员"]


async def test_reports_for_cron(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    await three(town)
    for kind in ("shift", "daily", "weekly", "monthly"):
        r = await cli("report", kind, "--format", "md")
        assert r.code == 0, (kind, r.err)
        assert r.out.startswith("# ")
    r = await cli("report", "shift", "--format", "json")
    data = r.json()
    overview = {row["figure"]: row["value"] for row in data["tables"][0]["rows"]}
    assert overview["新受理"] == 3 and overview["在办"] == 2 and overview["已结案"] == 1


async def test_bad_usage_exits_2_with_one_line(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    for argv in (("report", "hotspots", "--from", "2026-02-30"), ("report", "hotspots", "--days", "0"),
                 ("report", "hotspots", "--from", "2026-03-09", "--to", "2026-03-01"),
                 ("report", "scorecard", "--format", "xlsx"), ("report", "nonsense")):
        r = await cli(*argv)
        assert r.code == 2, argv
        assert "Traceback" not in r.err and r.err.strip()


async def test_focus_add_list_close(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    await three(town)
    r = await cli("focus", "add", "matter", town.matters["rubbish"], "--owner", "执法中队", "--note", "清运",
                  "--review", "2099-01-01")
    assert r.code == 0, r.err
    r = await cli("focus", "list", "--format", "json")
    [row] = r.json()["tables"][0]["rows"]
    assert (row["name"], row["owner"], row["before"], row["after"]) == ("暴露垃圾", "执法中队", 3, 0)
    r = await cli("focus", "add", "matter", "NOPE", "--owner", "x")
    assert r.code == 1 and "NOPE" in r.err
    r = await cli("focus", "add", "matter", "A001", "--owner", "x", login="wall")
    assert r.code == 1
    r = await cli("focus", "close", str(row["id"]))
    assert r.code == 0
    r = await cli("focus", "close", str(row["id"]))
    assert r.code == 2
    r = await cli("focus", "list", "--all", "--format", "json")
    assert len(r.json()["tables"][0]["rows"]) == 1
