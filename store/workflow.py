"""The ticket's closed loop: its states and transitions, written once (DESIGN.md, HH 21, JM 17,
YC 34–35, BH 16–21). The console's keys, the CLI's `ticket act` and scripts all come here.

`TRANSITIONS` is the whole loop. Each row says from which statuses an action may be taken, where
it leads, who may take it and what it needs:

    action    from                               to                            who
    dispatch  received, pending_dispatch         dispatched                    centre
    sign      dispatched                         signed                        lead unit
    return    dispatched, signed                 return_requested              lead unit  (reason)
    extend    signed                             extension_requested           lead unit  (reason, progress note, --until/--days)
    approve   return_requested                   pending_dispatch              centre
    approve   extension_requested                signed (the status before)    centre
    reject    return_requested                   dispatched / signed (before)  centre     (reason)
    reject    extension_requested                signed (before)               centre     (reason)
    suspend   pending_dispatch, dispatched, signed  suspended                  centre     (reason)
    resume    suspended                          the status before             centre
    feedback  signed                             feedback                      lead unit  (result note)
    verify    feedback                           verified / signed if failed   grid worker (failed: reason)
    visit     feedback, verified, visited        visited                       centre     (satisfaction)
    close     feedback, verified, visited        closed                        centre
    reopen    visited                            dispatched / pending_dispatch centre     (reason)
    reopen    closed                             dispatched / pending_dispatch supervisor (reason)

"centre" is operator, supervisor and admin; "lead unit" a unit account whose unit leads this
ticket (or admin); "grid worker" the grid worker role (or admin). Viewers change nothing.

Rules where the regulations are silent or leave a choice, and where they come from:
- Dispatch only from pending; a wrong dispatch is corrected by the unit's return request and
  the centre's approval (JM 17, BH 18), so two operators dispatching at once cannot both win.
- Co-units do not act on the ticket themselves; they report to the lead unit, which feeds back
  for all (首接负责制, BH 18).
- A unit must sign before it feeds back or asks for more time: signing is when the handling
  responsibility is accepted (HH 21 限时办结). It may return without signing (JM 17: explain at
  once when a matter is not its duty).
- Return and extension requests need a reason; an extension also the staged progress
  (阶段性工作情况, BH 18, BH 19(二)). A refusal by the centre gives its reason too.
- An approved return clears the lead and co-units and goes back to pending dispatch; a refused
  one goes back where it was, and a unit that had not signed gets a fresh sign-for clock.
- An approved extension moves the handling deadline to what the unit asked for (N working days
  after the current deadline, or a date: close of business that day). A matter counted in
  natural hours is extended by calendar days.
- Suspension (挂账, BH 19(二) "受客观因素制约暂时无法解决") pauses every clock except the
  upward-report clock of an emergency (YC 35, BH 21: reporting is never put off).
- Feedback stops the handling clock and starts the 24-hour verification clock (HH 21).
  Verification is by the grid worker (HH 21). A failed verification sends the ticket back to
  the lead unit (signed) and its handling clock continues from what it had left at feedback.
- A return visit may follow feedback directly when no on-site check is needed (HH 21
  "需要现场核实的"), and may be repeated (BH 20: the frequency of visits follows the result).
  A dissatisfied visit records the satisfaction; the centre then reopens (back to the unit) or
  closes. Closing over a dissatisfied visit needs a reason (BH 20: unresolved demands are
  supervised, not quietly closed).
- Close needs a return visit when someone asked (a reporter is on the ticket, BH 20); a
  ticket found on patrol with nobody to visit can close after feedback or verification.
- Reopen sends the ticket back to its lead unit (dispatched, fresh sign-for clock) with a fresh
  handling clock of the matter's full limit; without a lead unit (resolved on the spot) it goes
  to pending dispatch. Reopening a closed ticket undoes a 结案 that evaluations count (HH 26,
  JM 19, BH 23), so it is the supervisor's (值班长) decision; reopening after a visit is the
  operator's.
- Every action takes an optional note; `expected_version` (what the operator saw) turns a
  concurrent change into a `Conflict` naming who did what and when, with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from griddesk.store import clocks, permissions, records, sla
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, LimitUnit, Role, Satisfaction, Status, UnitKind
from griddesk.store.errors import Conflict, Invalid, NotAllowed, NotFound
from griddesk.store.i18n import code_name, has, t
from griddesk.store.models import Grid, Matter, Ticket, TicketCoUnit, TimelineEntry, Unit, UnitArea
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
MAX_TEXT = 2000
MAX_DAYS = 365


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    to: tuple[str, ...]  # every status it may lead to; the first is the usual one
    roles: frozenset[Role]
    needs: tuple[str, ...] = ()  # params that must be given
    takes: tuple[str, ...] = ("note",)  # params that may be given
    lead_only: bool = False  # a unit account acts only on tickets its unit leads
    article: str = ""


def _row(action: Action, sources: tuple[str, ...], to: tuple[str, ...], roles: frozenset[Role],
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
PARAMS = ("unit", "co_units", "reason", "note", "until", "days", "passed", "satisfaction")


def rows_for(action: str) -> list[Transition]:
    return [r for r in TRANSITIONS if r.action == action]


def rule_for(action: str, status: str) -> Transition | None:
    return next((r for r in TRANSITIONS if r.action == action and status in r.sources), None)


def params_of(action: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(needed, optional) params of an action — the same in every row of that action."""
    row = rows_for(action)[0]
    return row.needs, row.takes


