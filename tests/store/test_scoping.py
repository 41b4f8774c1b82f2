"""Scoping by role and jurisdiction (issue 9, point 3; store/visibility.py): for each role, what it
may list, open, count, act on; another town's or another unit's ticket answers exactly as a
number that does not exist; a hypothesis test checks the SQL rule against the rule computed in
Python from the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.store import (
    escalation,
    formal_notice,
    notice_cards,
    overdue,
    queue,
    roster,
    search,
    supervision,
    tickets,
    views,
    visibility,
    workflow,
)
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid, NotAllowed, NotFound, StoreError
from griddesk.store.queue import QueueFilter
from tests.fixtures_scoping import GRID_B, TOWN_B, World, build, facts, may_see, person_grids
from tests.fixtures_town import CITY, COUNTY, TOWN, Town

pytestmark = pytest.mark.backends  # store and town on SQLite and PostgreSQL (tests/conftest.py)

ALL = QueueFilter(group="all")
TOWN_A = ("police_lead", "civil_lead", "pending_comp2", "gw01_report", "feedback_port")

# what each account sees, by the keys of World.numbers
SEES: dict[str, set[str]] = {
    "op01": set(TOWN_A),
    "sup01": set(TOWN_A),
    "wall": set(TOWN_A),
    "county01": {*TOWN_A, "town_b"},
    "admin": {*TOWN_A, "town_b"},
    "opb": {"town_b"},
    "supb": {"town_b"},
    "u-police": {"police_lead"},  # leads town_b too, but that town is outside its jurisdiction
    "u-urban": {"police_lead", "feedback_port"},  # co-handles one, leads the other
    "u-civil": {"civil_lead"},
    "gw01": {"police_lead", "pending_comp2", "gw01_report"},  # comp1, comp2 + what they registered
    "gw02": {"civil_lead", "gw01_report", "feedback_port"},  # school, port
}


@pytest.fixture
async def world(town: Town) -> World:
    return await build(town)


def keys_of(w: World, numbers: list[str] | set[str]) -> set[str]:
    back = {n: k for k, n in w.numbers.items()}
    return {back[n] for n in numbers}


async def missing_like(w: World, number: str) -> NotFound:
    """The error for a number of the same shape that exists nowhere."""
    with pytest.raises(NotFound) as e:
        await views.detail(w.store, w.actors["admin"], number[:-4] + "9999")
    return e.value


def same_error(hidden: StoreError, missing: StoreError, number: str) -> None:
    """Byte for byte the "no such ticket" answer: the key, the field, the message in both languages."""
    nowhere = missing.params["number"]
    assert type(hidden) is type(missing) is NotFound
    assert (hidden.key, hidden.field) == (missing.key, missing.field) == ("error.not_found_ticket", "number")
    assert hidden.params == {"number": number}
    for lang in ("zh", "en"):
        assert hidden.message(lang) == missing.message(lang).replace(nowhere, number)


@pytest.mark.parametrize("login", sorted(SEES))
async def test_each_role_lists_counts_and_opens_what_it_may(world: World, login: str) -> None:
    w, actor = world, world.actors[login]
    rows = await queue.page(w.store, actor, ALL)
    assert keys_of(w, [r.number for r in rows]) == SEES[login]
    assert await queue.count(w.store, actor, ALL) == len(SEES[login])
    # the header's open count: every ticket here is open
    assert (await queue.counts(w.store, actor)).open == len(SEES[login])
    for key, number in w.numbers.items():
        if key in SEES[login]:
            assert (await views.detail(w.store, actor, number)).ticket.number == number
        else:
            with pytest.raises(NotFound) as e:
                await views.detail(w.store, actor, number)
            same_error(e.value, await missing_like(w, number), number)


@pytest.mark.parametrize("login", sorted(SEES))
async def test_actions_load_through_the_same_rule(world: World, login: str) -> None:
    """`available` (and so every action) finds only what the account sees; the rest is "no such
    ticket", never "not yours" — whatever the role could otherwise do."""
    w, actor = world, world.actors[login]
    for key, number in w.numbers.items():
        if key in SEES[login]:
            await workflow.available(w.store, actor, number)
            continue
        calls = [workflow.available, workflow.propose_units, supervision.history]
        if not actor.read_only:  # a viewer is refused before any ticket is read (the CLI test walks it)
            calls.append(lambda st, a, n: workflow.act(st, a, n, "dispatch", unit="URBAN"))
        for call in calls:
            with pytest.raises(NotFound) as e:
                await call(w.store, actor, number)
            same_error(e.value, await missing_like(w, number), number)


