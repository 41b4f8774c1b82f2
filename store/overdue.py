"""The overdue view's data: every running clock that is due soon or overdue, grouped and ranked.

A clock is *due soon* from its `warn_at` (when only `Settings.due_soon_fraction` of its limit is
left) until its deadline, and *overdue* after the deadline. How late it is, as a multiple of its
limit (超时倍数, the measure urban-management scorecards use), is counted in the limit's own
basis: working time for work_hours / work_days limits, wall-clock time for natural ones — so a
4-working-hour limit missed over a weekend is not "20 times late" on Monday morning.

SQL picks the rows (running clocks whose `warn_at` has passed, of open tickets in the actor's
jurisdiction); Python does the calendar arithmetic, which SQL cannot.

Counts are of clocks, not tickets: a ticket whose sign-for and handling limits have both passed
missed two limits and shows in two rows (by stage that is the natural reading; by unit it is
what scorecards count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select

from griddesk.store import sla, visibility
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, ClockState
from griddesk.store.errors import Invalid
from griddesk.store.i18n import code_name, t
from griddesk.store.models import Grid, Matter, Ticket, TicketClock, Unit
from griddesk.store.privacy import mask_text
from griddesk.store.scope import SelectT
from griddesk.store.timefmt import iso

BY = ("unit", "grid", "stage")
UNASSIGNED = "unassigned"  # the unit group of tickets not dispatched yet


@dataclass(frozen=True)
class OverdueRow:
    ticket_id: int
    number: str
    title: str
    status: str
    urgency: str
    grid_code: str
    grid: str
    matter: str | None
    unit_code: str | None  # lead unit; None while pending dispatch
    unit: str | None
    clock_id: int
    clock: str  # ClockName: the stage
    due_at: datetime
    limit_value: int
    limit_unit: str
    limit_s: float  # the whole limit in basis seconds
    left_s: float  # basis seconds left; negative once late
    overdue: bool
    supervise_level: str | None
    escalation: str | None
    version: int

    @property
    def multiple(self) -> float:
        """超时倍数: time late ÷ the limit, both in the limit's basis (0 while not late)."""
        return max(-self.left_s / self.limit_s, 0.0)

    @property
    def late_s(self) -> float:
        return max(-self.left_s, 0.0)

    def sort_key(self) -> tuple[Any, ...]:
        # one scale for both kinds: late rows by multiple, then due-soon rows by the share of
        # the limit left (-left/limit is negative for them), earliest deadline on ties
        return (not self.overdue, self.left_s / self.limit_s, self.due_at, self.number, self.clock)

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "status": self.status,
                "urgency": self.urgency, "grid": self.grid_code, "grid_name": self.grid,
                "matter_name": self.matter, "lead_unit": self.unit_code, "lead_unit_name": self.unit,
                "clock": self.clock, "due_at": iso(self.due_at),
                "limit": {"value": self.limit_value, "unit": self.limit_unit},
                "state": "overdue" if self.overdue else "due_soon",
                "left_seconds": int(self.left_s), "overdue_multiple": round(self.multiple, 2),
                "supervise_level": self.supervise_level, "escalation": self.escalation}


@dataclass
class OverdueGroup:
    key: str  # unit code ("unassigned"), grid code, or clock name
    label: str  # unit name, grid name, or the clock's name in the current language
    rows: list[OverdueRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)

    @property
    def due_soon(self) -> int:
        return sum(1 for r in self.rows if not r.overdue)

    @property
    def worst(self) -> float:
        return max((r.multiple for r in self.rows), default=0.0)

    def json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "overdue": self.overdue,
                "due_soon": self.due_soon, "worst_multiple": round(self.worst, 2),
                "rows": [r.json() for r in self.rows]}


@dataclass
class OverdueView:
    at: datetime
    by: str
    groups: list[OverdueGroup]
    rows: list[OverdueRow]  # every row, worst first

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)

    @property
    def due_soon(self) -> int:
        return sum(1 for r in self.rows if not r.overdue)

    @property
    def tickets_overdue(self) -> int:
        """Tickets with any clock overdue: the header's overdue count (`queue.counts`)."""
        return len({r.ticket_id for r in self.rows if r.overdue})

    @property
    def tickets_due_soon(self) -> int:
        """Tickets with a clock due soon and none overdue."""
        late = {r.ticket_id for r in self.rows if r.overdue}
        return len({r.ticket_id for r in self.rows if not r.overdue} - late)

    def json(self) -> dict[str, Any]:
        return {"at": iso(self.at), "by": self.by, "overdue": self.overdue,
                "due_soon": self.due_soon, "tickets": {"overdue": self.tickets_overdue,
                                                       "due_soon": self.tickets_due_soon},
                "groups": [g.json() for g in self.groups]}


