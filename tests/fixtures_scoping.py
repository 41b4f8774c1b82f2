"""A world for scoping tests: the test town (tests/fixtures_town.py) plus a second town of the same
county in the same database, a second grid worker, and tickets whose visibility differs by role.

    town A (450502005, the test town)          town B (450502006, 海角街道)
      comp1, comp2 (陈丽 = gw01's grids)         b1 (its own grid, operator opb)
      school, port (刘洋 = gw02's grids)

Tickets (by key in `World.numbers`):
    police_lead   comp1, led by POLICE, co-handled by URBAN
    civil_lead    port, led by CIVIL
    pending_comp2 comp2, not dispatched
    gw01_report   school (not gw01's grid), registered by gw01 on patrol
    town_b        town B's grid, led by POLICE (a county bureau's unit leads there too)
    feedback_port port, led by URBAN, fed back: waiting for on-site verification
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select

from griddesk.store import tickets, workflow
from griddesk.store.actor import Actor
from griddesk.store.enums import Role
from griddesk.store.models import Area, Grid, GridAssignment, Operator, Ticket, TicketCoUnit
from tests.fixtures_town import COUNTY, Town

TOWN_B, VILLAGE_B = "450502006", "450502006001"
GRID_B = f"{VILLAGE_B}001"


@dataclass
class World:
    town: Town
    actors: dict[str, Actor]
    numbers: dict[str, str] = field(default_factory=dict)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.town.store


async def build(town: Town) -> World:
    store = town.store
    now = datetime(2025, 1, 1, tzinfo=UTC)
    actors = dict(town.actors)
    async with store.db.session(write=True) as s:
        await s.execute(insert(Area), [
            dict(code=TOWN_B, name="海角街道", level="town", parent_code=COUNTY, population=50000),
            dict(code=VILLAGE_B, name="海角社区", level="village", parent_code=TOWN_B, kind="community"),
        ])
        await s.execute(insert(Grid).values(
            id=100, code=GRID_B, name="海角社区第一网格", area_code=VILLAGE_B, town_code=TOWN_B,
            type="comprehensive", households=300, population=900, status="active", created_at=now,
            notice_updated_at=now, roster_changed_at=now))
        for login, name, role, jur, unit_id, person_id in (
                ("opb", "钱海", Role.OPERATOR, TOWN_B, None, None),
                ("gw02", "刘洋", Role.GRID_WORKER, town.actors["op01"].jurisdiction, None, 3),
                ("supb", "郑岚", Role.SUPERVISOR, TOWN_B, None, None)):
            oid = (await s.execute(insert(Operator).values(
                login=login, name=name, role=role, jurisdiction=jur, unit_id=unit_id, person_id=person_id,
                bell=True, active=True).returning(Operator.id))).scalar_one()
            actors[login] = Actor(login, name, role, jur, oid, unit_id)
    w = World(town, actors)
    op, opb = actors["op01"], actors["opb"]

    async def add(actor: Actor, grid: str, title: str) -> str:
        return await tickets.create(store, actor, tickets.parse(town.ticket(grid=grid, title=title)))

    w.numbers["police_lead"] = n = await add(op, town.grids["comp1"], "路口积水")
    await workflow.dispatch(store, op, n, "POLICE", co_units=("URBAN",))
    w.numbers["civil_lead"] = n = await add(op, town.grids["port"], "渔港纠纷")
    await workflow.dispatch(store, op, n, "CIVIL")
    w.numbers["pending_comp2"] = await add(op, town.grids["comp2"], "树枝倒伏")
    w.numbers["gw01_report"] = await add(actors["gw01"], town.grids["school"], "校门口占道")
    w.numbers["town_b"] = n = await add(opb, GRID_B, "海角路灯不亮")
    await workflow.dispatch(store, opb, n, "POLICE")
    w.numbers["feedback_port"] = n = await add(op, town.grids["port"], "渔船油污")
    await workflow.dispatch(store, op, n, "URBAN")
    await workflow.sign(store, actors["u-urban"], n)
    await workflow.feedback(store, actors["u-urban"], n, "已清理")
    return w


@dataclass(frozen=True)
class Facts:
    """One ticket's row facts, for computing the rule in Python."""

    number: str
    town_code: str
    grid_id: int
    lead_unit_id: int | None
    co_unit_ids: frozenset[int]
    created_by: str


async def facts(w: World) -> list[Facts]:
    async with w.store.db.session() as s:
        rows = (await s.execute(select(Ticket.id, Ticket.number, Ticket.town_code, Ticket.grid_id,
                                       Ticket.lead_unit_id, Ticket.created_by))).all()
        co = (await s.execute(select(TicketCoUnit.ticket_id, TicketCoUnit.unit_id))).all()
    by_ticket: dict[int, set[int]] = {}
    for tid, uid in co:
        by_ticket.setdefault(tid, set()).add(uid)
    return [Facts(n, town, g, lead, frozenset(by_ticket.get(tid, ())), who)
            for tid, n, town, g, lead, who in rows]


async def person_grids(w: World) -> dict[int, set[int]]:
    """Operator id → the grid ids its person currently holds (no assignment here has ended)."""
    async with w.store.db.session() as s:
        rows = (await s.execute(select(Operator.id, GridAssignment.grid_id)
                                .join(GridAssignment, GridAssignment.person_id == Operator.person_id)
                                .where(GridAssignment.until.is_(None)))).all()
    out: dict[int, set[int]] = {}
    for oid, gid in rows:
        out.setdefault(oid, set()).add(gid)
    return out


def may_see(actor: Actor, f: Facts, grids_of: dict[int, set[int]]) -> bool:
    """The rule of store/visibility.py, written again independently from the rows."""
    if not f.town_code.startswith(actor.jurisdiction):
        return False
    if actor.role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.VIEWER):
        return True
    if actor.role == Role.UNIT:
        return actor.unit_id is not None and (f.lead_unit_id == actor.unit_id or actor.unit_id in f.co_unit_ids)
    if actor.role == Role.GRID_WORKER:
        mine = actor.operator_id is not None and f.grid_id in grids_of.get(actor.operator_id, set())
        return mine or f.created_by.endswith(f"({actor.login})")
    return False
