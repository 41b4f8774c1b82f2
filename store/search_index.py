"""The text index behind the queue's `/` filter, the caller search and the address search.

A substring search (`LIKE '%text%'`) cannot use a B-tree index: on a county database it read
every open ticket in scope (724 ms over 113,000 of them at 2,000,000 tickets, issue 13). Both
backends get an index made for it (migration 0009):

- SQLite: `tickets_fts`, an FTS5 table with the trigram tokenizer over the tickets' searched
  text (number, title, address, external_id), external content on `tickets` (the text is not
  stored twice), kept in step by three triggers on insert, delete and an update of those
  columns (a workflow step, which changes the status, leaves it alone). A phrase query of three
  or more characters gives the rowids whose column holds the text.
- PostgreSQL: `pg_trgm` GIN indexes (`gin_trgm_ops`) on the same columns, which a `LIKE` uses.

`own_text` gives those ids as a subquery: a superset of the matching tickets (the trigram index
folds case over all of Unicode, SQLite's `LIKE` only over ASCII), so a caller keeps its own
`LIKE` and the answer is the `LIKE`'s; the index only narrows which rows are looked at.

Fewer than three characters make no trigram (two-character names are common in Chinese): those
filters keep the plain `LIKE`, bounded by the caller's other conditions (scope, status) as before.
A text found in very many tickets (a town code, a day in the ticket numbers) is cheaper to check
row by row on the rows the caller's other conditions choose than to gather from the index:
`bounded` counts, stopping past `MAX_CANDIDATES`, and beyond that the caller keeps the plain scan.

Bulk writers: the triggers keep the index right for every insert. A loader that writes millions
of rows may instead `pause(conn)` (drop the triggers), write, and `rebuild(conn)` (re-read all
tickets into the index and put the triggers back) at the end.
"""

from __future__ import annotations

import time

from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

TABLE = "tickets_fts"
COLUMNS = ("number", "title", "address", "external_id")
MIN_CHARS = 3  # a trigram
MAX_CANDIDATES = 200_000  # more candidate rows than this: the caller's own scan is the cheaper way (bench/search.py)
ESCAPE = "/"

_fts = table(TABLE, column("rowid"))

# --- schema (migration 0009; `pause` and `rebuild` for bulk loaders) -------------------------

_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
SQLITE_TABLE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5({_cols}, content='tickets', "
                "content_rowid='id', tokenize='trigram')")
SQLITE_TRIGGERS = {
    f"{TABLE}_ai": f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO {TABLE}(rowid, {_cols}) VALUES (new.id, {_new});
END""",
    f"{TABLE}_ad": f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON tickets BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old});
END""",
    f"{TABLE}_au": f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF id, {_cols} ON tickets BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old});
  INSERT INTO {TABLE}(rowid, {_cols}) VALUES (new.id, {_new});
