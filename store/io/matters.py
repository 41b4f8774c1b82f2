"""The matter list (事项清单), by code; the centre reviews changes to it (BH 13)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Urgency
from griddesk.store.i18n import t
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, changed_fields, dupes
from griddesk.store.matters import CLASS as MATTER_CLASS
from griddesk.store.matters import CODE as MATTER_CODE
from griddesk.store.matters import LIMIT_UNITS
from griddesk.store.models import Matter, MatterEvent, MatterLimit, Unit
from griddesk.store.roster.common import FILERS
from griddesk.store.roster.names import name_keys


@dataclass
class MatterIn:
    code: str
    values: dict[str, Any]
    variants: dict[str, tuple[int, str]] | None
    admitted_on: date | None
    withdrawn_on: date | None
    requested_by: str | None


class Matters(Kind):
    name, entity = "matters", "matter"
    tables = ("matters", "matter_limits", "matter_events")
    writers = FILERS  # the centre reviews changes to the list (BH 13)
    columns = (
        Col("code", "事项编码", True, ("编码",)), Col("name", "事项名称", True, ("名称",)),
        Col("name_en", "英文名称"), Col("class_code", "大类", aliases=("类别",)),
        Col("default_unit", "默认承办单位", aliases=("承办单位编码",)),
        Col("limit_value", "办理时限", True, ("时限",)), Col("limit_unit", "时限单位", True),
        Col("urgent_value", "紧急时限"), Col("urgent_unit", "紧急时限单位"),
        Col("emergency_value", "特急时限"), Col("emergency_unit", "特急时限单位"),
        Col("escalate", "立即上报"), Col("admitted_on", "纳入日期", True, ("准入日期",)),
        Col("withdrawn_on", "退出日期"), Col("requested_by", "申请部门"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.existing = {m.code: m for m in (await s.execute(select(Matter))).scalars()}
        self.units = dict((await s.execute(select(Unit.code, Unit.id))).all())

    def _limit(self, row: Row, value_col: str, unit_col: str, required: bool) -> tuple[int, str] | None:
        raw_v, raw_u = row.raw(value_col), row.raw(unit_col)
        if not raw_v and not raw_u:
            if required:
                row.bad(value_col, t("roster.io.required"))
            return None
        if not raw_v or not raw_u:
            row.bad(unit_col if raw_v else value_col, t("roster.io.limit_pair"))
            return None
        value = row.count(value_col, None)
        unit = row.choice(unit_col, "limit_unit", LIMIT_UNITS)
        if value is not None and value <= 0:
            row.bad(value_col, t("roster.io.not_positive", value=raw_v))
            return None
        return (value, unit) if value and unit else None

    def check(self, job: Job, row: Row) -> MatterIn | None:
        code = row.code("code", required=True)
        code = code.upper() if code else code
        if code and not MATTER_CODE.match(code):
            row.bad("code", t("roster.error.matter_code", code=code))
        name = row.text("name", required=True)
        values: dict[str, Any] = {"name": name}
        if row.has("name_en"):
            values["name_en"] = row.text("name_en", max_len=128)
        cls = (row.raw("class_code") or (code[0] if code else "")).upper()
        if cls and not MATTER_CLASS.match(cls):
            row.bad("class_code", t("roster.error.matter_class", value=cls))
        values["class_code"] = cls
        if row.has("default_unit"):
            unit = row.code("default_unit")
            if unit and unit not in self.units:
                row.bad("default_unit", t("roster.io.unknown_unit", code=unit))
            values["default_unit_id"] = self.units.get(unit) if unit else None
        limit = self._limit(row, "limit_value", "limit_unit", True)
        if limit:
            values["limit_value"], values["limit_unit"] = limit
        variants = None
        if any(row.has(c) for c in ("urgent_value", "urgent_unit", "emergency_value", "emergency_unit")):
            variants = {}
            for urgency in (Urgency.URGENT, Urgency.EMERGENCY):
                lim = self._limit(row, f"{urgency}_value", f"{urgency}_unit", False)
                if lim:
                    variants[str(urgency)] = lim
        if row.has("escalate"):
            values["escalate"] = row.boolean("escalate")
        admitted = row.day("admitted_on", required=True)
        withdrawn = row.day("withdrawn_on") if row.has("withdrawn_on") else None
        requested_by = row.text("requested_by") if row.has("requested_by") else None
        if admitted and withdrawn and withdrawn < admitted:
            row.bad("withdrawn_on", t("roster.io.withdraw_before_admit"))
        old = self.existing.get(code) if code else None
        if old is not None:
            if admitted and admitted != old.admitted_on:
                row.bad("admitted_on", t("roster.io.admitted_changed", on=old.admitted_on.isoformat()))
            if old.withdrawn_on is not None and row.has("withdrawn_on") and withdrawn != old.withdrawn_on:
                row.bad("withdrawn_on", t("roster.io.matter_readmit", on=old.withdrawn_on.isoformat()))
            if withdrawn and old.withdrawn_on is None and not (requested_by or old.requested_by):
                row.bad("requested_by", t("roster.io.withdraw_needs_requester"))
        # a new row already withdrawn is history being brought over, recorded as it was
        if not code or not limit:
            return None
        return MatterIn(code, values, variants, admitted, withdrawn if row.has("withdrawn_on") else None,
                        requested_by)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[MatterIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        s, label = job.s, job.actor.label
        for p in parsed:
            old = self.existing.get(p.code)
            if old is None:
                m = Matter(code=p.code, admitted_on=p.admitted_on, withdrawn_on=p.withdrawn_on,
                           requested_by=p.requested_by, **{"escalate": False, **p.values})
                m.name_initials = name_keys(m.name)[1][:32]
                m.limits = [MatterLimit(urgency=u, value=v, unit=un) for u, (v, un) in (p.variants or {}).items()]
                s.add(m)
                await s.flush()
                s.add(MatterEvent(matter_id=m.id, action="admit", on=p.admitted_on, requested_by=p.requested_by,
                                  actor=label, note=job.note))
                if p.withdrawn_on:
                    s.add(MatterEvent(matter_id=m.id, action="withdraw", on=p.withdrawn_on,
                                      requested_by=p.requested_by, actor=label, note=job.note))
                c.created += 1
                progress(1)
                continue
            diff = changed_fields(old, p.values)
            if "name" in diff or old.name_initials is None:  # derived, for search; not a change
                old.name_initials = name_keys(p.values["name"])[1][:32]
            notes = [f"{k}: {getattr(old, k)} → {v}" for k, v in diff.items() if k.startswith("limit_")]
            if p.variants is not None:
                have = {lim.urgency: (lim.value, lim.unit) for lim in old.limits}
                if have != p.variants:
                    notes.append(f"variants: {have} → {p.variants}")
                    for lim in list(old.limits):
                        if lim.urgency not in p.variants:
                            old.limits.remove(lim)
                        else:
                            lim.value, lim.unit = p.variants[lim.urgency]
                    for u, (v, un) in p.variants.items():
                        if u not in have:
                            old.limits.append(MatterLimit(urgency=u, value=v, unit=un))
            for k, v in diff.items():
                setattr(old, k, v)
            withdrawing = p.withdrawn_on is not None and old.withdrawn_on is None
            if withdrawing:
                old.withdrawn_on = p.withdrawn_on
                old.requested_by = p.requested_by or old.requested_by
                s.add(MatterEvent(matter_id=old.id, action="withdraw", on=p.withdrawn_on,
                                  requested_by=old.requested_by, actor=label, note=job.note))
            elif p.requested_by is not None and p.requested_by != old.requested_by:
                old.requested_by = p.requested_by
                diff["requested_by"] = p.requested_by
            if notes:
                s.add(MatterEvent(matter_id=old.id, action="amend", on=job.today, requested_by=p.requested_by,
                                  actor=label, note="; ".join(notes)))
            if diff or notes or withdrawing:
                c.updated += 1
            else:
                c.unchanged += 1
            progress(1)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        units = dict((await s.execute(select(Unit.id, Unit.code))).all())
        out = []
        for m in (await s.execute(select(Matter).order_by(Matter.code))).scalars():
            v = {lim.urgency: lim for lim in m.limits}
            u, e = v.get(Urgency.URGENT), v.get(Urgency.EMERGENCY)
            unit = units.get(m.default_unit_id) if m.default_unit_id else None
            out.append([m.code, m.name, m.name_en, m.class_code, unit,
                        m.limit_value, m.limit_unit, u.value if u else None, u.unit if u else None,
                        e.value if e else None, e.unit if e else None, bool(m.escalate), m.admitted_on,
                        m.withdrawn_on, m.requested_by])
        return out


