"""Ticket intake: validating a new ticket and registering it, one or many at once.

The JSON field names are a public interface (hotline systems script against them):
    {"source": "hotline", "grid": "<grid code>", "matter": "<matter code>",
     "urgency": "normal|urgent|emergency", "title": "…", "description": "…", "address": "…",
     "reporter": {"name": "…", "phone": "…"}}
Optional: "resolved_on_spot" (bool), "out_of_list" (bool, instead of "matter"),
"received_at" (ISO 8601; default now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import clocks, permissions, records
from griddesk.store.actor import Actor
from griddesk.store.checks import PHONE, in_force
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, Escalation, GridStatus, LimitUnit, Source, Status, Urgency
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.models import Grid, Matter, Ticket
from griddesk.store.numbers import ticket_number

MAX = {"title": 120, "description": 4000, "address": 120, "reporter.name": 30}
CREATORS = permissions.TICKET_CREATORS


@dataclass(frozen=True)
class NewTicket:
    source: str
    grid: str
    matter: str | None
    urgency: str
    title: str
    description: str | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    resolved_on_spot: bool = False
    received_at: datetime | None = None

    @property
    def out_of_list(self) -> bool:
        return self.matter is None


def _choice(data: dict[str, Any], key: str, enum: type[StrEnum], default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None or value == "":
        raise Invalid("error.required", field=key)
    if value not in {e.value for e in enum}:
        raise Invalid("error.unknown_value", field=key, value=value, choices=" | ".join(e.value for e in enum))
    return str(value)


def _text(data: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("error.required", field=key)
        return None
    if not isinstance(value, str):
        raise Invalid("error.unknown_value", field=key, value=value, choices="text")
    value = value.strip()
    if key in MAX and len(value) > MAX[key]:
        raise Invalid("error.too_long", field=key, max=MAX[key])
    return value


def parse(data: Any) -> NewTicket:
    """Check the shape of one ticket; raises `Invalid` naming the field and the reason."""
    if not isinstance(data, dict):
        raise Invalid("error.not_object")
    source = _choice(data, "source", Source)
    grid = _text(data, "grid", required=True)
    out_of_list = bool(data.get("out_of_list", False))
    matter = _text(data, "matter", required=not out_of_list)
    urgency = _choice(data, "urgency", Urgency, default=Urgency.NORMAL)
    title = _text(data, "title", required=True)
    reporter = data.get("reporter") or {}
    if not isinstance(reporter, dict):
        raise Invalid("error.not_object", field="reporter")
    name = _text({"reporter.name": reporter.get("name")}, "reporter.name")
    phone = reporter.get("phone")
    if phone is not None and phone != "":
        phone = str(phone).strip()
        if not PHONE.match(phone):
            raise Invalid("error.bad_phone", field="reporter.phone", value=phone)
    else:
        phone = None
    received = data.get("received_at")
    received_at = None
    if received:
        try:
            received_at = datetime.fromisoformat(str(received))
        except ValueError:
            raise Invalid("error.bad_time", field="received_at", value=received) from None
        if received_at.tzinfo is None:
            raise Invalid("error.bad_time", field="received_at", value=received)
    on_spot = data.get("resolved_on_spot", False)
    if not isinstance(on_spot, bool):
        raise Invalid("error.unknown_value", field="resolved_on_spot", value=on_spot, choices="true | false")
    return NewTicket(source=source, grid=grid or "", matter=None if out_of_list and not matter else matter,
                     urgency=urgency, title=title or "", description=_text(data, "description"),
                     address=_text(data, "address"), reporter_name=name, reporter_phone=phone,
                     resolved_on_spot=on_spot, received_at=received_at)


async def _resolve(s: AsyncSession, actor: Actor, new: NewTicket, at: datetime) -> tuple[Grid, Matter | None]:
    grid = (await s.execute(select(Grid).where(Grid.code == new.grid))).scalar_one_or_none()
    # a grid outside the jurisdiction answers as one that does not exist (store.visibility)
    if grid is None or grid.status != GridStatus.ACTIVE or not (
            actor.covers(grid.town_code) or actor.covers(grid.area_code)):
        raise Invalid("error.unknown_grid", field="grid", code=new.grid)
    matter = None
    if new.matter is not None:
        matter = (await s.execute(select(Matter).where(Matter.code == new.matter))).scalar_one_or_none()
        if matter is None:
            raise Invalid("error.unknown_matter", field="matter", code=new.matter)
        if not in_force(matter.admitted_on, matter.withdrawn_on, at.date()):
            raise Invalid("error.matter_withdrawn", field="matter", code=new.matter,
                          on=str(matter.withdrawn_on or matter.admitted_on))
    return grid, matter


def check_can_create(actor: Actor) -> None:
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in CREATORS:
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))


async def create(store: Store, actor: Actor, new: NewTicket) -> str:
    return (await create_many(store, actor, [new]))[0]


async def create_many(store: Store, actor: Actor, items: list[NewTicket]) -> list[str]:
    """Register tickets in one transaction: every one is checked before any is written."""
    check_can_create(actor)
    now = store.now()
    numbers: list[str] = []
    async with store.db.session(write=True) as s:
        resolved = []
        for i, new in enumerate(items):
            try:
                resolved.append(await _resolve(s, actor, new, store.calendar.local(new.received_at or now)))
            except Invalid as e:
                if len(items) > 1:
                    e.params["line"] = i + 1
                raise
        for new, (grid, matter) in zip(items, resolved, strict=True):
            numbers.append(await _register(s, store, actor, new, grid, matter, now))
    return numbers


async def _register(s: AsyncSession, store: Store, actor: Actor, new: NewTicket, grid: Grid,
                    matter: Matter | None, now: datetime) -> str:
    received = new.received_at.astimezone(UTC) if new.received_at else now
    day = store.calendar.local(received).strftime("%Y%m%d")
    seq = await records.next_number(s, f"{grid.town_code}-{day}")
    number = ticket_number(grid.town_code, day, seq)
    status = Status.CLOSED if new.resolved_on_spot else Status.PENDING_DISPATCH
    emergency = new.urgency == Urgency.EMERGENCY or (matter is not None and matter.escalate)
    ticket = Ticket(
        number=number, source=new.source, reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone, grid_id=grid.id, town_code=grid.town_code,
        address=new.address, matter_id=matter.id if matter else None, out_of_list=new.out_of_list,
        urgency=new.urgency, title=new.title, description=new.description, status=status,
        received_at=received, resolved_on_spot=new.resolved_on_spot,
        closed_at=now if new.resolved_on_spot else None,
        escalation=Escalation.FLAGGED if emergency and not new.resolved_on_spot else None,
        held_by=grid.town_code, created_by=actor.label, updated_at=now, updated_by=actor.label,
        version=1,
    )
    s.add(ticket)
    await s.flush()
    await records.timeline(s, ticket.id, actor, "receive", received, None, Status.PENDING_DISPATCH,
                           data={"source": new.source, "out_of_list": new.out_of_list})
    if new.resolved_on_spot:
        # first-ask responsibility (HH 21): solved on the spot, recorded and closed
        await records.timeline(s, ticket.id, actor, "resolve_on_spot", now, Status.PENDING_DISPATCH, Status.CLOSED)
    else:
        value, unit = clocks.handling_limit(matter, new.urgency)
        await clocks.start(s, store, ticket, ClockName.HANDLE, received, value, unit)
        if emergency:
            await clocks.start(s, store, ticket, ClockName.ESCALATE, received,
                               store.settings.escalate_limit_minutes, LimitUnit.NATURAL_MINUTES)
        await clocks.refresh_nearest(s, ticket)
    await records.feed(s, "ticket", ticket.id, "created", now, grid.town_code)
    await records.audit(s, actor, "ticket.create", "ticket", number, now)
    return number