END""",
}
PG_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
PG_INDEXES = {f"ix_tickets_trgm_{c}": f"CREATE INDEX IF NOT EXISTS ix_tickets_trgm_{c} ON tickets "
                                      f"USING gin ({c} gin_trgm_ops)" for c in COLUMNS}


def create_statements(dialect: str) -> list[str]:
    """The index, its triggers and its backfill (SQLite), or the trigram indexes (PostgreSQL)."""
    if dialect == "sqlite":
        return [SQLITE_TABLE, *SQLITE_TRIGGERS.values(), f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')"]
    if dialect == "postgresql":
        return [PG_EXTENSION, *PG_INDEXES.values()]
    return []


def drop_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [*(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS), f"DROP TABLE IF EXISTS {TABLE}"]
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {name}" for name in PG_INDEXES]  # pg_trgm may serve others
    return []


async def pause(conn: AsyncConnection) -> None:
    """Stop keeping the index in step (SQLite: drop the triggers) before a bulk load; the load
    must end with `rebuild`. On PostgreSQL nothing to do: its indexes are ordinary ones."""
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            await conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


async def rebuild(conn: AsyncConnection) -> None:
    """Read every ticket into the index again and keep it in step from here on (SQLite: FTS5's
    'rebuild' command, and the triggers put back if `pause` took them away)."""
    if conn.dialect.name != "sqlite":
        return
    for ddl in SQLITE_TRIGGERS.values():
        await conn.exec_driver_sql(ddl)
    await conn.exec_driver_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


# --- queries ---------------------------------------------------------------------------------


def contains_pattern(value: str) -> str:
    """`value` as a LIKE pattern that finds it anywhere, its own %, _ and / taken literally
    (escape character `ESCAPE`, as SQLAlchemy's `contains(autoescape=True)`)."""
    escaped = value.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def fts_query(value: str, columns: tuple[str, ...] = COLUMNS) -> str:
    """An FTS5 query for `value` as one phrase (a substring, under the trigram tokenizer) in any
    of `columns`: every character literal, a double quote doubled."""
    return "{" + " ".join(columns) + "} : \"" + value.replace('"', '""') + '"'


def matching(value: str, columns: tuple[str, ...] = COLUMNS) -> Select[int]:
    """The ids of tickets whose `columns` may hold `value` (SQLite, `value` of MIN_CHARS or more)."""
    match: ColumnElement[bool] = literal_column(TABLE).op("MATCH")(fts_query(value, columns))
    return select(_fts.c.rowid).where(match)


def indexable(value: str) -> bool:
    # FTS5 ends a query string at a NUL ("unterminated string"): such text takes the plain path
    return len(value) >= MIN_CHARS and "\x00" not in value


def own_text(dialect: str, value: str, columns: tuple[str, ...] = COLUMNS) -> Select[int] | None:
    """The ids of tickets whose `columns` may contain `value`, read from the index: a superset
    (apply the LIKE too). None below MIN_CHARS, where no index helps."""
    if not indexable(value):
        return None
    if dialect == "sqlite":
        return matching(value, columns)
    like = contains_pattern(value)
    tickets = table("tickets", column("id"), *(column(c) for c in columns))
    return select(tickets.c.id).where(or_(*(tickets.c[c].like(like, escape=ESCAPE) for c in columns)))


async def bounded(s: AsyncSession, ids: Select[int], key: str, most: int | None = None) -> bool:
    """`ids` gives at most `most` rows (a count that stops at most + 1). The answer only chooses
    a plan, never the result, so it is remembered for `REMEMBER_S` per database and `key` (the
    text): a console's page and count, and its next refreshes, do not count again."""
    most = MAX_CANDIDATES if most is None else most
    bind = s.bind
    assert bind is not None
    where = (str(bind.engine.url), key, most)
    now = time.monotonic()
    got = _bounded.get(where)
    if got is not None and got[0] > now:
        return got[1]
    n = (await s.execute(select(func.count()).select_from(ids.limit(most + 1).subquery()))).scalar_one()
    if len(_bounded) >= REMEMBERED:
        _bounded.clear()
    _bounded[where] = (now + REMEMBER_S, int(n) <= most)
    return int(n) <= most


REMEMBER_S = 60.0
REMEMBERED = 512
_bounded: dict[tuple[str, str, int], tuple[float, bool]] = {}


async def narrowing(s: AsyncSession, value: str, columns: tuple[str, ...], key: str) -> Select[int] | None:
    """For a search on tickets' `columns` alone: the FTS candidate ids on SQLite when there are
    not too many (keep the LIKE too), else None. PostgreSQL's LIKE uses pg_trgm by itself."""
    if dialect_of(s) != "sqlite":
        return None
    ids = own_text("sqlite", value, columns)
    if ids is None or not await bounded(s, ids, key):
        return None
    return ids


def dialect_of(s: AsyncSession) -> str:
    bind = s.bind
    assert bind is not None
    return bind.dialect.name


async def check(conn: AsyncConnection) -> bool:
    """The index agrees with the tickets table (SQLite: FTS5 'integrity-check')."""
    if conn.dialect.name != "sqlite":
        return True
    try:
        await conn.execute(text(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('integrity-check', 1)"))
    except DBAPIError:  # SQLITE_CORRUPT_VTAB: the index disagrees
        return False
    return True
