"""The demo town: its shape, the deliberate roster gaps, a history consistent with the workflow
and the working calendar, determinism, and the live feed; the tests on the built demo (`town`)
run on SQLite and on PostgreSQL (tests/store/conftest.py)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from griddesk.store import clocks, compliance, config, demo, loop, queue, sla, tickets, views, workflow
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, ClockState, GridType, LimitUnit, Status
from griddesk.store.errors import Conflict, Invalid
from griddesk.store.models import (
    Area,
    Grid,
    Matter,
    Operator,
    Person,
    Ticket,
    TicketClock,
    TimelineEntry,
    Unit,
)
from griddesk.store.models import Counter as CounterRow
from tests import pg_backend
from tests.conftest import PG_HOST, PG_PORT, _need_pg, _pg_create, _pg_drop, _pg_url, pg_reachable, run_apart

# Monday 10:00 in Beihai; the history's 20 days take in the Mid-Autumn and National Day holidays
# and the Saturday made a working day after them (调休)
NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
TOWN = demo.DEFAULT_TOWN
N, DAYS = 300, 20


def fixed(at: datetime):  # type: ignore[no-untyped-def]
    return lambda: at


async def _open(path: Path, now: datetime = NOW) -> Store:
    return await _open_url(str(path), now)


async def _open_url(url: str, now: datetime = NOW) -> Store:
    return await Store.open(url, config.Settings(), now=fixed(now))


async def _build(path: Path, seed: int = 7, **kw) -> demo.DemoSummary:  # type: ignore[no-untyped-def]
    return await _build_on(str(path), seed, **kw)


async def _build_on(url: str, seed: int = 7, **kw) -> demo.DemoSummary:  # type: ignore[no-untyped-def]
    s = await _open_url(url)
    try:
        return await demo.build(s, tickets=N, days=DAYS, seed=seed, **kw)
    finally:
        await s.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    summary = asyncio.run(_build(path))
    return path, summary


@pytest.fixture(scope="session")
def built_pg() -> Iterator[tuple[str, str, demo.DemoSummary]]:
    """The same demo on PostgreSQL, built once per worker into a working database: (its name, the
    SQL that puts it back as built, the summary), as tests/pg_backend.py does for the test town."""
    _need_pg()
    name = run_apart(_pg_create())
    try:
        summary = run_apart(_build_on(_pg_url(name)))
        yield name, run_apart(pg_backend.snapshot(name)), summary
    finally:
        run_apart(_pg_drop(name))


@pytest.fixture
async def town(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> AsyncIterator[Store]:
    """A copy of the built demo for this test alone, on the test's backend (tests/store/conftest.py)."""
    if backend == "postgresql":
        name, sql, _summary = request.getfixturevalue("built_pg")
        await pg_backend.restore(name, sql)
        s = await _open_url(_pg_url(name))
    else:
        path = tmp_path / "demo.db"
        shutil.copy(request.getfixturevalue("built")[0], path)
        s = await _open(path)
    yield s
    await s.close()


async def _all(s: Store, model):  # type: ignore[no-untyped-def]
    async with s.db.session() as ses:
        return list((await ses.execute(select(model))).scalars())


# --- the town ---------------------------------------------------------------------------------


