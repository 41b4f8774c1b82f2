"""Grids, matched by code; new grids get the next code never used in their village. An import's
new and adjusted grids go into the change record, pending filing (YC 8, BH 6)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import FilingStatus, GridChangeKind, GridStatus, GridType, Level
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, bulk_insert, bulk_update, changed_fields, dupes, rows_of
from griddesk.store.models import Area, Grid, GridChange


@dataclass
class GridRowIn:
    code: str | None  # None: a new grid, code given at write time
    village: str
    values: dict[str, Any]
    status: str | None


class Grids(Kind):
    name, entity = "grids", "grid"
    tables = ("grids", "grid_changes")
    columns = (
        Col("code", "网格编码", True, ("编码",)), Col("name", "网格名称", True, ("名称",)),
        Col("area_code", "村社区编码", aliases=("所属村社区编码", "村（社区）编码", "所属村（社区）编码")),
        Col("type", "网格类型", aliases=("类型",)), Col("subtype", "细类"), Col("households", "户数"),
        Col("population", "人口"), Col("boundary", "区域范围", aliases=("范围",)), Col("status", "状态"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        self.existing = {g.code: g for g in await rows_of(job.s, Grid)}
        self.villages = {a.code: a for a in await rows_of(job.s, Area, Area.level == Level.VILLAGE)}

    def check(self, job: Job, row: Row) -> GridRowIn | None:
        code = row.code("code")
        village = row.code("area_code")
        name = row.text("name", required=True)
        typ = row.choice("type", "grid_type", tuple(GridType))
        status = row.choice("status", "roster.grid_status", tuple(GridStatus))
        if code:
            try:
                found_village, _ = codes.check_grid_code(code, field=None)
                if village and village != found_village:
                    row.bad("area_code", t("roster.io.grid_village_mismatch", code=code, village=village))
                village = found_village
            except Invalid as e:
                row.store_error("code", e)
                return None
        elif not village:
            if "code" not in row.bad_columns:  # a code the spreadsheet mangled is reported already
                row.bad("code", t("roster.io.grid_needs_code"))
            return None
        if village not in self.villages:
            row.bad("area_code" if row.has("area_code") and not code else "code",
                    t("roster.io.unknown_village", code=village))
            return None
        if not job.in_scope(village):
            row.bad("code", t("roster.io.out_of_scope", code=code or village, jurisdiction=job.actor.jurisdiction))
        values: dict[str, Any] = {"name": name}
        old = self.existing.get(code) if code else None
        if old is None and typ is None and not row.has("type"):
            typ = GridType.COMPREHENSIVE
        if row.has("type") or old is None:
            if typ is None:
                row.bad("type", t("roster.io.required"))
            values["type"] = typ
        if row.has("subtype") or old is None:
            values["subtype"] = row.text("subtype", max_len=32)
        for col in ("households", "population"):
            if row.has(col) or old is None:
                values[col] = row.count(col, 0)
        if row.has("boundary") or old is None:
            values["boundary"] = row.text("boundary", max_len=2000)
        if old is not None and status is not None and status != old.status:
            row.bad("status", t("roster.io.status_change", status=t(f"roster.grid_status.{old.status}")))
        return GridRowIn(code, village, values, status)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[GridRowIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        used: dict[str, int] = defaultdict(int)  # village → highest sequence ever used
        for code in self.existing:
            if len(code) == codes.GRID_CODE_LENGTH:
                used[code[:12]] = max(used[code[:12]], int(code[12:]))
        for p in parsed:
            if p.code:
                used[p.village] = max(used[p.village], int(p.code[12:]))
        new, updates, adjusted = [], [], {}
        for p in parsed:
            old = self.existing.get(p.code) if p.code else None
            if old is None:
                if p.code is None:
                    used[p.village] += 1
                code = p.code or codes.grid_code(p.village, used[p.village])
                retired = p.status == GridStatus.RETIRED
                new.append({"code": code, "area_code": p.village, "town_code": p.village[:9],
                            "status": p.status or GridStatus.ACTIVE, "created_at": job.now,
                            "retired_at": job.now if retired else None,
                            "roster_changed_at": None if retired else job.now, **p.values})
            else:
                diff = changed_fields(old, p.values)
                if diff:
                    adjusted[old.code] = {k: [getattr(old, k), v] for k, v in diff.items()}
                    if {"name", "boundary"} & diff.keys():
                        diff["roster_changed_at"] = job.now
                    updates.append({"id": old.id, **diff})
                else:
                    c.unchanged += 1
                    progress(1)
        await bulk_insert(job.s, Grid, new, progress)
        await bulk_update(job.s, Grid, updates, progress)
        # the change record (YC 8, BH 6): one entry per import for the new grids, one for the
        # adjusted ones, each pending filing like any other change
        details = {"source": job.source}
        if new:
            await job.s.execute(insert(GridChange).values(
                kind=GridChangeKind.CREATE, reason=job.reason, note=job.note, grid_codes=[],
                result_codes=[r["code"] for r in new], details=details, actor=job.actor.label,
                at=job.now, filing_status=FilingStatus.PENDING))
        if adjusted:
            await job.s.execute(insert(GridChange).values(
                kind=GridChangeKind.ADJUST, reason=job.reason, note=job.note, grid_codes=sorted(adjusted),
                result_codes=sorted(adjusted), details={**details, "changed": adjusted},
                actor=job.actor.label, at=job.now, filing_status=FilingStatus.PENDING))
        c.created, c.updated = len(new), len(updates)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = select(Grid).order_by(Grid.code)
        if actor.jurisdiction:
            q = q.where(Grid.area_code.startswith(actor.jurisdiction))
        return [[g.code, g.name, g.area_code, g.type, g.subtype, g.households, g.population, g.boundary,
                 g.status] for g in (await s.execute(q)).scalars()]


