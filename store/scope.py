"""Jurisdiction as a SQL condition: a division code covers every code that starts with it.

Written as a range (code >= '450502005' AND code < '450502006') rather than LIKE 'x%', because
SQLite's LIKE is case-insensitive and cannot use an ordinary index; the range uses the index on
both SQLite and PostgreSQL (measured on 200,000 tickets: bench/README.md).
"""

from __future__ import annotations

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement


def upper_bound(prefix: str) -> str:
    """The smallest string above every string starting with `prefix` (codes are digits)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def under(column, prefix: str, full: int | None = None) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """`column` lies in `prefix`'s jurisdiction. When the column always holds codes of `full`
    digits (tickets.town_code: 9) and the prefix is that long, it is plain equality, which lets
    the queue index serve the status condition that follows it too."""
    if not prefix:
        return true()
    if full is not None and len(prefix) == full:
        return column == prefix
    return and_(column >= prefix, column < upper_bound(prefix))


def in_town(column, prefix: str) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """For tickets.town_code and grids.town_code, which always hold a 9-digit town code."""
    return under(column, prefix, full=9)
