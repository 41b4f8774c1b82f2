"""Ticket intake: validating a new ticket and registering it, one or many at once.

The JSON field names are a public interface (hotline systems script against them):
    {"source": "hotline", "grid": "<grid code>", "matter": "<matter code>",
     "urgency": "normal|urgent|emergency", "title": "…", "description": "…", "address": "…",
     "reporter": {"name": "…", "phone": "…"}}
Optional: "resolved_on_spot" (bool), "out_of_list" (bool, instead of "matter"),
"received_at" (ISO 8601 with a zone; default now), "external_id" (the hotline's own number) and
"external_source" (whose number; default the configured hotline). Any other key is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from griddesk.store import clocks, loop, permissions, records
from griddesk.store import validation as v
from griddesk.store.actor import Actor
from griddesk.store.analytics import rollups
from griddesk.store.checks import PHONE, in_force
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, Escalation, GridStatus, LimitUnit, Source, Status, Urgency
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.models import Grid, Matter, Ticket
from griddesk.store.numbers import ticket_number

MAX = {"title": 120, "description": 4000, "address": 120, "reporter.name": 30, "external_id": 64,
       "external_source": 32}
CREATORS = permissions.TICKET_CREATORS
# the JSON interface's keys; anything else is refused by name (a typo would silently change
# deadlines: "urgncy" would make an emergency normal), or only warned about when lenient
KEYS = ("source", "grid", "matter", "out_of_list", "urgency", "title", "description", "address", "reporter",
        "resolved_on_spot", "received_at", "external_id", "external_source")
REPORTER_KEYS = ("name", "phone")


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
    external_id: str | None = None  # the hotline system's own number (reporting back, reconciling)
    external_source: str | None = None  # whose number it is; default the configured hotline
    ignored: tuple[str, ...] = ()  # unknown keys left out under `lenient`

    @property
    def out_of_list(self) -> bool:
        return self.matter is None


def parse(data: Any, lenient: bool = False, now: datetime | None = None) -> NewTicket:
    """Check the shape of one ticket (store/validation.py); raises `Invalid` naming the field
    and the reason. Unknown keys are refused by name, or listed in `ignored` when `lenient`."""
    data = v.mapping(data)
    if v.depth(data) > v.MAX_DEPTH:
        raise Invalid("validation.too_deep", max=v.MAX_DEPTH)
    reporter = data.get("reporter")
    if reporter is None:
        reporter = {}
    elif not isinstance(reporter, dict):
        raise Invalid("error.not_object", field="reporter")
    unknown = v.unknown_keys(data, KEYS) + v.unknown_keys(reporter, REPORTER_KEYS, "reporter.")
    if not lenient:
        v.refuse_unknown(unknown)
    source = v.choice(data.get("source"), "source", Source)
    grid = v.code(data.get("grid"), "grid", max_len=32)
    out_of_list = v.boolean(data.get("out_of_list"), "out_of_list", default=False)
    matter = v.code(data.get("matter"), "matter", required=not out_of_list, max_len=16)
    urgency = v.choice(data.get("urgency"), "urgency", Urgency, default=Urgency.NORMAL)
    title = v.text(data.get("title"), "title", required=True, max_len=MAX["title"])
    name = v.text(reporter.get("name"), "reporter.name", max_len=MAX["reporter.name"])
    phone = v.text(reporter.get("phone"), "reporter.phone", max_len=32)
    if phone is not None and not PHONE.match(phone):
        raise Invalid("error.bad_phone", field="reporter.phone", value=v.shown(phone))
    received_at = v.moment(data.get("received_at"), "received_at", now=now)
    on_spot = v.boolean(data.get("resolved_on_spot"), "resolved_on_spot", default=False)
    external_id = v.text(data.get("external_id"), "external_id", max_len=MAX["external_id"])
    external_source = v.text(data.get("external_source"), "external_source", max_len=MAX["external_source"])
    if external_source is not None and external_id is None:
        raise Invalid("error.required", field="external_id")
    return NewTicket(source=source, grid=grid or "", matter=None if out_of_list and not matter else matter,
                     urgency=urgency, title=title or "",
                     description=v.text(data.get("description"), "description", max_len=MAX["description"],
                                        multiline=True),
                     address=v.text(data.get("address"), "address", max_len=MAX["address"]),
                     reporter_name=name, reporter_phone=phone, resolved_on_spot=on_spot, received_at=received_at,
                     external_id=external_id, external_source=external_source, ignored=tuple(unknown))


def _resolve(s: Session, actor: Actor, new: NewTicket, at: datetime) -> tuple[Grid, Matter | None]:
    grid = s.execute(select(Grid).where(Grid.code == new.grid)).scalar_one_or_none()
    # a grid outside the jurisdiction answers as one that does not exist (store.visibility)
    if grid is None or grid.status != GridStatus.ACTIVE or not (
            actor.covers(grid.town_code) or actor.covers(grid.area_code)):
        raise Invalid("error.unknown_grid", field="grid", code=new.grid)
    matter = None
    if new.matter is not None:
        matter = s.execute(select(Matter).where(Matter.code == new.matter)).scalar_one_or_none()
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
    """Register tickets in one transaction: every one is checked before any is written.

    The transaction is synchronous ORM work on the write connection (`Database.write_sync`: on
    SQLite one worker-thread hop for all of it)."""
    check_can_create(actor)
    now = store.now()
    return await store.db.write_sync(lambda c: _create(c, store, actor, items, now))


def _create(c: Connection, store: Store, actor: Actor, items: list[NewTicket], now: datetime) -> list[str]:
    with Session(bind=c) as s:  # joins the write transaction; the caller commits it
        resolved = []
        seen: set[tuple[str, str]] = set()
        for i, new in enumerate(items):
            try:
                if new.received_at is not None and new.received_at > now + v.FUTURE_SLACK:
                    raise Invalid("validation.time_in_future", field="received_at",
                                  value=new.received_at.isoformat())
                resolved.append(_resolve(s, actor, new, store.calendar.local(new.received_at or now)))
                if new.external_id is not None:
                    key = (external_source(store, new) or "", new.external_id)
                    if key in seen:
                        raise Invalid("validation.duplicate_external_batch", field="external_id",
                                      source=key[0], id=key[1])
                    seen.add(key)
                    _check_external(s, *key)
            except Invalid as e:
                if len(items) > 1:
                    e.params["line"] = i + 1
                raise
        numbers = [_register(s, store, actor, new, grid, matter, now)
                   for new, (grid, matter) in zip(items, resolved, strict=True)]
        s.flush()
    return numbers


def external_source(store: Store, new: NewTicket) -> str | None:
    """Whose number `external_id` is: as given, else the configured hotline (12345)."""
    if new.external_id is None:
        return None
    return new.external_source or store.settings.hotline


def _check_external(s: Session, source: str, external_id: str) -> None:
    """One ticket per hotline number (a unique index backs this up under concurrency)."""
    number = s.execute(select(Ticket.number).where(Ticket.external_source == source,
                                                   Ticket.external_id == external_id)).scalar()
    if number is not None:
        raise Invalid("validation.duplicate_external", field="external_id", source=source, id=external_id,
                      number=number)


def _register(s: Session, store: Store, actor: Actor, new: NewTicket, grid: Grid, matter: Matter | None,
              now: datetime) -> str:
    received = new.received_at.astimezone(UTC) if new.received_at else now
    day = store.calendar.local(received).strftime("%Y%m%d")
    seq = records.next_number_sync(s, f"{grid.town_code}-{day}")
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
        version=1, external_id=new.external_id, external_source=external_source(store, new),
    )
    s.add(ticket)
    s.flush()
    before = rollups.before_sync(s, ticket.id, new=True)  # a new ticket: no rollup rows yet
    if not new.resolved_on_spot:  # a new ticket's clocks (none runs yet: nothing to stop)
        value, unit = clocks.handling_limit(matter, new.urgency)
        started = [clocks.make_clock(store, ticket.id, ClockName.HANDLE, received, value, unit)]
        if emergency:
            started.append(clocks.make_clock(store, ticket.id, ClockName.ESCALATE, received,
                                             store.settings.escalate_limit_minutes, LimitUnit.NATURAL_MINUTES))
        s.add_all(started)
        clocks.set_nearest(ticket, loop.nearest(started))
        s.flush()
    records.feed_sync(s, "ticket", ticket.id, "created", now, grid.town_code)
    records.append_many_sync(s, [(actor.label, "ticket.create", "ticket", number, now, None)])
    # the timeline last: each entry moves the ticket's rollups to what the ticket is now
    records.timeline_sync(s, before, ticket.id, actor, "receive", received, None, Status.PENDING_DISPATCH,
                          data={"source": new.source, "out_of_list": new.out_of_list})
    if new.resolved_on_spot:
        # first-ask responsibility (HH 21): solved on the spot, recorded and closed
        records.timeline_sync(s, before, ticket.id, actor, "resolve_on_spot", now, Status.PENDING_DISPATCH,
                              Status.CLOSED)
    return number
