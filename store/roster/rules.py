"""The roster's rules that the roster's own writes and the importer both go through.

- one current leader per grid (JM 7); a leader and a professional may cover several grids (HH 11);
- a professional grid worker names the unit that sent them (HH 11);
- a person who leaves: every assignment that runs past the leaving day ends on it, and the notice
  cards that showed them go stale;
- a change to what the public notice card shows (grid name, range, leader and full-time workers
  and their phones — HH 12, YC 22, BH 14) stamps the grid's `roster_changed_at`, so the
  compliance rule can see a card that was not brought up to date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.checks import PHONE
from griddesk.store.enums import PersonRole
from griddesk.store.errors import Conflict, Invalid
from griddesk.store.models import Grid, GridAssignment

GRID_ROLES = (PersonRole.LEADER, PersonRole.FULL_TIME, PersonRole.PART_TIME, PersonRole.PROFESSIONAL,
              PersonRole.INSTRUCTOR)
# roles the public notice card shows (YC 22: leader and full-time workers' names and contacts)
CARD_ROLES = (PersonRole.LEADER, PersonRole.FULL_TIME)


class Span(Protocol):
    """An assignment's days, as a row or a read model has them."""

    @property
    def since(self) -> date | None: ...
    @property
    def until(self) -> date | None: ...


def is_current(a: Span, on: date) -> bool:
    """An assignment holds on a day from `since` (inclusive) to `until` (the day it ended)."""
    return (a.since is None or a.since <= on) and runs_past(a.until, on)


def current_clause(on: date) -> ColumnElement[bool]:
    """`is_current` as SQL, for queries that filter assignments."""
    return and_(or_(GridAssignment.since.is_(None), GridAssignment.since <= on), runs_past_clause(on))


def runs_past(until: date | None, on: date) -> bool:
    """Whether an assignment ending on `until` still holds after the day `on`."""
    return until is None or until > on


def runs_past_clause(on: date) -> ColumnElement[bool]:
    """`runs_past` as SQL."""
    return or_(GridAssignment.until.is_(None), GridAssignment.until > on)


def check_phone(value: Any, fld: str = "person.phone") -> str | None:
    """The one phone rule for the roster (the pattern is `store.checks.PHONE`, as for intake)."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if not PHONE.match(value):
        raise Invalid("error.bad_phone", field=fld, value=value)
    return value


def check_professional_unit(role: str | None, unit_id: int | None, fld: str) -> None:
    """A professional grid worker names the unit that sent them (HH 11)."""
    if role == PersonRole.PROFESSIONAL and unit_id is None:
        raise Invalid("roster.error.professional_unit", field=fld)


def check_one_leader(grid_name: str, others: list[str]) -> None:
    """One current leader per grid (JM 7); `others` are who else would lead it at the same time
    (names, or rows of a file being imported)."""
    if others:
        raise Conflict("roster.error.leader_taken", field="assignment.role", grid=grid_name,
                       name="、".join(others))


def notice_stale(roster_changed_at: datetime | None, notice_updated_at: datetime | None) -> bool:
    """A grid's notice card is out of date: what it shows changed after it was last updated."""
    return roster_changed_at is not None and (notice_updated_at is None or notice_updated_at < roster_changed_at)


async def touch_notice(s: AsyncSession, grid_ids: list[int] | set[int], at: datetime) -> None:
    """The grids' notice cards now show something out of date (HH 12, YC 22, BH 14)."""
    if grid_ids:
        await s.execute(update(Grid).where(Grid.id.in_(list(grid_ids))).values(roster_changed_at=at))


async def card_grids(s: AsyncSession, person_id: int, on: date) -> set[int]:
    """Grids whose notice card shows this person (as leader or full-time worker)."""
    q = select(GridAssignment.grid_id).where(GridAssignment.person_id == person_id,
                                             GridAssignment.role.in_(CARD_ROLES), current_clause(on))
    return set((await s.execute(q)).scalars())


async def end_assignments_of_leaver(s: AsyncSession, person_id: int, on: date, at: datetime) -> None:
    """A person leaves on `on`: every assignment that runs past that day ends on it (an end date
    set later than the leaving day is brought forward too), and the cards that showed them go stale."""
    shown = await card_grids(s, person_id, on)
    running = (await s.execute(select(GridAssignment).where(
        GridAssignment.person_id == person_id, runs_past_clause(on)))).scalars()
    for a in running:
        a.until = on
    await touch_notice(s, shown, at)
