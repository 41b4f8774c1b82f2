"""Jurisdiction as a SQL condition: a division code covers every code that starts with it.

Written as a range (code >= '450502005' AND code < '450502006') rather than LIKE 'x%', because
SQLite's LIKE is case-insensitive and cannot use an ordinary index; the range uses the index on
both SQLite and PostgreSQL (measured on 200,000 tickets: bench/README.md).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression, and_, column, select, table, true
from sqlalchemy.sql.elements import ColumnElement

# a SELECT of any columns, kept as its own type through helpers that only add WHERE, JOIN or
# ORDER BY (each returns the same Select, so the rows' column types survive)
AnySelect = Select[*tuple[Any, ...]]
SelectT = TypeVar("SelectT", bound=AnySelect)


def upper_bound(prefix: str) -> str:
    """The smallest string above every string starting with `prefix` (codes are digits)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def under(column: SQLColumnExpression[str | None], prefix: str, full: int | None = None) -> ColumnElement[bool]:
    """`column` lies in `prefix`'s jurisdiction. When the column always holds codes of `full`
    digits (tickets.town_code: 9) and the prefix is that long, it is plain equality, which lets
    the queue index serve the status condition that follows it too."""
    if not prefix:
        return true()
    if full is not None and len(prefix) == full:
        return column == prefix
    return and_(column >= prefix, column < upper_bound(prefix))


# the towns a county or city holds, as its grids name them (a ticket's town is its grid's)
_GRIDS = table("grids", column("town_code"))
TOWN = 9


def in_town(col: SQLColumnExpression[str], prefix: str) -> ColumnElement[bool]:
    """For tickets.town_code and grids.town_code, which always hold a 9-digit town code.

    A county or city is written as the list of its towns (`IN (SELECT DISTINCT town_code FROM
    grids …)`), not as a range: with a range the index (town_code, status, …) can seek on the
    town code only, so a county queue read every open ticket through the status index instead
    (2,000,000 tickets, 38 towns: 668 ms against 90 ms for the page, bench/README.md)."""
    if prefix and len(prefix) < TOWN:
        towns = select(_GRIDS.c.town_code).where(under(_GRIDS.c.town_code, prefix)).distinct()
        return col.in_(towns)
    return under(col, prefix, full=TOWN)
