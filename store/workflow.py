"""The ticket's closed loop: its states and transitions, written once (DESIGN.md, HH 21, JM 17,
YC 34–35, BH 16–21). The console's keys, the CLI's `ticket act` and scripts all come here.

`TRANSITIONS` (kept in `store.loop`, whose `apply` computes each next state) is the whole loop,
and this module takes it through the database: one action, one short transaction. Each row
says from which statuses an action may be taken, where it leads, who may take it and what it
needs:

    action    from                               to                            who
    dispatch  received, pending_dispatch         dispatched                    centre
    sign      dispatched                         signed                        lead unit
    return    dispatched, signed                 return_requested              lead unit  (reason)
    extend    signed                             extension_requested           lead unit  (reason, progress, until/days)
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

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import clocks, loop, records, validation, versions, visibility
from griddesk.store.actor import Actor
from griddesk.store.analytics import rollups
from griddesk.store.context import Store
from griddesk.store.enums import ClockState, LimitUnit, Satisfaction, Status, UnitKind
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.loop import (
    ACTIONS,
    TRANSITIONS,
    Action,
    LoopClock,
    LoopTicket,
    Params,
    TicketLike,
    Transition,
    action_name,
    actions_for,
    permit,
    rows_for,
    rule_for,
)
from griddesk.store.models import Grid, Matter, Ticket, TicketClock, TicketCoUnit, TimelineEntry, Unit, UnitArea
from griddesk.store.timefmt import iso
from griddesk.store.versions import LastChange, conflict

MAX_TEXT = 2000
MAX_DAYS = loop.MAX_DAYS
PARAMS = ("unit", "co_units", "reason", "note", "until", "days", "passed", "satisfaction")


def params_of(action: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(needed, optional) params of an action — the same in every row of that action."""
    row = rows_for(action)[0]
    return row.needs, row.takes


def needs(action: str, ticket: TicketLike | None = None) -> tuple[str, ...]:
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


# Steps that cannot be undone by the one who takes them: the console asks to confirm these.
CONFIRM = frozenset({Action.APPROVE, Action.REJECT, Action.CLOSE, Action.REOPEN})


# --- parameters -------------------------------------------------------------------------------