async def test_the_town_has_real_names_and_enough_grids_of_every_type(town: Store, built) -> None:  # type: ignore[no-untyped-def]
    summary = built[1]
    assert summary.town_name == "北海市海城区地角街道"
    areas = {a.code: a for a in await _all(town, Area)}
    assert (areas["4505"].name, areas["450502"].name, areas[TOWN].name) == ("北海市", "海城区", "地角街道")
    assert areas[TOWN].population >= 100_000 and areas[TOWN].centre_phone and areas[TOWN].platform
    villages = [a for a in areas.values() if a.level == "village"]
    assert 8 <= len(villages) <= 12
    for v in villages:
        seq = int(v.code[9:])
        assert v.parent_code == TOWN and v.code.startswith(TOWN)
        assert (v.kind, v.urban) == (("community", True) if seq < 200 else ("village", False))
        assert v.name.endswith("社区" if seq < 200 else "村")
    grids = await _all(town, Grid)
    assert len(grids) >= 40 and summary.grids == len(grids)
    assert {g.type for g in grids} == {GridType.COMPREHENSIVE, GridType.EXCLUSIVE, GridType.MARINE}
    for g in grids:
        assert re.fullmatch(rf"{g.area_code}\d{{3}}", g.code) and g.town_code == TOWN
    units = {u.code: u for u in await _all(town, Unit)}
    assert units["POLICE"].name == "地角街道派出所" and units["EDU"].name == "海城区教育局"
    assert units["CENTRE"].kind == "centre"
    logins = [o.login for o in sorted(await _all(town, Operator), key=lambda o: o.id)]
    assert logins[0] == "op01"  # the account a bare `griddesk` opens with
    assert {"op02", "sup01", "county01", "wall", "admin", demo.FEED_LOGIN, "u-police"} <= set(logins)
    assert any(x.startswith("gw-") for x in logins)
    people = await _all(town, Person)
    assert all(p.name_pinyin and p.name_initials and re.fullmatch(r"1[358]\d{9}", p.phone) for p in people)


async def test_the_deliberate_gaps_are_what_a_supervisor_finds(town: Store, built) -> None:  # type: ignore[no-untyped-def]
    gaps = built[1].gaps
    assert set(gaps) == set(demo.DELIBERATE_GAPS) and all(gaps.values())
    op = await town.actor("sup01")
    found = await compliance.findings(town, op)
    by_rule: dict[str, set[str]] = {}
    for f in found:
        by_rule.setdefault(f.rule, set()).add(f.subject_key if f.subject_kind != "person" else f.subject_name)
    assert by_rule == {
        "no_leader": set(gaps["no_leader"]),
        "no_full_time": set(gaps["no_full_time"]),
        "untrained_full_time": set(gaps["untrained_full_time"]),
        "load_grids": set(gaps["overloaded_worker"]),
        "load_households": set(gaps["overloaded_worker"]),
        "seat_operators": {TOWN},
        "notice_stale": set(gaps["notice_stale"]),
    }
    grids = {g.code: g for g in await _all(town, Grid)}
    for code in gaps["no_full_time"]:
        assert grids[code].type == GridType.COMPREHENSIVE and code[9] == "0"  # an urban community's grid


# --- the history ------------------------------------------------------------------------------


async def test_every_status_shows_and_numbers_continue_the_day(town: Store) -> None:
    tks = await _all(town, Ticket)
    assert len(tks) == N
    assert set(Counter(t.status for t in tks)) == {s.value for s in Status}
    assert sum(t.status == Status.CLOSED for t in tks) > N / 2
    assert any(t.due_at is not None and t.due_at < NOW for t in tks)  # some overdue
    assert any(t.resolved_on_spot and t.status == Status.CLOSED for t in tks)
    assert any(t.out_of_list and t.matter_id is None for t in tks)
    assert all(t.satisfaction for t in tks if t.status == Status.VISITED)
    urgencies = Counter(t.urgency for t in tks)
    assert urgencies["normal"] > urgencies["urgent"] > urgencies["emergency"] > 0
    counts = await queue.counts(town, await town.actor())
    assert counts.overdue > 0 and counts.escalations > 0  # late work and reports still to make
    cal = town.calendar
    best: dict[str, int] = {}
    for t in tks:
        town_code, day, seq = t.number.split("-")
        assert town_code == TOWN and day == cal.local(t.received_at).strftime("%Y%m%d")
        best[day] = max(best.get(day, 0), int(seq))
    counters = {c.key: c.value for c in await _all(town, CounterRow)}
    assert counters == {f"{TOWN}-{d}": v for d, v in best.items()}
    # a ticket registered now takes the next number of today
    op = await town.actor()
    g = (await _all(town, Grid))[0]
    number = await tickets.create(town, op, tickets.parse({"source": "hotline", "grid": g.code, "matter": "A001",
                                                           "title": "试"}))
    today = cal.local(NOW).strftime("%Y%m%d")
    assert number == f"{TOWN}-{today}-{best.get(today, 0) + 1:04d}"


