"""People on the roster: their details, annual reviews and leaving."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import LeaveReason, PersonRole, PersonStatus
from griddesk.store.errors import Conflict, Invalid, NotFound
from griddesk.store.models import Area, Grid, GridAssignment, Person, Unit
from griddesk.store.privacy import staff_phone
from griddesk.store.roster.common import (
    MAX_PERSON_NAME,
    check_covers,
    check_writer,
    checked_choice,
    checked_text,
    load_area,
    load_person,
    today,
)
from griddesk.store.roster.names import name_keys
from griddesk.store.roster.rules import (
    card_grids,
    check_phone,
    check_professional_unit,
    current_clause,
    end_assignments_of_leaver,
    touch_notice,
)


@dataclass(frozen=True)
class PersonSpec:
    name: str
    role: str
    phone: str | None = None
    unit_code: str | None = None  # the unit that sent a professional worker (HH 11)
    area_code: str | None = None  # defaults to the actor's jurisdiction
    trained_on: date | None = None  # pre-duty training (YC 43, HH 27)
    certificate_on: date | None = None


PERSON_FIELDS = ("name", "role", "phone", "unit_code", "area_code", "trained_on", "certificate_on")
DERIVED = ("name_pinyin", "name_initials")


@dataclass
class PersonRow:
    id: int
    name: str
    name_pinyin: str | None
    role: str
    phone: str | None
    unit_code: str | None
    unit: str | None
    area_code: str | None
    area_name: str | None
    trained_on: date | None
    certificate_on: date | None
    status: str
    left_on: date | None
    left_reason: str | None
    left_note: str | None
    failed_reviews: int
    grids: list[tuple[str, str, str]] = field(default_factory=list)  # (grid code, grid name, role)


async def _unit_id(s: AsyncSession, code: str | None, fld: str = "person.unit_code") -> int | None:
    if not code:
        return None
    uid = (await s.execute(select(Unit.id).where(Unit.code == code))).scalar_one_or_none()
    if uid is None:
        raise Invalid("roster.error.unknown_unit", field=fld, code=code)
    return uid


async def _checked_person(s: AsyncSession, actor: Actor, spec: PersonSpec) -> dict[str, Any]:
    name = checked_text(spec.name, "person.name", max_len=MAX_PERSON_NAME) or ""
    role = checked_choice(spec.role, "person.role", PersonRole)
    phone = check_phone(spec.phone)
    unit_id = await _unit_id(s, spec.unit_code)
    check_professional_unit(role, unit_id, "person.unit_code")
    area_code = spec.area_code or actor.jurisdiction or None
    if area_code:
        await load_area(s, area_code, "person.area_code")
        check_covers(actor, area_code)
    for k in ("trained_on", "certificate_on"):
        v = getattr(spec, k)
        if v is not None and not isinstance(v, date):
            raise Invalid("roster.error.bad_date", field=f"person.{k}", value=v)
    full, initials = name_keys(name, person=True)
    return dict(name=name, name_pinyin=full, name_initials=initials, role=role, phone=phone,
                unit_id=unit_id, area_code=area_code, trained_on=spec.trained_on,
                certificate_on=spec.certificate_on)


async def create_person(store: Store, actor: Actor, spec: PersonSpec) -> int:
    check_writer(actor)
    now = store.now()
    async with store.db.session(write=True) as s:
        values = await _checked_person(s, actor, spec)
        p = Person(status=PersonStatus.ACTIVE, failed_reviews=0, **values)
        s.add(p)
        await s.flush()
        await records.feed(s, "person", p.id, "created", now, p.area_code)
        await records.audit_change(s, actor, "person", str(p.id), None,
                                   {k: v for k, v in values.items() if k not in DERIVED}, at=now,
                                   action="person.create", extra={"role": p.role})
        return p.id


async def update_person(store: Store, actor: Actor, person_id: int, **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a person's details (PERSON_FIELDS); returns {field: (before, after)}."""
    check_writer(actor)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise Invalid("roster.error.unknown_field", field=sorted(unknown)[0], fields=", ".join(PERSON_FIELDS))
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        p = await load_person(s, person_id)
        check_covers(actor, p.area_code)
        unit_code = None
        if p.unit_id:
            unit_code = (await s.execute(select(Unit.code).where(Unit.id == p.unit_id))).scalar_one_or_none()
        current = PersonSpec(p.name, p.role, p.phone, unit_code, p.area_code, p.trained_on, p.certificate_on)
        values = await _checked_person(s, actor, replace(current, **changes))
        diff = {}
        for k, v in values.items():
            if getattr(p, k) != v:
                if k not in DERIVED:
                    diff[k] = (getattr(p, k), v)
                setattr(p, k, v)  # derived search keys are filled in quietly
        if not diff:
            return {}
        if {"name", "phone"} & diff.keys():
            await touch_notice(s, await card_grids(s, p.id, on), now)
        await records.feed(s, "person", p.id, "changed", now, p.area_code)
        await records.audit_change(s, actor, "person", str(p.id), {k: v[0] for k, v in diff.items()},
                                   {k: v[1] for k, v in diff.items()}, at=now, action="person.update",
                                   extra={"fields": sorted(diff)})
        return diff


