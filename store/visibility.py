"""Which tickets an account may see and act on: one SQL condition, the one place the rule lives.

Every ticket read (queue and lists, counts, detail and timeline, overdue, notices, supervision
history, the criticism list, escalation queues, formal notices) and every ticket action (the
workflow, escalation, supervision) goes through `condition` / `where` / `load` here, inside the
store functions — a front end cannot forget it.

Who sees which tickets (issue 9, JM 15, HH 24, YC 36: tiered access to the data):

- centre accounts (operator, supervisor, admin) and the viewer (wall screen): the tickets of
  their jurisdiction — a town account its town, a county account every town of the county, a
  city account every county's towns; an empty jurisdiction (the system actor) everything. The
  viewer reads the same as the centre and changes nothing (`permissions.may_write`).
- a unit account: the tickets its unit leads (`tickets.lead_unit_id`) or co-handles
  (`ticket_co_units`), within its jurisdiction. Only the lead unit acts (`loop.permit`); a
  co-unit reads, and reports to the lead unit (BH 18).
- a grid worker: the tickets on the grids they currently hold an assignment on
  (`grid_assignments` of the account's `operators.person_id`, current on the centre's today),
  plus the tickets they registered themselves on patrol (HH 21), within their jurisdiction.
  The grids are found by a subquery, so the `Actor` stays small and an assignment made or ended
  in the roster counts at once.

A ticket outside the account's scope is indistinguishable from one that does not exist: `load`
asks the database once for "this number, visible to this account" and raises the same
`NotFound("error.not_found_ticket")` whether the number is absent or hidden, through the same
code path (no second query, no other key, message or exit code), so another town's or another
unit's numbers cannot be probed.

"Mine" (`mine`): the tickets that are the account's own work — for a unit, those it leads or
co-handles; for a grid worker, those on their grids or registered by them; for a centre account
or the viewer, those it registered. It is the default queue of unit and grid-worker accounts
in the console and `griddesk tickets list --mine`.

Roster reads (areas, grids, people, assignments, findings, notice cards, roster search) stay
scoped by jurisdiction for every role, as `store.roster` does: units and grid workers need the
roster of their town to find who to call, a public notice card is public by design (HH 12), and
the personal data in those rows is a matter of masking, not of scoping. A notice card of a grid
outside the jurisdiction answers as a grid that does not exist, like a ticket.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import numbers, permissions
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import NotFound
from griddesk.store.models import Grid, GridAssignment, Operator, Ticket, TicketCoUnit
from griddesk.store.roster.rules import current_clause
from griddesk.store.scope import SelectT, in_town, under

# roles that read by jurisdiction alone
BY_JURISDICTION: frozenset[Role] = permissions.CENTRE | {Role.VIEWER}


def today(store: Store) -> date:
    """The centre's today, for "current" grid assignments."""
    return store.calendar.local(store.now()).date()


def in_jurisdiction(actor: Actor) -> ColumnElement[bool]:
    """The ticket lies in the actor's jurisdiction (a town, county or city; a village account by
    the grid's area)."""
    j = actor.jurisdiction
    if len(j) <= permissions.TOWN_LENGTH:
        return in_town(Ticket.town_code, j)
    return Ticket.grid_id.in_(select(Grid.id).where(under(Grid.area_code, j)))


def _unit_tickets(actor: Actor) -> ColumnElement[bool]:
    if actor.unit_id is None:
        return false()
    co = select(TicketCoUnit.ticket_id).where(TicketCoUnit.unit_id == actor.unit_id)
    return or_(Ticket.lead_unit_id == actor.unit_id, Ticket.id.in_(co))


def _registered(actor: Actor) -> ColumnElement[bool]:
    # created_by holds the actor's label "name(login)"; the login is unique and the name may
    # change, so the login decides
    return Ticket.created_by.endswith(f"({actor.login})", autoescape=True)


def _grid_worker_tickets(actor: Actor, on: date) -> ColumnElement[bool]:
    if actor.operator_id is None:
        return _registered(actor)
    person = select(Operator.person_id).where(Operator.id == actor.operator_id).scalar_subquery()
    grids = select(GridAssignment.grid_id).where(GridAssignment.person_id == person, current_clause(on))
    return or_(Ticket.grid_id.in_(grids), _registered(actor))


def condition(store: Store, actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on `tickets` for the tickets `actor` may see (and so act on)."""
    where = in_jurisdiction(actor)
    if actor.role in BY_JURISDICTION:
        return where
    if actor.role == Role.UNIT:
        return and_(where, _unit_tickets(actor))
    if actor.role == Role.GRID_WORKER:
        return and_(where, _grid_worker_tickets(actor, today(store)))
    return false()  # a role nobody taught this module sees nothing


def mine(store: Store, actor: Actor) -> ColumnElement[bool]:
    """The account's own work (the "mine" queue), on top of `condition`."""
    if actor.role == Role.UNIT:
        return _unit_tickets(actor)
    if actor.role == Role.GRID_WORKER:
        return _grid_worker_tickets(actor, today(store))
    return _registered(actor)


def where(q: SelectT, store: Store, actor: Actor, only_mine: bool = False) -> SelectT:
    """`q` (which selects from `tickets`) limited to what `actor` may see."""
    q = q.where(condition(store, actor))
    return q.where(mine(store, actor)) if only_mine else q


def mine_by_default(actor: Actor) -> bool:
    """Whether the account's queue opens on "mine": units and grid workers work their own."""
    return actor.role in (Role.UNIT, Role.GRID_WORKER)


async def load(s: AsyncSession, store: Store, actor: Actor, number: str, lock: bool = False) -> Ticket:
    """The ticket `number` if `actor` may see it; otherwise exactly "no such ticket".

    One query either way, so a hidden ticket and a missing one take the same path. `number` may
    be shortened as the screens show it (`numbers.resolve`, among the visible tickets only).
    """
    visible = condition(store, actor)
    number = await numbers.resolve(s, number, actor.jurisdiction, store.today(), visible)
    q = select(Ticket).where(Ticket.number == number, visible)
    if lock:
        # PostgreSQL: a second writer waits here and then reads the first one's version.
        # SQLite ignores FOR UPDATE; its BEGIN IMMEDIATE already serialises writers.
        q = q.with_for_update(of=Ticket)
    tk = (await s.execute(q)).scalar_one_or_none()
    if tk is None:
        raise NotFound("error.not_found_ticket", field="number", number=number)
    return tk


__all__ = ["BY_JURISDICTION", "condition", "in_jurisdiction", "load", "mine", "mine_by_default", "today",
           "where"]

