"""Time arithmetic in SQL that both backends share: seconds since the epoch of a stored time.

Stored times are naive UTC (`models.UTCDateTime`). SQLite reads them with strftime('%s'),
PostgreSQL with EXTRACT(EPOCH …); day and hour buckets are integer arithmetic on top, so the
per-day series and the day × hour heat table are grouped in the database on either backend.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class epoch_seconds(FunctionElement[int]):  # lower case: it reads as the SQL function it is
    """Whole seconds since 1970-01-01 UTC of a stored (naive UTC) time."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # aiosqlite's paramstyle is qmark: a literal %s needs no escaping
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


def day_index(column: Any, start_epoch: int) -> ColumnElement[int]:
    """The day (0, 1, …) of a period that `column` falls on, days counted from `start_epoch`
    (a local midnight as epoch seconds). Integer division on both backends."""
    return (epoch_seconds(column) - start_epoch) // 86400


def local_hour(column: Any, offset_s: int) -> ColumnElement[int]:
    """The local hour of day (0–23) at a fixed UTC offset."""
    return ((epoch_seconds(column) + offset_s) % 86400) // 3600


def local_weekday(column: Any, offset_s: int) -> ColumnElement[int]:
    """Monday 0 … Sunday 6 (1970-01-01 was a Thursday)."""
    return (((epoch_seconds(column) + offset_s) // 86400) + 3) % 7
