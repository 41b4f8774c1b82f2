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

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import actor as actor_mod
from griddesk.store import permissions, records, visibility
from griddesk.store.actor import Actor
from griddesk.store.calendar import WorkCalendar
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, ClockName, ClockState, Role, Status, SuperviseLevel
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import code_name
from griddesk.store.models import Grid, Supervision, Ticket, TicketClock, Unit
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


def nth_workday_after(cal: WorkCalendar, due: datetime, n: int) -> datetime:
    """The opening of the n-th working day after `due` (n ≤ 0: the deadline itself)."""
    if n <= 0:
        return due
    d = _first_late_day(cal, due)
    for _ in range(n - 1):
        d = cal.next_workday(d)
    return _opening(cal, d)


def working_days_late(cal: WorkCalendar, due: datetime, now: datetime) -> int:
    """How many working days late `now` is, counted as the ladder counts (0 before day one)."""
    if now <= due:
        return 0
    n, d = 0, _first_late_day(cal, due)
    while _opening(cal, d) <= now:
        n, d = n + 1, cal.next_workday(d)
    return n


def schedule(store: Store, due: datetime, warn_at: datetime) -> dict[str, datetime]:
    """When each automatic step of a handling clock is due."""
    cal, st = store.calendar, store.settings
    reminder = cal.add_work_seconds(due, -st.reminder_hours_before * 3600)
    return {
        L.REMINDER: min(max(reminder, warn_at), due),
        L.NOTICE: nth_workday_after(cal, due, st.notice_days_after),
        L.CRITICISM: nth_workday_after(cal, due, st.criticism_days_after),
    }


def due_steps(store: Store, due: datetime, warn_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """The automatic steps whose time has come for a clock running to `due`, mildest first."""
    out = []
    for level, at in schedule(store, due, warn_at).items():
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


async def run_ladder(store: Store, now: datetime | None = None, jurisdiction: str = "") -> list[Step]:
    """Write the automatic steps whose time has come; returns the ones this call wrote.

    Safe to run from every console at once: a step another runner wrote first is skipped.
    `jurisdiction` limits the run to one town or county (default: everything).
    """
    now = now or store.now()
    system = actor_mod.system(jurisdiction)
    q = (select(TicketClock.id, Ticket.id, Ticket.number, Ticket.town_code, TicketClock.due_at,
                TicketClock.warn_at, Ticket.lead_unit_id, Unit.code)
         .select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
         .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
         # every automatic step comes at or after warn_at, so SQL can leave the rest out
         .where(TicketClock.name == ClockName.HANDLE, TicketClock.state == ClockState.RUNNING,
                TicketClock.warn_at <= now, Ticket.status.in_(OPEN_STATUSES),
                in_town(Ticket.town_code, jurisdiction)))
    async with store.db.session() as s:
        cands = [_Candidate(*r) for r in (await s.execute(q)).all()]
        done = await _written(s, [c.ticket_id for c in cands])
    todo: list[tuple[_Candidate, str, datetime]] = []
    for c in sorted(cands, key=lambda c: c.clock_id):  # one order for every runner: no deadlocks
        for level, at in due_steps(store, c.due, c.warn_at, now):
            if step_key(c.clock_id, level) not in done:
                todo.append((c, level, at))
    if not todo:
        return []
    wrote: list[Step] = []
    async with store.db.session(write=True) as s:
        # the clock may have stopped (feedback, close) or moved (an approved extension) since it
        # was read outside this transaction: decide again on what it is now
        fresh = {cid: due_steps(store, due, warn, now) for cid, due, warn in (await s.execute(
            select(TicketClock.id, TicketClock.due_at, TicketClock.warn_at).where(
                TicketClock.id.in_({c.clock_id for c, _, _ in todo}),
                TicketClock.state == ClockState.RUNNING))).all()}
        for c, level, at in todo:
            if level not in {lvl for lvl, _ in fresh.get(c.clock_id, [])}:
                continue
            key = step_key(c.clock_id, level)
            try:
                async with s.begin_nested():
                    await s.execute(insert(Supervision).values(
                        ticket_id=c.ticket_id, level=level, unit_id=c.unit_id, reason=None,
                        actor=system.label, at=now, step_key=key))
            except IntegrityError:
                continue  # another console's ladder wrote it first
            data = {"auto": True, "clock": ClockName.HANDLE.value, "due_at": iso(c.due)}
            await _record(s, system, c.ticket_id, c.town, c.number, level, None, now, data)
            wrote.append(Step(c.number, c.ticket_id, level, now, system.label, None, c.unit_code,
                              True, c.due, at))
    return wrote


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
        row = CriticismRow(tk.number, tk.title, tk.status, gcode, gname, ucode, uname,
                           tk.handle_due_at, late, at, tk.status == Status.CLOSED)
        if tk.number not in out or out[tk.number].listed_at < at:
            out[tk.number] = row
    return sorted(out.values(), key=lambda r: (-r.days_late, r.listed_at, r.number))


__all__ = ["AUTOMATIC", "LEVELS", "MANUAL", "RANK", "CriticismRow", "Step", "criticism_list",
           "due_steps", "history", "nth_workday_after", "run_ladder", "run_ladder_as", "schedule",
           "step_key", "supervise", "working_days_late"]
