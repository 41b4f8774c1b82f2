"""Assignments: a person holding a role on a grid, from a day until a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import PersonRole, PersonStatus
from griddesk.store.errors import Conflict, NotFound
from griddesk.store.i18n import t
from griddesk.store.models import Grid, GridAssignment, Person
from griddesk.store.roster.common import check_covers, check_writer, checked_choice, load_grid, load_person, today
from griddesk.store.roster.rules import (
    CARD_ROLES,
    GRID_ROLES,
    check_one_leader,
    check_professional_unit,
    runs_past_clause,
)


async def assign(store: Store, actor: Actor, person_id: int, grid_code: str, role: str,
                 since: date | None = None) -> int:
    """Put a person on a grid in a role. One current leader per grid (JM 7); a leader and a
    professional may hold several grids (HH 11); the load rule watches the others."""
    check_writer(actor)
    role = checked_choice(role, "assignment.role", GRID_ROLES)
    now, on = store.now(), today(store)
    since = since or on
    async with store.db.session(write=True) as s:
        g = await load_grid(s, grid_code)
        check_covers(actor, g.area_code)
        p = await load_person(s, person_id)
        if p.status != PersonStatus.ACTIVE:
            raise Conflict("roster.error.person_left", field="assignment.person", name=p.name)
        check_professional_unit(role, p.unit_id, "assignment.role")
        held = list((await s.execute(select(GridAssignment).where(
            GridAssignment.grid_id == g.id, GridAssignment.role == role, runs_past_clause(since)))).scalars())
        if any(a.person_id == p.id for a in held):
            raise Conflict("roster.error.already_assigned", field="assignment.person", name=p.name,
                           grid=g.name, role=t(f"person_role.{role}"))
        if role == PersonRole.LEADER:
            check_one_leader(g.name, await _names(s, [a.person_id for a in held]))
        a = GridAssignment(grid_id=g.id, person_id=p.id, role=role, since=since)
        s.add(a)
        await s.flush()
        if role in CARD_ROLES:
            g.roster_changed_at = now
        await records.feed(s, "grid", g.id, "assigned", now, g.area_code)
        await records.audit(s, actor, "grid.assign", "grid", g.code, now, {"person_id": p.id, "role": role})
        return a.id


async def _names(s: AsyncSession, person_ids: list[int]) -> list[str]:
    if not person_ids:
        return []
    found = dict((await s.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids)))).all())
    return [found.get(pid, "?") for pid in person_ids]


async def unassign(store: Store, actor: Actor, assignment_id: int, until: date | None = None) -> None:
    """End an assignment (from `until`, default today)."""
    check_writer(actor)
    now = store.now()
    until = until or today(store)
    async with store.db.session(write=True) as s:
        a = await s.get(GridAssignment, assignment_id)
        if a is None:
            raise NotFound("roster.error.unknown_assignment", field="assignment.id", id=assignment_id)
        g = await s.get(Grid, a.grid_id)
        assert g is not None
        check_covers(actor, g.area_code)
        if a.until is not None and a.until <= until:
            raise Conflict("roster.error.assignment_ended", field="assignment.id", id=assignment_id)
        a.until = max(until, a.since) if a.since else until
        if a.role in CARD_ROLES:
            g.roster_changed_at = now
        await records.feed(s, "grid", g.id, "unassigned", now, g.area_code)
        await records.audit(s, actor, "grid.unassign", "grid", g.code, now, {"person_id": a.person_id, "role": a.role})

