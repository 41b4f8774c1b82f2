"""Assignments, matched by natural key: (grid code, the person's natural key, role) — the one
that began on `since` when the row gives it, else the one running now. The person is found by
ID number, else by (name, phone, area code). `id` and `person_id` columns are another
database's numbering: read, ignored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, PersonRole, PersonStatus
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t
from griddesk.store.io.base import (
    CHUNK,
    Col,
    Counts,
    Job,
    Kind,
    Row,
    bulk_insert,
    bulk_update,
    changed_fields,
    dupes,
    rows_of,
)
from griddesk.store.models import Grid, GridAssignment, Person
from griddesk.store.roster.rules import CARD_ROLES, GRID_ROLES, check_one_leader, check_professional_unit, runs_past


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


@dataclass
class AssignmentIn:
    id: int | None
    grid_id: int
    person_id: int
    role: str
    since: date | None
    until: date | None


class Assignments(Kind):
    name, entity = "assignments", "grid"
    tables = ("grid_assignments", "grids")
    columns = (
        Col("id", "编号", exported=False), Col("grid_code", "网格编码", True),
        Col("person_id", "人员编号", exported=False),
        Col("person_id_number", "身份证号", aliases=("公民身份号码",), personal="id"),
        Col("person_name", "姓名"), Col("person_phone", "电话", personal="phone"),
        Col("person_area", "人员所属区划编码"),
        Col("role", "岗位", True, ("角色",)),
        Col("since", "起始日期", aliases=("开始日期",)), Col("until", "结束日期"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.grids = {g.code: g for g in await rows_of(s, Grid)}
        self.people = {p.id: p for p in await rows_of(s, Person)}
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        for p in self.people.values():
            if p.id_number:
                self.by_number[p.id_number].append(p.id)
            self.by_name[p.name].append(p)
        self.existing = {a.id: a for a in await rows_of(s, GridAssignment)}
        self.open_by_key = {(a.grid_id, a.person_id, a.role): a.id for a in self.existing.values() if a.until is None}
        self.by_since = {(a.grid_id, a.person_id, a.role, a.since): a.id for a in self.existing.values()}

    def _person(self, row: Row) -> int | None:
        """The person by natural key: ID number, else (name, phone, area) — as much of it as the
        file gives; never by a numeric id (another database's ids name other people here)."""
        number = (row.code("person_id_number") or "").upper() or None
        name = row.text("person_name", max_len=32)
        phone = row.raw("person_phone") or None
        if number:
            found, col, label = self.by_number.get(number, []), "person_id_number", number
        elif name:
            # as much of (name, phone, area) as the row gives: a hand-made file may leave some out
            area = row.code("person_area") or None
            found = [p.id for p in self.by_name.get(name, [])
                     if (phone is None or p.phone == phone) and (area is None or p.area_code == area)]
            col, label = "person_name", name
        else:
            if "person_name" not in row.bad_columns:
                row.bad("person_name", t("roster.io.required"))
            return None
        if len(found) != 1:
            row.bad(col, t("roster.io.ambiguous_person" if found else "roster.io.unknown_person", name=label))
            return None
        return found[0]

    def check(self, job: Job, row: Row) -> AssignmentIn | None:
        gcode = row.code("grid_code", required=True)
        role = row.choice("role", "person_role", GRID_ROLES, required=True)
        since, until = row.day("since"), row.day("until")
        pid = self._person(row)
        g = self.grids.get(gcode) if gcode else None
        if gcode and g is None:
            row.bad("grid_code", t("roster.io.unknown_grid", code=gcode))
        if g is not None and not job.in_scope(g.area_code):
            row.bad("grid_code", t("roster.io.out_of_scope", code=gcode, jurisdiction=job.actor.jurisdiction))
        if since and until and until < since:
            row.bad("until", t("roster.io.until_before_since"))
        if g is None or pid is None or role is None:
            return None
        current = runs_past(until, job.today)
        p = self.people[pid]
        if current and g.status != GridStatus.ACTIVE:
            row.bad("grid_code", t("roster.error.grid_retired", code=gcode))
        if current and p.status != PersonStatus.ACTIVE:
            row.bad("person_name", t("roster.error.person_left", name=p.name))
        try:
            check_professional_unit(role, p.unit_id, "assignment.role")
        except StoreError as e:
            row.store_error("role", e)
        # the assignment that began that day, else the same person in the same role on the
        # same grid now
        aid = self.by_since.get((g.id, pid, role, since)) if row.has("since") else None
        if aid is None:
            aid = self.open_by_key.get((g.id, pid, role))
        return AssignmentIn(aid, g.id, pid, role, since if row.has("since") else None, until)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.id, "role")
        dupes(job, parsed, lambda p: (p.grid_id, p.person_id, p.role, p.since) if p.id is None else None, "role")
        # one current leader per grid, counting what stays in the database: each row naming a
        # leader is checked against the other leaders the grid would have
        touched = {p.id for _r, p in parsed if p.id}
        in_db: dict[int, list[str]] = defaultdict(list)
        for a in self.existing.values():
            if a.id not in touched and a.role == PersonRole.LEADER and runs_past(a.until, job.today):
                in_db[a.grid_id].append(self.people[a.person_id].name)
        in_file: dict[int, list[Row]] = defaultdict(list)
        for row, p in parsed:
            if p.role == PersonRole.LEADER and runs_past(p.until, job.today):
                in_file[p.grid_id].append(row)
        names = {g.id: g.name for g in self.grids.values()}
        for gid, rows in in_file.items():
            for row in rows:
                others = in_db[gid] + [t("roster.io.row_n", n=r.n) for r in rows if r is not row]
                try:
                    check_one_leader(names[gid], others)
                except StoreError as e:
                    row.store_error("role", e)

    async def write(self, job: Job, parsed: list[AssignmentIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, updates, touched = [], [], set()
        for p in parsed:
            values = {"grid_id": p.grid_id, "person_id": p.person_id, "role": p.role, "until": p.until}
            if p.since is not None or p.id is None:
                values["since"] = p.since or job.today
            old = self.existing.get(p.id) if p.id else None
            if old is None:
                new.append(values)
                if p.role in CARD_ROLES:
                    touched.add(p.grid_id)
                continue
            diff = changed_fields(old, values)
            if diff:
                updates.append({"id": old.id, **diff})
                if p.role in CARD_ROLES or old.role in CARD_ROLES:
                    touched.update({p.grid_id, old.grid_id})
            else:
                c.unchanged += 1
                progress(1)
        await bulk_insert(job.s, GridAssignment, new, progress)
        await bulk_update(job.s, GridAssignment, updates, progress)
        if touched:
            grids = Grid.metadata.tables[Grid.__tablename__]  # Core: nothing in the session to synchronise
            for part in _chunks(sorted(touched)):
                await job.s.execute(update(grids).where(grids.c.id.in_(part)).values(roster_changed_at=job.now))
        c.created, c.updated = len(new), len(updates)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = (select(GridAssignment, Grid.code, Person.id_number, Person.name, Person.phone, Person.area_code)
             .join(Grid, Grid.id == GridAssignment.grid_id).join(Person, Person.id == GridAssignment.person_id)
             .order_by(Grid.code, GridAssignment.id))
        if actor.jurisdiction:
            q = q.where(Grid.area_code.startswith(actor.jurisdiction))
        return [[code, number, name, phone, area, a.role, a.since, a.until]
                for a, code, number, name, phone, area in (await s.execute(q)).all()]


