"""The ticket's closed loop as a pure function: a ticket's state in, the next state out.

`TRANSITIONS` is the loop's table (see `store.workflow` for who may take each row and why);
`apply` takes one action on a plain in-memory `LoopTicket` and returns the new state, the
timeline entry and the clocks it started or changed. No I/O: `store.workflow.act` loads a row
into a `LoopTicket`, applies, and writes the result back in its transaction; the demo generator
replays the same function over months of history in memory and writes the results in bulk.

Clock moves (start, stop, pause, resume, move, continue) are the functions at the bottom; they
work on anything with the clock's attributes, so `store.clocks` uses them on ORM rows too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from griddesk.store import permissions, sla
from griddesk.store.calendar import WorkCalendar
from griddesk.store.config import Settings
from griddesk.store.enums import ClockName, ClockState, LimitUnit, Role, Satisfaction, Status
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import code_name, has, t
from griddesk.store.timefmt import iso


class Action(StrEnum):
    """Stable action names: the CLI's ACTION, timeline entries and change-feed kinds."""

    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    EXTEND = "extend"
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    RESUME = "resume"
    FEEDBACK = "feedback"
    VERIFY = "verify"
    VISIT = "visit"
    CLOSE = "close"
    REOPEN = "reopen"


CENTRE, SUPERVISORS = permissions.CENTRE, permissions.SUPERVISORS
LEAD_UNIT, GRID_WORKER = permissions.LEAD_UNIT, permissions.GRID_WORKERS

S = Status
MAX_DAYS = 365


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    to: tuple[Status, ...]  # every status it may lead to; the first is the usual one
    roles: frozenset[Role]
    needs: tuple[str, ...] = ()  # params that must be given
    takes: tuple[str, ...] = ("note",)  # params that may be given
    lead_only: bool = False  # a unit account acts only on tickets its unit leads
    article: str = ""


def _row(action: Action, sources: tuple[Status, ...], to: tuple[Status, ...], roles: frozenset[Role],
         needs: tuple[str, ...] = (), takes: tuple[str, ...] = ("note",), lead_only: bool = False,
         article: str = "") -> Transition:
    return Transition(action, frozenset(sources), to, roles, needs, takes, lead_only, article)


TRANSITIONS: tuple[Transition, ...] = (
    _row(Action.DISPATCH, (S.RECEIVED, S.PENDING_DISPATCH), (S.DISPATCHED,), CENTRE,
         needs=("unit",), takes=("co_units", "note"), article="BH 17, BH 18"),
    _row(Action.SIGN, (S.DISPATCHED,), (S.SIGNED,), LEAD_UNIT, lead_only=True, article="HH 21"),
    _row(Action.RETURN, (S.DISPATCHED, S.SIGNED), (S.RETURN_REQUESTED,), LEAD_UNIT,
         needs=("reason",), lead_only=True, article="JM 17, BH 18"),
    _row(Action.EXTEND, (S.SIGNED,), (S.EXTENSION_REQUESTED,), LEAD_UNIT,
         needs=("reason", "note"), takes=("until", "days"), lead_only=True, article="BH 18, BH 19"),
    _row(Action.APPROVE, (S.RETURN_REQUESTED,), (S.PENDING_DISPATCH,), CENTRE, article="BH 18"),
    _row(Action.APPROVE, (S.EXTENSION_REQUESTED,), (S.SIGNED,), CENTRE, article="BH 19"),
    _row(Action.REJECT, (S.RETURN_REQUESTED,), (S.DISPATCHED, S.SIGNED), CENTRE,
         needs=("reason",), article="BH 18"),
    _row(Action.REJECT, (S.EXTENSION_REQUESTED,), (S.SIGNED,), CENTRE,
         needs=("reason",), article="BH 19"),
    _row(Action.SUSPEND, (S.PENDING_DISPATCH, S.DISPATCHED, S.SIGNED), (S.SUSPENDED,), CENTRE,
         needs=("reason",), article="BH 19"),
    _row(Action.RESUME, (S.SUSPENDED,), (S.PENDING_DISPATCH, S.DISPATCHED, S.SIGNED), CENTRE,
         article="BH 19"),
    _row(Action.FEEDBACK, (S.SIGNED,), (S.FEEDBACK,), LEAD_UNIT, needs=("note",), takes=(),
         lead_only=True, article="HH 21, BH 19"),
    _row(Action.VERIFY, (S.FEEDBACK,), (S.VERIFIED, S.SIGNED), GRID_WORKER,
         needs=("passed",), takes=("reason", "note"), article="HH 21"),
    _row(Action.VISIT, (S.FEEDBACK, S.VERIFIED, S.VISITED), (S.VISITED,), CENTRE,
         needs=("satisfaction",), article="BH 20"),
    _row(Action.CLOSE, (S.FEEDBACK, S.VERIFIED, S.VISITED), (S.CLOSED,), CENTRE,
         takes=("reason", "note"), article="HH 21, BH 20"),
    _row(Action.REOPEN, (S.VISITED,), (S.DISPATCHED, S.PENDING_DISPATCH), CENTRE,
         needs=("reason",), article="BH 20"),
    _row(Action.REOPEN, (S.CLOSED,), (S.DISPATCHED, S.PENDING_DISPATCH), SUPERVISORS,
         needs=("reason",), article="BH 20, BH 23"),
)

ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)
_ROWS: dict[str, list[Transition]] = {a.value: [r for r in TRANSITIONS if r.action == a] for a in Action}
# (action, from status) → its row: the demo asks this millions of times
_RULE: dict[tuple[str, str], Transition] = {(r.action.value, s.value): r for r in TRANSITIONS for s in r.sources}


