"""What every part of the roster shares: who may write, the jurisdiction check, field checks and
loading a row or failing with the error an operator reads."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import permissions, validation
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, Role
from griddesk.store.errors import Conflict, Invalid, NotAllowed, NotFound
from griddesk.store.i18n import t
from griddesk.store.models import Area, Grid, Person

WRITERS = permissions.CENTRE
FILERS = permissions.SUPERVISORS  # filing (备案) is the supervisor's confirmation
MAX_NAME = 64
MAX_PERSON_NAME = 32

E = TypeVar("E", bound=StrEnum)


def today(store: Store) -> date:
    return store.calendar.local(store.now()).date()


def check_writer(actor: Actor, roles: frozenset[Role] = WRITERS) -> None:
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in roles:
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))


def check_covers(actor: Actor, code: str | None) -> None:
    if code is not None and not actor.covers(code):
        raise NotAllowed("error.out_of_jurisdiction", number=code, jurisdiction=actor.jurisdiction)


def checked_text(value: Any, fld: str, required: bool = True, max_len: int = MAX_NAME,
                 multiline: bool | None = None) -> str | None:
    """The one text check (store/validation.py): a string, stripped, bounded, without control
    characters; long free-text fields (500 characters and more) may hold tabs and newlines."""
    return validation.text(value, fld, required=required, max_len=max_len,
                           multiline=max_len >= 500 if multiline is None else multiline)


def checked_count(value: Any, fld: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("roster.error.not_count", field=fld, value=value)
    return value


def checked_choice(value: Any, fld: str, choices: type[E] | tuple[E, ...]) -> E:
    """`value` as a member of the enum (or one of the listed members)."""
    options = tuple(choices)
    for option in options:
        if value == option:
            return option
    raise Invalid("error.unknown_value", field=fld, value=value, choices=" | ".join(options))


async def load_area(s: AsyncSession, code: str, fld: str = "area.code") -> Area:
    area = await s.get(Area, code)
    if area is None:
        raise Invalid("roster.error.unknown_area", field=fld, code=code)
    return area


async def load_grid(s: AsyncSession, code: str, active: bool = True, fld: str = "grid.code") -> Grid:
    grid = (await s.execute(select(Grid).where(Grid.code == code))).scalar_one_or_none()
    if grid is None:
        raise NotFound("roster.error.unknown_grid", field=fld, code=code)
    if active and grid.status != GridStatus.ACTIVE:
        raise Conflict("roster.error.grid_retired", field=fld, code=code)
    return grid


async def load_person(s: AsyncSession, person_id: int) -> Person:
    person = await s.get(Person, person_id)
    if person is None:
        raise NotFound("roster.error.unknown_person", field="person.id", id=person_id)
    return person