def needs(action: str, ticket: Ticket | None = None) -> tuple[str, ...]:
    """What a form for this action must ask for on this ticket (a dialog will not submit without).

    Beyond the table: closing over a dissatisfied return visit needs a reason (BH 20). A failed
    verification needs one too; that depends on the answer, see `param_problem`.
    """
    got = params_of(action)[0]
    if action == Action.CLOSE and ticket is not None and ticket.satisfaction == Satisfaction.DISSATISFIED:
        got = (*got, "reason")
    return got


# Steps that cannot be undone by the one who takes them: the console asks to confirm these.
CONFIRM = frozenset({"approve", "reject", "close", "reopen"})


# --- names people read ----------------------------------------------------------------------


def action_name(code: str, lang: str | None = None) -> str:
    """An action (or any timeline entry's action) as a verb: 分拨, dispatch."""
    for key in (f"workflow.verb.{code}", f"action.{code}"):
        if has(key, lang):
            return t(key, lang)
    return code


def _status_name(code: str) -> str:
    return code_name("status", code)


def _role_name(role: str) -> str:
    return code_name("role", role)


# --- parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
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


def _clean(p: Params) -> Params:
    def text(name: str, v: str | None) -> str | None:
        if v is None:
            return None
        v = str(v).strip()
        if len(v) > MAX_TEXT:
            raise Invalid("error.too_long", field=name, max=MAX_TEXT)
        return v or None

    co = tuple(dict.fromkeys(c.strip() for c in p.co_units if c and c.strip()))
    return replace(p, unit=text("unit", p.unit), reason=text("reason", p.reason),
                   note=text("note", p.note), co_units=co)


def param_problem(action: str, p: Params) -> Invalid | None:
    """What is wrong with these params for this action (whatever the ticket's state), or None.

    The CLI asks this before touching the database, so bad usage is told apart from a refusal.
    """
    needs, takes = params_of(action)
    verb = action_name(action)
    given = p.given()
    stray = [n for n in PARAMS if n in given and n not in needs and n not in takes]
    if stray:
        return Invalid("workflow.param_not_for", field=stray[0], action=verb)
    for name in needs:
        if name not in given:
            return Invalid(_NEED_KEY.get(name, "workflow.param_required"), field=name, action=verb)
    if action == Action.EXTEND and (p.until is None) == (p.days is None):
        return Invalid("workflow.extend_when", field="until" if p.until is not None else "days")
    if action == Action.VERIFY and p.passed is False and not p.reason:
        return Invalid("workflow.reason_required", field="reason", action=t("workflow.verify_failed"))
    if action == Action.VISIT and p.satisfaction not in {x.value for x in Satisfaction}:
        return Invalid("error.unknown_value", field="satisfaction", value=p.satisfaction,
                       choices=" | ".join(x.value for x in Satisfaction))
    return None


