"""Unit warnings (警示, JM 17): the units with overdue work, and a warning issued to one.

JM 17 gives the warning to the town's 网格化机构 — "对未及时办理单位给予警示" — so it is the
centre's act, issued by those who speak for it: supervisors (值班长, centre leaders) and admins.
Seat operators chase tickets (督办) but do not warn departments; they see the list.

The list is read from the overdue view's rows (one place for "overdue"), by lead unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from griddesk.store import overdue, permissions, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.errors import Invalid, NotAllowed, NotFound
from griddesk.store.i18n import code_name
from griddesk.store.models import Unit, UnitWarning
from griddesk.store.overdue import OverdueRow
from griddesk.store.timefmt import iso

WHO = permissions.SUPERVISORS
WORST = 3  # worst cases shown per unit
MAX_REASON = 2000


@dataclass
class UnitOverdue:
    unit_code: str
    unit: str
    overdue: int
    due_soon: int
    worst: list[OverdueRow] = field(default_factory=list)  # by multiple, worst first
    last_warned_at: datetime | None = None
    warnings: int = 0  # warnings issued to this unit so far

    @property
    def worst_multiple(self) -> float:
        return self.worst[0].multiple if self.worst else 0.0

    def json(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "unit_name": self.unit, "overdue": self.overdue,
                "due_soon": self.due_soon, "worst_multiple": round(self.worst_multiple, 2),
                "worst": [r.json() for r in self.worst], "warnings": self.warnings,
                "last_warned_at": iso(self.last_warned_at)}


async def units_with_overdue(store: Store, actor: Actor, worst: int = WORST) -> list[UnitOverdue]:
    """Lead units with overdue clocks in the actor's reach: most overdue first."""
    found = await overdue.rows(store, actor)
    by_unit: dict[str, UnitOverdue] = {}
    for r in found:
        if r.unit_code is None:
            continue  # not dispatched: the centre's own lateness, not a unit's
        u = by_unit.setdefault(r.unit_code, UnitOverdue(r.unit_code, r.unit or r.unit_code, 0, 0))
        if r.overdue:
            u.overdue += 1
            if len(u.worst) < worst:
                u.worst.append(r)
        else:
            u.due_soon += 1
    late = [u for u in by_unit.values() if u.overdue]
    if late:
        async with store.db.session() as s:
            q = (select(Unit.code, func.count(UnitWarning.id), func.max(UnitWarning.at))
                 .join(UnitWarning, UnitWarning.unit_id == Unit.id)
                 .where(Unit.code.in_([u.unit_code for u in late])).group_by(Unit.code))
            for code, n, at in (await s.execute(q)).all():
                by_unit[code].warnings = int(n)
                by_unit[code].last_warned_at = at
    return sorted(late, key=lambda u: (-u.overdue, -u.worst_multiple, u.unit_code))


@dataclass(frozen=True)
class IssuedWarning:
    unit_code: str
    unit: str
    reason: str
    overdue_count: int
    actor: str
    at: datetime

    def json(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "unit_name": self.unit, "reason": self.reason,
                "overdue": self.overdue_count, "actor": self.actor, "at": iso(self.at)}


def _reaches(actor: Actor, unit: Unit) -> bool:
    # a town centre warns the units that work in it: its own, and county or city units serving it
    area = unit.area_code
    return area is None or actor.covers(area) or actor.jurisdiction.startswith(area)


async def warn_unit(store: Store, actor: Actor, unit_code: str, reason: str) -> IssuedWarning:
    """Issue a warning (警示) to a unit; recorded with the unit's overdue count at this moment."""
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in WHO:
        raise NotAllowed("warnings.error.role", role=code_name("role", actor.role))
    text = (reason or "").strip()
    if not text:
        raise Invalid("warnings.error.reason_required", field="reason")
    if len(text) > MAX_REASON:
        raise Invalid("error.too_long", field="reason", max=MAX_REASON)
    code = (unit_code or "").strip()
    async with store.db.session() as s:
        unit = (await s.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if unit is None:
        raise NotFound("warnings.error.unknown_unit", field="unit", code=code)
    if not _reaches(actor, unit):
        raise NotAllowed("warnings.error.out_of_jurisdiction", code=code, jurisdiction=actor.jurisdiction)
    late = sum(1 for r in await overdue.rows(store, actor, only_overdue=True) if r.unit_code == code)
    now = store.now()
    async with store.db.session(write=True) as s:
        await s.execute(insert(UnitWarning).values(unit_id=unit.id, reason=text, overdue_count=late,
                                                   actor=actor.label, at=now))
        await records.feed(s, "unit", unit.id, "warned", now, actor.jurisdiction)
        await records.audit(s, actor, "unit.warn", "unit", unit.code, now,
                            {"reason": text, "overdue": late})
    return IssuedWarning(unit.code, unit.name, text, late, actor.label, now)


async def warnings_of(store: Store, actor: Actor, unit_code: str | None = None,
                      limit: int = 100) -> list[IssuedWarning]:
    """Warnings issued, newest first (of one unit, or all the actor can reach)."""
    q = select(UnitWarning, Unit).join(Unit, Unit.id == UnitWarning.unit_id)
    if unit_code:
        q = q.where(Unit.code == unit_code)
    q = q.order_by(UnitWarning.at.desc(), UnitWarning.id.desc()).limit(limit)
    async with store.db.session() as s:
        found = (await s.execute(q)).all()
    return [IssuedWarning(u.code, u.name, w.reason, w.overdue_count, w.actor, w.at)
            for w, u in found if _reaches(actor, u)]


__all__ = ["IssuedWarning", "UnitOverdue", "units_with_overdue", "warn_unit", "warnings_of"]
