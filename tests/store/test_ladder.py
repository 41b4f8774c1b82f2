"""The supervision ladder on the working calendar, across the 2025 National Day holiday.

A consultation (3 working days) received on Friday 26 September 2025 at 10:00 is due at close
of business on Tuesday 30 September: Sunday 28 September is a 调休 working day, so the three
days are 28, 29 and 30. Then the holiday: 1–8 October are rest days, Saturday 11 October is a
调休 working day. The ladder, with its defaults:
    reminder    4 working hours before the deadline → Tue 30 Sep 11:30 (17:30 − 3.5 h − 0.5 h)
    notice      the first working day after the deadline → Thu 9 Oct, 08:30
    criticism   the fifth working day after it (9, 10, 11 Sat, 13, 14) → Tue 14 Oct, 08:30
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from griddesk.store import notices, supervision, tickets, views, workflow
from griddesk.store.context import Store
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.models import Supervision, TimelineEntry
from tests.fixtures_town import Town, seed

BJ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]


def local(y: int, mo: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, mo, d, hh, mm, tzinfo=BJ)


async def setup(path: str, now: list[datetime], count: int = 1) -> tuple[Store, Town, list[str]]:
    s = await Store.open(path, now=lambda: now[0])
    town = await seed(s)
    numbers = []
    for i in range(count):
        numbers.append(await tickets.create(s, town.operator, tickets.parse(town.ticket(
            matter=town.matters["consult"], title=f"咨询低保政策 {i}"))))
        await workflow.dispatch(s, town.operator, numbers[-1], "CIVIL")
        await workflow.sign(s, town.actors["u-civil"], numbers[-1])
    return s, town, numbers


async def steps_of(s: Store) -> list[tuple[str, str | None]]:
    async with s.db.session() as sess:
        rows = (await sess.execute(select(Supervision.level, Supervision.step_key)
                                   .order_by(Supervision.id))).all()
    return [(lvl, key) for lvl, key in rows]


def test_schedule_across_national_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Store.__new__(Store)  # only the calendar and settings are used
    from griddesk.store import config
    from griddesk.store.calendar import WorkCalendar

    s.settings = config.Settings()
    s.calendar = WorkCalendar.from_settings(s.settings)
    due = local(2025, 9, 30, 17, 30)
    warn = local(2025, 9, 30, 10, 15)
    sched = supervision.schedule(s, due, warn)
    assert sched == {"reminder": local(2025, 9, 30, 11, 30), "notice": local(2025, 10, 9, 8, 30),
                     "criticism": local(2025, 10, 14, 8, 30)}
    assert supervision.working_days_late(s.calendar, due, local(2025, 10, 8, 23, 0)) == 0
    assert supervision.working_days_late(s.calendar, due, local(2025, 10, 11, 9, 0)) == 3
    assert supervision.working_days_late(s.calendar, due, local(2025, 10, 14, 8, 30)) == 5
    # a natural-hours deadline before a working day's opening: that day is the first one late
    early = local(2025, 10, 9, 3, 0)
    assert supervision.nth_workday_after(s.calendar, early, 1) == local(2025, 10, 9, 8, 30)
    # a short limit is not reminded before it turns due soon
    assert supervision.schedule(s, local(2025, 10, 9, 10, 30), local(2025, 10, 9, 10, 0))["reminder"] == \
        local(2025, 10, 9, 10, 0)


async def test_the_ladder_lands_on_working_days_across_the_holiday(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [local(2025, 9, 26, 10, 0)]
    s, town, (number,) = await setup(str(tmp_path / "l.db"), now)
    d = await views.detail(s, town.operator, number)
    assert d.ticket.handle_due_at == local(2025, 9, 30, 17, 30)
    version = d.ticket.version

    expect = [
        (local(2025, 9, 30, 11, 29), []),
        (local(2025, 9, 30, 11, 30), ["reminder"]),
        (local(2025, 9, 30, 17, 31), []),  # overdue, but the notice waits for the next working day
        (local(2025, 10, 1, 9, 0), []),  # National Day
        (local(2025, 10, 8, 17, 0), []),  # still the holiday
        (local(2025, 10, 9, 8, 29), []),
        (local(2025, 10, 9, 8, 30), ["notice"]),
        (local(2025, 10, 11, 10, 0), []),  # the 调休 Saturday is the third day late
        (local(2025, 10, 13, 17, 30), []),
        (local(2025, 10, 14, 8, 30), ["criticism"]),
        (local(2025, 10, 20, 9, 0), []),
    ]
    for moment, levels in expect:
        now[0] = moment
        got = await supervision.run_ladder(s)
        assert [x.level for x in got] == levels, moment
        for x in got:
            assert x.number == number and x.unit_code == "CIVIL" and x.auto
            assert x.scheduled == moment  # each ran the minute it became due
    clock_id = int((await steps_of(s))[0][1].split(":")[0])
    assert await steps_of(s) == [(lvl, f"{clock_id}:{lvl}") for lvl in ("reminder", "notice", "criticism")]
    d = await views.detail(s, town.operator, number)
    assert d.ticket.supervise_level == "criticism"
    assert d.ticket.version == version  # supervision is an annotation: no version bump
    sup = [e for e in d.timeline if e.action == "supervise"]
    assert [e.data["level"] for e in sup] == ["reminder", "notice", "criticism"]
    assert all(e.actor == "系统(system)" and e.data["auto"] for e in sup)
    listed = await supervision.criticism_list(s, town.actors["sup01"])
    # 9, 10, 11, 13–17, 20 October
    assert [(r.number, r.unit_code, r.days_late) for r in listed] == [(number, "CIVIL", 9)]
    await s.close()


async def test_a_late_first_run_skips_the_reminder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [local(2025, 9, 26, 10, 0)]
    s, _, _ = await setup(str(tmp_path / "late.db"), now)
    now[0] = local(2025, 10, 15, 9, 0)
    got = await supervision.run_ladder(s)
    assert [(x.level, x.scheduled) for x in got] == [
        ("notice", local(2025, 10, 9, 8, 30)), ("criticism", local(2025, 10, 14, 8, 30))]
    assert await supervision.run_ladder(s) == []  # twice: nothing more
    await s.close()


async def test_two_ladders_at_once_write_each_step_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "twice.db")
    now = [local(2025, 9, 26, 10, 0)]
    s, _, numbers = await setup(path, now, count=8)
    now[0] = local(2025, 10, 15, 9, 0)
    s2 = await Store.open(path, now=lambda: now[0])
    a, b = await asyncio.gather(supervision.run_ladder(s), supervision.run_ladder(s2))
    assert len(a) + len(b) == 16
    steps = await steps_of(s)
    assert len(steps) == 16 and len({k for _, k in steps}) == 16
    await s2.close()
    await s.close()


LADDER_PROCESS = """
import asyncio, sys
from datetime import datetime
from zoneinfo import ZoneInfo
from griddesk.store.context import Store
from griddesk.store import supervision

