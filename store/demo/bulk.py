"""Writing the history in bulk: executemany on SQLite, Core insert on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from griddesk.store.context import Store
from griddesk.store.models import (
    Ticket,
    TicketClock,
    TicketCoUnit,
    TimelineEntry,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
DAY_US = 86_400_000_000
CHUNK = 5000  # tickets per write transaction
JSON_KEPT = 4096  # encoded entry data remembered
BULK_CACHE_KIB = 131_072  # SQLite page cache while writing the history


TICKET_COLS = ("id", "number", "source", "reporter_name", "reporter_phone", "grid_id", "town_code", "address",
               "matter_id", "out_of_list", "urgency", "title", "description", "status", "lead_unit_id",
               "received_at", "due_at", "due_clock", "warn_at", "handle_due_at", "closed_at",
               "resolved_on_spot", "satisfaction", "supervise_level", "escalation", "held_by",
               "resume_status", "created_by", "updated_at", "updated_by", "version")
CLOCK_COLS = ("ticket_id", "name", "limit_value", "limit_unit", "started_at", "due_at", "warn_at", "state",
              "paused_at", "remaining_s", "stopped_at")
TIMELINE_COLS = ("ticket_id", "at", "actor", "action", "from_status", "to_status", "note", "data")
CO_UNIT_COLS = ("ticket_id", "unit_id")
BULK_COLS: dict[Any, tuple[str, ...]] = {Ticket: TICKET_COLS, TicketClock: CLOCK_COLS,
                                         TimelineEntry: TIMELINE_COLS, TicketCoUnit: CO_UNIT_COLS}


class Out:
    """How the history's rows reach the big tables: the one backend-specific part of the demo.

    On SQLite, rows go to the driver's executemany as tuples with times already in the text
    form SQLAlchemy's SQLite DateTime stores (UTC, "YYYY-MM-DD HH:MM:SS.ffffff") and JSON as
    text — SQLAlchemy's per-row, per-value processing would otherwise be most of the cost.
    The models read these rows back as usual (store/models.py's UTCDateTime takes that text).
    On PostgreSQL the same rows go through Core `insert(table)` executemany as dicts with real
    datetimes, which asyncpg wants.
    """

    def __init__(self, dialect: str, epoch_us: Callable[[datetime], int] | None = None):
        self.sqlite = dialect == "sqlite"
        # a moment in epoch microseconds (the calendar's, which is quick on its own zone)
        self._us = epoch_us or (lambda at: (at - EPOCH) // ONE_US)
        self._days: dict[int, str] = {}
        self._json: dict[tuple[Any, ...], str] = {}
        self._clock = [f"{h:02d}:{m:02d}:{x:02d}.000000" for h in range(24) for m in range(60)
                       for x in range(60)] if self.sqlite else []

    def time(self, at: datetime | None) -> Any:
        if at is None or not self.sqlite:
            return at
        whole, frac = divmod(self._us(at), 1_000_000)
        if frac:
            ts = at.timestamp()
            return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        day, rest = divmod(whole, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d ")
        return prefix + self._clock[rest]

    def json(self, data: dict[str, Any]) -> Any:
        if not self.sqlite:
            return data
        # the history's entries carry a few shapes of data over and over: each is encoded once
        key = _json_key(data)
        if key is None:
            return json.dumps(data)
        got = self._json.get(key)
        if got is None:
            if len(self._json) >= JSON_KEPT:
                self._json.clear()
            got = self._json[key] = json.dumps(data)
        return got

    async def prepare(self, conn: AsyncConnection) -> None:
        if self.sqlite:
            # the indexes of millions of rows fit a bigger page cache (~10 % faster at 600,000
            # tickets); build() closes these connections afterwards, giving the memory back
            await conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")

    async def write(self, conn: AsyncConnection, model: Any, rows: list[tuple[Any, ...]]) -> None:
        cols = BULK_COLS[model]
        if self.sqlite:
            sql = f"INSERT INTO {model.__tablename__} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            await conn.exec_driver_sql(sql, rows)
        else:
            await conn.execute(insert(model), [dict(zip(cols, r, strict=True)) for r in rows])


def _json_key(data: dict[str, Any]) -> tuple[Any, ...] | None:
    """`data` as a key that only equal encodings share (value and type: True and 1 encode
    differently), or None when it holds anything but strings, whole numbers, None and lists
    of strings (a float's 0.0 and -0.0 are equal and encode differently)."""
    out = []
    for k, v in data.items():
        if k.__class__ is not str:
            return None
        if v.__class__ is list:
            for x in v:
                if not isinstance(x, str):
                    return None
            v = tuple(v)
        elif not isinstance(v, _PLAIN):
            return None
        out.append((k, v.__class__, v))
    return tuple(out)


_PLAIN = (str, int, type(None))  # bool is an int


async def write(store: Store, out: Out, batch: list[tuple[Any, list[tuple[Any, ...]]]]) -> None:
    """One chunk of tickets with their clocks, timelines and co-units: one transaction."""
    async with store.db.connect(write=True) as conn:
        await out.prepare(conn)
        for model, rows in batch:
            if rows:
                await out.write(conn, model, rows)



class FastLoad:
    """The history's rows into a fresh SQLite file the demo is building, by plain `sqlite3`.

    A connection of its own (the store's engine is closed meanwhile) with what only a file being
    built may have: no rollback journal and no fsync (a build that fails leaves a file that
    `demo init --fresh` removes: nobody else's data is in it), foreign keys not checked row by
    row (every id is the build's own; tests/store check the references), and the big tables'
    secondary indexes dropped before the load and made again afterwards from the migrations' own
    SQL, read from the file: one sort each instead of millions of B-tree inserts. `finish()`
    leaves the file in WAL mode with the schema exactly as migrated.
    """

    TABLES = tuple(m.__tablename__ for m in BULK_COLS)

    def __init__(self, path: Path):
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con = self.con
        try:
            # changing the journal needs the file to ourselves; if another connection has it
            # open (a console on an empty database), the build keeps WAL and goes on
            con.execute("PRAGMA journal_mode=OFF").fetchone()
        except sqlite3.OperationalError:
            pass
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        con.execute("PRAGMA threads=2")  # CREATE INDEX may sort in a helper thread
        marks = ", ".join("?" * len(self.TABLES))
        self.indexes: list[tuple[str, str]] = con.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name", self.TABLES).fetchall()
        for name, _sql in self.indexes:
            con.execute(f'DROP INDEX "{name}"')
        self.sql = {m: f"INSERT INTO {m.__tablename__} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
                    for m, c in BULK_COLS.items()}

    def write(self, batch: list[tuple[Any, list[tuple[Any, ...]]]]) -> None:
        """One chunk of tickets with their clocks, timelines and co-units: one transaction."""
        con = self.con
        con.execute("BEGIN")
        for model, rows in batch:
            if rows:
                con.executemany(self.sql[model], rows)
        con.execute("COMMIT")

    def finish(self, each: Callable[[int, int], None] | None = None) -> None:
        """The indexes made again (`each(done, total)` after each), WAL again, and closed."""
        con = self.con
        if con.in_transaction:  # a chunk a failure cut short
            con.execute("COMMIT")
        for i, (_name, sql) in enumerate(self.indexes):
            con.execute(sql)
            if each:
                each(i + 1, len(self.indexes))
        self.close()

    def close(self) -> None:
        con = self.con
        try:
            con.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError:
            pass
        con.close()


async def fix_sequences(conn: AsyncConnection) -> None:
    """We gave ids ourselves; PostgreSQL's sequences must learn the highest. (SQLite's
    INTEGER PRIMARY KEY takes max(id) + 1 by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    for table in ("grids", "units", "matters", "people", "operators", "tickets"):
        await conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))


