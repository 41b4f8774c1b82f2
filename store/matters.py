"""The matter list (事项清单) as a living catalogue: admitted, amended, withdrawn, with history.

HH 15 and YC 11 make the list a published, dynamically adjusted catalogue; BH 13 says entries
come in and go out at a linkage department's request, reviewed by the centre — so changes are
the supervisor's (or an admin's), and every one names the date and the department that asked.
The history lives in `matter_events`; an entry is never deleted.

An entry is in force on a day when it was admitted on or before that day and not withdrawn on
or before it (`withdrawn_on` is the first day it no longer applies). Only entries in force can
classify a new ticket; store/tickets.py applies the same rule at intake (`in_force`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.checks import in_force
from griddesk.store.context import Store
from griddesk.store.enums import LimitUnit, Urgency
from griddesk.store.errors import Conflict, Invalid, NotFound
from griddesk.store.models import Matter, MatterEvent, MatterLimit, Unit
from griddesk.store.roster import FILERS, check_writer, name_keys, today
from griddesk.store.roster.common import checked_text

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
CLASS = re.compile(r"^[A-Z0-9]{1,8}$")
# minutes are for internal clocks (escalation), not a matter's handling limit
LIMIT_UNITS = (LimitUnit.WORK_HOURS, LimitUnit.WORK_DAYS, LimitUnit.NATURAL_HOURS)
VARIANTS = (Urgency.URGENT, Urgency.EMERGENCY)
ADMIT, AMEND, WITHDRAW = "admit", "amend", "withdraw"
KEEP: Any = object()  # "leave this limit as it is" in amend_limits


def shown_name(name: str, name_en: str | None, lang: str | None = None) -> str:
    """A matter's name in the language shown: the English name in English where the catalogue
    has one, else the Chinese name (the one rule for every screen, report and notice)."""
    from griddesk.store.i18n import current

    return name_en if name_en and (lang or current()) == "en" else name


@dataclass(frozen=True)
class Limit:
    value: int
    unit: str

    def checked(self, fld: str) -> Limit:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value <= 0:
            raise Invalid("error.positive", field=fld)
        if self.unit not in LIMIT_UNITS:
            raise Invalid("error.unknown_value", field=fld, value=self.unit, choices=" | ".join(LIMIT_UNITS))
        return self

    def json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit}


@dataclass
class MatterRow:
    id: int
    code: str
    name: str
    name_en: str | None
    class_code: str
    default_unit: str | None  # unit code
    default_unit_name: str | None
    limit: Limit
    variants: dict[str, Limit]  # urgency → limit where it differs
    escalate: bool
    admitted_on: date
    withdrawn_on: date | None
    requested_by: str | None

    def in_force(self, on: date) -> bool:
        return in_force(self.admitted_on, self.withdrawn_on, on)

    def json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "class": self.class_code,
                "default_unit": self.default_unit, "limit": self.limit.json(),
                "variants": {k: v.json() for k, v in self.variants.items()}, "escalate": self.escalate,
                "admitted_on": self.admitted_on.isoformat(),
                "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None,
                "requested_by": self.requested_by}


@dataclass
class MatterEventRow:
    action: str
    on: date
    requested_by: str | None
    actor: str
    note: str | None


@dataclass(frozen=True)
class NewMatter:
    code: str
    name: str
    limit: Limit
    admitted_on: date
    class_code: str | None = None  # defaults to the code's first letter
    name_en: str | None = None
    default_unit: str | None = None  # unit code
    urgent: Limit | None = None
    emergency: Limit | None = None
    escalate: bool = False  # report upward at once (YC 35, BH 21)
    requested_by: str | None = None  # the department that asked (BH 13)
    note: str | None = None
    variants: dict[str, Limit] = field(default_factory=dict, compare=False)


def _row(m: Matter, unit: tuple[str, str] | None) -> MatterRow:
    return MatterRow(m.id, m.code, m.name, m.name_en, m.class_code, unit[0] if unit else None,
                     unit[1] if unit else None, Limit(m.limit_value, m.limit_unit),
                     {lim.urgency: Limit(lim.value, lim.unit) for lim in sorted(m.limits, key=lambda x: x.urgency)},
                     bool(m.escalate), m.admitted_on, m.withdrawn_on, m.requested_by)


async def _rows(s: AsyncSession, q: Select[Matter]) -> list[MatterRow]:
    units = {uid: (code, name) for uid, code, name in (await s.execute(select(Unit.id, Unit.code, Unit.name))).all()}
    return [_row(m, None if m.default_unit_id is None else units.get(m.default_unit_id))
            for m in (await s.execute(q)).scalars()]


async def catalogue(store: Store, actor: Actor, on: date | None = None,
                    include_withdrawn: bool = True) -> list[MatterRow]:
    """The whole list in code order; with `include_withdrawn=False`, only what is in force `on`."""
    on = on or today(store)
    async with store.db.session() as s:
        rows = await _rows(s, select(Matter).order_by(Matter.code))
    return rows if include_withdrawn else [r for r in rows if r.in_force(on)]


async def admitted_on_date(store: Store, actor: Actor, on: date) -> list[MatterRow]:
    """The entries in force on a day: those a ticket received that day can be classified by."""
    async with store.db.session() as s:
        q = select(Matter).where(Matter.admitted_on <= on).where(
            (Matter.withdrawn_on.is_(None)) | (Matter.withdrawn_on > on)).order_by(Matter.code)
        return await _rows(s, q)


async def matter(store: Store, actor: Actor, code: str) -> MatterRow:
    async with store.db.session() as s:
        rows = await _rows(s, select(Matter).where(Matter.code == code))
    if not rows:
        raise NotFound("roster.error.unknown_matter", field="matter.code", code=code)
    return rows[0]


async def history(store: Store, actor: Actor, code: str) -> list[MatterEventRow]:
    """The entry's admission, amendments and withdrawal, in the order they were decided."""
    async with store.db.session() as s:
        m = (await s.execute(select(Matter).where(Matter.code == code))).scalar_one_or_none()
        if m is None:
            raise NotFound("roster.error.unknown_matter", field="matter.code", code=code)
        q = select(MatterEvent).where(MatterEvent.matter_id == m.id).order_by(MatterEvent.id)
        return [MatterEventRow(e.action, e.on, e.requested_by, e.actor, e.note) for e in (await s.execute(q)).scalars()]


