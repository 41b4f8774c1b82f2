"""Reads of the area tree and its grids: county → town → village → grid → micro-grid, with the
people holding a role on each grid. Scoped to the actor's jurisdiction (a division-code prefix)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes
from griddesk.store.actor import Actor, mask_phone
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, PersonRole
from griddesk.store.errors import NotFound
from griddesk.store.models import Area, Grid, GridAssignment, MicroGrid, Person, Unit
from griddesk.store.roster.common import check_covers, today
from griddesk.store.roster.rules import GRID_ROLES, current_clause, notice_stale
from griddesk.store.scope import SelectT


@dataclass
class Member:
    """A person holding a role on a grid."""

    assignment_id: int
    person_id: int
    name: str
    role: str
    phone: str | None
    unit: str | None
    since: date | None
    until: date | None
    trained_on: date | None
    status: str


@dataclass
class MicroGridRow:
    code: str
    name: str
    kind: str
    households: int
    head: str | None
    head_person_id: int | None


@dataclass
class GridRow:
    id: int
    code: str
    name: str
    area_code: str
    area_name: str
    town_code: str
    type: str
    subtype: str | None
    households: int
    population: int
    boundary: str | None
    status: str
    created_at: datetime
    retired_at: datetime | None
    notice_updated_at: datetime | None
    roster_changed_at: datetime | None
    members: list[Member] = field(default_factory=list)
    micro_grids: list[MicroGridRow] = field(default_factory=list)

    def holding(self, role: str) -> list[Member]:
        return [m for m in self.members if m.role == role]

    @property
    def leader(self) -> Member | None:
        found = self.holding(PersonRole.LEADER)
        return found[0] if found else None

    @property
    def notice_stale(self) -> bool:
        return notice_stale(self.roster_changed_at, self.notice_updated_at)


@dataclass
class AreaNode:
    code: str
    name: str
    level: str
    kind: str | None
    parent_code: str | None
    population: int | None
    households: int | None
    urban: bool
    centre_phone: str | None
    platform: str | None
    in_scope: bool = True  # False for the ancestors shown above a town operator's own town
    children: list[AreaNode] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)

    def walk(self) -> Iterator[AreaNode]:
        yield self
        for c in self.children:
            yield from c.walk()

    @property
    def grid_count(self) -> int:
        return sum(len([g for g in n.grids if g.status == GridStatus.ACTIVE]) for n in self.walk())


def _node(a: Area, in_scope: bool = True) -> AreaNode:
    return AreaNode(a.code, a.name, a.level, a.kind, a.parent_code, a.population, a.households,
                    bool(a.urban), a.centre_phone, a.platform, in_scope)


def _scope_grids(q: SelectT, actor: Actor) -> SelectT:
    return q.where(Grid.area_code.startswith(actor.jurisdiction)) if actor.jurisdiction else q


async def load_members(s: AsyncSession, actor: Actor, grid_ids: list[int], on: date,
                   include_past: bool = False) -> dict[int, list[Member]]:
    out: dict[int, list[Member]] = defaultdict(list)
    if not grid_ids:
        return out
    q = (select(GridAssignment, Person, Unit.name)
         .join(Person, Person.id == GridAssignment.person_id)
         .outerjoin(Unit, Unit.id == Person.unit_id)
         .where(GridAssignment.grid_id.in_(grid_ids)))
    if not include_past:
        q = q.where(current_clause(on))
    order: dict[str, int] = {r: i for i, r in enumerate(GRID_ROLES)}
    rows = (await s.execute(q.order_by(GridAssignment.id))).all()
    for a, p, unit in rows:
        out[a.grid_id].append(Member(a.id, p.id, p.name, a.role, mask_phone(p.phone, actor), unit,
                                     a.since, a.until, p.trained_on, p.status))
    for members in out.values():
        members.sort(key=lambda m: (order.get(m.role, 99), m.assignment_id))
    return out


async def load_micro_grids(s: AsyncSession, grid_ids: list[int]) -> dict[int, list[MicroGridRow]]:
    out: dict[int, list[MicroGridRow]] = defaultdict(list)
    if not grid_ids:
        return out
    q = (select(MicroGrid, Person.name).outerjoin(Person, Person.id == MicroGrid.head_person_id)
         .where(MicroGrid.grid_id.in_(grid_ids)).order_by(MicroGrid.code))
    for m, head in (await s.execute(q)).all():
        out[m.grid_id].append(MicroGridRow(m.code, m.name, m.kind, m.households, head, m.head_person_id))
    return out


def grid_row(g: Grid, area_name: str) -> GridRow:
    return GridRow(g.id, g.code, g.name, g.area_code, area_name, g.town_code, g.type, g.subtype,
                   g.households, g.population, g.boundary, g.status, g.created_at, g.retired_at,
                   g.notice_updated_at, g.roster_changed_at)


async def load_grid_rows(s: AsyncSession, store: Store, actor: Actor, q: Select[Grid, str],
                         details: bool = True) -> list[GridRow]:
    rows = [grid_row(g, name) for g, name in (await s.execute(q)).all()]
    if details and rows:
        ids = [r.id for r in rows]
        members = await load_members(s, actor, ids, today(store))
        micro = await load_micro_grids(s, ids)
        for r in rows:
            r.members = members.get(r.id, [])
            r.micro_grids = micro.get(r.id, [])
    return rows


async def grids(store: Store, actor: Actor, area_code: str | None = None, include_retired: bool = False,
                details: bool = True) -> list[GridRow]:
    """Grids in the actor's jurisdiction (under `area_code` when given), in code order."""
    q = _scope_grids(select(Grid, Area.name).join(Area, Area.code == Grid.area_code), actor)
    if area_code:
        q = q.where(Grid.area_code.startswith(area_code))
    if not include_retired:
        q = q.where(Grid.status == GridStatus.ACTIVE)
    async with store.db.session() as s:
        return await load_grid_rows(s, store, actor, q.order_by(Grid.code), details)


