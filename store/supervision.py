"""督办: the supervision ladder, by hand and by itself (JM 17, BH 20).

Levels, mildest first: reminder (催办), formal notice (催办通知书), key supervision (重点督办),
and the public-criticism list (通报). A ticket's `supervise_level` is the highest it has reached;
every step is a row in `supervisions` and a `supervise` entry in the ticket's timeline.

Supervision is an annotation on the loop, not a move in it: it changes neither the ticket's
status nor its `version`, so a unit signing or feeding back at the same moment never fails with
a conflict because the centre chased it. (It also leaves `updated_at`/`updated_by` alone: those
say who last moved the ticket.)

The automatic ladder runs on the working calendar against the handling deadline:
- reminder: `reminder_hours_before` working hours before the deadline (default 4), but never
  before the clock turns due soon — a 2-working-hour limit is not chased the moment it starts;
- formal notice: the `notice_days_after`-th working day after the deadline (default 1: the
  next working day, at its opening);
- criticism list: the `criticism_days_after`-th working day after the deadline (default 5).
Days late are counted as 12345 centres count them, by working day: the first working day after
the deadline is one day late, so a deadline of Tuesday 30 September 2025 (before the National
Day holiday) brings the notice on Thursday 9 October and the criticism on Tuesday 14 October
(9, 10, 11 — the 调休 Saturday — 13, 14).
A reminder is only sent before the deadline; a ladder that first runs after it skips to the
steps that are due. Each step is written once per clock: its `step_key` ("<clock id>:<level>")
is unique, so consoles running the ladder at the same moment cannot write it twice.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from griddesk.store import actor as actor_mod
from griddesk.store import permissions, records, visibility
from griddesk.store.actor import Actor
from griddesk.store.calendar import WorkCalendar
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, ClockName, ClockState, Role, Status, SuperviseLevel
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import code_name
from griddesk.store.models import Change, Grid, Supervision, Ticket, TicketClock, TimelineEntry, Unit
from griddesk.store.privacy import mask_text
from griddesk.store.scope import in_town
from griddesk.store.timefmt import iso
from griddesk.store.views import get_ticket

L = SuperviseLevel
LEVELS: tuple[str, ...] = (L.REMINDER, L.NOTICE, L.KEY, L.CRITICISM)
RANK = {level: i for i, level in enumerate(LEVELS, start=1)}
MANUAL: tuple[str, ...] = (L.REMINDER, L.NOTICE, L.KEY)  # the criticism list is the ladder's
AUTOMATIC: tuple[str, ...] = (L.REMINDER, L.NOTICE, L.CRITICISM)
WHO = permissions.CENTRE
MAX_REASON = 2000


@dataclass(frozen=True)
class Step:
    """One step of supervision, written by hand or by the ladder."""

    number: str
    ticket_id: int
    level: str
    at: datetime
    actor: str
    reason: str | None
    unit_code: str | None
    auto: bool
    due_at: datetime | None = None  # the deadline the ladder chased
    scheduled: datetime | None = None  # when the ladder's step was due

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "level": self.level, "at": iso(self.at), "actor": self.actor,
                "reason": self.reason, "unit": self.unit_code, "auto": self.auto,
                "due_at": iso(self.due_at), "scheduled": iso(self.scheduled)}


# --- the calendar of the ladder -------------------------------------------------------------


def _opening(cal: WorkCalendar, d: date) -> datetime:
    return datetime.combine(d, cal.periods[0][0], cal.tz)


def _first_late_day(cal: WorkCalendar, due: datetime) -> date:
    # a deadline before a working day's opening (a natural-hours clock due at 03:00) makes that
    # same day the first one late; otherwise it is the next working day
    local = cal.local(due)
    d = local.date()
    return d if cal.is_workday(d) and local < _opening(cal, d) else cal.next_workday(d)


# (local date of the deadline, before that day's opening, n) -> the n-th working day's opening
Memo = dict[tuple[date, bool, int], datetime]


def nth_workday_after(cal: WorkCalendar, due: datetime, n: int, memo: Memo | None = None) -> datetime:
    """The opening of the n-th working day after `due` (n ≤ 0: the deadline itself).

    `memo` (one dict for one run over many clocks) remembers the answer per deadline day: it
    depends only on the day and on whether the deadline falls before that day's opening."""
    if n <= 0:
        return due
    key: tuple[date, bool, int] | None = None
    if memo is not None:
        local = cal.local(due)
        key = (local.date(), local < _opening(cal, local.date()), n)
        if key in memo:
            return memo[key]
    d = _first_late_day(cal, due)
    for _ in range(n - 1):
        d = cal.next_workday(d)
    out = _opening(cal, d)
    if memo is not None and key is not None:
        memo[key] = out
    return out