async def test_each_ticket_carries_its_nearest_running_clock(town: Store) -> None:
    by_ticket: dict[int, list[TicketClock]] = {}
    for c in await _all(town, TicketClock):
        by_ticket.setdefault(c.ticket_id, []).append(c)
    for t in await _all(town, Ticket):
        running = [c for c in by_ticket.get(t.id, []) if c.state == ClockState.RUNNING]
        near = min(running, key=lambda c: c.due_at) if running else None
        assert (t.due_at, t.due_clock, t.warn_at) == ((near.due_at, near.name, near.warn_at) if near else
                                                      (None, None, None)), t.number
        if t.status == Status.CLOSED:
            assert not running and t.closed_at is not None
        if t.status == Status.SUSPENDED:
            assert any(c.state == ClockState.PAUSED for c in by_ticket[t.id])


async def test_deadlines_are_the_working_calendar_s(town: Store) -> None:
    """Clocks nobody moved end where store.sla says; every clock turns due-soon where
    store.clocks says."""
    moved = set()
    async with town.db.session() as s:
        for tid, action in (await s.execute(select(TimelineEntry.ticket_id, TimelineEntry.action))).all():
            if action in ("approve", "resume", "verify"):
                moved.add(tid)
    checked = 0
    for c in await _all(town, TicketClock):
        if c.name == ClockName.HANDLE and c.ticket_id in moved or c.state == ClockState.PAUSED:
            continue
        assert c.due_at == sla.due_at(town.calendar, c.started_at, c.limit_value, c.limit_unit), c.id
        assert c.warn_at == clocks.warn_at(town, c.limit_value, c.limit_unit, c.started_at, c.due_at), c.id
        checked += 1
    assert checked > N


async def test_the_timeline_leads_to_the_status(town: Store) -> None:
    entries: dict[int, list[TimelineEntry]] = {}
    async with town.db.session() as s:
        for e in (await s.execute(select(TimelineEntry).order_by(TimelineEntry.at, TimelineEntry.id))).scalars():
            entries.setdefault(e.ticket_id, []).append(e)
    known = set(workflow.ACTIONS) | {"receive", "resolve_on_spot", demo.REPORT_UP}
    for t in await _all(town, Ticket):
        es = entries[t.id]
        assert es[0].action == "receive" and es[0].at == t.received_at
        status = None
        for e in es:
            assert e.action in known
            if e.to_status is None:  # an annotation (the report upward) moves nothing
                continue
            assert e.from_status == status, (t.number, e.action)
            status = e.to_status
            assert e.at <= NOW
        assert status == t.status, t.number
        assert t.version == 1 + sum(e.action in workflow.ACTIONS for e in es)


async def test_tickets_only_use_matters_in_force_on_their_day(town: Store) -> None:
    matters = {m.id: m for m in await _all(town, Matter)}
    for t in await _all(town, Ticket):
        if t.matter_id is None:
            assert t.out_of_list
            continue
        m = matters[t.matter_id]
        day = town.calendar.local(t.received_at).date()
        assert m.admitted_on <= day and (m.withdrawn_on is None or day < m.withdrawn_on)


