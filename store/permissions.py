"""Who may do what: the role sets, the levels of a jurisdiction, and the escalation modes.

Every module that checks a role asks here, so "the centre", "a supervisor" and "a county
account" mean the same thing in the workflow, the roster, supervision, the CLI and the console.
The workflow's own per-transition table stays in `workflow.py`; what it means by "the centre"
comes from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from griddesk.store.enums import CODE_LENGTH, Escalation, EscalationMode, Level, Role, Status

if TYPE_CHECKING:
    from griddesk.store.actor import Actor

# The centre's own accounts: seat operators, shift leaders, administrators.
CENTRE: frozenset[Role] = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
# Shift leaders and administrators: approve, file roster changes (备案), warn units, reopen.
SUPERVISORS: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})
LEAD_UNIT: frozenset[Role] = frozenset({Role.UNIT, Role.ADMIN})
GRID_WORKERS: frozenset[Role] = frozenset({Role.GRID_WORKER, Role.ADMIN})
# Who registers tickets: the centre, and grid workers reporting from patrol (HH 21).
TICKET_CREATORS: frozenset[Role] = CENTRE | {Role.GRID_WORKER}
# JM 15, HH 24, YC 36: reporters' personal data is for the handling centre only.
PERSONAL_DATA: frozenset[Role] = CENTRE
# Who reads the audit log (`griddesk audit`, the audit screen): shift leaders and administrators.
AUDIT_READERS: frozenset[Role] = SUPERVISORS

TOWN_LENGTH = CODE_LENGTH[Level.TOWN]
COUNTY_LENGTH = CODE_LENGTH[Level.COUNTY]


def is_town(jurisdiction: str) -> bool:
    """A town (or street) centre's jurisdiction: exactly one town."""
    return len(jurisdiction) == TOWN_LENGTH


def above_town(jurisdiction: str) -> bool:
    """A county or city centre's jurisdiction: several towns."""
    return len(jurisdiction) < TOWN_LENGTH


def county_of(town_code: str) -> str:
    return town_code[:COUNTY_LENGTH]


def may_write(actor: Actor, roles: frozenset[Role]) -> bool:
    """Whether `actor` holds one of `roles` and is not a read-only account."""
    return not actor.read_only and actor.role in roles


def may_reveal(actor: Actor) -> bool:
    """Whether `actor` may reveal a ticket's reporter (with a reason; store/privacy.py). Even
    these roles see reporters masked until they do."""
    return actor.role in PERSONAL_DATA and not actor.read_only


def may_read_audit(actor: Actor) -> bool:
    return actor.role in AUDIT_READERS


class EscalationFacts(Protocol):
    """What the escalation modes read of a ticket (an ORM row or a plain view alike)."""

    @property
    def status(self) -> str: ...
    @property
    def escalation(self) -> str | None: ...
    @property
    def town_code(self) -> str: ...
    @property
    def held_by(self) -> str | None: ...


def escalation_modes(actor: Actor, ticket: EscalationFacts) -> list[EscalationMode]:
    """What may be done with a ticket's escalation now, in the order offered; the store's
    escalation functions check the same (BH 5, BH 21, YC 35)."""
    if ticket.status == Status.CLOSED or not may_write(actor, CENTRE):
        return []
    county = county_of(ticket.town_code)
    out = []
    if ticket.escalation == Escalation.FLAGGED:
        out.append(EscalationMode.REPORT)
    if ticket.escalation not in (Escalation.FLAGGED, Escalation.COUNTY):
        out.append(EscalationMode.FLAG)
    if ticket.held_by != county and not above_town(actor.jurisdiction):
        out.append(EscalationMode.TO_COUNTY)
    if ticket.held_by == county and county.startswith(actor.jurisdiction):
        out.append(EscalationMode.BACK)
    return out


# Hot spots, scorecards and shift reports (BH 22, HH 26, BH 23): the centre and the wall screen;
# a unit account sees its own tickets' figures only (scoped in store.analytics.scoping).
ANALYTICS: frozenset[Role] = CENTRE | {Role.VIEWER, Role.UNIT}
