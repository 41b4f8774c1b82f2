"""Registering tickets: validation names the field, nothing partial is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from griddesk.store import tickets, views, workflow
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.models import Change, Ticket, TicketClock, TimelineEntry
from tests.fixtures_town import TOWN, Town


async def count(town: Town, model) -> int:  # type: ignore[no-untyped-def]
    async with town.store.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_hotline_ticket_is_numbered_and_waits_for_dispatch(any_town: Town) -> None:
    number = await tickets.create(any_town.store, any_town.operator, tickets.parse(any_town.ticket()))
    day = any_town.store.calendar.local(any_town.store.now()).strftime("%Y%m%d")
    assert number == f"{TOWN}-{day}-0001"
    second = await tickets.create(any_town.store, any_town.operator, tickets.parse(any_town.ticket()))
    assert second.endswith("-0002")
    d = await views.detail(any_town.store, any_town.operator, number)
    assert d.ticket.status == "pending_dispatch" and d.ticket.version == 1
    assert [c.name for c in d.running] == ["handle"]
    assert d.ticket.due_at == d.running[0].due_at
    assert [e.action for e in d.timeline] == ["receive"]
    assert await count(any_town, Change) == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"source": "fax"}, "source"),
    ({"grid": ""}, "grid"),
    ({"urgency": "very"}, "urgency"),
    ({"title": "  "}, "title"),
    ({"title": "长" * 121}, "title"),
    ({"reporter": {"name": "李明", "phone": "call me"}}, "reporter.phone"),
    ({"reporter": "李明"}, "reporter"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"resolved_on_spot": "yes"}, "resolved_on_spot"),
])
def test_bad_fields_are_named(town: Town, change: dict, field: str) -> None:
    with pytest.raises(Invalid) as e:
        tickets.parse(town.ticket(**change))
    assert e.value.field == field
    assert e.value.message("zh") and e.value.message("en") != e.value.message("zh")


async def test_unknown_grid_and_withdrawn_matter_are_refused(town: Town) -> None:
    with pytest.raises(Invalid) as e:
        await tickets.create(town.store, town.operator, tickets.parse(town.ticket(grid="999")))
    assert e.value.field == "grid"
    with pytest.raises(Invalid) as e:
        await tickets.create(town.store, town.operator, tickets.parse(town.ticket(matter=town.matters["bikes"])))
    assert e.value.field == "matter" and "2026-06-30" in e.value.message("en")
    assert await count(town, Ticket) == 0


async def test_out_of_list_demand_is_recorded_and_marked(town: Town) -> None:
    data = town.ticket(out_of_list=True)
    del data["matter"]
    number = await tickets.create(town.store, town.operator, tickets.parse(data))
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.out_of_list and d.matter is None and d.json()["out_of_list"] is True


async def test_resolved_on_the_spot_is_recorded_and_closed(town: Town) -> None:
    number = await tickets.create(town.store, town.actors["gw01"],
                                  tickets.parse(town.ticket(source="patrol", resolved_on_spot=True)))
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.status == "closed" and d.running == []
    assert [e.action for e in d.timeline] == ["receive", "resolve_on_spot"]


async def test_emergency_starts_the_escalation_clock(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(
        town.ticket(matter=town.matters["fire"], urgency="emergency")))
    d = await views.detail(town.store, town.operator, number)
    names = {c.name: c for c in d.running}
    assert set(names) == {"handle", "escalate"}
    assert (names["escalate"].due_at - d.ticket.received_at).total_seconds() == 30 * 60
    assert d.ticket.escalation == "flagged" and d.ticket.due_clock == "escalate"


async def test_many_at_once_writes_nothing_when_one_is_bad(town: Town) -> None:
    good = tickets.parse(town.ticket())
    bad = tickets.parse(town.ticket(grid="450502005001999"))
    with pytest.raises(Invalid) as e:
        await tickets.create_many(town.store, town.operator, [good, good, bad])
    assert e.value.params["line"] == 3
    assert await count(town, Ticket) == 0
    assert await count(town, TimelineEntry) == 0 and await count(town, TicketClock) == 0


async def test_viewer_and_other_jurisdiction_cannot_register(town: Town) -> None:
    with pytest.raises(NotAllowed):
        await tickets.create(town.store, town.actors["wall"], tickets.parse(town.ticket()))
    with pytest.raises(NotAllowed):
        await tickets.create(town.store, town.actors["u-police"], tickets.parse(town.ticket()))


async def test_reporter_phone_is_masked_for_units(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    # the centre too sees it masked until it reveals it with a reason (store/privacy.py)
    assert (await views.detail(town.store, town.operator, number)).reporter_phone == "138****0001"
    await workflow.dispatch(town.store, town.operator, number, "POLICE")  # a unit sees what it leads
    masked = await views.detail(town.store, town.actors["u-police"], number)
    assert masked.reporter_phone == "138****0001" and masked.reporter_name == "李*"


async def test_received_at_from_the_hotline_is_kept(town: Town) -> None:
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beihai, a Monday
    number = await tickets.create(town.store, town.operator,
                                  tickets.parse(town.ticket(received_at=at.isoformat())))
    assert "-20260302-" in number
    d = await views.detail(town.store, town.operator, number)
    # 4 working hours from 09:00 Monday: 08:30–12:00 gives 3h, then 14:00–15:00
    assert d.ticket.handle_due_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