async def test_the_workflow_carries_on_from_every_open_state(town: Store) -> None:
    """What the demo left half-done, the real workflow can finish: same actions, data, clocks."""
    op = await town.actor("op01")
    tks = {t.status: t for t in sorted(await _all(town, Ticket), key=lambda t: t.id)}
    units = {u.id: u for u in await _all(town, Unit)}

    async def unit_of(t: Ticket):  # type: ignore[no-untyped-def]
        return await town.actor(f"u-{units[t.lead_unit_id].code.lower()}")

    ext = tks[Status.EXTENSION_REQUESTED]
    async with town.db.session() as s:
        asked = (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == ext.id,
                                                               TimelineEntry.action == "extend"))).scalars().all()[-1]
    out = await workflow.approve(town, op, ext.number)
    d = await views.detail(town, op, ext.number)
    assert out.to_status == Status.SIGNED
    assert d.ticket.handle_due_at == datetime.fromisoformat(asked.data["until"])
    assert (await workflow.approve(town, op, tks[Status.RETURN_REQUESTED].number)).to_status == Status.PENDING_DISPATCH
    assert (await workflow.resume(town, op, tks[Status.SUSPENDED].number)).to_status == Status.SIGNED
    dispatched = tks[Status.DISPATCHED]
    assert (await workflow.sign(town, await unit_of(dispatched), dispatched.number)).to_status == Status.SIGNED
    signed = tks[Status.SIGNED]
    out = await workflow.feedback(town, await unit_of(signed), signed.number, "已处理完毕")
    assert out.to_status == Status.FEEDBACK
    assert (await workflow.visit(town, op, tks[Status.VERIFIED].number, "satisfied")).to_status == Status.VISITED
    assert (await workflow.close(town, op, tks[Status.VISITED].number)).to_status == Status.CLOSED
    received = tks[Status.RECEIVED]
    assert (await workflow.dispatch(town, op, received.number, "POLICE")).to_status == Status.DISPATCHED


async def test_the_history_is_the_core_s_loop_replayed(town: Store) -> None:
    """Re-applying `store.loop` along every demo ticket's timeline (params read back from the
    entries) reaches its stored status, version and clocks, entry by entry."""
    async with town.db.session() as s:
        entries: dict[int, list[TimelineEntry]] = {}
        for e in (await s.execute(select(TimelineEntry).order_by(TimelineEntry.id))).scalars():
            entries.setdefault(e.ticket_id, []).append(e)
        stored: dict[int, list[TicketClock]] = {}
        for c in (await s.execute(select(TicketClock).order_by(TicketClock.id))).scalars():
            stored.setdefault(c.ticket_id, []).append(c)
        matters = {m.id: m for m in (await s.execute(select(Matter))).scalars()}
    units = {u.code: u.id for u in await _all(town, Unit)}
    replayed = 0
    for t in await _all(town, Ticket):
        es = entries[t.id]
        if t.resolved_on_spot:
            continue
        value, unit = clocks.handling_limit(matters.get(t.matter_id), t.urgency)  # type: ignore[arg-type]
        mem = loop.LoopTicket(Status(es[0].to_status), reporter_name=t.reporter_name,
                              reporter_phone=t.reporter_phone, handle_limit=(value, LimitUnit(unit)))
        # intake's clocks: the handling one, and the report upward of an emergency
        loop.start_clock(mem, town, ClockName.HANDLE, t.received_at, value, LimitUnit(unit))
        if any(c.name == ClockName.ESCALATE for c in stored.get(t.id, [])):
            loop.start_clock(mem, town, ClockName.ESCALATE, t.received_at, town.settings.escalate_limit_minutes,
                             LimitUnit.NATURAL_MINUTES)
        for e in es[1:]:
            if e.action == demo.REPORT_UP:
                report = mem.live(ClockName.ESCALATE)
                assert report is not None
                loop.finish(report, e.at)
                continue
            step = loop.apply(mem, e.action, _params(e, mem), e.at, town, units=units)
            assert (step.from_status, step.to_status, step.note) == (e.from_status, e.to_status, e.note), t.number
            assert (json.loads(json.dumps(step.data)) or None) == e.data, (t.number, e.action)
            mem = step.ticket
        assert (mem.status, mem.version) == (t.status, t.version), t.number
        assert [(c.name, c.state, c.due_at, c.stopped_at) for c in mem.clocks] == \
            [(c.name, c.state, c.due_at, c.stopped_at) for c in stored.get(t.id, [])], t.number
        near = loop.nearest(mem.clocks)
        assert (t.due_at, t.due_clock) == (near.due_at, near.due_clock), t.number
        replayed += 1
    assert replayed > N / 2