def working_days_late(cal: WorkCalendar, due: datetime, now: datetime) -> int:
    """How many working days late `now` is, counted as the ladder counts (0 before day one)."""
    if now <= due:
        return 0
    n, d = 0, _first_late_day(cal, due)
    while _opening(cal, d) <= now:
        n, d = n + 1, cal.next_workday(d)
    return n


def schedule(store: Store, due: datetime, warn_at: datetime, memo: Memo | None = None) -> dict[str, datetime]:
    """When each automatic step of a handling clock is due."""
    cal, st = store.calendar, store.settings
    reminder = cal.add_work_seconds(due, -st.reminder_hours_before * 3600)
    return {
        L.REMINDER: min(max(reminder, warn_at), due),
        L.NOTICE: nth_workday_after(cal, due, st.notice_days_after, memo),
        L.CRITICISM: nth_workday_after(cal, due, st.criticism_days_after, memo),
    }


def due_steps(store: Store, due: datetime, warn_at: datetime, now: datetime,
              memo: Memo | None = None) -> list[tuple[str, datetime]]:
    """The automatic steps whose time has come for a clock running to `due`, mildest first."""
    out = []
    for level, at in schedule(store, due, warn_at, memo).items():
        if at > now:
            continue
        if level == L.REMINDER and now >= due:
            continue  # a reminder is for before the deadline; after it the notice speaks
        out.append((level, at))
    return out


def step_key(clock_id: int, level: str) -> str:
    return f"{clock_id}:{level}"


# --- writing a step -------------------------------------------------------------------------


async def _raise_level(s: AsyncSession, ticket_id: int, level: str) -> None:
    # in SQL, so two writers at once cannot lower it: only a milder (or no) level is replaced
    milder = [x for x in LEVELS if RANK[x] < RANK[level]]
    await s.execute(update(Ticket).where(
        Ticket.id == ticket_id, or_(Ticket.supervise_level.is_(None), Ticket.supervise_level.in_(milder)))
        .values(supervise_level=level).execution_options(synchronize_session=False))


async def _record(s: AsyncSession, actor: Actor, tk_id: int, town: str, number: str, level: str,
                  reason: str | None, now: datetime, data: dict[str, Any]) -> None:
    await records.timeline(s, tk_id, actor, "supervise", now, None, None, reason, {"level": level, **data})
    await _raise_level(s, tk_id, level)
    await records.feed(s, "ticket", tk_id, "supervise", now, town)
    await records.audit(s, actor, "ticket.supervise", "ticket", number, now, {"level": level, **data})


def _check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid("supervise.error.reason_required", field="reason")
    if len(text) > MAX_REASON:
        raise Invalid("error.too_long", field="reason", max=MAX_REASON)
    return text


def needs_unit(number: str, lead_unit_id: int | None) -> None:
    """A formal notice (催办通知书) is addressed to the unit holding the ticket: with none, there is
    nobody to send it to (JM 15), so it is refused rather than issued to "(no unit)"."""
    if lead_unit_id is None:
        raise NotAllowed("supervise.error.notice_no_unit", number=number)


