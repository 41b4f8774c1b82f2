"""Areas: the division tree (city, county, town, village), matched by code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Level
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, bulk_insert, bulk_update, changed_fields, dupes
from griddesk.store.models import Area


@dataclass
class AreaRow:
    code: str
    values: dict[str, Any]
    level: str


class Areas(Kind):
    name, entity = "areas", "area"
    tables = ("areas",)
    columns = (
        Col("code", "编码", True, ("区划代码", "代码")), Col("name", "名称", True),
        Col("level", "级别"), Col("parent_code", "上级编码", aliases=("上级代码",)),
        Col("kind", "类型", aliases=("村社区类型",)), Col("population", "人口"), Col("households", "户数"),
        Col("urban", "城镇"), Col("centre_phone", "中心电话"), Col("platform", "受理平台", aliases=("平台",)),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        self.existing = {a.code: a for a in (await job.s.execute(select(Area))).scalars()}
        self.in_file = {r.raw("code") for r in rows if r.raw("code")}

    def check(self, job: Job, row: Row) -> AreaRow | None:
        code = row.code("code", required=True)
        name = row.text("name", required=True)
        level = row.choice("level", "level", tuple(Level))
        kind = row.choice("kind", "roster.village_kind", (codes.COMMUNITY, codes.VILLAGE))
        parent = row.code("parent_code")
        values: dict[str, Any] = {"name": name}
        found = None
        if code:
            try:
                found = codes.check_area(code, level=level, parent_code=parent, kind=kind, field=None)
            except Invalid as e:
                row.store_error("code", e)
        if found is not None and code:
            values["level"] = str(found)
            up = codes.parent_of(code)
            values["parent_code"] = up
            if up and up not in self.existing and up not in self.in_file:
                row.bad("parent_code" if row.has("parent_code") else "code", t("roster.io.unknown_parent", code=up))
            if found == Level.VILLAGE:
                values["kind"] = codes.village_kind(code)
            elif kind:
                row.bad("kind", t("roster.io.kind_only_village"))
            else:
                values["kind"] = None
        for col in ("population", "households"):
            if row.has(col):
                values[col] = row.count(col, None)
        if row.has("urban"):
            values["urban"] = row.boolean("urban")
        if row.has("centre_phone"):
            values["centre_phone"] = row.phone("centre_phone")
        if row.has("platform"):
            values["platform"] = row.text("platform", max_len=128)
        if code and found is not None and not job.in_scope(code):
            # the areas above a jurisdiction are exported with it, for context; bringing them back
            # unchanged is no write, so only a row that would change them is refused
            old = self.existing.get(code)
            if old is None or changed_fields(old, values):
                row.bad("code", t("roster.io.out_of_scope", code=code, jurisdiction=job.actor.jurisdiction))
        return AreaRow(code, values, str(found)) if code and found else None

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[AreaRow], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, updates = [], []
        for p in sorted(parsed, key=lambda p: (len(p.code), p.code)):  # parents first
            old = self.existing.get(p.code)
            if old is None:
                new.append({"code": p.code, "urban": False, **p.values})
            else:
                diff = changed_fields(old, p.values)
                if diff:
                    updates.append({"code": p.code, **diff})
                else:
                    c.unchanged += 1
                    progress(1)
        await bulk_insert(job.s, Area, new, progress)
        await bulk_update(job.s, Area, updates, progress)
        c.created, c.updated = len(new), len(updates)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = select(Area).order_by(Area.code)
        if actor.jurisdiction:  # with the areas above it, so the file stands on its own
            above = [actor.jurisdiction[:n] for n in (4, 6, 9) if n < len(actor.jurisdiction)]
            q = q.where(Area.code.startswith(actor.jurisdiction) | Area.code.in_(above))
        return [[a.code, a.name, a.level, a.parent_code, a.kind, a.population, a.households,
                 bool(a.urban), a.centre_phone, a.platform] for a in (await s.execute(q)).scalars()]