async def _unit_id(s: AsyncSession, code: str | None) -> int | None:
    if not code:
        return None
    uid = (await s.execute(select(Unit.id).where(Unit.code == code))).scalar_one_or_none()
    if uid is None:
        raise Invalid("roster.error.unknown_unit", field="matter.default_unit", code=code)
    return uid


def check_code(code: Any) -> str:
    code = (str(code) if code is not None else "").strip().upper()
    if not code:
        raise Invalid("error.required", field="matter.code")
    if not CODE.match(code):
        raise Invalid("roster.error.matter_code", field="matter.code", code=code)
    return code


async def admit(store: Store, actor: Actor, new: NewMatter) -> str:
    """Admit a new entry (准入). A code once used stays with its entry, even after withdrawal."""
    check_writer(actor, FILERS)
    code = check_code(new.code)
    name = checked_text(new.name, "matter.name", True, 64) or ""
    class_code = (new.class_code or code[0]).strip().upper()
    if not CLASS.match(class_code):
        raise Invalid("roster.error.matter_class", field="matter.class_code", value=class_code)
    limit = new.limit.checked("matter.limit")
    variants = dict(new.variants)
    if new.urgent is not None:
        variants[Urgency.URGENT] = new.urgent
    if new.emergency is not None:
        variants[Urgency.EMERGENCY] = new.emergency
    variants = {u: v.checked(f"matter.{u}") for u, v in variants.items() if u in VARIANTS}
    if not isinstance(new.admitted_on, date):
        raise Invalid("roster.error.bad_date", field="matter.admitted_on", value=new.admitted_on)
    requested_by = checked_text(new.requested_by, "matter.requested_by", False, 64)
    now = store.now()
    async with store.db.session(write=True) as s:
        taken = (await s.execute(select(Matter.id).where(Matter.code == code))).scalar_one_or_none()
        if taken is not None:
            raise Conflict("roster.error.matter_code_taken", field="matter.code", code=code)
        m = Matter(code=code, name=name, name_en=checked_text(new.name_en, "matter.name_en", False, 128),
                   name_initials=name_keys(name)[1][:32], class_code=class_code,
                   default_unit_id=await _unit_id(s, new.default_unit), limit_value=limit.value,
                   limit_unit=limit.unit, escalate=bool(new.escalate), admitted_on=new.admitted_on,
                   withdrawn_on=None, requested_by=requested_by)
        m.limits = [MatterLimit(urgency=u, value=v.value, unit=v.unit) for u, v in variants.items()]
        s.add(m)
        await s.flush()
        s.add(MatterEvent(matter_id=m.id, action=ADMIT, on=new.admitted_on, requested_by=requested_by,
                          actor=actor.label, note=checked_text(new.note, "matter.note", False, 2000)))
        await records.feed(s, "matter", m.id, "admitted", now)
        await records.audit(s, actor, "matter.admit", "matter", code, now,
                            {"on": new.admitted_on.isoformat(), "requested_by": requested_by})
        return code