async def main():
    at = datetime(2025, 10, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    s = await Store.open(sys.argv[1], now=lambda: at)
    print(len(await supervision.run_ladder(s)))
    await s.close()

asyncio.run(main())
"""


@pytest.mark.slow
async def test_two_processes_write_each_step_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "procs.db")
    now = [local(2025, 9, 26, 10, 0)]
    s, _, _ = await setup(path, now, count=10)
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", LADDER_PROCESS, path, cwd=ROOT,
                                                  stdout=asyncio.subprocess.PIPE,
                                                  stderr=asyncio.subprocess.PIPE) for _ in range(2)]
    outs = [await p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1].decode() for o in outs]
    assert sum(int(o[0]) for o in outs) == 20
    steps = await steps_of(s)
    assert len(steps) == 20 and len({k for _, k in steps}) == 20
    async with s.db.session() as sess:
        n = (await sess.execute(select(func.count()).select_from(TimelineEntry)
                                .where(TimelineEntry.action == "supervise"))).scalar_one()
    assert n == 20  # no timeline entry for a step another process had written
    await s.close()


async def test_concurrent_ladders_on_postgresql(pg_url: str) -> None:
    now = [local(2025, 9, 26, 10, 0)]
    s, _, _ = await setup(pg_url, now, count=12)
    now[0] = local(2025, 10, 15, 9, 0)
    others = [await Store.open(pg_url, now=lambda: now[0]) for _ in range(3)]
    results = await asyncio.gather(supervision.run_ladder(s), *(supervision.run_ladder(o) for o in others))
    assert sum(len(r) for r in results) == 24
    steps = await steps_of(s)
    assert len(steps) == 24 and len({k for _, k in steps}) == 24
    for o in others:
        await o.close()
    await s.close()


async def test_manual_supervision_is_recorded_and_raises_the_level(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [local(2025, 9, 26, 10, 0)]
    s, town, (number,) = await setup(str(tmp_path / "m.db"), now)
    before = (await views.detail(s, town.operator, number)).ticket.version
    step = await supervision.supervise(s, town.operator, number, "notice", "群众多次来电催问")
    assert (step.level, step.unit_code, step.auto) == ("notice", "CIVIL", False)
    await supervision.supervise(s, town.actors["sup01"], number, "reminder", "再次提醒")
    d = await views.detail(s, town.operator, number)
    assert d.ticket.supervise_level == "notice"  # a milder step does not lower it
    await supervision.supervise(s, town.actors["sup01"], number, "key", "列为重点督办")
    d = await views.detail(s, town.operator, number)
    assert d.ticket.supervise_level == "key" and d.ticket.version == before
    sup = [e for e in d.timeline if e.action == "supervise"]
    assert [(e.actor, e.data["level"], e.note) for e in sup] == [
        ("周敏(op01)", "notice", "群众多次来电催问"), ("赵刚(sup01)", "reminder", "再次提醒"),
        ("赵刚(sup01)", "key", "列为重点督办")]
    hist = await supervision.history(s, town.operator, number)
    assert [h.level for h in hist] == ["notice", "reminder", "key"]
    # the unit can still act on the version it saw: supervision did not bump it
    await workflow.feedback(s, town.actors["u-civil"], number, "已电话答复政策", expected_version=before)
    await s.close()


@pytest.mark.parametrize(("login", "level", "reason", "error"), [
    ("u-civil", "reminder", "催", NotAllowed),
    ("gw01", "reminder", "催", NotAllowed),
    ("wall", "reminder", "催", NotAllowed),
    ("op01", "criticism", "催", Invalid),  # the criticism list is the ladder's, not a manual level
    ("op01", "reminder", "  ", Invalid),
])
async def test_manual_supervision_refusals(town: Town, login: str, level: str, reason: str, error: type) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    with pytest.raises(error):
        await supervision.supervise(town.store, town.actors[login], number, level, reason)
    assert await steps_of(town.store) == []


async def test_closed_tickets_are_not_supervised(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket(resolved_on_spot=True)))
    with pytest.raises(NotAllowed) as e:
        await supervision.supervise(town.store, town.operator, number, "reminder", "催")
    assert number in e.value.message("en")


# --- batches: resumable, never blocking, the same steps as the one-transaction ladder ---------


async def _late(path: str, count: int) -> tuple[Store, Town, list[datetime]]:
    now = [local(2025, 9, 26, 10, 0)]
    s, town, _ = await setup(path, now, count=count)
    now[0] = local(2025, 10, 15, 9, 0)  # each ticket: the notice and the criticism are due
    return s, town, now


async def _supervise_entries(s: Store) -> int:
    async with s.db.session() as sess:
        return int((await sess.execute(select(func.count()).select_from(TimelineEntry)
                                       .where(TimelineEntry.action == "supervise"))).scalar_one())


async def test_an_interrupted_ladder_resumes_without_writing_twice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s, town, now = await _late(str(tmp_path / "resume.db"), 8)
    seen: list[int] = []

    async def quit_after_two(i: int, steps: list[supervision.Step]) -> None:
        seen.append(len(steps))
        if i == 1:
            raise asyncio.CancelledError  # the console quits between batches

    with pytest.raises(asyncio.CancelledError):
        await supervision.run_ladder(s, batch=3, after_batch=quit_after_two)
    assert seen == [3, 3]
    assert len(await steps_of(s)) == 6  # two batches committed
    rest = await supervision.run_ladder(s, batch=3)
    assert len(rest) == 10
    steps = await steps_of(s)
    assert len(steps) == 16 and len({k for _, k in steps}) == 16
    assert await _supervise_entries(s) == 16  # no timeline entry twice
    assert await supervision.run_ladder(s) == []
    for number in {x.number for x in rest}:
        assert (await views.detail(s, town.operator, number)).ticket.supervise_level == "criticism"
    await s.close()


async def test_no_garbage_collection_inside_a_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A full collection with a county's plan in memory took 76–94 ms inside one batch of each
    run (bench/ladder.py), and every other writer waited for it: collection is held off while a
    batch's write transaction is open, and on again between batches and after the run."""
    import gc

    from sqlalchemy import event

    from griddesk.store.db import WRITE

    s, _town, _now = await _late(str(tmp_path / "gc.db"), 6)
    at_write: list[bool] = []

    def on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(WRITE):  # the plan's reads are not batches
            at_write.append(gc.isenabled())

    between: list[bool] = []

    async def after(i: int, steps: list[supervision.Step]) -> None:
        between.append(gc.isenabled())

    event.listen(s.db.engine.sync_engine, "begin", on_begin)
    try:
        assert gc.isenabled()
        wrote = await supervision.run_ladder(s, batch=4, after_batch=after)
    finally:
        event.remove(s.db.engine.sync_engine, "begin", on_begin)
    assert len(wrote) == 12 and len(between) == 3
    assert at_write and not any(at_write)  # every write transaction began with collection off
    assert all(between) and gc.isenabled()
    await s.close()


async def test_another_writer_gets_in_between_batches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "writer.db")
    s, town, now = await _late(path, 12)
    other = await Store.open(path, now=lambda: now[0])
    writes: list[int] = [0]
    during: list[int] = []
    done = asyncio.Event()

    async def writer() -> None:  # small writes, one after the other, from another engine
        on = False
        while not done.is_set():
            on = not on
            await notices.set_bell(other, town.actors["op02"], on)
            writes[0] += 1

    async def note(i: int, steps: list[supervision.Step]) -> None:
        during.append(writes[0])

    task = asyncio.create_task(writer())
    try:
        wrote = await supervision.run_ladder(s, batch=2, after_batch=note)
    finally:
        done.set()
        await task
    assert len(wrote) == 24 and len(during) == 12
    # the other writer's writes completed while the ladder ran, not only after it finished
    assert during[-1] > during[0], during
    await other.close()
    await s.close()


