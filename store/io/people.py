"""People, matched by natural key: ID number (公民身份号码) when the row has one, else by
(name, phone, area code). An `id` column is another database's numbering: read, ignored."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import LeaveReason, PersonRole, PersonStatus
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t
from griddesk.store.io.base import (
    Col,
    Counts,
    Job,
    Kind,
    Row,
    bulk_insert,
    bulk_update,
    changed_fields,
    choice_code,
    dupes,
    rows_of,
)
from griddesk.store.models import Area, Person, Unit
from griddesk.store.roster.names import name_keys
from griddesk.store.roster.rules import check_professional_unit, end_assignments_of_leaver

REASONS = tuple(LeaveReason)


ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


@dataclass
class PersonIn:
    id: int | None  # the person this row matched in this database, else None (a new person)
    values: dict[str, Any]
    key: tuple[str, ...] | None  # the natural key, for duplicates within the file


class People(Kind):
    name, entity = "people", "person"
    tables = ("people", "grid_assignments")
    columns = (
        Col("id", "编号", aliases=("人员编号",), exported=False),
        Col("id_number", "身份证号", aliases=("公民身份号码",), personal="id"),
        Col("name", "姓名", True), Col("role", "角色", True, ("岗位",)),
        Col("phone", "电话", aliases=("联系电话", "手机"), personal="phone"),
        Col("unit_code", "派出单位编码", aliases=("单位编码",)),
        Col("area_code", "所属区划编码", aliases=("区划编码",)), Col("trained_on", "培训日期"),
        Col("certificate_on", "持证日期", aliases=("证书日期",)), Col("status", "状态"),
        Col("left_on", "离岗日期"), Col("left_reason", "离岗原因"), Col("left_note", "离岗说明", personal="text"),
        Col("failed_reviews", "连续考核不合格次数"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.units = dict((await s.execute(select(Unit.code, Unit.id))).all())
        self.areas = set((await s.execute(select(Area.code))).scalars())
        self.existing: dict[int, Any] = {p.id: p for p in await rows_of(s, Person)}
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.by_key: dict[tuple[str, str | None, str | None], list[int]] = defaultdict(list)
        self.by_name_phone: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for p in self.existing.values():
            if p.id_number:
                self.by_number[p.id_number].append(p.id)
            self.by_key[(p.name, p.phone, p.area_code)].append(p.id)
            self.by_name_phone[(p.name, p.phone)].append(p.id)

    def _match(self, row: Row, number: str | None, name: str | None, phone: str | None) -> int | None:
        """The one person this row names, by ID number, else (name, phone, area) — (name, phone)
        when the file has no area column; None: a new person."""
        if number:
            found = self.by_number.get(number, [])
            col = "id_number"
        elif name and row.has("area_code"):
            found = self.by_key.get((name, phone, row.code("area_code")), [])
            col = "phone"
        elif name:
            found = self.by_name_phone.get((name, phone), [])
            col = "phone"
        else:
            return None
        if len(found) > 1:
            row.bad(col, t("roster.io.ambiguous_person", name=name or number))
            return None
        return found[0] if found else None

    def check(self, job: Job, row: Row) -> PersonIn | None:
        # the `id` column (if any) is ignored: ids are a database's own numbering, and a file from
        # another database carries ids that name other people here
        name = row.text("name", required=True, max_len=32)
        role = row.choice("role", "person_role", tuple(PersonRole), required=True)
        phone = row.phone("phone") if row.has("phone") else None
        number = None
        if row.has("id_number"):
            number = (row.code("id_number") or "").upper() or None
            if number and not ID_NUMBER.match(number):
                row.bad("id_number", t("io.bad_id_number"))
                number = None
        values: dict[str, Any] = {"name": name, "role": role}
        if row.has("phone"):
            values["phone"] = phone
        if row.has("id_number"):
            values["id_number"] = number
        pid = self._match(row, number, name, phone)
        old = self.existing.get(pid) if pid else None
        if old is not None and not job.in_scope(old.area_code):
            row.bad("area_code" if row.has("area_code") else "name",
                    t("roster.io.out_of_scope", code=old.area_code or "-", jurisdiction=job.actor.jurisdiction))
        unit_code = row.code("unit_code")
        if row.has("unit_code"):
            if unit_code and unit_code not in self.units:
                row.bad("unit_code", t("roster.io.unknown_unit", code=unit_code))
            values["unit_id"] = self.units.get(unit_code) if unit_code else None
        unit_id = values.get("unit_id", old.unit_id if old else None)
        try:
            check_professional_unit(role, unit_id, "person.unit_code")
        except Invalid as e:
            row.store_error("unit_code", e)
        if row.has("area_code") or old is None:
            area = row.code("area_code") or job.actor.jurisdiction or None
            if area and area not in self.areas:
                row.bad("area_code", t("roster.io.unknown_area", code=area))
            elif area and not job.in_scope(area):
                row.bad("area_code", t("roster.io.out_of_scope", code=area, jurisdiction=job.actor.jurisdiction))
            values["area_code"] = area
        for col in ("trained_on", "certificate_on", "left_on"):
            if row.has(col):
                values[col] = row.day(col)
        if row.has("status"):
            values["status"] = row.choice("status", "roster.person_status", tuple(PersonStatus)) or PersonStatus.ACTIVE
        if row.has("left_reason"):
            reason, sep, note = (row.raw("left_reason") or "").partition(":")
            packed = choice_code(reason.strip(), "roster.leave_reason", REASONS) if sep else None
            if packed and not row.has("left_note"):
                # a file from before the note had its own column: "reason: note" in one cell
                note = note.strip()
                if len(note) > 500:
                    row.bad("left_reason", t("roster.io.too_long", max=500))
                values["left_reason"], values["left_note"] = packed, note or None
            else:
                values["left_reason"] = row.choice("left_reason", "roster.leave_reason", REASONS)
        if row.has("left_note"):
            values["left_note"] = row.text("left_note", max_len=500)
        if row.has("failed_reviews"):
            values["failed_reviews"] = row.count("failed_reviews", 0)
        status = values.get("status", old.status if old else PersonStatus.ACTIVE)
        left_on = values.get("left_on", old.left_on if old else None)
        if status == PersonStatus.LEFT and left_on is None:
            row.bad("left_on" if row.has("left_on") else "status", t("roster.io.left_needs_date"))
        key: tuple[str, ...] | None = None
        if number:
            key = (number,)
        elif name:
            key = (name, phone or "", values.get("area_code", old.area_code if old else None) or "")
        return PersonIn(pid, values, key)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.id, "name")
        dupes(job, parsed, lambda p: p.key, "phone")

    async def write(self, job: Job, parsed: list[PersonIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, updates, filled, leaving = [], [], [], []
        for p in parsed:
            old = self.existing.get(p.id) if p.id else None
            if old is None:
                full, initials = name_keys(p.values["name"], person=True)
                new.append({"status": PersonStatus.ACTIVE, "failed_reviews": 0, "phone": None,
                            "name_pinyin": full, "name_initials": initials, **p.values})
                continue
            diff = changed_fields(old, p.values)
            if "name" in diff or old.name_pinyin is None:  # derived search keys: not a change
                full, initials = name_keys(p.values["name"], person=True)
                keys = {"name_pinyin": full, "name_initials": initials}
                if diff:
                    diff.update(keys)
                else:
                    filled.append({"id": old.id, **keys})
            if diff:
                updates.append({"id": old.id, **diff})
                if diff.get("status") == PersonStatus.LEFT:
                    leaving.append((old.id, p.values.get("left_on", old.left_on) or job.today))
            else:
                c.unchanged += 1
                progress(1)
        await bulk_insert(job.s, Person, new, progress)
        await bulk_update(job.s, Person, updates, progress)
        await bulk_update(job.s, Person, filled, lambda n: None)
        for pid, on in leaving:  # the same rule as roster.person_leaves
            await end_assignments_of_leaver(job.s, pid, on, job.now)
        c.created, c.updated = len(new), len(updates)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        units = dict((await s.execute(select(Unit.id, Unit.code))).all())
        q = select(Person).order_by(Person.area_code, Person.name, Person.id)
        if actor.jurisdiction:
            q = q.where(Person.area_code.startswith(actor.jurisdiction))
        return [[p.id_number, p.name, p.role, p.phone, units.get(p.unit_id) if p.unit_id else None, p.area_code,
                 p.trained_on, p.certificate_on, p.status, p.left_on, p.left_reason, p.left_note,
                 p.failed_reviews]
                for p in (await s.execute(q)).scalars()]
