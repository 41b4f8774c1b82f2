"""The overdue view on a known data set with a fixed clock: classification, 超时倍数, grouping.

Monday 2 March 2026, Beihai (UTC+8), working hours 08:30–12:00 and 14:00–17:30. The view is
read at 17:10. What each ticket's clocks should show then, worked out by hand:

    A rubbish, comp1, dispatched to URBAN 09:00, signed 09:30
        handle 4 wh from 09:00 → due 15:00; late 2 h 10 min working → ×0.54
    B rubbish urgent, comp2, dispatched to URBAN 09:00, signed 09:30
        handle 2 wh → due 11:00; late 1 h before lunch + 3 h 10 min after → ×2.08
        (in natural time it would be 6 h 10 min: the lunch break does not count)
    C dispute, port, dispatched to POLICE 09:30, not signed
        sign 2 wh → due 11:30; late 0.5 h + 3 h 10 min → ×1.83; handle 3 wd: not yet due soon
    E dispute emergency, school, pending dispatch
        handle 4 natural hours → due 13:00; late 4 h 10 min → ×1.04
        escalate 30 natural minutes → due 09:30; late 460 min → ×15.33
    F rubbish, comp1, received 14:00, pending dispatch
        handle 4 wh → due Tue 09:00, due soon from Mon 17:00: 50 working minutes left
    G rubbish, comp2, received 09:00, suspended 10:00: its clock is paused, not listed
    H rubbish, comp2, received 09:00, resolved on the spot (closed): not listed
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from griddesk.store import overdue, queue, tickets, workflow
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid
from tests.fixtures_town import COUNTY, Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beihai


def at(hh: int, mm: int = 0, day: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hh - 9, minutes=mm)


async def add(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


@pytest.fixture
async def known(tmp_path):  # type: ignore[no-untyped-def]
    now = [at(9)]
    s = await Store.open(str(tmp_path / "o.db"), now=lambda: now[0])
    town = await seed(s)
    op, urban = town.operator, town.actors["u-urban"]
    n: dict[str, str] = {}
    n["A"] = await add(town, grid=town.grids["comp1"], title="A")
    n["B"] = await add(town, grid=town.grids["comp2"], urgency="urgent", title="B")
    n["C"] = await add(town, grid=town.grids["port"], matter=town.matters["dispute"], title="C")
    n["E"] = await add(town, grid=town.grids["school"], matter=town.matters["dispute"],
                       urgency="emergency", title="E")
    n["G"] = await add(town, grid=town.grids["comp2"], title="G")
    n["H"] = await add(town, grid=town.grids["comp2"], title="H", resolved_on_spot=True)
    await workflow.dispatch(s, op, n["A"], "URBAN")
    await workflow.dispatch(s, op, n["B"], "URBAN")
    now[0] = at(9, 30)
    await workflow.dispatch(s, op, n["C"], "POLICE")
    await workflow.sign(s, urban, n["A"])
    await workflow.sign(s, urban, n["B"])
    now[0] = at(10)
    await workflow.suspend(s, op, n["G"], reason="等待拆迁补偿方案")
    now[0] = at(14)
    n["F"] = await add(town, grid=town.grids["comp1"], title="F")
    now[0] = at(17, 10)
    yield town, n, now
    await s.close()


def titled(rows: list[overdue.OverdueRow]) -> list[tuple[str, str]]:
    return [(r.title, r.clock) for r in rows]


async def test_rows_are_classified_and_sorted_by_multiple(known) -> None:  # type: ignore[no-untyped-def]
    town, n, _ = known
    rows = await overdue.rows(town.store, town.operator)
    assert titled(rows) == [("E", "escalate"), ("B", "handle"), ("C", "sign"), ("E", "handle"),
                            ("A", "handle"), ("F", "handle")]
    mult = {(r.title, r.clock): round(r.multiple, 2) for r in rows}
    assert mult == {("E", "escalate"): 15.33, ("B", "handle"): 2.08, ("C", "sign"): 1.83,
                    ("E", "handle"): 1.04, ("A", "handle"): 0.54, ("F", "handle"): 0.0}
    late = {(r.title, r.clock): r.late_s for r in rows}
    assert late[("B", "handle")] == 4 * 3600 + 10 * 60  # working seconds: lunch left out
    f = rows[-1]
    assert not f.overdue and f.left_s == 50 * 60
    assert [r.overdue for r in rows] == [True] * 5 + [False]


async def test_grouped_by_unit_with_counts(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    v = await overdue.view(town.store, town.operator, "unit")
    got = [(g.key, g.overdue, g.due_soon, [r.title + ":" + r.clock for r in g.rows]) for g in v.groups]
    assert got == [
        ("unassigned", 2, 1, ["E:escalate", "E:handle", "F:handle"]),
        ("URBAN", 2, 0, ["B:handle", "A:handle"]),
        ("POLICE", 1, 0, ["C:sign"]),
    ]
    assert v.groups[0].label == "未分拨" and v.groups[1].label == "海城区综合行政执法局地角中队"
    assert (v.overdue, v.due_soon) == (5, 1)  # clocks
    assert (v.tickets_overdue, v.tickets_due_soon) == (4, 1)  # tickets, as the header counts them
    counts = await queue.counts(town.store, town.operator)
    assert (counts.overdue, counts.due_soon) == (v.tickets_overdue, v.tickets_due_soon)


async def test_grouped_by_grid_and_by_stage(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    by_grid = await overdue.view(town.store, town.operator, "grid")
    # school: E twice (worst ×15.33); comp2: B ×2.08 (G suspended, H closed); port: C ×1.83;
    # comp1: A ×0.54 and F due soon
    keys = [g.key for g in by_grid.groups]
    assert keys == [town.grids["school"], town.grids["comp2"], town.grids["port"], town.grids["comp1"]]
    assert [(g.overdue, g.due_soon) for g in by_grid.groups] == [(2, 0), (1, 0), (1, 0), (1, 1)]
    by_stage = await overdue.view(town.store, town.operator, "stage", lang="en")
    # worst first, not most rows first: escalate ×15.33, handle ×2.08 (3 rows), sign ×1.83
    assert [(g.key, g.label, g.overdue, g.due_soon) for g in by_stage.groups] == [
        ("escalate", "Escalation", 1, 0), ("handle", "Handling", 3, 1), ("sign", "Sign-for", 1, 0)]


async def test_only_overdue_and_the_json_shape(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    v = await overdue.view(town.store, town.operator, "stage", only_overdue=True)
    assert v.due_soon == 0 and v.overdue == 5
    data = v.json()
    assert data["by"] == "stage" and data["overdue"] == 5
    first = data["groups"][0]["rows"][0]
    assert set(first) >= {"number", "clock", "due_at", "state", "overdue_multiple", "lead_unit", "limit"}
    assert first["state"] == "overdue"


async def test_scope_follows_the_actor(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    urban = await overdue.rows(town.store, town.actors["u-urban"])
    assert titled(urban) == [("B", "handle"), ("A", "handle")]  # a unit sees what it leads
    county = await overdue.rows(town.store, town.actors["county01"])
    assert len(county) == 6
    elsewhere = Actor("x", "x", Role.OPERATOR, COUNTY + "001")
    assert await overdue.rows(town.store, elsewhere) == []


async def test_due_soon_turns_overdue_as_time_passes(known) -> None:  # type: ignore[no-untyped-def]
    town, _, now = known
    now[0] = at(9, 1, day=1)  # Tuesday 09:01: F's deadline (09:00) has just passed
    rows = {(r.title, r.clock): r for r in await overdue.rows(town.store, town.operator)}
    f = rows[("F", "handle")]
    assert f.overdue and round(f.late_s) == 60 and f.multiple == pytest.approx(60 / (4 * 3600))
    # Monday evening to Tuesday morning adds no working time to A's lateness
    assert rows[("A", "handle")].late_s == 2 * 3600 + 30 * 60 + 31 * 60


async def test_unknown_grouping_is_refused(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    with pytest.raises(Invalid) as e:
        await overdue.view(town.store, town.operator, "colour")
    assert e.value.field == "by"


async def test_lateness_reads_in_the_limits_own_basis(known) -> None:  # type: ignore[no-untyped-def]
    town, _, _ = known
    s = town.store
    assert overdue.basis_span(s, 101 * 3600, "work_hours", "zh") == "14个工作日3小时"  # 7 h days
    assert overdue.basis_span(s, 7 * 3600, "work_days", "en") == "1 working day"
    assert overdue.basis_span(s, 4 * 3600 + 10 * 60, "work_hours", "zh") == "4小时10分钟"
    assert overdue.basis_span(s, 50 * 3600, "natural_hours", "en") == "2 d 2 h"
    assert overdue.basis_span(s, -460 * 60, "natural_minutes", "zh") == "7小时40分钟"