_NEED_KEY = {
    "unit": "workflow.unit_required",
    "reason": "workflow.reason_required",
    "note": "workflow.note_required",
    "passed": "workflow.passed_required",
    "satisfaction": "workflow.satisfaction_required",
}


# --- who may do what now ----------------------------------------------------------------------


@dataclass(frozen=True)
class LastChange:
    """The latest timeline entry: who did what when, for refusal and conflict messages."""

    who: str
    what: str
    at: datetime

    def when(self, store: Store) -> str:
        return store.calendar.local(self.at).strftime("%m-%d %H:%M:%S")


def permit(actor: Actor, ticket: Ticket, action: str) -> Transition:
    """The transition `actor` may take on `ticket` with `action` now, or raise why not.

    Pure: reads only the actor and the ticket's columns, so the console can ask it for every
    key and the tests can ask it for every (status, action, role).
    """
    if actor.read_only:
        raise NotAllowed("error.read_only")
    rows = rows_for(action)
    if not rows:
        raise Invalid("workflow.unknown_action", field="action", action=action, choices=" | ".join(ACTIONS))
    verb = action_name(action)
    if not any(actor.role in r.roles for r in rows):
        raise NotAllowed("workflow.refused_role", role=_role_name(actor.role), action=verb)
    row = rule_for(action, ticket.status)
    if row is None:
        if ticket.status == Status.CLOSED:
            raise NotAllowed("workflow.refused_closed", action=verb)
        raise NotAllowed("workflow.refused_state", status=_status_name(ticket.status), action=verb)
    if actor.role not in row.roles:
        raise NotAllowed("workflow.refused_role_state", role=_role_name(actor.role), action=verb,
                         status=_status_name(ticket.status))
    if row.lead_only and actor.role == Role.UNIT and (
            actor.unit_id is None or actor.unit_id != ticket.lead_unit_id):
        raise NotAllowed("workflow.not_lead_unit", action=verb)
    if action == Action.CLOSE and ticket.status != Status.VISITED and _has_reporter(ticket):
        # BH 20: whoever asked is visited before the case is closed
        raise NotAllowed("workflow.visit_first")
    return row


def _has_reporter(ticket: Ticket) -> bool:
    return bool(ticket.reporter_name or ticket.reporter_phone)


def actions_for(actor: Actor, ticket: Ticket) -> list[str]:
    """The actions `actor` may take on `ticket` now, in loop order (for key hints)."""
    out = []
    for action in ACTIONS:
        try:
            permit(actor, ticket, action)
        except (NotAllowed, Invalid):
            continue
        out.append(action)
    return out


async def available(store: Store, actor: Actor, number: str) -> list[str]:
    async with store.db.session() as s:
        tk, _ = await load_ticket(s, actor, number, lock=False)
    return actions_for(actor, tk)


# --- the dispatcher -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    number: str
    action: str
    from_status: str
    to_status: str
    version: int
    at: datetime
    unknown_years: tuple[int, ...] = ()  # deadlines computed Monday–Friday: say so

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "action": self.action, "from_status": self.from_status,
                "status": self.to_status, "version": self.version, "at": iso(self.at),
                "calendar_unknown_years": list(self.unknown_years)}


@dataclass
class _Step:
    """What one action is working on inside its transaction."""

    s: AsyncSession
    store: Store
    actor: Actor
    ticket: Ticket
    row: Transition
    p: Params
    now: datetime
    to: str | None = None
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


