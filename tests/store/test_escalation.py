"""Escalation: the report-upward clock, flagging by hand, and the town ⇄ county hand-over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from griddesk.store import escalation, queue, tickets, views, workflow
from griddesk.store.context import Store
from griddesk.store.errors import Conflict, Invalid, NotAllowed
from griddesk.store.models import TicketClock
from tests.fixtures_town import COUNTY, TOWN, Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


@pytest.fixture
async def clocked(tmp_path):  # type: ignore[no-untyped-def]
    now = [MON]
    s = await Store.open(str(tmp_path / "e.db"), now=lambda: now[0])
    town = await seed(s)
    yield town, now
    await s.close()


async def add(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def clock_states(town: Town, number: str, name: str) -> list[str]:
    d = await views.detail(town.store, town.operator, number)
    async with town.store.db.session() as s:
        return list((await s.execute(select(TicketClock.state).where(
            TicketClock.ticket_id == d.ticket.id, TicketClock.name == name).order_by(TicketClock.id))).scalars())


async def test_an_emergency_waits_for_its_report_and_the_report_stops_the_clock(clocked) -> None:  # type: ignore[no-untyped-def]
    town, now = clocked
    number = await add(town, matter=town.matters["dispute"], urgency="emergency")
    pending = await escalation.pending_escalations(town.store, town.operator)
    assert [(r.number, r.escalation, r.due_at) for r in pending] == [(number, "flagged", MON + timedelta(minutes=30))]
    assert (await queue.counts(town.store, town.operator)).escalations == 1
    now[0] = MON + timedelta(minutes=40)
    assert (await escalation.pending_escalations(town.store, town.operator))[0].overdue
    version = (await views.detail(town.store, town.operator, number)).ticket.version
    out = await escalation.report_up(town.store, town.operator, number, "已电话报告区综治中心值班室")
    assert (out.escalation, out.held_by, out.version) == ("reported", TOWN, version)
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.escalation == "reported" and d.ticket.version == version  # an annotation
    assert d.ticket.due_clock == "handle"  # the nearest deadline moved on to handling
    assert await clock_states(town, number, "escalate") == ["missed"]  # reported 10 minutes late
    last = d.timeline[-1]
    assert (last.action, last.note, last.actor) == ("report_up", "已电话报告区综治中心值班室", "周敏(op01)")
    assert await escalation.pending_escalations(town.store, town.operator) == []
    assert (await queue.counts(town.store, town.operator)).escalations == 0
    with pytest.raises(Invalid) as e:
        await escalation.report_up(town.store, town.operator, number, "再报一次")
    assert e.value.message("zh").endswith("（当前：已上报）")


async def test_a_major_event_is_flagged_by_hand(clocked) -> None:  # type: ignore[no-untyped-def]
    town, now = clocked
    number = await add(town)
    assert await escalation.pending_escalations(town.store, town.operator) == []
    now[0] = MON + timedelta(hours=1)
    await escalation.flag(town.store, town.operator, number, "现场聚集约三十人，有冲突苗头")
    [row] = await escalation.pending_escalations(town.store, town.operator)
    assert row.number == number and row.due_at == now[0] + timedelta(minutes=30)
    assert await clock_states(town, number, "escalate") == ["running"]
    with pytest.raises(Invalid):
        await escalation.flag(town.store, town.operator, number, "again")
    now[0] += timedelta(minutes=5)
    await escalation.report_up(town.store, town.operator, number, "已报告")
    assert await clock_states(town, number, "escalate") == ["met"]


async def test_required_text_and_roles(town: Town) -> None:
    number = await add(town, matter=town.matters["fire"])  # a matter marked for escalation
    assert (await views.detail(town.store, town.operator, number)).ticket.escalation == "flagged"
    with pytest.raises(Invalid) as e:
        await escalation.report_up(town.store, town.operator, number, "  ")
    assert e.value.field == "note"
    for login in ("u-police", "gw01", "wall"):
        with pytest.raises(NotAllowed):
            await escalation.report_up(town.store, town.actors[login], number, "已报告")
    with pytest.raises(NotAllowed):
        await escalation.county_queue(town.store, town.operator)  # a town is not a county


async def test_the_town_hands_to_the_county_and_the_county_hands_back(clocked) -> None:  # type: ignore[no-untyped-def]
    town, _ = clocked
    number = await add(town, matter=town.matters["dispute"], urgency="emergency")
    other = await add(town)
    v1 = (await views.detail(town.store, town.operator, number)).ticket.version
    out = await escalation.hand_to_county(town.store, town.operator, number, "涉及两个街道的土地纠纷",
                                          expected_version=v1)
    assert (out.escalation, out.held_by, out.version) == ("county", COUNTY, v1 + 1)
    assert await clock_states(town, number, "escalate") == ["met"]  # handing up is reporting up
    county = town.actors["county01"]
    queue_rows = await escalation.county_queue(town.store, county)
    assert [(r.number, r.held_by) for r in queue_rows] == [(number, COUNTY)]
    assert other not in [r.number for r in queue_rows]
    with pytest.raises(Invalid):
        await escalation.hand_to_county(town.store, town.operator, number, "again")
    with pytest.raises(NotAllowed):  # the town cannot take it back itself
        await escalation.hand_back(town.store, town.actors["op02"], number, "我们自己办")
    back = await escalation.hand_back(town.store, county, number, "属街道职责，请街道协调", expected_version=v1 + 1)
    assert (back.escalation, back.held_by, back.version) == ("returned", TOWN, v1 + 2)
    d = await views.detail(town.store, town.operator, number)
    moves = [(e.action, e.from_status, e.to_status, e.actor) for e in d.timeline[-2:]]
    assert moves == [("hand_to_county", "pending_dispatch", "pending_dispatch", "周敏(op01)"),
                     ("hand_back", "pending_dispatch", "pending_dispatch", "孙红(county01)")]
    assert await escalation.county_queue(town.store, county) == []
    with pytest.raises(Invalid):
        await escalation.hand_back(town.store, county, number, "again")


async def test_a_stale_version_is_a_conflict_naming_who(clocked) -> None:  # type: ignore[no-untyped-def]
    town, _ = clocked
    number = await add(town)
    seen = (await views.detail(town.store, town.operator, number)).ticket.version
    await workflow.dispatch(town.store, town.actors["op02"], number, "URBAN")
    with pytest.raises(Conflict) as e:
        await escalation.hand_to_county(town.store, town.operator, number, "移交", expected_version=seen)
    assert "吴芳(op02)" in e.value.message("zh")
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.held_by == TOWN and d.timeline[-1].action == "dispatch"  # nothing written


async def test_two_operators_handing_over_at_once(clocked) -> None:  # type: ignore[no-untyped-def]
    town, _ = clocked
    number = await add(town)
    seen = (await views.detail(town.store, town.operator, number)).ticket.version
    second = await Store.open(town.store.db.url, now=town.store.now)
    results = await asyncio.gather(
        escalation.hand_to_county(town.store, town.operator, number, "一", expected_version=seen),
        escalation.hand_to_county(second, town.actors["op02"], number, "二", expected_version=seen),
        return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Result"]
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.version == seen + 1
    assert [e.action for e in d.timeline].count("hand_to_county") == 1
    await second.close()


async def test_closed_tickets_cannot_be_flagged(town: Town) -> None:
    number = await add(town, resolved_on_spot=True)
    with pytest.raises(NotAllowed):
        await escalation.flag(town.store, town.operator, number, "补报")