def basis_span(store: Store, seconds: float, unit: str, lang: str | None = None) -> str:
    """A lateness or time left in the limit's own basis, exact to the minute.

    Working time reads in working days and hours ("3个工作日2小时"): 25 hours of working time
    are not "a day", and a 4-working-hour limit missed by 101 working hours is 14 working days
    late. Natural time reads in days and hours from two days on.
    """
    minutes = int(round(abs(seconds) / 60))
    h, m = divmod(minutes, 60)
    if unit not in sla.NATURAL:
        day_minutes = int(store.calendar.day_seconds // 60) or 1
        d, rest = divmod(minutes, day_minutes)
        if d:
            key = "overdue.dur.workday" if d == 1 else "overdue.dur.workdays"
            return t(key + "_hours", lang, d=d, h=rest // 60) if rest >= 60 else t(key, lang, d=d)
    elif h >= 48:
        return t("overdue.dur.days_hours", lang, d=h // 24, h=h % 24)
    if h == 0:
        return t("overdue.dur.minutes", lang, m=m)
    if m == 0:
        return t("overdue.dur.hours", lang, h=h)
    return t("overdue.dur.hours_minutes", lang, h=h, m=m)


def scope(q: SelectT, store: Store, actor: Actor) -> SelectT:
    """Open tickets the actor may see (`store.visibility`: a unit its own, a grid worker its grids')."""
    return visibility.where(q.where(Ticket.status.in_(OPEN_STATUSES)), store, actor)


# what _query selects, in order: ticket id, number, title, status, urgency; grid code, name;
# matter name; lead unit code, name; clock id, name, due_at, limit value, unit; supervise
# level, escalation, version
_Columns = tuple[int, str, str, str, str, str, str, str | None, str | None, str | None, int, str, datetime,
                 int, str, str | None, str | None, int]


def _query(now: datetime) -> Select[*_Columns]:
    return (
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Ticket.urgency, Grid.code,
               Grid.name, Matter.name, Unit.code, Unit.name, TicketClock.id, TicketClock.name,
               TicketClock.due_at, TicketClock.limit_value, TicketClock.limit_unit,
               Ticket.supervise_level, Ticket.escalation, Ticket.version)
        .select_from(TicketClock)
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .join(Grid, Grid.id == Ticket.grid_id)
        .outerjoin(Matter, Matter.id == Ticket.matter_id)
        .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
        .where(TicketClock.state == ClockState.RUNNING, TicketClock.warn_at <= now)
    )


def make_row(store: Store, r: Row[*_Columns], now: datetime) -> OverdueRow:
    cal = store.calendar
    (tid, number, title, status, urgency, gcode, gname, matter, ucode, uname, cid, cname, due,
     value, unit, level, esc, version) = r
    limit = max(sla.limit_seconds(cal, value, unit), 1.0)
    left = sla.basis_seconds(cal, unit, now, due)
    # late means past the deadline, as the queue's header counts it; after hours a working-time
    # clock can be late by zero working seconds (multiple 0) until the next opening
    return OverdueRow(tid, number, mask_text(title) or "", status, urgency, gcode, gname, matter, ucode, uname, cid,
                      cname, due, value, unit, limit, left, due < now, level, esc, version)


@dataclass(frozen=True)
class Found:
    """What `read` took from the database: the plain rows and the moment they were read for.
    Turning them into `OverdueRow`s (`made`, `built`) is Python only, with no database: a console
    does it in a thread, off its event loop (a county has ~25,000 rows)."""

    now: datetime
    rows: list[Row[*_Columns]]


async def read(store: Store, actor: Actor, *, only_overdue: bool = False) -> Found:
    """The due-soon and overdue clocks in the actor's reach, as the database returns them."""
    now = store.now()
    q = scope(_query(now), store, actor)
    if only_overdue:
        q = q.where(TicketClock.due_at < now)
    async with store.db.session() as s:
        # on the session's connection: plain rows, without the ORM's per-row loading (a county
        # has ~25,000 of them)
        found = (await (await s.connection()).execute(q)).all()
    return Found(now, list(found))


def made(store: Store, found: Found) -> list[OverdueRow]:
    """`found` as rows, worst first: the working-time arithmetic of each clock."""
    out = [make_row(store, r, found.now) for r in found.rows]
    out.sort(key=OverdueRow.sort_key)
    return out


async def rows(store: Store, actor: Actor, *, only_overdue: bool = False) -> list[OverdueRow]:
    """Every due-soon and overdue clock in the actor's reach, worst first."""
    return made(store, await read(store, actor, only_overdue=only_overdue))


def group(found: list[OverdueRow], by: str, lang: str | None = None) -> list[OverdueGroup]:
    """Rows grouped by lead unit, grid or stage; worst first: the group whose worst row is the
    most overdue (by 超时倍数, then due-soon by share of the limit left) leads, as within a
    group; more overdue rows break ties."""
    if by not in BY:
        raise Invalid("error.unknown_value", field="by", value=by, choices=" | ".join(BY))
    groups: dict[str, OverdueGroup] = {}
    for r in found:  # already worst first, so each group's rows stay in that order
        if by == "unit":
            key, label = (r.unit_code, r.unit or r.unit_code) if r.unit_code else \
                (UNASSIGNED, t("overdue.unassigned", lang))
        elif by == "grid":
            key, label = r.grid_code, r.grid
        else:
            key, label = r.clock, code_name("clock", r.clock, lang)
        groups.setdefault(key, OverdueGroup(key, label or key)).rows.append(r)
    # rows are already worst first, so a group's first row is its worst
    return sorted(groups.values(), key=lambda g: (g.rows[0].sort_key()[:2], -g.overdue, -g.due_soon, g.key))


def built(store: Store, found: Found, by: str = "unit", lang: str | None = None) -> OverdueView:
    """The view of what `read` returned: rows made, sorted and grouped (no database)."""
    if by not in BY:
        raise Invalid("error.unknown_value", field="by", value=by, choices=" | ".join(BY))
    out = made(store, found)
    return OverdueView(found.now, by, group(out, by, lang), out)


async def view(store: Store, actor: Actor, by: str = "unit", *, only_overdue: bool = False,
               lang: str | None = None) -> OverdueView:
    if by not in BY:
        raise Invalid("error.unknown_value", field="by", value=by, choices=" | ".join(BY))
    return built(store, await read(store, actor, only_overdue=only_overdue), by, lang)