async def _old_ladder(store: Store, now: datetime) -> int:
    """The ladder as it was (one write transaction, one savepoint per step): the reference the
    batched ladder must agree with. Its rules come from the same schedule/due_steps."""
    from sqlalchemy import insert, or_, update
    from sqlalchemy.exc import IntegrityError

    from griddesk.store import actor as actor_mod
    from griddesk.store import records
    from griddesk.store.enums import OPEN_STATUSES, ClockName, ClockState
    from griddesk.store.models import Ticket, TicketClock
    from griddesk.store.timefmt import iso

    system = actor_mod.system("")
    q = (select(TicketClock.id, Ticket.id, Ticket.number, Ticket.town_code, TicketClock.due_at,
                TicketClock.warn_at, Ticket.lead_unit_id)
         .select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
         .where(TicketClock.name == ClockName.HANDLE, TicketClock.state == ClockState.RUNNING,
                TicketClock.warn_at <= now, Ticket.status.in_(OPEN_STATUSES)))
    n = 0
    async with store.db.session(write=True) as s:
        for cid, tid, _number, town, due, warn, unit in sorted((await s.execute(q)).all()):
            for level, _ in supervision.due_steps(store, due, warn, now):
                try:
                    async with s.begin_nested():
                        await s.execute(insert(Supervision).values(
                            ticket_id=tid, level=level, unit_id=unit, reason=None, actor=system.label,
                            at=now, step_key=supervision.step_key(cid, level)))
                except IntegrityError:
                    continue
                data = {"level": level, "auto": True, "clock": ClockName.HANDLE.value, "due_at": iso(due)}
                await records.timeline(s, tid, system, "supervise", now, None, None, None, data)
                milder = [x for x in supervision.LEVELS if supervision.RANK[x] < supervision.RANK[level]]
                await s.execute(update(Ticket).where(Ticket.id == tid, or_(
                    Ticket.supervise_level.is_(None), Ticket.supervise_level.in_(milder)))
                    .values(supervise_level=level).execution_options(synchronize_session=False))
                await records.feed(s, "ticket", tid, "supervise", now, town)
                n += 1
    return n


