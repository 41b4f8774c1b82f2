"""Units (linkage departments, service units, centres) and the areas each covers, by code."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import UnitKind
from griddesk.store.i18n import t
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, changed_fields, dupes
from griddesk.store.models import Area, Unit, UnitArea


@dataclass
class UnitIn:
    code: str
    values: dict[str, Any]
    areas: list[str] | None


class Units(Kind):
    name, entity = "units", "unit"
    tables = ("units", "unit_areas")
    columns = (
        Col("code", "单位编码", True, ("编码",)), Col("name", "单位名称", True, ("名称",)),
        Col("kind", "单位类别", True, ("类别",)), Col("area_code", "所属区划编码", aliases=("区划编码",)),
        Col("phone", "电话", aliases=("联系电话",)), Col("active", "在用"),
        Col("areas", "负责区域", aliases=("服务区域",)),
    )
    CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.existing = {u.code: u for u in (await s.execute(select(Unit))).scalars()}
        self.areas = set((await s.execute(select(Area.code))).scalars())
        self.covered: dict[int, list[str]] = defaultdict(list)
        pairs = select(UnitArea.unit_id, UnitArea.area_code).order_by(UnitArea.area_code)
        for uid, code in (await s.execute(pairs)).all():
            self.covered[uid].append(code)

    def check(self, job: Job, row: Row) -> UnitIn | None:
        code = row.code("code", required=True)
        if code and not self.CODE.match(code):
            row.bad("code", t("roster.io.bad_unit_code", code=code))
        values: dict[str, Any] = {"name": row.text("name", required=True)}
        values["kind"] = row.choice("kind", "unit_kind", tuple(UnitKind), required=True)
        if row.has("area_code"):
            area = row.code("area_code")
            if area and area not in self.areas:
                row.bad("area_code", t("roster.io.unknown_area", code=area))
            values["area_code"] = area
        if row.has("phone"):
            values["phone"] = row.phone("phone")
        if row.has("active"):
            values["active"] = row.boolean("active", True)
        areas = None
        if row.has("areas"):
            areas = [a.strip() for a in re.split(r"[;；,，\s]+", row.raw("areas") or "") if a.strip()]
            for a in areas:
                if a not in self.areas:
                    row.bad("areas", t("roster.io.unknown_area", code=a))
            areas = sorted(set(areas))
        old = self.existing.get(code) if code else None
        if old is not None and row.has("area_code") and values["area_code"] != old.area_code:
            # the same code under another area is another centre's unit (codes are only unique
            # within a database): never rename or move this one to match it
            row.bad("code", t("io.unit_elsewhere", code=code, area=old.area_code or "-"))
        area = values.get("area_code", old.area_code if old else None)
        if area and not job.in_scope(area):
            row.bad("area_code" if row.has("area_code") else "code",
                    t("roster.io.out_of_scope", code=area, jurisdiction=job.actor.jurisdiction))
        elif old is not None and old.area_code and not job.in_scope(old.area_code):
            row.bad("code", t("roster.io.out_of_scope", code=old.area_code, jurisdiction=job.actor.jurisdiction))
        return UnitIn(code, values, areas) if code else None

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[UnitIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        for p in parsed:
            old = self.existing.get(p.code)
            if old is None:
                u = Unit(code=p.code, **{"active": True, **p.values})
                job.s.add(u)
                await job.s.flush()
                c.created += 1
                uid, before = u.id, []
            else:
                diff = changed_fields(old, p.values)
                for k, v in diff.items():
                    setattr(old, k, v)
                uid, before = old.id, self.covered.get(old.id, [])
                if diff or (p.areas is not None and p.areas != before):
                    c.updated += 1
                else:
                    c.unchanged += 1
            if p.areas is not None and p.areas != before:
                await job.s.execute(delete(UnitArea).where(UnitArea.unit_id == uid))
                if p.areas:
                    await job.s.execute(insert(UnitArea), [{"unit_id": uid, "area_code": a} for a in p.areas])
            progress(1)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        covered: dict[int, list[str]] = defaultdict(list)
        pairs = select(UnitArea.unit_id, UnitArea.area_code).order_by(UnitArea.area_code)
        for uid, code in (await s.execute(pairs)).all():
            covered[uid].append(code)
        units = (await s.execute(select(Unit).order_by(Unit.code))).scalars()
        return [[u.code, u.name, u.kind, u.area_code, u.phone, bool(u.active), ";".join(covered.get(u.id, []))]
                for u in units]


