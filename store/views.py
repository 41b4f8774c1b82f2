"""Read models: a ticket with everything about it, and the stable JSON shapes scripts read.

The console's detail screen and `griddesk ticket show` both read `detail()`; the JSON keys are
a public interface. `detail()` hands out plain frozen dataclasses (TicketView, GridRef, …), not
ORM rows, so the console never holds a session-bound object or imports the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Self

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import audit, privacy, sla, visibility
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ClockState
from griddesk.store.models import Grid, Matter, Ticket, TicketClock, TicketCoUnit, TimelineEntry, Unit
from griddesk.store.queue import QueueRow
from griddesk.store.timefmt import iso

LIVE_SHOWN = frozenset({ClockState.RUNNING, ClockState.PAUSED, ClockState.OVERDUE})


class _Plain:
    """Copy the same-named attributes off an ORM row: a plain value the console may keep and
    read after the session closed (no lazy loads, no SQLAlchemy import in the console)."""

    @classmethod
    def of(cls, row: object) -> Self:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class GridRef(_Plain):
    id: int
    code: str
    name: str
    area_code: str
    town_code: str
    type: str
    status: str


@dataclass(frozen=True)
class MatterRef(_Plain):
    id: int
    code: str
    name: str
    name_en: str | None
    class_code: str
    escalate: bool


@dataclass(frozen=True)
class UnitRef(_Plain):
    id: int
    code: str
    name: str
    kind: str
    phone: str | None


@dataclass(frozen=True)
class TicketView(_Plain):
    """A ticket's columns as read; `workflow.permit` / `needs` and `permissions.escalation_modes`
    read only these attribute names, so they take a TicketView as they take the row."""

    id: int
    number: str
    source: str
    reporter_name: str | None
    reporter_phone: str | None
    grid_id: int
    town_code: str
    address: str | None
    matter_id: int | None
    out_of_list: bool
    urgency: str
    title: str
    description: str | None
    status: str
    lead_unit_id: int | None
    received_at: datetime
    due_at: datetime | None
    due_clock: str | None
    warn_at: datetime | None
    handle_due_at: datetime | None
    closed_at: datetime | None
    resolved_on_spot: bool
    satisfaction: str | None
    supervise_level: str | None
    escalation: str | None
    held_by: str | None
    resume_status: str | None
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int
    external_id: str | None = None  # the hotline's own number (migration 0005)
    external_source: str | None = None


@dataclass
class Clock:
    name: str
    due_at: datetime
    state: ClockState  # running / paused / met / missed, or overdue when running late
    left_s: float
    multiple: float
    limit_value: int
    limit_unit: str
    due_soon: bool

    def json(self) -> dict[str, Any]:
        return {"name": self.name, "due_at": iso(self.due_at), "state": self.state,
                "limit": {"value": self.limit_value, "unit": self.limit_unit},
                "left_seconds": int(self.left_s), "overdue_multiple": round(self.multiple, 2)}


@dataclass
class Event:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any] | None

    def json(self) -> dict[str, Any]:
        return {"at": iso(self.at), "actor": self.actor, "action": self.action,
                "from_status": self.from_status, "to_status": self.to_status, "note": self.note,
                "data": self.data}


@dataclass
class TicketDetail:
    ticket: TicketView
    grid: GridRef
    matter: MatterRef | None
    lead_unit: UnitRef | None
    co_units: list[UnitRef]
    clocks: list[Clock]  # running and paused first, then finished ones
    timeline: list[Event]
    reporter_name: str | None
    reporter_phone: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)  # unit code → name, for the timeline's codes

    @property
    def running(self) -> list[Clock]:
        return [c for c in self.clocks if c.state in LIVE_SHOWN]

    def json(self) -> dict[str, Any]:
        tk = self.ticket
        return {
            "number": tk.number, "status": tk.status, "version": tk.version,
            "external_id": tk.external_id, "external_source": tk.external_source,
            "source": tk.source, "urgency": tk.urgency, "title": tk.title,
            "description": tk.description, "address": tk.address,
            "grid": self.grid.code, "grid_name": self.grid.name,
            "matter": self.matter.code if self.matter else None,
            "matter_name": self.matter.name if self.matter else None,
            "out_of_list": tk.out_of_list,
            "reporter": {"name": self.reporter_name, "phone": self.reporter_phone},
            "received_at": iso(tk.received_at), "due_at": iso(tk.due_at),
            "handle_due_at": iso(tk.handle_due_at), "closed_at": iso(tk.closed_at),
            "lead_unit": self.lead_unit.code if self.lead_unit else None,
            "lead_unit_name": self.lead_unit.name if self.lead_unit else None,
            "co_units": [u.code for u in self.co_units],
            "resolved_on_spot": tk.resolved_on_spot, "satisfaction": tk.satisfaction,
            "supervise_level": tk.supervise_level, "escalation": tk.escalation,
            "clocks": [c.json() for c in self.clocks],
            "timeline": [e.json() for e in self.timeline],
        }


def clock_of(store: Store, c: TicketClock, now: datetime) -> Clock:
    v = sla.view(store.calendar, c.name, c.limit_value, c.limit_unit, c.due_at, c.state, now, c.remaining_s)
    state = ClockState(c.state)
    if state == ClockState.RUNNING and v.overdue:
        state = ClockState.OVERDUE
    left = v.left_s if c.state in (ClockState.RUNNING, ClockState.PAUSED) else \
        sla.basis_seconds(store.calendar, c.limit_unit, c.stopped_at or now, c.due_at)
    mult = -left / v.limit_s if left < 0 else 0.0
    return Clock(c.name, c.due_at, state, left, mult, c.limit_value, c.limit_unit,
                 c.state == ClockState.RUNNING and v.due_soon(store.settings.due_soon_fraction))


async def get_ticket(s: AsyncSession, store: Store, actor: Actor, number: str) -> Ticket:
    """The ticket if the actor may see it, else "no such ticket" (`store.visibility`)."""
    return await visibility.load(s, store, actor, number)


def masked_ticket(tk: TicketView) -> TicketView:
    """A ticket as every list and detail shows it: the reporter masked, and so is free text
    where it names the reporter or holds a phone or ID number (store/privacy.py)."""
    names, phones = (tk.reporter_name,), (tk.reporter_phone,)
    return replace(tk, reporter_name=privacy.mask_name(tk.reporter_name),
                   reporter_phone=privacy.mask_phone(tk.reporter_phone),
                   title=privacy.mask_text(tk.title, names, phones) or "",
                   description=privacy.mask_text(tk.description, names, phones),
                   address=privacy.mask_text(tk.address, names, phones))


async def detail(store: Store, actor: Actor, number: str, record: bool = False) -> TicketDetail:
    """One ticket with everything about it, its reporter masked (`privacy.reveal_reporter` is
    the one way to see it). `record`: an operator opened it (ticket show, the ticket screen),
    which the audit log keeps; a refresh of a screen already open does not count again."""
    now = store.now()
    async with store.db.session() as s:
        tk = await get_ticket(s, store, actor, number)
        grid = await s.get_one(Grid, tk.grid_id)
        matter = await s.get(Matter, tk.matter_id) if tk.matter_id else None
        lead = await s.get(Unit, tk.lead_unit_id) if tk.lead_unit_id else None
        co = list((await s.execute(select(Unit).join(TicketCoUnit, TicketCoUnit.unit_id == Unit.id)
                                   .where(TicketCoUnit.ticket_id == tk.id).order_by(Unit.code))).scalars())
        clock_rows = list((await s.execute(select(TicketClock).where(TicketClock.ticket_id == tk.id)
                                           .order_by(TicketClock.id))).scalars())
        events = list((await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id)
                                       .order_by(TimelineEntry.at, TimelineEntry.id))).scalars())
        named = {code for e in events for code in _unit_codes(e.data)}
        unit_names = {code: name for code, name in
                      (await s.execute(select(Unit.code, Unit.name).where(Unit.code.in_(named)))).all()} \
            if named else {}
    active = [clock_of(store, c, now) for c in clock_rows if c.state in (ClockState.RUNNING, ClockState.PAUSED)]
    done = [clock_of(store, c, now) for c in clock_rows if c.state not in (ClockState.RUNNING, ClockState.PAUSED)]
    active.sort(key=lambda c: c.due_at)
    if record:
        await audit.record_read(store, actor, tk.number)
    names, phones = (tk.reporter_name,), (tk.reporter_phone,)
    view = masked_ticket(TicketView.of(tk))
    return TicketDetail(
        view, GridRef.of(grid), MatterRef.of(matter) if matter else None,
        UnitRef.of(lead) if lead else None, [UnitRef.of(u) for u in co], active + done,
        [Event(e.at, e.actor, e.action, e.from_status, e.to_status, privacy.mask_text(e.note, names, phones),
               privacy.mask_value(e.data, names, phones)) for e in events],
        view.reporter_name, view.reporter_phone, unit_names=unit_names)


def _unit_codes(data: dict[str, Any] | None) -> list[str]:
    """The unit codes a timeline entry's data names (a dispatch's lead and co-units, a return's unit)."""
    if not data:
        return []
    out = [data["unit"]] if isinstance(data.get("unit"), str) else []
    return out + [c for c in data.get("co_units") or [] if isinstance(c, str)]


def row_json(r: QueueRow) -> dict[str, Any]:
    return {"number": r.number, "status": r.status, "grid": r.grid_code, "grid_name": r.grid,
            "matter": r.matter_code, "matter_name": r.matter, "urgency": r.urgency, "title": r.title,
            "address": r.address, "lead_unit": r.lead_unit, "received_at": iso(r.received_at),
            "due_at": iso(r.due_at), "due_clock": r.due_clock, "version": r.version,
            "out_of_list": r.out_of_list}