def _clean(p: Params) -> Params:
    """The params through the one validation layer (store/validation.py): typed, bounded, no
    control characters (reasons and notes may span lines)."""

    def text(name: str, value: Any) -> str | None:
        return validation.text(value, name, max_len=MAX_TEXT, multiline=True)

    if not isinstance(p.co_units, tuple | list):
        raise Invalid("validation.wrong_type", field="co_units", expected="array",
                      got=validation.json_type(p.co_units))
    co = tuple(dict.fromkeys(c for c in (validation.code(c, "co_units", required=False) for c in p.co_units) if c))
    if p.days is not None:
        validation.integer(p.days, "days", low=1, high=MAX_DAYS)
    if p.passed is not None:
        validation.boolean(p.passed, "passed")
    if p.satisfaction is not None:
        validation.choice(p.satisfaction, "satisfaction", Satisfaction)
    return replace(p, unit=validation.code(p.unit, "unit", required=False), reason=text("reason", p.reason),
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


async def available(store: Store, actor: Actor, number: str) -> list[str]:
    async with store.db.session() as s:
        tk, _ = await load_ticket(s, store, actor, number, lock=False)
    return actions_for(actor, tk)


async def act(store: Store, actor: Actor, number: str, action: str, params: Params | None = None,
              *, expected_version: int | None = None, **kw: Any) -> Outcome:
    """Take `action` on ticket `number` in one write transaction, or raise and write nothing.

    `expected_version` is the version the operator saw; when someone changed the ticket since,
    this raises `Conflict` naming who did what and when. The next state is `loop.apply`'s: this
    loads the ticket into a `LoopTicket`, applies, and writes back what changed.
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
    while True:
        now = store.now()  # decided again after a change meanwhile: at the new moment
        # read and decide without the write lock; then write in a short transaction that holds
        # it only for the statements, and only if the ticket is still the version decided on
        async with store.db.session() as s:
            plan = await _plan(s, store, actor, number, action, p, expected_version, now)
        if await store.db.write_sync(partial(_write, actor=actor, plan=plan, now=now)):
            return plan.outcome
        # someone changed the ticket in between: decide again on what is there now (with
        # `expected_version` this now raises the Conflict naming them)


@dataclass
class _Plan:
    """An action decided on one version of a ticket: every row to write, computed beforehand."""

    ticket_id: int
    seen: int
    ticket: dict[str, Any]  # the ticket row's new values (status, units, deadlines …)
    clocks: list[tuple[int | None, dict[str, Any]]]  # (row id or None for a new clock, values)
    co_units: tuple[int, ...] | None  # the new co-units, when they changed
    timeline: tuple[Any, ...]
    town_code: str
    audit: dict[str, Any]
    outcome: Outcome


async def _plan(s: AsyncSession, store: Store, actor: Actor, number: str, action: str, p: Params,
                expected_version: int | None, now: datetime) -> _Plan:
    """Everything `act` checks and computes, read in an ordinary (reading) transaction."""
    tk = await visibility.load(s, store, actor, number)  # not its grid: nothing here needs it
    seen = await versions.check(s, store, tk, expected_version)
    try:
        permit(actor, tk, action)
    except NotAllowed as e:
        if e.key == "workflow.refused_state":
            # name who put it in this state: usually the answer to "why can't I?"
            last = await versions.last_change(s, tk)
            if last is not None:
                raise NotAllowed("workflow.refused_state_by", status=e.params["status"],
                                 action=e.params["action"], who=last.who, what=last.what,
                                 when=last.when(store)) from None
        raise
    problem = param_problem(action, p)
    if problem is not None:
        raise problem
    units = await _units(s, p) if action == Action.DISPATCH else None
    state, _rows = await _state(s, tk)
    co_before = state.co_unit_ids
    step = loop.apply(state, action, p, now, store, actor=actor, units=units, in_place=True)
    new = step.ticket
    nearest = loop.nearest(c for c in new.clocks if c.live)
    values: dict[str, Any] = {"status": new.status, "lead_unit_id": new.lead_unit_id,
                              "resume_status": new.resume_status, "satisfaction": new.satisfaction,
                              "closed_at": new.closed_at, "due_at": nearest.due_at, "due_clock": nearest.due_clock,
                              "warn_at": nearest.warn_at}
    if nearest.handle_due_at is not None:
        values["handle_due_at"] = nearest.handle_due_at
    moments = [now] + [c.due_at for c in new.clocks if c.live]
    years = tuple(sorted(store.calendar.years_unknown(*moments)))
    return _Plan(
        ticket_id=tk.id, seen=seen, ticket=values,
        clocks=[(c.row_id, {k: getattr(c, k) for k in _CLOCK_COLS}) for c in step.touched],
        co_units=new.co_unit_ids if new.co_unit_ids != co_before else None,
        timeline=(action, step.from_status, step.to_status, step.note, step.data or None),
        town_code=tk.town_code,
        # old and new values: the status and version before and after (what else changed is the step's data)
        audit={"from": step.from_status, "to": step.to_status, "version": seen + 1, **step.data,
               "old": {"status": step.from_status, "version": seen},
               "new": {"status": step.to_status, "version": seen + 1}},
        outcome=Outcome(tk.number, str(action), str(step.from_status), str(step.to_status), seen + 1, now, years))


def _write(c: Connection, *, actor: Actor, plan: _Plan, now: datetime) -> bool:
    """The plan's statements, only if the ticket is still at the version it was decided on (False
    when not: nothing written). The version check and the ticket's new values are one UPDATE.
    Synchronous Core statements, run by `Database.write_sync` (on SQLite: in one thread hop)."""
    before = rollups.before_sync(c, plan.ticket_id)
    res = c.execute(update(Ticket).where(Ticket.id == plan.ticket_id, Ticket.version == plan.seen)
                    .values(version=plan.seen + 1, updated_at=now, updated_by=actor.label, **plan.ticket))
    if res.rowcount != 1:
        return False
    for row_id, values in plan.clocks:
        if row_id is None:
            c.execute(insert(TicketClock).values(ticket_id=plan.ticket_id, **values))
        else:
            c.execute(update(TicketClock).where(TicketClock.id == row_id).values(**values))
    if plan.co_units is not None:
        c.execute(delete(TicketCoUnit).where(TicketCoUnit.ticket_id == plan.ticket_id))
        if plan.co_units:
            c.execute(insert(TicketCoUnit), [{"ticket_id": plan.ticket_id, "unit_id": u} for u in plan.co_units])
    action, from_status, to_status, note, data = plan.timeline
    records.feed_sync(c, "ticket", plan.ticket_id, action, now, plan.town_code)
    records.append_many_sync(c, [(actor.label, f"ticket.{action}", "ticket", plan.outcome.number, now, plan.audit)])
    records.timeline_sync(c, before, plan.ticket_id, actor, action, now, from_status, to_status, note, data)
    return True


async def load_ticket(s: AsyncSession, store: Store, actor: Actor, number: str, lock: bool) -> tuple[Ticket, Grid]:
    """The ticket and its grid for a write, if the actor may see it (`store.visibility`: a
    ticket outside the scope is "no such ticket"); used by escalation too."""
    tk = await visibility.load(s, store, actor, number, lock=lock)
    return tk, await s.get_one(Grid, tk.grid_id)


async def _units(s: AsyncSession, p: Params) -> dict[str, int]:
    """The dispatch's lead and co-units by code, checked: active, and no co-unit is the lead."""
    lead = await _unit(s, p.unit or "", "unit")
    found = {lead.code: lead.id}
    for code in p.co_units:
        if code == lead.code:
            raise Invalid("workflow.co_unit_is_lead", field="co_units", code=code)
        found[code] = (await _unit(s, code, "co_units")).id
    return found