async def tree(store: Store, actor: Actor, root: str | None = None, include_retired: bool = False,
               grids_too: bool = True) -> list[AreaNode]:
    """The area tree county → town → village → grid → micro-grid, from the top of the scope.

    A town operator sees its county and city above its town as context (`in_scope=False`) so the
    tree always starts at the top; only the town's own branch is filled in.
    """
    base = root or actor.jurisdiction
    if root:
        check_covers(actor, root)
    async with store.db.session() as s:
        q = select(Area).order_by(Area.code)
        if base:
            q = q.where(Area.code.startswith(base))
        areas = list((await s.execute(q)).scalars())
        ancestors: list[Area] = []
        if base and not root:
            codes_up = []
            c = codes.parent_of(base) if len(base) in codes.PARENT_LENGTH else None
            while c:
                codes_up.append(c)
                c = codes.parent_of(c)
            if codes_up:
                ancestors = list((await s.execute(select(Area).where(Area.code.in_(codes_up)))).scalars())
        grid_rows: list[GridRow] = []
        if grids_too:
            gq = _scope_grids(select(Grid, Area.name).join(Area, Area.code == Grid.area_code), actor)
            if base:
                gq = gq.where(Grid.area_code.startswith(base))
            if not include_retired:
                gq = gq.where(Grid.status == GridStatus.ACTIVE)
            grid_rows = await load_grid_rows(s, store, actor, gq.order_by(Grid.code))
    nodes = {a.code: _node(a) for a in areas}
    nodes.update({a.code: _node(a, in_scope=False) for a in ancestors})
    roots: list[AreaNode] = []
    for code in sorted(nodes, key=lambda c: (len(c), c)):
        n = nodes[code]
        parent = nodes.get(n.parent_code) if n.parent_code else None
        (parent.children if parent else roots).append(n)
    for g in grid_rows:
        if g.area_code in nodes:
            nodes[g.area_code].grids.append(g)
    return roots


async def area(store: Store, actor: Actor, code: str) -> AreaNode:
    """One area with its direct children and its own grids."""
    check_covers(actor, code)
    async with store.db.session() as s:
        a = await s.get(Area, code)
        if a is None:
            raise NotFound("roster.error.unknown_area", field="area.code", code=code)
        node = _node(a)
        kids = (await s.execute(select(Area).where(Area.parent_code == code).order_by(Area.code))).scalars()
        node.children = [_node(k) for k in kids]
        q = select(Grid, Area.name).join(Area, Area.code == Grid.area_code).where(Grid.area_code == code)
        node.grids = await load_grid_rows(s, store, actor, q.order_by(Grid.code))
    return node

