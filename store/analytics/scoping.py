"""Which tickets an actor's figures count: the one place analytics scopes and checks access.

The same jurisdiction rule as the queue and the overdue view (`store.scope`, `store.overdue`):
a centre account counts its towns' tickets; a unit account only the tickets its unit leads.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, literal

from griddesk.store import permissions
from griddesk.store.actor import Actor
from griddesk.store.enums import Role
from griddesk.store.errors import NotAllowed
from griddesk.store.models import Ticket
from griddesk.store.scope import in_town


def check(actor: Actor) -> None:
    if actor.role not in permissions.ANALYTICS:
        raise NotAllowed("analytics.error.not_allowed")


def tickets(actor: Actor) -> ColumnElement[bool]:
    """The condition on `tickets` rows this actor's figures count."""
    check(actor)
    cond = in_town(Ticket.town_code, actor.jurisdiction)
    if actor.role == Role.UNIT:
        cond = and_(cond, Ticket.lead_unit_id == (actor.unit_id if actor.unit_id is not None else literal(-1)))
    return cond
