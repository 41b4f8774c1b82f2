"""A ticket number typed as the screens show it: whole, without the town, or just its tail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from griddesk.store import tickets, views, workflow
from griddesk.store.errors import Invalid, NotFound
from griddesk.store.numbers import short_number
from tests.fixtures_town import Town


async def _add_on(town: Town, when: datetime) -> str:
    town.store.now = lambda: when
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))


async def test_whole_short_and_tail_numbers_name_the_same_ticket(town: Town) -> None:
    day1 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    day2 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    old = await _add_on(town, day1)  # …-20261126-0001
    first = await _add_on(town, day2)  # …-20261127-0001
    second = await _add_on(town, day2)  # …-20261127-0002
    op = town.operator
    short = short_number(second, op.jurisdiction)
    assert short.count("-") == 1 and second.endswith(short)
    for typed in (second, short, "0002", "2", " 0002 "):
        assert (await views.detail(town.store, op, typed)).ticket.number == second
    # a bare tail means today's ticket first, although another day has the same tail
    assert (await views.detail(town.store, op, "0001")).ticket.number == first
    assert (await views.detail(town.store, op, short_number(old, op.jurisdiction))).ticket.number == old
    # the same in a write: the workflow loads the ticket by the tail
    out = await workflow.act(town.store, op, "2", "dispatch", workflow.Params(unit=town.units["police"]))
    assert out.number == second


async def test_an_ambiguous_tail_lists_the_candidates_newest_first(town: Town) -> None:
    a = await _add_on(town, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    b = await _add_on(town, datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    town.store.now = lambda: datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # nothing today
    with pytest.raises(Invalid) as e:
        await views.detail(town.store, town.operator, "0001")
    jur = town.operator.jurisdiction
    assert e.value.message().index(short_number(b, jur)) < e.value.message().index(short_number(a, jur))


@pytest.mark.parametrize("typed", ["0099", "20261127-0099", "abc", "", "1-2-3"])
async def test_no_such_ticket_reads_the_same_however_it_was_typed(town: Town, typed: str) -> None:
    await _add_on(town, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    with pytest.raises(NotFound) as e:
        await views.detail(town.store, town.operator, typed)
    assert e.value.key == "error.not_found_ticket"
