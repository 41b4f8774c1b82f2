"""The supervision commands: overdue, supervise, ladder, notice export, warnings, escalate.

Exit codes: 0 done, 1 refused, 2 bad usage. The CLI runs in a worker thread (it runs its own
event loop) on the test town's SQLite file. Tickets are registered with a `received_at` three
weeks back, so they are late by any working calendar whatever day the tests run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from griddesk.store import tickets, views, workflow
from tests.fixtures_town import COUNTY, TOWN, Town


async def late_ticket(town: Town, unit: str | None = "URBAN", **over: Any) -> str:
    back = town.store.now() - timedelta(days=21)
    data = town.ticket(received_at=back.isoformat(), **over)
    number = await tickets.create(town.store, town.operator, tickets.parse(data))
    if unit:
        await workflow.dispatch(town.store, town.operator, number, unit)
    return number


async def test_overdue_in_json_and_tables(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    a = await late_ticket(town)
    b = await late_ticket(town, unit=None, grid=town.grids["port"])
    r = await cli("overdue", "--format", "json", login="sup01")
    assert r.code == 0, r.err
    data = r.json()
    assert data["by"] == "unit" and data["overdue"] == 2  # the handling clocks (dispatched just now)
    assert [g["key"] for g in data["groups"]] == ["URBAN", "unassigned"]
    assert {row["number"] for g in data["groups"] for row in g["rows"]} == {a, b}
    r = await cli("overdue", "--by", "stage")
    assert r.code == 0 and "■ 办理（handle）：已超期 2，即将到期 0" in r.out and "签收" not in r.out
    r = await cli("overdue", "--by", "grid", lang="en")
    assert r.code == 0 and "冠头岭渔港涉海网格" in r.out and "late ×" in r.out
    r = await cli("overdue", "--by", "colour")
    assert r.code == 2


async def test_supervise_and_its_refusals(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await late_ticket(town)
    r = await cli("supervise", n, "--level", "key", "--reason", "群众反复投诉")
    assert r.code == 0, r.err
    assert n in r.out and "重点督办" in r.out
    d = await views.detail(town.store, town.operator, n)
    assert d.ticket.supervise_level == "key" and d.timeline[-1].note == "群众反复投诉"
    r = await cli("supervise", n, "--level", "reminder", "--reason", "催", "--format", "json", login="sup01")
    assert r.code == 0 and r.json()["level"] == "reminder" and r.json()["unit"] == "URBAN"
    assert (await cli("supervise", n, "--level", "criticism", "--reason", "x")).code == 2
    assert (await cli("supervise", n, "--level", "key")).code == 2
    assert (await cli("supervise", n, "--level", "key", "--reason", " ")).code == 2
    r = await cli("supervise", n, "--level", "key", "--reason", "x", login="wall")
    assert r.code == 1 and "只读" in r.err
    assert (await cli("supervise", "450502005-20000101-0001", "--level", "key", "--reason", "x")).code == 1


async def test_ladder_run_writes_steps_once(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await late_ticket(town)
    r = await cli("ladder", "run", "--format", "json")
    assert r.code == 0, r.err
    assert [(s["number"], s["level"], s["auto"]) for s in r.json()] == [(n, "notice", True), (n, "criticism", True)]
    r = await cli("ladder", "run")
    assert r.code == 0 and "没有到期的督办步骤" in r.out
    assert (await cli("ladder", "run", login="wall")).code == 1
    r = await cli("criticism", "--format", "json", login="sup01")
    assert r.code == 0 and [x["number"] for x in r.json()] == [n]


async def test_notice_export_to_stdout_and_file(town: Town, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    n = await late_ticket(town)
    await cli("supervise", n, "--level", "notice", "--reason", "超期未办")
    r = await cli("notice", "export", n)
    assert r.code == 0 and r.out.startswith("# 催办通知书") and "地角街道督〔" in r.out
    out = tmp_path / "notice.html"
    r = await cli("notice", "export", n, "--format", "html", "-o", str(out), lang="en")
    assert r.code == 0 and str(out) in r.err
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Formal Notice of Supervision" in page
    assert (await cli("notice", "export", n, login="u-urban")).code == 1
    assert (await cli("notice", "export", n, "--format", "pdf")).code == 2


async def test_formal_notice_needs_a_unit_holding_the_ticket(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await late_ticket(town, unit=None)
    r = await cli("notice", "export", n)
    assert r.code == 1 and "尚未分拨" in r.err and "Traceback" not in r.err and r.out == ""
    r = await cli("supervise", n, "--level", "notice", "--reason", "超期未派", lang="en")
    assert r.code == 1 and "dispatch it first" in r.err
    await workflow.dispatch(town.store, town.operator, n, "URBAN")
    assert (await cli("supervise", n, "--level", "notice", "--reason", "超期未办")).code == 0
    assert (await cli("notice", "export", n)).code == 0


async def test_warnings_and_warn(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    await late_ticket(town)
    await late_ticket(town, unit="POLICE")
    await late_ticket(town)
    r = await cli("warnings", "--format", "json", login="sup01")
    assert r.code == 0, r.err
    units = r.json()
    assert [(u["unit"], u["overdue"], u["warnings"]) for u in units] == [("URBAN", 2, 0), ("POLICE", 1, 0)]
    assert len(units[0]["worst"]) == 2 and units[0]["worst"][0]["state"] == "overdue"
    r = await cli("warn", "URBAN", "--reason", "本周两件超期未办", login="sup01")
    assert r.code == 0 and "已向" in r.out and "当前超期 2 项" in r.out
    r = await cli("warnings", login="sup01")
    assert r.code == 0 and "海城区综合行政执法局地角中队（URBAN）" in r.out
    r = await cli("warn", "URBAN", "--reason", "x")  # a seat operator cannot warn a unit
    assert r.code == 1 and "江门条例第十七条" in r.err
    assert (await cli("warn", "NOSUCH", "--reason", "x", login="sup01")).code == 1
    assert (await cli("warn", "URBAN", login="sup01")).code == 2


async def test_escalate_modes(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket(
        matter=town.matters["dispute"], urgency="emergency")))
    r = await cli("escalations", "--format", "json")
    assert r.code == 0 and [x["number"] for x in r.json()] == [n]
    assert (await cli("escalate", n, "--report")).code == 2  # --note is needed
    assert (await cli("escalate", n)).code == 2  # one mode is needed
    assert (await cli("escalate", n, "--report", "--flag", "--note", "x")).code == 2
    r = await cli("escalate", n, "--report", "--note", "已报区综治中心", "--format", "json")
    assert r.code == 0 and r.json()["escalation"] == "reported"
    r = await cli("escalate", n, "--report", "--note", "again")
    assert r.code == 1  # not waiting for a report any more: refused
    v = (await views.detail(town.store, town.operator, n)).ticket.version
    r = await cli("escalate", n, "--to-county", "--reason", "跨街道纠纷", "--version", str(v))
    assert r.code == 0 and COUNTY in r.out
    r = await cli("escalations", "--county", "--format", "json", login="county01")
    assert r.code == 0 and [(x["number"], x["held_by"]) for x in r.json()] == [(n, COUNTY)]
    assert (await cli("escalations", "--county")).code == 1  # a town operator
    assert (await cli("escalate", n, "--back", "--reason", "x")).code == 1  # only the county
    r = await cli("escalate", n, "--back", "--reason", "请街道办理", "--version", str(v), login="county01")
    assert r.code == 1 and "第 " in r.err  # stale version: a conflict
    r = await cli("escalate", n, "--back", "--reason", "请街道办理", login="county01")
    assert r.code == 0 and TOWN in r.out
    other = await late_ticket(town, unit=None)
    r = await cli("escalate", other, "--flag", "--reason", "群体聚集")
    assert r.code == 0
    r = await cli("escalations", lang="en")
    assert r.code == 0 and other in r.out