def rows_for(action: str) -> list[Transition]:
    return list(_ROWS.get(action, ()))


def rule_for(action: str, status: str) -> Transition | None:
    return _RULE.get((action, status))


def action_name(code: str, lang: str | None = None) -> str:
    """An action (or any timeline entry's action) as a verb: 分拨, dispatch."""
    for key in (f"workflow.verb.{code}", f"action.{code}"):
        if has(key, lang):
            return t(key, lang)
    return code


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Params:
    unit: str | None = None
    co_units: tuple[str, ...] = ()
    reason: str | None = None
    note: str | None = None
    until: datetime | date | None = None  # extension: a moment, or a day (close of business)
    days: int | None = None  # extension: working days after the current deadline
    passed: bool | None = None
    satisfaction: str | None = None

    def given(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) not in (None, ())}


# --- who may do what now ------------------------------------------------------------------------


class TicketLike(Protocol):
    """What `permit` and `actions_for` read of a ticket: an ORM row, a `LoopTicket` or the
    console's plain view all have these."""

    @property
    def status(self) -> str: ...
    @property
    def lead_unit_id(self) -> int | None: ...
    @property
    def reporter_name(self) -> str | None: ...
    @property
    def reporter_phone(self) -> str | None: ...
    @property
    def satisfaction(self) -> str | None: ...


class ActorLike(Protocol):
    @property
    def role(self) -> Role: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def read_only(self) -> bool: ...


def permit(actor: ActorLike, ticket: TicketLike, action: str) -> Transition:
    """The transition `actor` may take on `ticket` with `action` now, or raise why not.

    Pure: reads only the actor and the ticket's attributes, so the console can ask it for every
    key and the tests can ask it for every (status, action, role).
    """
    if actor.read_only:
        raise NotAllowed("error.read_only")
    rows = _ROWS.get(action)
    if not rows:
        raise Invalid("workflow.unknown_action", field="action", action=action, choices=" | ".join(ACTIONS))
    if not any(actor.role in r.roles for r in rows):
        raise NotAllowed("workflow.refused_role", role=code_name("role", actor.role), action=action_name(action))
    row = rule_for(action, ticket.status)
    if row is None:
        if ticket.status == Status.CLOSED:
            raise NotAllowed("workflow.refused_closed", action=action_name(action))
        raise NotAllowed("workflow.refused_state", status=code_name("status", ticket.status),
                         action=action_name(action))
    if actor.role not in row.roles:
        raise NotAllowed("workflow.refused_role_state", role=code_name("role", actor.role),
                         action=action_name(action), status=code_name("status", ticket.status))
    if row.lead_only and actor.role == Role.UNIT and (
            actor.unit_id is None or actor.unit_id != ticket.lead_unit_id):
        raise NotAllowed("workflow.not_lead_unit", action=action_name(action))
    if action == Action.CLOSE and ticket.status != Status.VISITED and has_reporter(ticket):
        # BH 20: whoever asked is visited before the case is closed
        raise NotAllowed("workflow.visit_first")
    return row


def has_reporter(ticket: TicketLike) -> bool:
    return bool(ticket.reporter_name or ticket.reporter_phone)