async def supervise(store: Store, actor: Actor, number: str, level: str, reason: str) -> Step:
    """Put a ticket under supervision by hand: reminder, formal notice or key supervision."""
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in WHO:
        raise NotAllowed("supervise.error.role", role=code_name("role", actor.role))
    if level not in MANUAL:
        raise Invalid("error.unknown_value", field="level", value=level, choices=" | ".join(MANUAL))
    text = _check_reason(reason)
    now = store.now()
    async with store.db.session(write=True) as s:
        tk = await get_ticket(s, store, actor, number)
        if tk.status == Status.CLOSED:
            raise NotAllowed("supervise.error.closed", number=number)
        if level == SuperviseLevel.NOTICE:
            needs_unit(number, tk.lead_unit_id)
        await s.execute(insert(Supervision).values(ticket_id=tk.id, level=level, unit_id=tk.lead_unit_id,
                                                   reason=text, actor=actor.label, at=now))
        await _record(s, actor, tk.id, tk.town_code, tk.number, level, text, now, {})
        unit = await _unit_code(s, tk.lead_unit_id)
    return Step(number, tk.id, level, now, actor.label, text, unit, False)


async def _unit_code(s: AsyncSession, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return (await s.execute(select(Unit.code).where(Unit.id == unit_id))).scalar_one_or_none()


# --- the ladder -----------------------------------------------------------------------------
#
# The ladder reads and decides outside any write transaction, then writes in small batches,
# each its own short write transaction of a few set-based statements (one INSERT of the
# supervisions with RETURNING, then executemany of the timeline, the change feed and the
# tickets' levels, and one audit entry): on SQLite every other writer waits at most one batch, not
# the whole run. Each step's `step_key` is unique and inserted with ON CONFLICT DO NOTHING, so a
# run that was interrupted (a quit, a crash, a cancelled worker) resumes where it stopped and
# nothing is written twice, and two runners at once write each step once.

BATCH = 200  # at most this many steps per write transaction
FIRST_BATCH, MIN_BATCH = 50, 100
TARGET_S = 0.03  # each batch is sized to hold the write lock about this long (bench/ladder.py)
# the pause between batches: SQLite's busy handler retries a waiting writer at most 25 ms apart
# for its first 150 ms of waiting, so a 25 ms gap lets every writer that waited on a batch in
PAUSE_S = 0.025


@dataclass(frozen=True)
class _Candidate:
    clock_id: int
    ticket_id: int
    number: str
    town: str
    due: datetime
    warn_at: datetime
    unit_id: int | None
    unit_code: str | None


@dataclass(frozen=True)
class _Due:
    c: _Candidate
    level: str
    at: datetime  # when the step was due

    @property
    def key(self) -> str:
        return step_key(self.c.clock_id, self.level)


async def plan(store: Store, now: datetime, jurisdiction: str = "") -> list[_Due]:
    """The steps whose time has come and that nobody wrote yet, in clock order (reads only)."""
    return (await plan_ahead(store, now, jurisdiction))[0]


async def plan_ahead(store: Store, now: datetime, jurisdiction: str = "") -> tuple[list[_Due], datetime]:
    """`plan`, and the earliest moment after `now` at which time alone (no write) can bring a
    new step — never later than the true one. A runner that ran the ladder at `now` need not
    plan again before then unless the change feed moves (a new clock, a pause, a closed ticket).

    A notice or a criticism falls on a working day's opening (the next one bounds them); a
    reminder falls between a clock's `warn_at` and its deadline: for a clock not warned yet no
    earlier than the next `warn_at` (one index seek, `ix_clocks_ladder`), for one already warned
    (a candidate here) at its own reminder time, computed with its other steps."""
    cal = store.calendar
    handle = (TicketClock.name == ClockName.HANDLE, TicketClock.state == ClockState.RUNNING,
              Ticket.status.in_(OPEN_STATUSES), in_town(Ticket.town_code, jurisdiction))
    q = (select(TicketClock.id, Ticket.id, Ticket.number, Ticket.town_code, TicketClock.due_at,
                TicketClock.warn_at, Ticket.lead_unit_id, Unit.code)
         .select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
         .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
         # every automatic step comes at or after warn_at, so SQL can leave the rest out
         .where(*handle, TicketClock.warn_at <= now))
    later = (select(TicketClock.warn_at).select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
             .where(*handle, TicketClock.warn_at > now).order_by(TicketClock.warn_at).limit(1))
    async with store.db.session() as s:
        cands = [_Candidate(*r) for r in (await s.execute(q)).all()]
        done = await _written(s, [c.ticket_id for c in cands])
        next_warn = (await s.execute(later)).scalar_one_or_none()
    day = cal.local(now).date()
    wake = _opening(cal, day) if cal.is_workday(day) and now < _opening(cal, day) \
        else _opening(cal, cal.next_workday(day))
    if next_warn is not None:
        wake = min(wake, next_warn)
    todo: list[_Due] = []
    memo: Memo = {}
    for c in sorted(cands, key=lambda c: c.clock_id):  # one order for every runner: no deadlocks
        for level, at in due_steps(store, c.due, c.warn_at, now, memo):
            if step_key(c.clock_id, level) not in done:
                todo.append(_Due(c, level, at))
        if c.due > now:  # warned, not yet due: its reminder may still be ahead
            at = schedule(store, c.due, c.warn_at, memo)[L.REMINDER]
            if at > now:
                wake = min(wake, at)
    return todo, wake


AfterBatch = Callable[[int, list[Step]], Awaitable[None]]


async def run_ladder(store: Store, now: datetime | None = None, jurisdiction: str = "", *,
                     batch: int = BATCH, after_batch: AfterBatch | None = None,
                     todo: list[_Due] | None = None) -> list[Step]:
    """Write the automatic steps whose time has come; returns the ones this call wrote.

    Safe to run from every console at once: a step another runner wrote first is skipped.
    `jurisdiction` limits the run to one town or county (default: everything). `after_batch`
    is awaited after each committed batch with its index and steps (progress; tests). `todo`:
    the steps `plan_ahead` found at `now`, when the caller planned already.
    """
    now = now or store.now()
    system = actor_mod.system(jurisdiction)
    if todo is None:
        todo = await plan(store, now, jurisdiction)
    wrote: list[Step] = []
    most = max(batch, 1)
    size = min(FIRST_BATCH, most)  # the first batch also compiles the statements: keep it small
    start, i = 0, 0
    while start < len(todo):
        if i:
            await asyncio.sleep(PAUSE_S)  # let a writer that waited on this batch go first
        t0 = time.perf_counter()
        with _collection_held_off():
            steps = await _write_batch(store, system, todo[start:start + size], now)
        took = time.perf_counter() - t0
        start += size
        # the next batch is sized to take about TARGET_S (a slow disk, a busy machine: fewer
        # steps); each batch has a fixed cost, so never fewer than MIN_BATCH
        size = max(min(MIN_BATCH, most), min(most, int(size * TARGET_S / max(took, 1e-4))))
        wrote += steps
        if after_batch is not None:
            await after_batch(i, steps)
        i += 1
    return wrote


@contextmanager
def _collection_held_off() -> Iterator[None]:
    """No garbage collection inside a batch's write transaction: with a big plan in memory a
    full collection takes tens of milliseconds, and every other writer waits for the lock
    meanwhile (bench/ladder.py: one transaction of 76–94 ms in each run of 85, the rest 18 ms).
    It runs in the pause after the batch instead."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _insert_ignoring(store: Store) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the backend (both SQLite and PostgreSQL spell it so)."""
    return postgresql.insert if store.db.backend == "postgresql" else sqlite.insert


async def _write_batch(store: Store, system: Actor, todo: list[_Due], now: datetime) -> list[Step]:
    if not todo:
        return []
    # everything that can be built before the write transaction is built here
    data = {d.key: {"level": d.level, "auto": True, "clock": ClockName.HANDLE.value, "due_at": iso(d.c.due)}
            for d in todo}
    planned = {(d.c.clock_id, d.c.due, d.c.warn_at) for d in todo}
    # executemany of one cached statement (a multi-row VALUES is compiled anew for every batch
    # and cost ten times the statements); RETURNING gives the keys this runner inserted
    ins = (_insert_ignoring(store)(Supervision).on_conflict_do_nothing(index_elements=["step_key"])
           .returning(Supervision.step_key))
    async with store.db.session(write=True) as s:
        conn = await s.connection()  # Core statements on the session's connection: no ORM bulk path
        # the clock may have stopped (feedback, close) or moved (an approved extension) since it
        # was read: keep a step only if its clock still runs to the same deadline, else decide again
        now_clocks = (await conn.execute(
            select(TicketClock.id, TicketClock.due_at, TicketClock.warn_at).where(
                TicketClock.id.in_({d.c.clock_id for d in todo}), TicketClock.state == ClockState.RUNNING))).all()
        same = {cid for cid, due, warn in now_clocks if (cid, due, warn) in planned}
        moved = {cid: {lvl for lvl, _ in due_steps(store, due, warn, now)}
                 for cid, due, warn in now_clocks if cid not in same}
        keep = [d for d in todo if d.c.clock_id in same or d.level in moved.get(d.c.clock_id, ())]
        if not keep:
            return []
        made = set((await conn.execute(ins, [
            {"ticket_id": d.c.ticket_id, "level": d.level, "unit_id": d.c.unit_id, "reason": None,
             "actor": system.label, "at": now, "step_key": d.key} for d in keep])).scalars())
        fresh = [d for d in keep if d.key in made]  # the rest another runner wrote first
        if not fresh:
            return []
        await conn.execute(insert(TimelineEntry), [
            {"ticket_id": d.c.ticket_id, "at": now, "actor": system.label, "action": "supervise",
             "from_status": None, "to_status": None, "note": None, "data": data[d.key]} for d in fresh])
        await conn.execute(insert(Change), [
            {"at": now, "entity": "ticket", "entity_id": d.c.ticket_id, "kind": "supervise",
             "area_code": d.c.town} for d in fresh])
        await _raise_levels(conn, fresh)
        # one audit entry per batch, naming every step (the timeline has one entry per step)
        await records.audit(s, system, "ticket.supervise", "ticket", None, now, {
            "auto": True, "steps": [[d.c.number, d.level] for d in fresh]})
    return [Step(d.c.number, d.c.ticket_id, d.level, now, system.label, None, d.c.unit_code, True,
                 d.c.due, d.at) for d in fresh]


_level_rank = case(*((Ticket.supervise_level == lvl, rank) for lvl, rank in RANK.items()), else_=0)


async def _raise_levels(conn: AsyncConnection, fresh: list[_Due]) -> None:
    # one executemany UPDATE: each ticket to the highest level this batch reached, only where
    # its level is milder (or none) — the same end as writing the steps one by one, and two
    # writers at once cannot lower a level
    top: dict[int, str] = {}
    for d in fresh:
        if RANK[d.level] > RANK.get(top.get(d.c.ticket_id, ""), 0):
            top[d.c.ticket_id] = d.level
    await conn.execute(
        update(Ticket).where(Ticket.id == bindparam("b_id"), _level_rank < bindparam("b_rank"))
        .values(supervise_level=bindparam("b_level")),
        [{"b_id": tid, "b_rank": RANK[level], "b_level": level} for tid, level in sorted(top.items())])


async def run_ladder_as(store: Store, actor: Actor) -> list[Step]:
    """Run the ladder now over the actor's jurisdiction (a centre account: `griddesk ladder run`)."""
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in WHO:
        raise NotAllowed("supervise.error.role", role=code_name("role", actor.role))
    return await run_ladder(store, jurisdiction=actor.jurisdiction)


async def _written(s: AsyncSession, ticket_ids: list[int]) -> set[str]:
    out: set[str] = set()
    ids = sorted(set(ticket_ids))
    for i in range(0, len(ids), 500):
        q = select(Supervision.step_key).where(Supervision.ticket_id.in_(ids[i:i + 500]),
                                               Supervision.step_key.is_not(None))
        out.update(k for k in (await s.execute(q)).scalars() if k)
    return out


# --- reading --------------------------------------------------------------------------------


async def history(store: Store, actor: Actor, number: str) -> list[Step]:
    """Every supervision step of one ticket, oldest first."""
    async with store.db.session() as s:
        tk = await get_ticket(s, store, actor, number)
        rows = (await s.execute(select(Supervision, Unit.code).outerjoin(Unit, Unit.id == Supervision.unit_id)
                                .where(Supervision.ticket_id == tk.id)
                                .order_by(Supervision.at, Supervision.id))).all()
    return [Step(number, tk.id, sv.level, sv.at, sv.actor, sv.reason, code, sv.step_key is not None)
            for sv, code in rows]


@dataclass(frozen=True)
class CriticismRow:
    number: str
    title: str
    status: str
    grid_code: str
    grid: str
    unit_code: str | None
    unit: str | None
    due_at: datetime | None  # the handling deadline
    days_late: int
    listed_at: datetime
    closed: bool

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "status": self.status,
                "grid": self.grid_code, "grid_name": self.grid, "lead_unit": self.unit_code,
                "lead_unit_name": self.unit, "handle_due_at": iso(self.due_at),
                "days_late": self.days_late, "listed_at": iso(self.listed_at)}