async def record_review(store: Store, actor: Actor, person_id: int, passed: bool) -> int:
    """An annual review's result; returns the failures in a row (YC 17: two mean exit)."""
    check_writer(actor)
    now = store.now()
    async with store.db.session(write=True) as s:
        p = await load_person(s, person_id)
        check_covers(actor, p.area_code)
        p.failed_reviews = 0 if passed else p.failed_reviews + 1
        await records.feed(s, "person", p.id, "reviewed", now, p.area_code)
        await records.audit(s, actor, "person.review", "person", str(p.id), now, {"passed": passed})
        return p.failed_reviews


async def person_leaves(store: Store, actor: Actor, person_id: int, reason: str, on: date | None = None,
                        note: str | None = None) -> None:
    """A person leaves the roster: their assignments end and the cards that showed them go stale."""
    check_writer(actor)
    reason = checked_choice(reason, "person.left_reason", LeaveReason)
    note = checked_text(note, "person.left_note", required=False, max_len=500)
    now = store.now()
    on = on or today(store)
    async with store.db.session(write=True) as s:
        p = await load_person(s, person_id)
        check_covers(actor, p.area_code)
        if p.status == PersonStatus.LEFT:
            raise Conflict("roster.error.person_left", field="person.status", name=p.name)
        await end_assignments_of_leaver(s, p.id, on, now)
        p.status = PersonStatus.LEFT
        p.left_on = on
        p.left_reason = reason
        p.left_note = note
        await records.feed(s, "person", p.id, "left", now, p.area_code)
        await records.audit(s, actor, "person.leave", "person", str(p.id), now, {"reason": reason})


async def people(store: Store, actor: Actor, area_code: str | None = None, role: str | None = None,
                 include_left: bool = False, ids: list[int] | None = None) -> list[PersonRow]:
    """People in the jurisdiction (by their area, or by holding a role on one of its grids)."""
    on = today(store)
    async with store.db.session() as s:
        q = (select(Person, Unit.code, Unit.name, Area.name)
             .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Area, Area.code == Person.area_code))
        if actor.jurisdiction:
            on_grid = select(GridAssignment.person_id).join(Grid, Grid.id == GridAssignment.grid_id).where(
                Grid.area_code.startswith(actor.jurisdiction))
            q = q.where(or_(Person.area_code.startswith(actor.jurisdiction), Person.id.in_(on_grid)))
        if area_code:
            q = q.where(Person.area_code.startswith(area_code))
        if role:
            q = q.where(Person.role == role)
        if ids is not None:
            q = q.where(Person.id.in_(ids))
        if not include_left:
            q = q.where(Person.status == PersonStatus.ACTIVE)
        rows = (await s.execute(q.order_by(Person.name_pinyin, Person.id))).all()
        out = [_person_row(p, ucode, uname, aname, actor) for p, ucode, uname, aname in rows]
        by_id = {r.id: r for r in out}
        if by_id:
            aq = (select(GridAssignment.person_id, Grid.code, Grid.name, GridAssignment.role)
                  .join(Grid, Grid.id == GridAssignment.grid_id)
                  .where(GridAssignment.person_id.in_(list(by_id)), current_clause(on)).order_by(Grid.code))
            for pid, gcode, gname, grole in (await s.execute(aq)).all():
                by_id[pid].grids.append((gcode, gname, grole))
    return out


def _person_row(p: Person, ucode: str | None, uname: str | None, aname: str | None, actor: Actor) -> PersonRow:
    return PersonRow(p.id, p.name, p.name_pinyin, p.role, staff_phone(p.phone, actor), ucode, uname,
                     p.area_code, aname, p.trained_on, p.certificate_on, p.status, p.left_on,
                     p.left_reason, p.left_note, p.failed_reviews)


async def person(store: Store, actor: Actor, person_id: int) -> PersonRow:
    found = await people(store, actor, include_left=True, ids=[person_id])
    if not found:
        raise NotFound("roster.error.unknown_person", field="person.id", id=person_id)
    return found[0]