def actions_for(actor: ActorLike, ticket: TicketLike) -> list[str]:
    """The actions `actor` may take on `ticket` now, in loop order (for key hints)."""
    out = []
    for action in ACTIONS:
        try:
            permit(actor, ticket, action)
        except (NotAllowed, Invalid):
            continue
        out.append(action)
    return out


# --- the limits the loop starts clocks with -------------------------------------------------------


class Clockwork(Protocol):
    """Where deadlines come from: the working calendar and the settings (a `Store` is one)."""

    @property
    def calendar(self) -> WorkCalendar: ...
    @property
    def settings(self) -> Settings: ...


# the clocks with a limit of their own: the setting that holds it, and its unit
_DEFAULT_LIMITS: dict[str, tuple[str, LimitUnit]] = {
    ClockName.SIGN: ("sign_limit_hours", LimitUnit.WORK_HOURS),
    ClockName.VERIFY: ("verify_limit_hours", LimitUnit.NATURAL_HOURS),
    ClockName.VISIT: ("visit_limit_days", LimitUnit.WORK_DAYS),
}


def default_limit(settings: Settings, name: str) -> tuple[int, LimitUnit]:
    got = _DEFAULT_LIMITS.get(name)
    if got is None:
        raise KeyError(ClockName(name))  # ValueError for a name that is no clock's
    return getattr(settings, got[0]), got[1]


def decision_limit(settings: Settings) -> tuple[int, LimitUnit]:
    # the centre answers a return or extension request by close of the next working day
    return settings.decision_limit_days, LimitUnit.WORK_DAYS


def warn_at(rules: Clockwork, value: int, unit: str, start: datetime, due: datetime) -> datetime:
    """When a clock running from `start` to `due` has only the due-soon share of its limit left."""
    cal = rules.calendar
    lead = sla.limit_seconds(cal, value, unit) * rules.settings.due_soon_fraction
    return min(sla.add_basis_short_of(cal, unit, start, due, lead), due)


# --- the state ------------------------------------------------------------------------------------