async def criticism_list(store: Store, actor: Actor, include_closed: bool = False,
                         since: datetime | None = None) -> list[CriticismRow]:
    """The public-criticism list (通报): tickets the ladder put there, most days late first."""
    now = store.now()
    q = (select(Ticket, Grid.code, Grid.name, Unit.code, Unit.name, Supervision.at)
         .join(Supervision, Supervision.ticket_id == Ticket.id)
         .join(Grid, Grid.id == Ticket.grid_id)
         .outerjoin(Unit, Unit.id == Supervision.unit_id)
         .where(Supervision.level == L.CRITICISM, visibility.condition(store, actor)))
    if not include_closed:
        q = q.where(Ticket.status.in_(OPEN_STATUSES))
    if since is not None:
        q = q.where(Supervision.at >= since)
    if actor.role == Role.UNIT:
        q = q.where(Supervision.unit_id == (actor.unit_id if actor.unit_id is not None else -1))
    async with store.db.session() as s:
        found = (await s.execute(q)).all()
    out: dict[str, CriticismRow] = {}
    for tk, gcode, gname, ucode, uname, at in found:
        end = tk.closed_at or now
        late = working_days_late(store.calendar, tk.handle_due_at, end) if tk.handle_due_at else 0
        title = mask_text(tk.title, (tk.reporter_name,), (tk.reporter_phone,)) or ""
        row = CriticismRow(tk.number, title, tk.status, gcode, gname, ucode, uname,
                           tk.handle_due_at, late, at, tk.status == Status.CLOSED)
        if tk.number not in out or out[tk.number].listed_at < at:
            out[tk.number] = row
    return sorted(out.values(), key=lambda r: (-r.days_late, r.listed_at, r.number))


__all__ = ["AUTOMATIC", "LEVELS", "MANUAL", "RANK", "CriticismRow", "Step", "criticism_list",
           "due_steps", "history", "nth_workday_after", "plan", "plan_ahead", "run_ladder", "run_ladder_as", "schedule",
           "step_key", "supervise", "working_days_late"]