def _describe(limit: Limit | None) -> str:
    return f"{limit.value} {limit.unit}" if limit else "-"


async def amend_limits(store: Store, actor: Actor, code: str, limit: Limit | None = None,
                       urgent: Limit | None = KEEP, emergency: Limit | None = KEEP,
                       on: date | None = None, requested_by: str | None = None,
                       note: str | None = None) -> dict[str, tuple[str, str]]:
    """Change an entry's time limits; `None` for a variant removes it, KEEP leaves it.

    Open tickets keep the limit they started with; the new one applies to new tickets.
    """
    check_writer(actor, FILERS)
    on = on or today(store)
    requested_by = checked_text(requested_by, "matter.requested_by", False, 64)
    now = store.now()
    async with store.db.session(write=True) as s:
        m = (await s.execute(select(Matter).where(Matter.code == code))).scalar_one_or_none()
        if m is None:
            raise NotFound("roster.error.unknown_matter", field="matter.code", code=code)
        if m.withdrawn_on is not None and m.withdrawn_on <= on:
            raise Conflict("roster.error.matter_withdrawn_already", field="matter.code", code=code,
                           on=m.withdrawn_on.isoformat())
        diff: dict[str, tuple[str, str]] = {}
        if limit is not None:
            limit = limit.checked("matter.limit")
            was = Limit(m.limit_value, m.limit_unit)
            if was != limit:
                diff["normal"] = (_describe(was), _describe(limit))
                m.limit_value, m.limit_unit = limit.value, limit.unit
        have = {lim.urgency: lim for lim in m.limits}
        for urgency, new in ((Urgency.URGENT, urgent), (Urgency.EMERGENCY, emergency)):
            if new is KEEP:
                continue
            old_row = have.get(urgency)
            old = Limit(old_row.value, old_row.unit) if old_row else None
            if new is not None:
                new = new.checked(f"matter.{urgency}")
            if old == new:
                continue
            diff[urgency] = (_describe(old), _describe(new))
            if new is None and old_row is not None:
                m.limits.remove(old_row)
            elif old_row is not None and new is not None:
                old_row.value, old_row.unit = new.value, new.unit
            elif new is not None:
                m.limits.append(MatterLimit(urgency=urgency, value=new.value, unit=new.unit))
        if not diff:
            return {}
        text = "; ".join(f"{k}: {a} → {b}" for k, (a, b) in diff.items())
        extra = checked_text(note, "matter.note", False, 2000)
        s.add(MatterEvent(matter_id=m.id, action=AMEND, on=on, requested_by=requested_by, actor=actor.label,
                          note=f"{text}\n{extra}" if extra else text))
        await records.feed(s, "matter", m.id, "amended", now)
        await records.audit_change(s, actor, "matter", code, {k: v[0] for k, v in diff.items()},
                                   {k: v[1] for k, v in diff.items()}, at=now, action="matter.amend",
                                   extra={k: list(v) for k, v in diff.items()})
        return diff


async def withdraw(store: Store, actor: Actor, code: str, on: date, requested_by: str,
                   note: str | None = None) -> None:
    """Withdraw an entry (退出) from `on`, at the request of a department (BH 13).

    Tickets already classified by it keep it; from `on` no new ticket can use it.
    """
    check_writer(actor, FILERS)
    requested_by = checked_text(requested_by, "matter.requested_by", True, 64) or ""
    if not isinstance(on, date):
        raise Invalid("roster.error.bad_date", field="matter.withdrawn_on", value=on)
    now = store.now()
    async with store.db.session(write=True) as s:
        m = (await s.execute(select(Matter).where(Matter.code == code))).scalar_one_or_none()
        if m is None:
            raise NotFound("roster.error.unknown_matter", field="matter.code", code=code)
        if m.withdrawn_on is not None:
            raise Conflict("roster.error.matter_withdrawn_already", field="matter.code", code=code,
                           on=m.withdrawn_on.isoformat())
        if on < m.admitted_on:
            raise Invalid("roster.error.withdraw_before_admit", field="matter.withdrawn_on", code=code,
                          on=m.admitted_on.isoformat())
        m.withdrawn_on = on
        m.requested_by = requested_by
        s.add(MatterEvent(matter_id=m.id, action=WITHDRAW, on=on, requested_by=requested_by,
                          actor=actor.label, note=checked_text(note, "matter.note", False, 2000)))
        await records.feed(s, "matter", m.id, "withdrawn", now)
        await records.audit(s, actor, "matter.withdraw", "matter", code, now,
                            {"on": on.isoformat(), "requested_by": requested_by})