async def _outcome(store: Store) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    from griddesk.store.models import Change, Ticket

    async with store.db.session() as s:
        sup = (await s.execute(select(Supervision.ticket_id, Supervision.level, Supervision.unit_id,
                                      Supervision.actor, Supervision.at, Supervision.step_key)
                               .order_by(Supervision.step_key))).all()
        tl = (await s.execute(select(TimelineEntry.ticket_id, TimelineEntry.actor, TimelineEntry.at,
                                     TimelineEntry.data).where(TimelineEntry.action == "supervise"))).all()
        lv = (await s.execute(select(Ticket.id, Ticket.supervise_level, Ticket.version)
                              .order_by(Ticket.id))).all()
        feed = (await s.execute(select(Change.entity_id, Change.kind, Change.area_code)
                                .where(Change.kind == "supervise"))).all()
    key = repr
    return ([tuple(r) for r in sup], sorted((tuple(r) for r in tl), key=key), [tuple(r) for r in lv],
            sorted((tuple(r) for r in feed), key=key))


@pytest.mark.slow
async def test_the_batched_ladder_writes_what_the_old_one_did_on_the_demo_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from griddesk.store import config, demo

    built = tmp_path / "demo.db"
    start = datetime(2026, 10, 12, 2, 0, tzinfo=ZoneInfo("UTC"))
    s = await Store.open(str(built), config.Settings(), now=lambda: start)
    await demo.build(s, tickets=400, days=20, seed=11)
    await s.close()
    outcomes = []
    for which in ("old", "new"):
        path = tmp_path / f"{which}.db"
        shutil.copyfile(built, path)
        moment = [start]
        st = await Store.open(str(path), config.Settings(), now=lambda: moment[0])
        counts = []
        # the demo's own moment (reminders due soon), a week on, and a month on (the backlog)
        for later in (0, 7, 31):
            moment[0] = start + timedelta(days=later)
            if which == "old":
                counts.append(await _old_ladder(st, moment[0]))
            else:
                counts.append(len(await supervision.run_ladder(st, batch=7)))
        outcomes.append((counts, await _outcome(st)))
        await st.close()
    (old_counts, old), (new_counts, new) = outcomes
    assert old_counts == new_counts and sum(new_counts) > 50, (old_counts, new_counts)
    assert new == old


async def test_concurrent_batched_ladders_on_postgresql(pg_url: str) -> None:
    """Small batches from four runners at once: ON CONFLICT DO NOTHING across batches, in one
    clock order, writes each step once and deadlocks nowhere."""
    now = [local(2025, 9, 26, 10, 0)]
    s, town, numbers = await setup(pg_url, now, count=12)
    now[0] = local(2025, 10, 15, 9, 0)
    others = [await Store.open(pg_url, now=lambda: now[0]) for _ in range(3)]
    results = await asyncio.gather(*(supervision.run_ladder(x, batch=5) for x in (s, *others)))
    assert sum(len(r) for r in results) == 24
    steps = await steps_of(s)
    assert len(steps) == 24 and len({k for _, k in steps}) == 24
    assert await _supervise_entries(s) == 24
    for number in numbers:
        assert (await views.detail(s, town.operator, number)).ticket.supervise_level == "criticism"
    for o in others:
        await o.close()
    await s.close()