async def act(store: Store, actor: Actor, number: str, action: str, params: Params | None = None,
              *, expected_version: int | None = None, **kw: Any) -> Outcome:
    """Take `action` on ticket `number` in one write transaction, or raise and write nothing.

    `expected_version` is the version the operator saw; when someone changed the ticket since,
    this raises `Conflict` naming who did what and when.
    """
    if params is None:
        if "co_units" in kw and kw["co_units"] is not None:
            kw["co_units"] = tuple(kw["co_units"])
        params = Params(**{k: v for k, v in kw.items() if v is not None})
    elif kw:
        raise TypeError("give either params or keyword params, not both")
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if action not in ACTIONS:
        raise Invalid("workflow.unknown_action", field="action", action=action, choices=" | ".join(ACTIONS))
    p = _clean(params)
    now = store.now()
    async with store.db.session(write=True) as s:
        tk, _ = await load_ticket(s, actor, number, lock=True)
        seen = tk.version
        if expected_version is not None and expected_version != seen:
            raise await conflict(s, store, tk, expected_version)
        try:
            row = permit(actor, tk, action)
        except NotAllowed as e:
            if e.key == "workflow.refused_state":
                # name who put it in this state: usually the answer to "why can't I?"
                last = await _last_change(s, tk)
                if last is not None:
                    raise NotAllowed("workflow.refused_state_by", status=e.params["status"],
                                     action=e.params["action"], who=last.who, what=last.what,
                                     when=last.when(store)) from None
            raise
        problem = param_problem(action, p)
        if problem is not None:
            raise problem
        step = _Step(s, store, actor, tk, row, p, now, note=_join(p.reason, p.note))
        from_status = tk.status
        await HANDLERS[action](step)
        assert step.to in row.to, (action, from_status, step.to)
        tk.status = step.to
        await clocks.refresh_nearest(s, tk)
        # the final guard: the row still has the version read above (PostgreSQL's FOR UPDATE and
        # SQLite's IMMEDIATE transaction make this hold; the check keeps it true by itself)
        res = await s.execute(
            update(Ticket).where(Ticket.id == tk.id, Ticket.version == seen)
            .values(version=seen + 1, updated_at=now, updated_by=actor.label)
            .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise await conflict(s, store, tk, seen)
        for name, value in (("version", seen + 1), ("updated_at", now), ("updated_by", actor.label)):
            set_committed_value(tk, name, value)
        await records.timeline(s, tk.id, actor, action, now, from_status, step.to, step.note,
                               step.data or None)
        await records.feed(s, "ticket", tk.id, action, now, tk.town_code)
        await records.audit(s, actor, f"ticket.{action}", "ticket", tk.number, now,
                            {"from": from_status, "to": step.to, "version": seen + 1, **step.data})
        years = await _unknown_years(s, store, tk, now)
    return Outcome(tk.number, str(action), str(from_status), str(step.to), seen + 1, now, years)


def _join(*parts: str | None) -> str | None:
    got = [x for x in parts if x]
    return "\n".join(got) if got else None


async def load_ticket(s: AsyncSession, actor: Actor, number: str, lock: bool) -> tuple[Ticket, Grid]:
    """The ticket and its grid for a write, in the actor's jurisdiction (used by escalation too)."""
    q = select(Ticket).where(Ticket.number == number)
    if lock:
        # PostgreSQL: a second writer waits here and then reads the first one's version.
        # SQLite ignores FOR UPDATE; its BEGIN IMMEDIATE already serialises writers.
        q = q.with_for_update()
    tk = (await s.execute(q)).scalar_one_or_none()
    if tk is None:
        raise NotFound("error.not_found_ticket", field="number", number=number)
    grid = await s.get_one(Grid, tk.grid_id)
    if not (actor.covers(tk.town_code) or actor.covers(grid.area_code)):
        raise NotAllowed("error.out_of_jurisdiction", number=number, jurisdiction=actor.jurisdiction)
    return tk, grid


async def _last_change(s: AsyncSession, tk: Ticket) -> LastChange | None:
    # the last change of state: annotations (supervision, report-up) don't bump the version
    e = (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id,
                                                     TimelineEntry.to_status.is_not(None))
                         .order_by(TimelineEntry.id.desc()).limit(1))).scalar_one_or_none()
    if e is None:
        return None
    return LastChange(e.actor, action_name(e.action), e.at)


