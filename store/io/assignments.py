"""Assignments, matched by `id`, or when it is empty by the same person holding the same role on
the same grid now."""

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
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, bulk_insert, bulk_update, changed_fields, dupes
from griddesk.store.models import Grid, GridAssignment, Person
from griddesk.store.roster.rules import CARD_ROLES, GRID_ROLES, check_one_leader, check_professional_unit, runs_past


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
    columns = (
        Col("id", "编号"), Col("grid_code", "网格编码", True), Col("person_id", "人员编号"),
        Col("person_name", "姓名"), Col("person_phone", "电话", personal="phone"), Col("role", "岗位", True, ("角色",)),
        Col("since", "起始日期", aliases=("开始日期",)), Col("until", "结束日期"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.grids = {g.code: g for g in (await s.execute(select(Grid))).scalars()}
        self.people = {p.id: p for p in (await s.execute(select(Person))).scalars()}
        self.by_key: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for p in self.people.values():
            self.by_key[(p.name, p.phone)].append(p.id)
            self.by_key[(p.name, None)].append(p.id)
        self.existing = {a.id: a for a in (await s.execute(select(GridAssignment))).scalars()}
        self.open_by_key = {(a.grid_id, a.person_id, a.role): a.id for a in self.existing.values() if a.until is None}

    def _person(self, row: Row) -> int | None:
        name, phone = row.text("person_name", max_len=32), row.raw("person_phone") or None
        if row.raw("person_id"):
            pid = row.count("person_id", None)
            if pid is None:
                return None
            p = self.people.get(pid)
            if p is not None:
                # the name (and phone) on the row guard against an id from another database
                if (name and name != p.name) or (phone and phone != p.phone):
                    row.bad("person_id", t("roster.io.person_mismatch", id=pid, name=p.name))
                    return None
                return pid
            if not name:
                row.bad("person_id", t("roster.io.unknown_id", id=pid))
                return None
        if not name:
            row.bad("person_id", t("roster.io.required"))
            return None
        found = self.by_key.get((name, phone), [])
        if len(found) != 1:
            row.bad("person_name", t("roster.io.ambiguous_person" if found else "roster.io.unknown_person",
                                     name=name))
            return None
        return found[0]

    def check(self, job: Job, row: Row) -> AssignmentIn | None:
        aid = None
        if row.raw("id"):  # as for people: an unknown id is another database's, not an error
            aid = row.count("id", None)
            if aid is not None and aid not in self.existing:
                aid = None
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
            row.bad("person_name" if row.has("person_name") else "person_id",
                    t("roster.error.person_left", name=p.name))
        try:
            check_professional_unit(role, p.unit_id, "assignment.role")
        except StoreError as e:
            row.store_error("role", e)
        if aid is None:  # the same person in the same role on the same grid now: that assignment
            aid = self.open_by_key.get((g.id, pid, role))
        return AssignmentIn(aid, g.id, pid, role, since if row.has("since") else None, until)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.id, "id")
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
            await job.s.execute(update(Grid).where(Grid.id.in_(touched)).values(roster_changed_at=job.now))
        c.created, c.updated = len(new), len(updates)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = (select(GridAssignment, Grid.code, Person.name, Person.phone)
             .join(Grid, Grid.id == GridAssignment.grid_id).join(Person, Person.id == GridAssignment.person_id)
             .order_by(Grid.code, GridAssignment.id))
        if actor.jurisdiction:
            q = q.where(Grid.area_code.startswith(actor.jurisdiction))
        return [[a.id, code, a.person_id, name, phone, a.role, a.since, a.until]
                for a, code, name, phone in (await s.execute(q)).all()]


