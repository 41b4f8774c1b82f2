"""Escalation (上报, YC 35, BH 21) and the town ⇄ county hand-over (BH 5).

A ticket's `escalation` says where it stands:
    flagged   an emergency or major event that must be reported upward; its `escalate` clock
              runs (`Settings.escalate_limit_minutes`, default 30). Set at intake for emergencies
              and for matters marked `escalate`, or by an operator with `flag`.
    reported  the operator recorded the report upward (`report_up`); the clock stops.
    county    the town handed the ticket to the county centre (`hand_to_county`); `held_by` is
              the county's code. Handing over is itself a report upward, so the clock stops.
    returned  the county handed it back (`hand_back`); `held_by` is the town again.

None of these moves the loop's `status`. Flagging and reporting are annotations, like
supervision: they do not bump `version`, so a unit's concurrent action on the loop never fails
because the centre recorded a phone call upward. Handing to the county and back changes who
holds the ticket, so those do bump `version`: they take `expected_version` and raise the same
`Conflict` as the workflow (the workflow's loader; the guard is `store.versions`), and their timeline
entries carry the unchanged status as from/to so they read as moves of the ticket.

County centres see their towns' tickets by jurisdiction prefix anyway; `county_queue` is the
county's own list: what was reported up or handed to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import clocks, permissions, records, sla, versions, visibility
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, URGENCY_RANK, ClockName, ClockState, Escalation, LimitUnit, Status
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import code_name
from griddesk.store.models import Grid, Matter, Ticket, TicketClock
from griddesk.store.privacy import mask_text
from griddesk.store.timefmt import iso
from griddesk.store.workflow import load_ticket

FLAGGED, REPORTED, COUNTY, RETURNED = Escalation.FLAGGED, Escalation.REPORTED, Escalation.COUNTY, Escalation.RETURNED
STATES = tuple(Escalation)
WHO = permissions.CENTRE
MAX_TEXT = 2000


def _text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid("escalation.error.text_required", field=field)
    if len(text) > MAX_TEXT:
        raise Invalid("error.too_long", field=field, max=MAX_TEXT)
    return text


def _check_role(actor: Actor) -> None:
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in WHO:
        raise NotAllowed("escalation.error.role", role=code_name("role", actor.role))


def _state_name(state: str | None) -> str:
    return code_name("escalation", state) if state else code_name("escalation", "none")


async def _load(s: AsyncSession, store: Store, actor: Actor, number: str) -> Ticket:
    # the workflow's loader: row lock on PostgreSQL, what the actor may see (store.visibility)
    tk, _ = await load_ticket(s, store, actor, number, lock=True)
    return tk


@dataclass(frozen=True)
class Result:
    number: str
    action: str
    escalation: str | None
    held_by: str | None
    version: int
    at: datetime

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "action": self.action, "escalation": self.escalation,
                "held_by": self.held_by, "version": self.version, "at": iso(self.at)}


async def _finish(s: AsyncSession, store: Store, actor: Actor, tk: Ticket, action: str, now: datetime,
                  note: str, data: dict[str, Any], moves: bool) -> None:
    await clocks.refresh_nearest(s, tk)
    await records.timeline(s, tk.id, actor, action, now, tk.status if moves else None,
                           tk.status if moves else None, note, data)
    await records.feed(s, "ticket", tk.id, action, now, tk.town_code)
    await records.audit(s, actor, f"ticket.{action}", "ticket", tk.number, now, data)


async def report_up(store: Store, actor: Actor, number: str, note: str) -> Result:
    """Record that a flagged ticket was reported upward (to whom, how: the note)."""
    _check_role(actor)
    text = _text(note, "note")
    now = store.now()
    async with store.db.session(write=True) as s:
        tk = await _load(s, store, actor, number)
        if tk.escalation != FLAGGED:
            raise Invalid("escalation.error.not_flagged", number=number, state=_state_name(tk.escalation))
        await clocks.stop(s, store, tk, ClockName.ESCALATE, now)
        tk.escalation = REPORTED
        await _finish(s, store, actor, tk, "report_up", now, text, {"escalation": REPORTED}, False)
    return Result(tk.number, "report_up", tk.escalation, tk.held_by, tk.version, now)


async def flag(store: Store, actor: Actor, number: str, reason: str) -> Result:
    """Flag a ticket by hand as a major event to report upward; its report clock starts now."""
    _check_role(actor)
    text = _text(reason, "reason")
    now = store.now()
    async with store.db.session(write=True) as s:
        tk = await _load(s, store, actor, number)
        if tk.status == Status.CLOSED:
            raise NotAllowed("escalation.error.closed", number=number)
        if tk.escalation in (FLAGGED, COUNTY):
            raise Invalid("escalation.error.cannot_flag", number=number, state=_state_name(tk.escalation))
        await clocks.start(s, store, tk, ClockName.ESCALATE, now, store.settings.escalate_limit_minutes,
                           LimitUnit.NATURAL_MINUTES)
        tk.escalation = FLAGGED
        await _finish(s, store, actor, tk, "flag", now, text, {"escalation": FLAGGED}, False)
    return Result(tk.number, "flag", tk.escalation, tk.held_by, tk.version, now)


async def hand_to_county(store: Store, actor: Actor, number: str, reason: str,
                         expected_version: int | None = None) -> Result:
    """A town hands a ticket it cannot settle to its county centre (BH 5)."""
    _check_role(actor)
    text = _text(reason, "reason")
    now = store.now()
    async with store.db.session(write=True) as s:
        tk = await _load(s, store, actor, number)
        seen = await versions.check(s, store, tk, expected_version)
        if tk.status == Status.CLOSED:
            raise NotAllowed("escalation.error.closed", number=number)
        county = tk.town_code[:6]
        if tk.held_by == county:
            raise Invalid("escalation.error.already_county", number=number)
        town = tk.held_by or tk.town_code
        await clocks.stop(s, store, tk, ClockName.ESCALATE, now)  # handing up is reporting up
        tk.held_by, tk.escalation = county, COUNTY
        version = await versions.bump(s, store, actor, tk, seen, now)
        await _finish(s, store, actor, tk, "hand_to_county", now, text,
                      {"escalation": COUNTY, "from": town, "to": county}, True)
    return Result(tk.number, "hand_to_county", COUNTY, county, version, now)


async def hand_back(store: Store, actor: Actor, number: str, reason: str,
                    expected_version: int | None = None) -> Result:
    """The county centre hands a ticket back to its town (only the county that holds it)."""
    _check_role(actor)
    text = _text(reason, "reason")
    now = store.now()
    async with store.db.session(write=True) as s:
        tk = await _load(s, store, actor, number)
        seen = await versions.check(s, store, tk, expected_version)
        county = tk.town_code[:6]
        if tk.held_by != county:
            raise Invalid("escalation.error.not_with_county", number=number)
        if not actor.covers(county):
            # a town's operators cannot take back what they handed up: the county decides
            raise NotAllowed("escalation.error.county_only", number=number)
        tk.held_by, tk.escalation = tk.town_code, RETURNED
        version = await versions.bump(s, store, actor, tk, seen, now)
        await _finish(s, store, actor, tk, "hand_back", now, text,
                      {"escalation": RETURNED, "from": county, "to": tk.town_code}, True)
    return Result(tk.number, "hand_back", RETURNED, tk.town_code, version, now)


# --- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRow:
    number: str
    title: str
    urgency: str
    status: str
    escalation: str | None
    held_by: str | None
    town_code: str
    grid_code: str
    grid: str
    matter: str | None
    received_at: datetime
    due_at: datetime | None  # the report-upward deadline, while flagged
    left_s: float | None  # seconds left to report; negative once late

    @property
    def overdue(self) -> bool:
        return self.left_s is not None and self.left_s < 0

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "urgency": self.urgency,
                "status": self.status, "escalation": self.escalation, "held_by": self.held_by,
                "town": self.town_code, "grid": self.grid_code, "grid_name": self.grid,
                "matter_name": self.matter, "received_at": iso(self.received_at),
                "report_due_at": iso(self.due_at),
                "left_seconds": None if self.left_s is None else int(self.left_s)}


def _rows_query() -> Select[str, str, str, str, str | None, str | None, str, str, str, str | None, datetime,
                           datetime | None]:
    return (select(Ticket.number, Ticket.title, Ticket.urgency, Ticket.status, Ticket.escalation,
                   Ticket.held_by, Ticket.town_code, Grid.code, Grid.name, Matter.name,
                   Ticket.received_at, TicketClock.due_at)
            .join(Grid, Grid.id == Ticket.grid_id)
            .outerjoin(Matter, Matter.id == Ticket.matter_id)
            .outerjoin(TicketClock, (TicketClock.ticket_id == Ticket.id)
                       & (TicketClock.name == ClockName.ESCALATE)
                       & (TicketClock.state == ClockState.RUNNING))
            .where(Ticket.status.in_(OPEN_STATUSES)))


def _rows(store: Store, found: Sequence[Row[str, str, str, str, str | None, str | None, str, str, str,
                                             str | None, datetime, datetime | None]]) -> list[EscalationRow]:
    now = store.now()
    out = []
    for r in found:
        (number, title, urgency, status, escalation, held_by, town_code, grid_code, grid, matter,
         received_at, due) = r
        left = sla.basis_seconds(store.calendar, LimitUnit.NATURAL_MINUTES, now, due) if due else None
        out.append(EscalationRow(number, mask_text(title) or "", urgency, status, escalation, held_by, town_code,
                                 grid_code, grid, matter, received_at, due, left))
    return out


async def pending_escalations(store: Store, actor: Actor) -> list[EscalationRow]:
    """Flagged tickets still to be reported upward, nearest report deadline first."""
    q = visibility.where(_rows_query().where(Ticket.escalation == FLAGGED), store, actor)
    async with store.db.session() as s:
        found = (await s.execute(q)).all()
    rows = _rows(store, found)
    rows.sort(key=lambda r: (r.due_at is None, r.due_at or r.received_at, r.number))
    return rows


async def county_queue(store: Store, actor: Actor) -> list[EscalationRow]:
    """The county centre's list: tickets its towns reported up or handed over, held ones first."""
    if not permissions.above_town(actor.jurisdiction):
        raise NotAllowed("escalation.error.not_county", jurisdiction=actor.jurisdiction)
    if actor.read_only or actor.role not in WHO:
        raise NotAllowed("escalation.error.role", role=code_name("role", actor.role))
    q = (visibility.where(_rows_query().where(Ticket.escalation.in_((REPORTED, COUNTY))), store, actor)
         .order_by(Ticket.received_at.desc(), Ticket.id.desc()))
    async with store.db.session() as s:
        found = (await s.execute(q)).all()
    rows = _rows(store, found)
    # held by the county first, then by urgency; newest first within (the sort is stable)
    rows.sort(key=lambda r: (r.held_by != r.town_code[:6], URGENCY_RANK.get(r.urgency, 9)))
    return rows


__all__ = ["COUNTY", "EscalationRow", "FLAGGED", "REPORTED", "RETURNED", "Result", "STATES",
           "county_queue", "flag", "hand_back", "hand_to_county", "pending_escalations", "report_up"]