async def test_a_grid_worker_verifies_only_on_their_grids(world: World) -> None:
    w = world
    n = w.numbers["feedback_port"]
    with pytest.raises(NotFound) as e:
        await workflow.verify(w.store, w.actors["gw01"], n, passed=True)
    same_error(e.value, await missing_like(w, n), n)
    out = await workflow.verify(w.store, w.actors["gw02"], n, passed=True)
    assert out.to_status == "verified"


async def test_a_unit_acts_on_what_it_leads_and_reads_what_it_co_handles(world: World) -> None:
    w = world
    police, urban = w.actors["u-police"], w.actors["u-urban"]
    with pytest.raises(NotFound):
        await workflow.sign(w.store, police, w.numbers["civil_lead"])
    with pytest.raises(NotFound):  # leads it, but another town's ticket is outside its jurisdiction
        await workflow.sign(w.store, police, w.numbers["town_b"])
    # a co-unit sees the ticket but the lead unit acts (BH 18)
    with pytest.raises(NotAllowed) as e:
        await workflow.sign(w.store, urban, w.numbers["police_lead"])
    assert e.value.key == "workflow.not_lead_unit"
    assert (await workflow.sign(w.store, police, w.numbers["police_lead"])).to_status == "signed"


async def test_another_town_cannot_probe_numbers(world: World) -> None:
    w, opb = world, world.actors["opb"]
    n = w.numbers["police_lead"]
    missing = await missing_like(w, n)
    for call in (views.detail(w.store, opb, n),
                 workflow.dispatch(w.store, opb, w.numbers["pending_comp2"], "URBAN"),
                 supervision.supervise(w.store, opb, n, "reminder", "请加快"),
                 escalation.flag(w.store, opb, n, "重大"),
                 formal_notice.build(w.store, opb, n),
                 formal_notice.render(w.store, opb, n, "html")):
        with pytest.raises(NotFound) as e:
            await call
        if e.value.params["number"] == n:
            same_error(e.value, missing, n)
    # its own town's ticket works the same way
    assert (await formal_notice.build(w.store, opb, w.numbers["town_b"])).facts


async def test_a_grid_outside_the_jurisdiction_is_an_unknown_grid(world: World) -> None:
    w, opb = world, world.actors["opb"]
    grid_a = w.town.grids["comp1"]
    with pytest.raises(NotFound) as hidden:
        await notice_cards.card(w.store, opb, grid_a)
    with pytest.raises(NotFound) as gone:
        await notice_cards.card(w.store, opb, "450502006001999")
    assert hidden.value.key == gone.value.key == "roster.error.unknown_grid"
    with pytest.raises(NotFound):
        await notice_cards.village_cards(w.store, opb, w.town.grids["comp1"][:12])
    assert (await notice_cards.card(w.store, opb, GRID_B)).grid_code == GRID_B
    # registering a ticket on another town's grid: the same answer as a grid that does not exist
    with pytest.raises(Invalid) as e1:
        await tickets.create(w.store, opb, tickets.parse(w.town.ticket(grid=grid_a)))
    with pytest.raises(Invalid) as e2:
        await tickets.create(w.store, opb, tickets.parse(w.town.ticket(grid="450502006001999")))
    assert e1.value.key == e2.value.key == "error.unknown_grid" and e1.value.field == e2.value.field


async def test_search_stays_in_the_jurisdiction(world: World) -> None:
    w = world
    grid_a = w.town.grids["comp1"]
    assert [h.key for h in await search.search(w.store, w.actors["op01"], grid_a, kinds=("grid",))] == [grid_a]
    assert await search.search(w.store, w.actors["opb"], grid_a, kinds=("grid",)) == []
    # tickets are not in the roster search at all: a number finds nothing anywhere
    assert await search.search(w.store, w.actors["opb"], w.numbers["police_lead"]) == []


def later(w: World, days: int) -> Store:
    """The same database seen `days` later: every clock is overdue by then."""
    at = w.store.now() + timedelta(days=days)
    return Store(w.store.db, w.store.settings, lambda: at)


@pytest.mark.parametrize("login", ["op01", "county01", "opb", "u-police", "u-urban", "gw01", "gw02", "wall"])
async def test_overdue_and_escalations_follow_the_rule(world: World, login: str) -> None:
    w, actor = world, world.actors[login]
    s = later(w, 30)
    got = keys_of(w, {r.number for r in await overdue.rows(s, actor)})
    everything = keys_of(w, {r.number for r in await overdue.rows(s, w.actors["admin"])})
    assert got == everything & SEES[login]
    # a ticket flagged for reporting upward shows in the escalation list of who sees it only
    await escalation.flag(w.store, w.actors["admin"], w.numbers["civil_lead"], "重大")
    flagged = keys_of(w, {r.number for r in await escalation.pending_escalations(w.store, actor)})
    assert flagged == {"civil_lead"} & SEES[login]


