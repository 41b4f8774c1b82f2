"""The caller at intake (store.callers): history by full phone or name, masked for accounts that
may not see it; likely duplicates; 工单合并 recorded in both timelines; the grid guessed from the
address; `tickets list --phone/--text` and `search` by address."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from griddesk.store import callers, search, tickets, views, workflow
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.models import Grid
from tests.cli.conftest import cli  # noqa: F401  (the in-process CLI on this town's file)
from tests.fixtures_town import Town

PHONE, OTHER = "13807790001", "13907790002"


async def new(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def test_history_by_full_phone_or_name_newest_first_at_most_five(any_town: Town) -> None:
    town = any_town
    numbers = [await new(town, title=f"第{i}次来电") for i in range(7)]
    await new(town, reporter={"name": "张三", "phone": OTHER})
    h = await callers.history(town.store, town.operator, phone=PHONE)
    assert h is not None and h.count == 7
    assert [p.number for p in h.last] == numbers[::-1][:5]
    assert h.last[0].matter == "暴露垃圾" and h.last[0].status == "pending_dispatch"
    assert h.phone == PHONE and h.name == "李明"  # the centre sees the caller whole
    by_name = await callers.history(town.store, town.operator, name="李明")
    assert by_name is not None and by_name.count == 7
    # the full value is compared: a tail or a part of the name finds nothing
    assert await callers.history(town.store, town.operator, phone=PHONE[-4:]) is None
    assert await callers.history(town.store, town.operator, name="李") is None
    assert await callers.history(town.store, town.operator) is None
    # the ticket being registered is left out
    assert (await callers.history(town.store, town.operator, phone=OTHER, exclude=None)).count == 1  # type: ignore[union-attr]


async def test_history_is_masked_for_a_unit(town: Town) -> None:
    await new(town)
    h = await callers.history(town.store, town.actors["u-police"], phone=PHONE)
    assert h is not None and h.count == 1
    assert h.phone == "138****0001" and h.name == "李*"


async def test_same_address_and_matter_open_in_30_days_is_a_likely_duplicate(any_town: Town) -> None:
    town = any_town
    first = await new(town)
    await new(town, matter=town.matters["dispute"], title="邻里吵闹")  # another matter
    await new(town, address="海角路14号")  # another address
    dups = await callers.duplicates(town.store, town.operator, "海角路12号", town.matters["rubbish"])
    assert [d.number for d in dups] == [first]
    assert await callers.duplicates(town.store, town.operator, "海角路12号", town.matters["rubbish"],
                                    exclude=first) == []
    assert await callers.duplicates(town.store, town.operator, "", town.matters["rubbish"]) == []
    assert await callers.duplicates(town.store, town.operator, "海角路12号", None) == []


async def test_merge_is_recorded_in_both_timelines_and_links_an_undispatched_duplicate(any_town: Town) -> None:
    town = any_town
    kept = await new(town)
    dup = await new(town)
    done = await callers.merge(town.store, town.operator, dup, kept, "同一来电人重复反映")
    assert done.duplicate == dup and done.into == kept
    assert not done.closed  # the loop does not close a ticket waiting for dispatch: only linked
    d = await views.detail(town.store, town.operator, dup)
    k = await views.detail(town.store, town.operator, kept)
    assert d.timeline[-1].action == "merged_into" and d.timeline[-1].data == {"ticket": kept}
    assert k.timeline[-1].action == "merged_from" and k.timeline[-1].data == {"ticket": dup}
    assert d.ticket.status == "pending_dispatch"
    with pytest.raises(Invalid) as e:
        await callers.merge(town.store, town.operator, kept, kept)
    assert e.value.field == "into"
    with pytest.raises(NotAllowed):
        await callers.merge(town.store, town.actors["u-police"], dup, kept)


async def test_merge_closes_the_duplicate_when_the_loop_allows(town: Town) -> None:
    kept = await new(town)
    dup = await new(town)
    await workflow.dispatch(town.store, town.operator, dup, "URBAN")
    await workflow.sign(town.store, town.actors["u-urban"], dup)
    await workflow.feedback(town.store, town.actors["u-urban"], dup, "已清运")
    await workflow.visit(town.store, town.operator, dup, "satisfied")
    done = await callers.merge(town.store, town.operator, dup, kept)
    assert done.closed
    d = await views.detail(town.store, town.operator, dup)
    assert d.ticket.status == "closed"
    assert [e.action for e in d.timeline][-2:] == ["merged_into", "close"]
    assert kept in (d.timeline[-1].note or "")


async def test_grid_guessed_from_boundaries_and_earlier_tickets(any_town: Town) -> None:
    town = any_town
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Grid).where(Grid.code == town.grids["comp2"])
                        .values(boundary="东至站前路，西至海角路，南至北部湾路"))
    guess = await callers.suggest_grid(town.store, town.operator, "站前路8号")
    assert guess is not None and guess.code == town.grids["comp2"] and guess.place == "站前路"
    # two earlier tickets on 海角路 in the first grid outvote the boundary of the second
    await new(town)
    await new(town, address="海角路20号")
    guess = await callers.suggest_grid(town.store, town.operator, "海角路3号")
    assert guess is not None and guess.code == town.grids["comp1"] and guess.votes == 2
    assert await callers.suggest_grid(town.store, town.operator, "") is None
    assert await callers.suggest_grid(town.store, town.operator, "无名路1号") is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=40))
def test_place_of_any_typed_address(address: str) -> None:
    place = callers.place_of(address)
    assert place is None or (len(place) >= callers.MIN_PLACE and address.strip().startswith(place))


async def test_search_by_road_finds_grids_by_boundary_and_tickets_by_address(town: Town) -> None:
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Grid).where(Grid.code == town.grids["comp2"])
                        .values(boundary="东至站前路，西至海角路"))
    n = await new(town, address="站前路8号", title="站前路垃圾")
    hits = await search.search(town.store, town.operator, "站前路")
    kinds = {(h.kind, h.key, h.match) for h in hits}
    assert ("grid", town.grids["comp2"], "boundary") in kinds
    assert ("ticket", n, "address") in kinds


async def test_tickets_list_by_phone_and_by_text_name(town: Town, cli) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    mine = await new(town)
    await new(town, reporter={"name": "张三", "phone": OTHER})
    r = await cli("tickets", "list", "--phone", PHONE, "--format", "json")
    assert r.code == 0, r.err
    assert [row["number"] for row in r.json()] == [mine]
    for text in (PHONE, "李明"):
        r = await cli("tickets", "list", "--text", text, "--format", "json")
        assert [row["number"] for row in r.json()] == [mine]
    r = await cli("tickets", "list", "--phone", "call me")
    assert r.code == 2 and "--phone" in r.err and "Traceback" not in r.err


async def test_ticket_merge_by_cli(town: Town, cli) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    kept = await new(town)
    dup = await new(town)
    r = await cli("ticket", "merge", dup, kept)
    assert r.code == 0, r.err
    assert dup in r.out and kept in r.out
    r = await cli("ticket", "show", kept)
    assert f"工单 {dup} 已合并到本工单" in r.out
    r = await cli("ticket", "merge", dup, dup)
    assert r.code == 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(min_size=0, max_size=30))
async def test_whatever_is_typed_the_look_ups_answer_and_never_find_by_a_part(town: Town, typed: str) -> None:
    if not await callers.history(town.store, town.operator, phone=PHONE):
        await new(town)
    h = await callers.history(town.store, town.operator, phone=typed, name=typed)
    # only the whole value finds the caller
    assert h is None or typed.strip() in (PHONE, "李明")
    await callers.duplicates(town.store, town.operator, typed, town.matters["rubbish"])
    guess = await callers.suggest_grid(town.store, town.operator, typed)
    assert guess is None or guess.place in typed