class ClockLike(Protocol):
    """A clock's columns: `LoopClock` and the ORM's `TicketClock` both have them. Read as
    strings, written as the enums (the ORM's columns hold the enums' codes)."""

    @property
    def name(self) -> str: ...
    @property
    def limit_value(self) -> int: ...
    @property
    def limit_unit(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    due_at: datetime
    warn_at: datetime
    paused_at: datetime | None
    remaining_s: int | None
    stopped_at: datetime | None

    @property
    def state(self) -> str: ...
    @state.setter
    def state(self, value: ClockState) -> None: ...


_LIVE = (ClockState.RUNNING, ClockState.PAUSED)


@dataclass(slots=True)
class LoopClock:
    name: ClockName
    limit_value: int
    limit_unit: LimitUnit
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    state: ClockState = ClockState.RUNNING
    paused_at: datetime | None = None
    remaining_s: int | None = None
    stopped_at: datetime | None = None
    row_id: int | None = None  # the database row it was loaded from (None: started here)

    @property
    def live(self) -> bool:
        return self.state in _LIVE


@dataclass(slots=True)
class LoopTicket:
    """What the loop reads and moves of a ticket; clocks in the order they were started."""

    status: Status
    version: int = 1
    lead_unit_id: int | None = None
    lead_unit_code: str | None = None
    co_unit_ids: tuple[int, ...] = ()
    resume_status: Status | None = None
    satisfaction: Satisfaction | None = None
    closed_at: datetime | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    handle_limit: tuple[int, LimitUnit] = (3, LimitUnit.WORK_DAYS)  # the matter's, for this urgency
    requested_until: datetime | None = None  # the pending extension request's deadline
    clocks: list[LoopClock] = field(default_factory=list)

    def copy(self) -> LoopTicket:
        return replace(self, clocks=[replace(c) for c in self.clocks])

    def live(self, name: str) -> LoopClock | None:
        for c in self.clocks:
            if c.name == name and c.state in _LIVE:
                return c
        return None


@dataclass(slots=True)
class Step:
    """One action's result: the new state, its timeline entry and the clocks it touched."""

    ticket: LoopTicket
    action: Action
    from_status: Status
    to_status: Status
    note: str | None
    data: dict[str, Any]
    touched: list[LoopClock]  # started (row_id None) or changed, in that order


# --- one action -------------------------------------------------------------------------------------


class _Move:
    """The clock moves of one step, recorded so the caller can write only what changed."""

    __slots__ = ("tk", "rules", "now", "touched")

    def __init__(self, tk: LoopTicket, rules: Clockwork, now: datetime):
        self.tk, self.rules, self.now = tk, rules, now
        self.touched: list[LoopClock] = []

    def _touch(self, c: LoopClock) -> None:
        for seen in self.touched:  # a few at most
            if seen is c:
                return
        self.touched.append(c)

    def start(self, name: ClockName, value: int | None = None, unit: LimitUnit | None = None,
              due: datetime | None = None) -> LoopClock:
        self.stop(name)  # a restarted clock replaces the old one
        c = start_clock(self.tk, self.rules, name, self.now, value, unit, due)
        self._touch(c)
        return c

    def stop(self, name: ClockName) -> None:
        for c in self.tk.clocks:
            if c.name == name and c.state in _LIVE:
                finish(c, self.now)
                self._touch(c)

    def skip(self, name: ClockName) -> None:
        """The step this clock timed was passed over (a visit straight after feedback): it was
        neither met nor missed, and must not read as "met"."""
        for c in self.tk.clocks:
            if c.name == name and c.state in _LIVE:
                c.state = ClockState.SKIPPED
                c.stopped_at = self.now
                c.paused_at = None
                self._touch(c)

    def stop_all(self) -> None:
        for c in self.tk.clocks:
            if c.state in _LIVE:
                finish(c, self.now)
                self._touch(c)


def until_moment(cal: WorkCalendar, until: datetime | date) -> datetime:
    """An extension's new deadline: a moment as given, a day as its close of business."""
    if isinstance(until, datetime):
        return until if until.tzinfo else until.replace(tzinfo=cal.tz)
    if not cal.is_workday(until):
        raise Invalid("workflow.not_workday", field="until", day=until.isoformat(),
                      next=cal.next_workday(until).isoformat())
    return cal.close_of(until)


def _local(cal: WorkCalendar, at: datetime) -> str:
    return cal.local(at).strftime("%Y-%m-%d %H:%M")


def apply(ticket: LoopTicket, action: str, p: Params, now: datetime, rules: Clockwork,
          actor: ActorLike | None = None, units: Mapping[str, int] | None = None,
          in_place: bool = False) -> Step:
    """Take `action` on `ticket` at `now`: the new state, its timeline entry, the clocks touched.

    `actor` (when given) must be permitted (`permit`); `units` maps the unit codes the params
    name to their ids (dispatch). Raises `Invalid`/`NotAllowed` and changes nothing when the
    step cannot be taken. `in_place` moves `ticket` itself (the demo's replay owns its state).
    """
    if actor is not None:
        row = permit(actor, ticket, action)
    else:
        found = rule_for(action, ticket.status)
        if found is None:
            raise NotAllowed("workflow.refused_state", status=code_name("status", ticket.status),
                             action=action_name(action))
        row = found
    tk = ticket if in_place else ticket.copy()
    mv = _Move(tk, rules, now)
    act = action if type(action) is Action else Action(action)
    reason, given_note = p.reason, p.note  # the entry's note: the reason, then the note
    note = f"{reason}\n{given_note}" if reason and given_note else (reason or given_note or None)
    data: dict[str, Any] = {}
    from_status = tk.status
    to: Status
    cal = rules.calendar
    if act == Action.DISPATCH:
        units = units or {}
        tk.lead_unit_id, tk.lead_unit_code = units[p.unit or ""], p.unit
        tk.co_unit_ids = tuple(units[c] for c in p.co_units)
        mv.start(ClockName.SIGN)
        data = {"unit": p.unit, "co_units": list(p.co_units)}
        to = S.DISPATCHED
    elif act == Action.SIGN:
        mv.stop(ClockName.SIGN)
        to = S.SIGNED
    elif act == Action.RETURN:
        mv.stop(ClockName.SIGN)
        mv.start(ClockName.EXTENSION, *decision_limit(rules.settings))
        tk.resume_status = tk.status
        data = {"unit": tk.lead_unit_code}
        to = S.RETURN_REQUESTED
    elif act == Action.EXTEND:
        handle = tk.live(ClockName.HANDLE)
        current = handle.due_at if handle else now
        unit = handle.limit_unit if handle else LimitUnit.WORK_DAYS
        if p.days is not None:
            if isinstance(p.days, bool) or not isinstance(p.days, int) or not 1 <= p.days <= MAX_DAYS:
                raise Invalid("workflow.days_range", field="days", max=MAX_DAYS)
            until = sla.extend_days(cal, current, p.days, unit)
        else:
            until = until_moment(cal, p.until)  # type: ignore[arg-type]
            if until - current > timedelta(days=MAX_DAYS):
                raise Invalid("workflow.until_too_far", field="until", max=MAX_DAYS)
        if until <= current or until <= now:
            raise Invalid("workflow.extend_not_later", field="until" if p.until is not None else "days",
                          until=_local(cal, until), due=_local(cal, max(current, now)))
        mv.start(ClockName.EXTENSION, *decision_limit(rules.settings))
        tk.resume_status = tk.status
        tk.requested_until = until
        note = p.reason
        data = {"until": iso(until), "progress": p.note}
        if p.days is not None:
            data["days"] = p.days
        to = S.EXTENSION_REQUESTED
    elif act == Action.APPROVE:
        mv.stop(ClockName.EXTENSION)
        if tk.status == S.RETURN_REQUESTED:
            data = {"request": "return", "unit": tk.lead_unit_code}
            mv.stop(ClockName.SIGN)
            tk.lead_unit_id = tk.lead_unit_code = None
            tk.co_unit_ids = ()
            to = S.PENDING_DISPATCH
        else:
            asked = tk.requested_until
            if asked is not None:
                handle = tk.live(ClockName.HANDLE)
                if handle is None:
                    mv.start(ClockName.HANDLE, *tk.handle_limit, due=asked)
                else:
                    move(handle, rules, asked)
                    mv._touch(handle)
            data = {"request": "extension", "until": iso(asked)}
            to = tk.resume_status if tk.resume_status in row.to else S.SIGNED
        tk.resume_status = None
        tk.requested_until = None
    elif act == Action.REJECT:
        mv.stop(ClockName.EXTENSION)
        kind = "return" if tk.status == S.RETURN_REQUESTED else "extension"
        to = tk.resume_status if tk.resume_status in row.to else row.to[-1]
        if to == S.DISPATCHED:
            # the unit had not signed: it now has to, on a fresh sign-for clock
            mv.start(ClockName.SIGN)
        tk.resume_status = None
        tk.requested_until = None
        data = {"request": kind}
    elif act == Action.SUSPEND:
        for c in tk.clocks:
            # reporting an emergency upward is never put off (YC 35, BH 21)
            if c.state == ClockState.RUNNING and c.name != ClockName.ESCALATE:
                pause(c, cal, now)
                mv._touch(c)
        tk.resume_status = tk.status
        to = S.SUSPENDED
    elif act == Action.RESUME:
        for c in tk.clocks:
            if c.state == ClockState.PAUSED:
                resume(c, rules, now)
                mv._touch(c)
        to = tk.resume_status if tk.resume_status in row.to else (
            S.PENDING_DISPATCH if tk.lead_unit_id is None else S.SIGNED)
        tk.resume_status = None
    elif act == Action.FEEDBACK:
        mv.stop(ClockName.HANDLE)
        mv.stop(ClockName.SIGN)
        mv.start(ClockName.VERIFY)  # 24 natural hours, HH 21
        to = S.FEEDBACK
    elif act == Action.VERIFY:
        passed = bool(p.passed)
        mv.stop(ClockName.VERIFY)
        data = {"passed": passed}
        if passed:
            mv.start(ClockName.VISIT)
            to = S.VERIFIED
        else:
            # back to the unit, whose handling clock goes on from what it had left at feedback
            prev = next((c for c in reversed(tk.clocks) if c.name == ClockName.HANDLE), None)
            if prev is not None and prev.stopped_at is not None:
                mv.start(ClockName.HANDLE, prev.limit_value, prev.limit_unit, continued_due(prev, cal, now))
            to = S.SIGNED
    elif act == Action.VISIT:
        mv.skip(ClockName.VERIFY)  # still running only if nobody verified
        mv.stop(ClockName.VISIT)
        tk.satisfaction = Satisfaction(str(p.satisfaction))  # param_problem checked it
        data = {"satisfaction": tk.satisfaction}
        to = S.VISITED
    elif act == Action.CLOSE:
        if tk.satisfaction == Satisfaction.DISSATISFIED and not p.reason:
            raise Invalid("workflow.close_dissatisfied", field="reason")
        mv.skip(ClockName.VERIFY)  # closed straight after feedback: never verified
        mv.stop_all()
        tk.closed_at = now
        to = S.CLOSED
    else:  # reopen
        data = {"satisfaction": tk.satisfaction} if tk.satisfaction else {}
        tk.closed_at = None
        tk.satisfaction = None
        tk.resume_status = None
        mv.stop(ClockName.VERIFY)
        mv.stop(ClockName.VISIT)
        mv.start(ClockName.HANDLE, *tk.handle_limit)
        if tk.lead_unit_id is None:
            to = S.PENDING_DISPATCH
        else:
            mv.start(ClockName.SIGN)
            to = S.DISPATCHED
    assert to in row.to, (action, from_status, to)
    tk.status = to
    tk.version += 1
    return Step(tk, act, from_status, to, note, data, mv.touched)


# --- clock moves (on LoopClock and ORM rows alike) -------------------------------------------------


def start_clock(tk: LoopTicket, rules: Clockwork, name: ClockName, at: datetime, value: int | None = None,
                unit: LimitUnit | None = None, due: datetime | None = None) -> LoopClock:
    """A new running clock on `tk` (the caller stops an old one of the same name first)."""
    if value is None or unit is None:
        value, unit = default_limit(rules.settings, name)
    due = due or sla.due_at(rules.calendar, at, value, unit)
    c = LoopClock(name, value, unit, at, due, warn_at(rules, value, unit, at, due))
    tk.clocks.append(c)
    return c


def finish(c: ClockLike, at: datetime) -> None:
    # a paused clock's due_at is stale: what it had left when paused decides met or missed
    late = (c.remaining_s or 0) < 0 if c.state == ClockState.PAUSED else at > c.due_at
    c.state = ClockState.MISSED if late else ClockState.MET
    c.stopped_at = at
    c.paused_at = None


def pause(c: ClockLike, cal: WorkCalendar, at: datetime) -> None:
    """Suspension (挂账): the clock stands still with what it had left."""
    c.remaining_s = int(sla.basis_seconds(cal, c.limit_unit, at, c.due_at))
    c.paused_at = at
    c.state = ClockState.PAUSED


def resume(c: ClockLike, rules: Clockwork, at: datetime) -> None:
    c.due_at = sla.add_basis(rules.calendar, c.limit_unit, at, c.remaining_s or 0)
    c.warn_at = warn_at(rules, c.limit_value, c.limit_unit, at, c.due_at)
    c.state = ClockState.RUNNING
    c.paused_at = None
    c.remaining_s = None


def move(c: ClockLike, rules: Clockwork, due: datetime) -> None:
    """An approved extension: the clock keeps its start and gets a new deadline."""
    c.due_at = due
    c.warn_at = warn_at(rules, c.limit_value, c.limit_unit, c.started_at, due)


def continued_due(prev: ClockLike, cal: WorkCalendar, at: datetime) -> datetime:
    """A stopped clock started again at `at` with what it had left when it stopped (maybe < 0).

    The time the grid worker spent checking does not count against the unit; what it had used does.
    """
    assert prev.stopped_at is not None
    left = sla.basis_seconds(cal, prev.limit_unit, prev.stopped_at, prev.due_at)
    return sla.add_basis(cal, prev.limit_unit, at, left)


@dataclass(frozen=True)
class Nearest:
    """What the ticket row carries of its clocks, so the queue sorts without reading them."""

    due_at: datetime | None
    due_clock: str | None
    warn_at: datetime | None
    handle_due_at: datetime | None  # None: leave the ticket's as it is (no handling clock runs)


def nearest(clocks: Iterable[ClockLike]) -> Nearest:
    """The nearest running deadline (paused clocks do not count); the handling one kept apart."""
    best: ClockLike | None = None
    handle: datetime | None = None
    for c in clocks:
        if c.state == ClockState.RUNNING:
            if best is None or c.due_at < best.due_at:
                best = c
            if c.name == ClockName.HANDLE and handle is None:
                handle = c.due_at
    if best is None:
        return Nearest(None, None, None, handle)
    return Nearest(best.due_at, best.name, best.warn_at, handle)


__all__ = [
    "ACTIONS", "Action", "Clockwork", "LoopClock", "LoopTicket", "Nearest", "Params", "Step", "TRANSITIONS",
    "TicketLike", "Transition", "actions_for", "apply", "decision_limit", "default_limit", "nearest", "permit",
    "rows_for", "rule_for", "start_clock", "until_moment", "warn_at",
]