async def test_criticism_list_follows_the_rule(world: World) -> None:
    w = world
    s = later(w, 60)
    await supervision.run_ladder(s)
    lists = {login: keys_of(w, {r.number for r in await supervision.criticism_list(s, w.actors[login])})
             for login in ("admin", "op01", "opb", "u-police", "gw02")}
    assert lists["admin"]  # the ladder put late tickets on the list
    for login, got in lists.items():
        assert got <= SEES[login]
    assert lists["opb"] == lists["admin"] & {"town_b"}


@pytest.mark.parametrize(("login", "mine"), [
    ("u-urban", {"police_lead", "feedback_port"}),
    ("u-police", {"police_lead"}),
    ("gw01", {"police_lead", "pending_comp2", "gw01_report"}),
    ("gw02", {"civil_lead", "gw01_report", "feedback_port"}),
    ("op01", {"police_lead", "civil_lead", "pending_comp2", "feedback_port"}),  # what op01 registered
    ("opb", {"town_b"}),
    ("wall", set()),
])
async def test_the_mine_queue(world: World, login: str, mine: set[str]) -> None:
    w, actor = world, world.actors[login]
    f = QueueFilter(group="all", mine=True)
    assert keys_of(w, [r.number for r in await queue.page(w.store, actor, f)]) == mine
    assert await queue.count(w.store, actor, f) == len(mine)
    assert queue.default_filter(actor).mine == (actor.role in (Role.UNIT, Role.GRID_WORKER))


async def test_an_assignment_ended_in_the_roster_takes_the_grid_away(world: World) -> None:
    w = world
    gw01 = w.actors["gw01"]
    assert "pending_comp2" in keys_of(w, [r.number for r in await queue.page(w.store, gw01, ALL)])
    await roster.unassign(w.store, w.actors["sup01"], 4)  # 陈丽 on comp2 (tests/fixtures_town.py)
    seen = keys_of(w, [r.number for r in await queue.page(w.store, gw01, ALL)])
    assert "pending_comp2" not in seen and "police_lead" in seen


# --- the rule against the rows ---------------------------------------------------------------

JURISDICTIONS = [TOWN, TOWN_B, COUNTY, CITY, "450503", "450502007", ""]


@st.composite
def actors(draw: st.DrawFn) -> Actor:
    role = draw(st.sampled_from(list(Role)))
    jur = draw(st.sampled_from(JURISDICTIONS))
    unit_id = draw(st.sampled_from([None, 1, 2, 3, 4, 99])) if role == Role.UNIT else None
    # grid workers: the accounts gw01 / gw02 (with grids), or one whose person holds none
    op = draw(st.sampled_from([7, None, 99])) if role == Role.GRID_WORKER else draw(st.sampled_from([1, None]))
    login = draw(st.sampled_from(["op01", "gw01", "gw02", "opb", "nobody"]))
    return Actor(login, "某", role, jur, op, unit_id)


@pytest.mark.backends(pg_examples=25)  # 150 examples cost 4× the time on PostgreSQL; the next test checks the SQL too
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_visible_is_the_rule_computed_from_the_rows(world: World, data: st.DataObject) -> None:
    w = world
    rows = await facts(w)
    grids_of = await person_grids(w)
    gw02_id = w.actors["gw02"].operator_id
    actor = data.draw(actors())
    if actor.role == Role.GRID_WORKER and actor.operator_id == 99 and gw02_id is not None:
        actor = Actor(actor.login, actor.name, actor.role, actor.jurisdiction, gw02_id, None)
    picked = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=4, unique_by=lambda f: f.number))
    for f in picked:
        expected = may_see(actor, f, grids_of)
        try:
            async with w.store.db.session() as s:
                await visibility.load(s, w.store, actor, f.number)
            seen = True
        except NotFound:
            seen = False
        assert seen == expected, (actor, f)
    listed = {r.number for r in await queue.page(w.store, actor, ALL, limit=1000)}
    assert listed == {f.number for f in rows if may_see(actor, f, grids_of)}


async def test_the_rule_on_both_backends(any_town: Town) -> None:
    """The same condition, and the locked load of an action (FOR UPDATE OF tickets on
    PostgreSQL), on SQLite and PostgreSQL."""
    w = await build(any_town)
    for login in ("county01", "u-urban", "gw02", "opb"):
        rows = await queue.page(w.store, w.actors[login], ALL)
        assert keys_of(w, [r.number for r in rows]) == SEES[login]
    n = w.numbers["feedback_port"]
    with pytest.raises(NotFound) as e:
        await workflow.verify(w.store, w.actors["gw01"], n, passed=True)
    same_error(e.value, await missing_like(w, n), n)
    assert (await workflow.verify(w.store, w.actors["gw02"], n, passed=True)).to_status == "verified"