async def conflict(s: AsyncSession, store: Store, tk: Ticket, seen: int) -> Conflict:
    await s.refresh(tk)
    last = await _last_change(s, tk)
    who, what, at = (last.who, last.what, last.at) if last else (tk.updated_by, "", tk.updated_at)
    return Conflict("workflow.conflict", who=who, what=what,
                    when=store.calendar.local(at).strftime("%m-%d %H:%M:%S"),
                    version=tk.version, seen=seen, number=tk.number)


async def _unknown_years(s: AsyncSession, store: Store, tk: Ticket, now: datetime) -> tuple[int, ...]:
    moments = [now] + [c.due_at for c in await clocks.running(s, tk.id)]
    return tuple(sorted(store.calendar.years_unknown(*moments)))


# --- one function per action ------------------------------------------------------------------


async def _unit(s: AsyncSession, code: str, field_name: str) -> Unit:
    u = (await s.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if u is None or not u.active:
        raise Invalid("workflow.unknown_unit", field=field_name, code=code)
    return u


async def _set_co_units(s: AsyncSession, ticket_id: int, unit_ids: list[int]) -> None:
    await s.execute(delete(TicketCoUnit).where(TicketCoUnit.ticket_id == ticket_id))
    if unit_ids:
        await s.execute(insert(TicketCoUnit), [{"ticket_id": ticket_id, "unit_id": u} for u in unit_ids])


async def _dispatch(st: _Step) -> None:
    lead = await _unit(st.s, st.p.unit or "", "unit")
    co = []
    for code in st.p.co_units:
        if code == lead.code:
            raise Invalid("workflow.co_unit_is_lead", field="co_units", code=code)
        co.append(await _unit(st.s, code, "co_units"))
    st.ticket.lead_unit_id = lead.id
    await _set_co_units(st.s, st.ticket.id, [u.id for u in co])
    await clocks.start(st.s, st.store, st.ticket, ClockName.SIGN, st.now)
    st.data = {"unit": lead.code, "co_units": [u.code for u in co]}
    st.to = Status.DISPATCHED


async def _sign(st: _Step) -> None:
    await clocks.stop(st.s, st.store, st.ticket, ClockName.SIGN, st.now)
    st.to = Status.SIGNED


def _decision_limit(store: Store) -> tuple[int, str]:
    # the centre answers a return or extension request by close of the next working day
    return store.settings.decision_limit_days, LimitUnit.WORK_DAYS


async def _return(st: _Step) -> None:
    await clocks.stop(st.s, st.store, st.ticket, ClockName.SIGN, st.now)
    value, unit = _decision_limit(st.store)
    await clocks.start(st.s, st.store, st.ticket, ClockName.EXTENSION, st.now, value, unit)
    st.ticket.resume_status = st.ticket.status
    st.data = {"unit": await _unit_code(st.s, st.ticket.lead_unit_id)}
    st.to = Status.RETURN_REQUESTED


async def _unit_code(s: AsyncSession, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return (await s.execute(select(Unit.code).where(Unit.id == unit_id))).scalar_one_or_none()


async def _extend(st: _Step) -> None:
    p, cal = st.p, st.store.calendar
    handle = next((c for c in await clocks.running(st.s, st.ticket.id) if c.name == ClockName.HANDLE), None)
    current = handle.due_at if handle else st.now
    unit = handle.limit_unit if handle else LimitUnit.WORK_DAYS
    if p.days is not None:
        if isinstance(p.days, bool) or not isinstance(p.days, int) or not 1 <= p.days <= MAX_DAYS:
            raise Invalid("workflow.days_range", field="days", max=MAX_DAYS)
        until = sla.extend_days(cal, current, p.days, unit)
    else:
        until = until_moment(st.store, p.until)  # type: ignore[arg-type]
        if until - current > timedelta(days=MAX_DAYS):
            raise Invalid("workflow.until_too_far", field="until", max=MAX_DAYS)
    if until <= current or until <= st.now:
        raise Invalid("workflow.extend_not_later", field="until" if p.until is not None else "days",
                      until=_local(st.store, until), due=_local(st.store, max(current, st.now)))
    value, dunit = _decision_limit(st.store)
    await clocks.start(st.s, st.store, st.ticket, ClockName.EXTENSION, st.now, value, dunit)
    st.ticket.resume_status = st.ticket.status
    st.note = p.reason
    st.data = {"until": iso(until), "progress": p.note}
    if p.days is not None:
        st.data["days"] = p.days
    st.to = Status.EXTENSION_REQUESTED


def until_moment(store: Store, until: datetime | date) -> datetime:
    """An extension's new deadline: a moment as given, a day as its close of business."""
    if isinstance(until, datetime):
        return until if until.tzinfo else until.replace(tzinfo=store.calendar.tz)
    if not store.calendar.is_workday(until):
        raise Invalid("workflow.not_workday", field="until", day=until.isoformat(),
                      next=store.calendar.next_workday(until).isoformat())
    return store.calendar.close_of(until)


def _local(store: Store, at: datetime) -> str:
    return store.calendar.local(at).strftime("%Y-%m-%d %H:%M")


async def _request(st: _Step) -> TimelineEntry | None:
    """The pending request's timeline entry (its data holds the deadline asked for)."""
    action = Action.RETURN if st.ticket.status == Status.RETURN_REQUESTED else Action.EXTEND
    q = (select(TimelineEntry).where(TimelineEntry.ticket_id == st.ticket.id, TimelineEntry.action == action)
         .order_by(TimelineEntry.id.desc()).limit(1))
    return (await st.s.execute(q)).scalar_one_or_none()


async def _approve(st: _Step) -> None:
    tk = st.ticket
    await clocks.stop(st.s, st.store, tk, ClockName.EXTENSION, st.now)
    if tk.status == Status.RETURN_REQUESTED:
        st.data = {"request": "return", "unit": await _unit_code(st.s, tk.lead_unit_id)}
        await clocks.stop(st.s, st.store, tk, ClockName.SIGN, st.now)
        tk.lead_unit_id = None
        await _set_co_units(st.s, tk.id, [])
        st.to = Status.PENDING_DISPATCH
    else:
        req = await _request(st)
        until = datetime.fromisoformat(req.data["until"]) if req and req.data else None
        if until is not None:
            handle = next((c for c in await clocks.running(st.s, tk.id) if c.name == ClockName.HANDLE), None)
            if handle is None:
                matter = await st.s.get(Matter, tk.matter_id) if tk.matter_id else None
                value, unit = clocks.handling_limit(matter, tk.urgency)
                await clocks.start(st.s, st.store, tk, ClockName.HANDLE, st.now, value, unit, until)
            else:
                await clocks.move(st.s, st.store, tk, ClockName.HANDLE, until)
        st.data = {"request": "extension", "until": iso(until)}
        st.to = tk.resume_status if tk.resume_status in st.row.to else Status.SIGNED
    tk.resume_status = None


async def _reject(st: _Step) -> None:
    tk = st.ticket
    await clocks.stop(st.s, st.store, tk, ClockName.EXTENSION, st.now)
    kind = "return" if tk.status == Status.RETURN_REQUESTED else "extension"
    back = tk.resume_status if tk.resume_status in st.row.to else st.row.to[-1]
    if back == Status.DISPATCHED:
        # the unit had not signed: it now has to, on a fresh sign-for clock
        await clocks.start(st.s, st.store, tk, ClockName.SIGN, st.now)
    tk.resume_status = None
    st.data = {"request": kind}
    st.to = back


async def _suspend(st: _Step) -> None:
    await clocks.pause_all(st.s, st.store, st.ticket, st.now, keep=(ClockName.ESCALATE,))
    st.ticket.resume_status = st.ticket.status
    st.to = Status.SUSPENDED


async def _resume(st: _Step) -> None:
    tk = st.ticket
    await clocks.resume_all(st.s, st.store, tk, st.now)
    back = tk.resume_status if tk.resume_status in st.row.to else (
        Status.PENDING_DISPATCH if tk.lead_unit_id is None else Status.SIGNED)
    tk.resume_status = None
    st.to = back


async def _feedback(st: _Step) -> None:
    tk = st.ticket
    await clocks.stop(st.s, st.store, tk, ClockName.HANDLE, st.now)
    await clocks.stop(st.s, st.store, tk, ClockName.SIGN, st.now)
    await clocks.start(st.s, st.store, tk, ClockName.VERIFY, st.now)  # 24 natural hours, HH 21
    st.to = Status.FEEDBACK


async def _verify(st: _Step) -> None:
    tk, passed = st.ticket, bool(st.p.passed)
    await clocks.stop(st.s, st.store, tk, ClockName.VERIFY, st.now)
    st.data = {"passed": passed}
    if passed:
        await clocks.start(st.s, st.store, tk, ClockName.VISIT, st.now)
        st.to = Status.VERIFIED
    else:
        await clocks.continue_stopped(st.s, st.store, tk, ClockName.HANDLE, st.now)
        st.to = Status.SIGNED


async def _visit(st: _Step) -> None:
    sat = st.p.satisfaction
    await clocks.stop(st.s, st.store, st.ticket, ClockName.VERIFY, st.now)
    await clocks.stop(st.s, st.store, st.ticket, ClockName.VISIT, st.now)
    st.ticket.satisfaction = sat
    st.data = {"satisfaction": sat}
    st.to = Status.VISITED


async def _close(st: _Step) -> None:
    tk = st.ticket
    if tk.satisfaction == Satisfaction.DISSATISFIED and not st.p.reason:
        raise Invalid("workflow.close_dissatisfied", field="reason")
    await clocks.stop_all(st.s, st.store, tk, st.now)
    tk.closed_at = st.now
    st.to = Status.CLOSED


async def _reopen(st: _Step) -> None:
    tk = st.ticket
    st.data = {"satisfaction": tk.satisfaction} if tk.satisfaction else {}
    tk.closed_at = None
    tk.satisfaction = None
    tk.resume_status = None
    for name in (ClockName.VERIFY, ClockName.VISIT):
        await clocks.stop(st.s, st.store, tk, name, st.now)
    matter = await st.s.get(Matter, tk.matter_id) if tk.matter_id else None
    value, unit = clocks.handling_limit(matter, tk.urgency)
    await clocks.start(st.s, st.store, tk, ClockName.HANDLE, st.now, value, unit)
    if tk.lead_unit_id is None:
        st.to = Status.PENDING_DISPATCH
    else:
        await clocks.start(st.s, st.store, tk, ClockName.SIGN, st.now)
        st.to = Status.DISPATCHED


HANDLERS = {
    Action.DISPATCH: _dispatch, Action.SIGN: _sign, Action.RETURN: _return, Action.EXTEND: _extend,
    Action.APPROVE: _approve, Action.REJECT: _reject, Action.SUSPEND: _suspend,
    Action.RESUME: _resume, Action.FEEDBACK: _feedback, Action.VERIFY: _verify,
    Action.VISIT: _visit, Action.CLOSE: _close, Action.REOPEN: _reopen,
}


# --- one named function per action, for callers that prefer them ---------------------------


async def dispatch(store: Store, actor: Actor, number: str, unit: str, co_units: tuple[str, ...] = (),
                   note: str | None = None, expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.DISPATCH, Params(unit=unit, co_units=tuple(co_units), note=note),
                     expected_version=expected_version)


async def sign(store: Store, actor: Actor, number: str, note: str | None = None,
               expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.SIGN, Params(note=note), expected_version=expected_version)


async def request_return(store: Store, actor: Actor, number: str, reason: str, note: str | None = None,
                         expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.RETURN, Params(reason=reason, note=note),
                     expected_version=expected_version)


async def request_extension(store: Store, actor: Actor, number: str, reason: str, progress: str,
                            until: datetime | date | None = None, days: int | None = None,
                            expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.EXTEND,
                     Params(reason=reason, note=progress, until=until, days=days),
                     expected_version=expected_version)


async def approve(store: Store, actor: Actor, number: str, note: str | None = None,
                  expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.APPROVE, Params(note=note), expected_version=expected_version)


async def reject(store: Store, actor: Actor, number: str, reason: str, note: str | None = None,
                 expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.REJECT, Params(reason=reason, note=note),
                     expected_version=expected_version)


async def suspend(store: Store, actor: Actor, number: str, reason: str, note: str | None = None,
                  expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.SUSPEND, Params(reason=reason, note=note),
                     expected_version=expected_version)


async def resume(store: Store, actor: Actor, number: str, note: str | None = None,
                 expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.RESUME, Params(note=note), expected_version=expected_version)


async def feedback(store: Store, actor: Actor, number: str, result: str,
                   expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.FEEDBACK, Params(note=result), expected_version=expected_version)


async def verify(store: Store, actor: Actor, number: str, passed: bool, reason: str | None = None,
                 note: str | None = None, expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.VERIFY, Params(passed=passed, reason=reason, note=note),
                     expected_version=expected_version)


async def visit(store: Store, actor: Actor, number: str, satisfaction: str, note: str | None = None,
                expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.VISIT, Params(satisfaction=satisfaction, note=note),
                     expected_version=expected_version)


async def close(store: Store, actor: Actor, number: str, reason: str | None = None, note: str | None = None,
                expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.CLOSE, Params(reason=reason, note=note),
                     expected_version=expected_version)


async def reopen(store: Store, actor: Actor, number: str, reason: str, note: str | None = None,
                 expected_version: int | None = None) -> Outcome:
    return await act(store, actor, number, Action.REOPEN, Params(reason=reason, note=note),
                     expected_version=expected_version)


# --- the dispatch dialog's proposals --------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    code: str
    name: str
    kind: str
    why: str  # "matter": the matter's default unit; "area": covers the grid's area
    area_code: str | None  # the covered area that matched (village, town, county, city)


async def propose_units(store: Store, actor: Actor, number: str) -> list[Proposal]:
    """Lead-unit candidates for a ticket, best first (BH 17: 行业主管, then 属地管理).

    The matter's default unit first; then the units covering the grid's village, town, county
    and city, most local first. The centres at or above the ticket's town are left out: the
    centre does not dispatch to itself.
    """
    async with store.db.session() as s:
        tk, grid = await load_ticket(s, actor, number, lock=False)
        out: list[Proposal] = []
        seen: set[int] = set()
        if tk.matter_id is not None:
            default = (await s.execute(select(Unit).join(Matter, Matter.default_unit_id == Unit.id)
                                       .where(Matter.id == tk.matter_id))).scalar_one_or_none()
            if default is not None and default.active:
                out.append(Proposal(default.code, default.name, default.kind, "matter", None))
                seen.add(default.id)
        area = grid.area_code
        prefixes = [area[:n] for n in (12, 9, 6, 4) if len(area) >= n]
        rows = (await s.execute(select(Unit, UnitArea.area_code).join(UnitArea, UnitArea.unit_id == Unit.id)
                                .where(UnitArea.area_code.in_(prefixes), Unit.active.is_(True)))).all()
    rows.sort(key=lambda r: (-len(r[1]), r[0].code))
    for unit, covered in rows:
        if unit.id in seen:
            continue
        if unit.kind == UnitKind.CENTRE and tk.town_code.startswith(unit.area_code or ""):
            continue
        seen.add(unit.id)
        out.append(Proposal(unit.code, unit.name, unit.kind, "area", covered))
    return out


# --- reading a --until value ------------------------------------------------------------------


def parse_until(text: str, tz: Any) -> datetime | date:
    """`--until`: a date (YYYY-MM-DD: close of business that day) or an ISO time (local if naive)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("error.bad_time", field="until", value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


__all__ = [
    "ACTIONS", "CONFIRM", "Action", "Outcome", "Params", "Proposal", "TRANSITIONS", "Transition", "act",
    "actions_for", "available", "needs", "param_problem", "params_of", "permit", "propose_units", "rule_for",
    "rows_for",
]