def _params(e: TimelineEntry, mem: loop.LoopTicket) -> loop.Params:
    """An action's params as its timeline entry recorded them."""
    d = e.data or {}
    a = e.action
    if a == "dispatch":
        return loop.Params(unit=d["unit"], co_units=tuple(d["co_units"]), note=e.note)
    if a in ("return", "reject", "suspend", "reopen"):
        return loop.Params(reason=e.note)
    if a == "extend":
        if "days" in d:
            return loop.Params(reason=e.note, note=d["progress"], days=d["days"])
        return loop.Params(reason=e.note, note=d["progress"], until=datetime.fromisoformat(d["until"]))
    if a == "verify":
        return loop.Params(passed=True, note=e.note) if d["passed"] else loop.Params(passed=False, reason=e.note)
    if a == "visit":
        return loop.Params(satisfaction=d["satisfaction"], note=e.note)
    if a == "close" and mem.satisfaction == "dissatisfied":
        return loop.Params(reason=e.note)
    return loop.Params(note=e.note)


async def test_the_decision_limit_setting_is_honoured(tmp_path: Path) -> None:
    """Settings.decision_limit_days (config.toml) sets the centre's decision clocks the demo writes,
    as it sets the workflow's."""
    s = await Store.open(str(tmp_path / "d3.db"), config.Settings(decision_limit_days=3), now=fixed(NOW))
    try:
        await demo.build(s, tickets=80, days=6)
        decisions = [c for c in await _all(s, TicketClock) if c.name == ClockName.EXTENSION]
        assert decisions  # the demo keeps tickets at return_requested and extension_requested
        for c in decisions:
            assert (c.limit_value, c.limit_unit) == (3, "work_days")
            assert c.due_at == sla.due_at(s.calendar, c.started_at, 3, "work_days")
    finally:
        await s.close()


# --- the calendar ------------------------------------------------------------------------------
# The demo has no calendar of its own any more: tests/store/test_calendar_line.py checks the
# store's fast path against walking day by day.


# --- determinism, options, other towns ---------------------------------------------------------


async def _fingerprint(path: Path) -> list[tuple]:
    s = await _open(path)
    try:
        async with s.db.session() as ses:
            rows = (await ses.execute(select(Ticket.number, Ticket.status, Ticket.title, Ticket.due_at,
                                             Ticket.reporter_name).order_by(Ticket.id))).all()
            names = (await ses.execute(select(Person.name).order_by(Person.id))).scalars().all()
            steps = (await ses.execute(select(TimelineEntry.at, TimelineEntry.actor, TimelineEntry.action)
                                       .order_by(TimelineEntry.ticket_id, TimelineEntry.at))).all()
        return [tuple(r) for r in rows] + [tuple(names)] + [tuple(r) for r in steps]
    finally:
        await s.close()