async def _unit(s: AsyncSession, code: str, field_name: str) -> Unit:
    u = (await s.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if u is None or not u.active:
        raise Invalid("workflow.unknown_unit", field=field_name, code=code)
    if u.kind == UnitKind.CENTRE:  # the centre dispatches; it is not a unit to dispatch to
        raise Invalid("validation.unit_is_centre", field=field_name, code=code)
    return u


async def _state(s: AsyncSession, tk: Ticket) -> tuple[LoopTicket, dict[int, TicketClock]]:
    """The ticket as the loop reads it, and its clock rows by id (to write the moves back)."""
    rows = list((await s.execute(select(TicketClock).where(TicketClock.ticket_id == tk.id)
                                 .order_by(TicketClock.id))).scalars())
    lead = await s.get(Unit, tk.lead_unit_id) if tk.lead_unit_id is not None else None
    co = tuple((await s.execute(select(TicketCoUnit.unit_id).where(TicketCoUnit.ticket_id == tk.id)
                                .order_by(TicketCoUnit.unit_id))).scalars())
    matter = await s.get(Matter, tk.matter_id) if tk.matter_id else None
    value, unit = clocks.handling_limit(matter, tk.urgency)
    until = None
    if tk.status == Status.EXTENSION_REQUESTED:
        req = (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id,
                                                           TimelineEntry.action == Action.EXTEND)
                               .order_by(TimelineEntry.id.desc()).limit(1))).scalar_one_or_none()
        if req is not None and req.data and req.data.get("until"):
            until = datetime.fromisoformat(req.data["until"])
    state = LoopTicket(
        status=Status(tk.status), version=tk.version, lead_unit_id=tk.lead_unit_id,
        lead_unit_code=lead.code if lead else None, co_unit_ids=co,
        resume_status=Status(tk.resume_status) if tk.resume_status else None,
        satisfaction=Satisfaction(tk.satisfaction) if tk.satisfaction else None, closed_at=tk.closed_at,
        reporter_name=tk.reporter_name, reporter_phone=tk.reporter_phone,
        handle_limit=(value, LimitUnit(unit)), requested_until=until,
        clocks=[LoopClock(c.name, c.limit_value, c.limit_unit, c.started_at, c.due_at, c.warn_at,  # type: ignore[arg-type]
                          ClockState(c.state), c.paused_at, c.remaining_s, c.stopped_at, c.id) for c in rows])
    return state, {c.id: c for c in rows}


_CLOCK_COLS = ("name", "limit_value", "limit_unit", "started_at", "due_at", "warn_at", "state", "paused_at",
               "remaining_s", "stopped_at")


def until_moment(store: Store, until: datetime | date) -> datetime:
    """An extension's new deadline: a moment as given, a day as its close of business."""
    return loop.until_moment(store.calendar, until)


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
        tk, grid = await load_ticket(s, store, actor, number, lock=False)
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
        rows = list((await s.execute(select(Unit, UnitArea.area_code).join(UnitArea, UnitArea.unit_id == Unit.id)
                                     .where(UnitArea.area_code.in_(prefixes), Unit.active.is_(True)))).all())
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
            got: datetime | date = date.fromisoformat(text)
        else:
            got = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("error.bad_time", field="until", value=validation.shown(text)) from None
    if not validation.EARLIEST.year <= got.year <= 2200:  # year 1 or 9999 would overflow the arithmetic
        raise Invalid("validation.time_out_of_window", field="until", value=validation.shown(text),
                      earliest=validation.EARLIEST.date().isoformat())
    if isinstance(got, datetime):
        return got if got.tzinfo else got.replace(tzinfo=tz)
    return got


__all__ = [
    "ACTIONS", "CONFIRM", "Action", "LastChange", "Outcome", "Params", "Proposal", "TRANSITIONS", "Transition", "act",
    "action_name", "actions_for", "available", "conflict", "needs", "param_problem", "params_of", "permit",
    "propose_units", "rule_for", "rows_for",
]
