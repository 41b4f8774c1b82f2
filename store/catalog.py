"""What scripts look codes up in: the units a ticket can be sent to, and the matter list.

`griddesk units list` and `griddesk matters list` print these; the JSON keys are a public
interface (a hotline system maps its categories to matter codes with them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from griddesk.store import matters as matter_list
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import UnitKind
from griddesk.store.models import Unit, UnitArea

# keyed by code: Unit.kind is the plain string read from the database
KIND_ORDER: dict[str, int] = {UnitKind.CENTRE: 0, UnitKind.DEPARTMENT: 1, UnitKind.SERVICE_UNIT: 2}


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    area_code: str | None
    phone: str | None
    active: bool
    covers: tuple[str, ...]  # division codes of the areas it serves

    def json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "area_code": self.area_code,
                "phone": self.phone, "active": self.active, "covers": list(self.covers)}


def _serves(code: str | None, jurisdiction: str) -> bool:
    # a unit of the town itself, of a village in it, or of the county or city above it
    return code is not None and (code.startswith(jurisdiction) or jurisdiction.startswith(code))


async def units(store: Store, actor: Actor, include_inactive: bool = False) -> list[UnitRow]:
    """The units serving the actor's jurisdiction: centres first, then departments and service
    units, each by code."""
    async with store.db.session() as s:
        rows = list((await s.execute(select(Unit))).scalars())
        covered: dict[int, list[str]] = {}
        for unit_id, area in (await s.execute(select(UnitArea.unit_id, UnitArea.area_code)
                                              .order_by(UnitArea.area_code))).all():
            covered.setdefault(unit_id, []).append(area)
    out = []
    for u in rows:
        if not (u.active or include_inactive):
            continue
        areas = covered.get(u.id, [])
        if actor.jurisdiction and not any(_serves(c, actor.jurisdiction) for c in [u.area_code, *areas]):
            continue
        out.append(UnitRow(u.code, u.name, u.kind, u.area_code, u.phone, bool(u.active), tuple(areas)))
    out.sort(key=lambda r: (KIND_ORDER.get(r.kind, 9), r.code))
    return out


async def matters(store: Store, actor: Actor, include_withdrawn: bool = False) -> list[matter_list.MatterRow]:
    """The matter list in code order: what is in force today, or every entry ever admitted.

    The rows' `json()` carries code, name, name_en, class, default_unit, limit {value, unit},
    variants {"urgent": {value, unit}, "emergency": {…}}, escalate, admitted_on, withdrawn_on.
    """
    return await matter_list.catalogue(store, actor, include_withdrawn=include_withdrawn)