async def test_the_same_seed_builds_the_same_town(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await _build(tmp_path / "again.db")
    await _build(tmp_path / "other.db", seed=8)
    first = await _fingerprint(built[0])
    assert await _fingerprint(tmp_path / "again.db") == first
    assert await _fingerprint(tmp_path / "other.db") != first


async def test_bad_options_and_a_full_database_are_refused(town: Store, store: Store) -> None:
    with pytest.raises(Conflict):
        await demo.build(town, tickets=10, days=2)
    with pytest.raises(Invalid) as e:
        await demo.build(store, town="999999999", tickets=10)
    assert e.value.field == "town"
    with pytest.raises(Invalid) as e:
        await demo.build(store, tickets=demo.MAX_TICKETS + 1)
    assert e.value.field == "tickets"
    with pytest.raises(Invalid) as e:
        await demo.build(store, tickets=10, days=0)
    assert e.value.field == "days"
    assert await demo.is_empty(store)  # nothing written


async def test_any_town_of_the_divisions(tmp_path: Path) -> None:
    s = await _open(tmp_path / "jm.db")
    try:
        summary = await demo.build(s, town="440703002", tickets=40, days=5)
        assert summary.town_name == "江门市蓬江区白沙街道"
        areas = {a.code: a.name for a in await _all(s, Area)}
        assert areas["440703002"] == "白沙街道" and areas["440703"] == "蓬江区"
        assert all(g.town_code == "440703002" for g in await _all(s, Grid))
        assert await demo.is_demo(s)
    finally:
        await s.close()


# --- the feed ----------------------------------------------------------------------------------


async def test_the_feed_adds_tickets_through_intake(town: Store) -> None:
    feed = await town.actor(demo.FEED_LOGIN)
    before = len(await _all(town, Ticket))
    seen: list[str] = []
    made = await demo.feed(town, feed, rate=200, count=4, seed=1, on_ticket=seen.append)
    assert made == 4 and len(seen) == 4
    assert len(await _all(town, Ticket)) == before + 4
    for number in seen:
        d = await views.detail(town, feed, number)
        assert d.timeline[0].actor == "12345热线接口(feed)" and d.ticket.created_by == "12345热线接口(feed)"


async def test_the_feed_stops_when_told(town: Store) -> None:
    feed = await town.actor(demo.FEED_LOGIN)
    stop, first = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(demo.feed(town, feed, rate=0.01, stop=stop, seed=2,
                                         on_ticket=lambda _number: first.set()))
    await asyncio.wait_for(first.wait(), timeout=60)  # the first arrives at once
    stop.set()
    assert await asyncio.wait_for(task, timeout=5) == 1  # one at once, then it waits for the next


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.pg
async def test_the_demo_on_postgresql() -> None:
    if not pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = await _pg_create()
    try:
        s = await Store.open(f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}", config.Settings(),
                             now=fixed(NOW))
        try:
            summary = await demo.build(s, tickets=120, days=10)
            assert summary.tickets == 120
            tks = await _all(s, Ticket)
            assert len(tks) == 120
            by_ticket: dict[int, list[TicketClock]] = {}
            for c in await _all(s, TicketClock):
                by_ticket.setdefault(c.ticket_id, []).append(c)
            for t in tks:
                running = [c for c in by_ticket.get(t.id, []) if c.state == ClockState.RUNNING]
                assert t.due_at == (min(c.due_at for c in running) if running else None)
            # ids were given by the demo: the sequences must go on after them
            op = await s.actor()
            g = (await _all(s, Grid))[0]
            number = await tickets.create(s, op, tickets.parse({"source": "hotline", "grid": g.code,
                                                                "matter": "A001", "title": "试"}))
            assert (await views.detail(s, op, number)).ticket.id == 121
            assert await demo.is_demo(s)
            await demo.wipe(s)
            assert await demo.is_empty(s)
        finally:
            await s.close()
    finally:
        await _pg_drop(name)


def test_the_shipped_divisions_match_the_reference_data() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions"
    if not shared.exists():
        pytest.skip("the reference data is not beside this checkout")
    for name in ("cities.csv", "counties.csv", "towns.csv"):
        assert (demo.DIVISIONS / name).read_bytes() == (shared / name).read_bytes()
    assert len(demo.towns()) == 426
    assert demo.division("450502005")[2].name == "地角街道"


async def test_every_stage_of_a_build_reports_its_progress(tmp_path: Path) -> None:
    """The long stages after the history (the text index, the analytics rollups: minutes for a
    county) report progress too, each ending complete, so the bar never sits silent."""
    told: list[tuple[int, int, str]] = []
    s = await Store.open(str(tmp_path / "p.db"), now=fixed(NOW))
    try:
        await demo.build(s, tickets=60, days=4, progress=lambda d, n, stage: told.append((d, n, stage)))
    finally:
        await s.close()
    stages = list(dict.fromkeys(stage for _, _, stage in told))
    assert {"places", "tickets", "search", "rollups"} <= set(stages), stages
    assert stages.index("search") < stages.index("rollups")
    for stage in stages:
        done, total = [(d, n) for d, n, st in told if st == stage][-1]
        assert done == total > 0, (stage, told)
    rolled = [d for d, _, st in told if st == "rollups"]
    assert rolled == sorted(rolled) and len(rolled) > 3  # statement by statement
