"""Building the demo: the town, then the history chunk by chunk; and the database it goes in."""

from __future__ import annotations

import asyncio
import gc
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from griddesk.store import records
from griddesk.store.analytics import rollups
from griddesk.store.context import Store
from griddesk.store.db import normalize_url, sqlite_path
from griddesk.store.demo.bulk import CHUNK, fix_sequences, write
from griddesk.store.demo.draws import _Rng
from griddesk.store.demo.history import _forced, _History, _schedule
from griddesk.store.demo.places import DEFAULT_TOWN, division
from griddesk.store.demo.town import _Town
from griddesk.store.demo_mark import DEMO_MARK, is_demo
from griddesk.store.enums import (
    Status,
)
from griddesk.store.errors import Conflict, Invalid
from griddesk.store.models import (
    Area,
    Base,
    Change,
    Counter,
    Grid,
    GridAssignment,
    Matter,
    MatterEvent,
    MatterLimit,
    MicroGrid,
    Operator,
    Person,
    Ticket,
    Unit,
    UnitArea,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _dt(ts: float) -> datetime:
    return EPOCH + timedelta(seconds=ts)


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """The collector's full passes while the history is made would walk every object loaded so
    far (SQLAlchemy, the catalogues, the town) again and again: those are set aside (frozen)
    and the young generation collected less often; all is as before afterwards."""
    threshold = gc.get_threshold()
    freeze = not gc.get_freeze_count()  # someone else's frozen objects are theirs to thaw
    if freeze:
        gc.freeze()
    gc.set_threshold(max(threshold[0], 10_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


MAX_TICKETS = 2_000_000
MAX_DAYS = 3650


@dataclass
class DemoSummary:
    town: str
    town_name: str
    areas: int
    grids: int
    people: int
    units: int
    matters: int
    operators: int
    tickets: int
    by_status: dict[str, int]
    gaps: dict[str, list[str]]  # DELIBERATE_GAPS key → the grid codes, person names or area codes
    seconds: float = 0.0


async def is_empty(store: Store) -> bool:
    """No areas, operators or tickets yet: a database the demo may fill."""
    async with store.db.session() as s:
        for model in (Area, Operator, Ticket):
            if (await s.execute(select(func.count()).select_from(model))).scalar_one():
                return False
    return True


async def wipe(store: Store) -> None:
    """Delete every row of a database the demo built (`--fresh` on a server database)."""
    if not (await is_demo(store) or await is_empty(store)):
        raise Conflict("demo.not_demo")
    async with store.db.connect(write=True) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


def database_url(given: str) -> str:
    """A database as given (a path or a URL) as the URL the store opens."""
    return normalize_url(given)


def database_file(url: str) -> Path | None:
    """The SQLite file behind a URL, or None for a server database."""
    return sqlite_path(url)


def database_label(url: str) -> str:
    """A database as a person reads it: the file's path, or the URL without its password."""
    path = sqlite_path(normalize_url(url))
    if path is not None:
        return str(path)
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def check_options(tickets: int, days: int) -> None:
    if isinstance(tickets, bool) or not isinstance(tickets, int) or not 0 <= tickets <= MAX_TICKETS:
        raise Invalid("demo.tickets_range", field="tickets", max=f"{MAX_TICKETS:,}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid("demo.days_range", field="days", max=MAX_DAYS)


async def build(store: Store, *, town: str = DEFAULT_TOWN, tickets: int = 5000, days: int = 90, seed: int = 7,
                progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Fill an empty, migrated database with the demo town and `tickets` tickets of history."""
    started = _time.perf_counter()
    check_options(tickets, days)
    division(town)  # a bad code is told before anything is written
    if not await is_empty(store):
        raise Conflict("demo.not_empty")
    rng = _Rng(seed)
    now = store.now()
    tw = _Town(store, town, rng, now)
    tw.build_areas()
    tw.build_grids()
    tw.build_units()
    tw.build_matters()
    tw.build_people()
    tw.build_operators()
    async with store.db.connect(write=True) as conn:
        for model in (Area, Grid, Unit, UnitArea, Matter, MatterLimit, MatterEvent, Person, GridAssignment,
                      MicroGrid, Operator):
            rows = tw.rows.get(model)
            if rows:
                await conn.execute(insert(model), rows)

    now_s = int(now.timestamp())
    start_s = now_s - days * 86400
    # the history also works out steps that never happen (they fall after now); only years that
    # a written deadline falls in are worth a warning, so the calendar's record is kept aside
    unknown_before = set(store.calendar.unknown_years)
    hist = _History(tw, rng, _dt(now_s))  # whole seconds, as every step is
    plan = _schedule(store.calendar, tickets, start_s, now_s)
    forced = _forced(plan, tickets, now_s)
    if progress:
        progress(0, tickets)
    tid = 0
    day_seq: dict[str, int] = {}
    # a chunk is written while the next is made: SQLite works in its own thread meanwhile
    writing: asyncio.Task[None] | None = None
    written = in_flight = 0
    with _bulk_gc():  # the history's millions of small objects, few of them kept
        try:
            for begin, span, count, day, daystr in plan:
                if not count:
                    continue
                for offset in sorted(rng.randrange(span) for _ in range(count)):
                    tid += 1
                    seq = day_seq[daystr] = day_seq.get(daystr, 0) + 1
                    hist.ticket(tid, _dt(begin + offset), day, daystr, seq, forced.get(tid))
                    if tid % 250 == 0:
                        await asyncio.sleep(0)  # let the writer hand its next batch to SQLite
                    if len(hist.rows_tickets) >= CHUNK:
                        if writing is not None:
                            await writing
                            written += in_flight
                            if progress:
                                progress(written, tickets)
                        in_flight = len(hist.rows_tickets)
                        writing = asyncio.create_task(write(store, hist.out, hist.take()))
            if writing is not None:
                await writing
            await write(store, hist.out, hist.take())
        except BaseException:
            if writing is not None and not writing.done():
                writing.cancel()
            raise

    cal = store.calendar
    cal.unknown_years.intersection_update(unknown_before)
    cal.unknown_years.update(y for y in range(cal.local(now).year, cal.local(hist.latest).year + 1)
                             if not cal.knows(y))
    async with store.db.connect(write=True) as conn:
        if day_seq:
            await conn.execute(insert(Counter), [{"key": f"{town}-{d}", "value": v} for d, v in day_seq.items()])
        # one change for the whole history: consoles that are open reload once
        await conn.execute(insert(Change).values(at=now, entity="area", entity_id=None, area_code=town,
                                                 kind="demo_built"))
        await records.append_audit(conn, tw.labels["admin"], DEMO_MARK, "area", town, now,
                                   {"tickets": tickets, "days": days, "seed": seed})  # on the hash chain
        await fix_sequences(conn)
    if hist.out.sqlite:
        await store.db.engine.dispose()  # fresh connections from here on, with the usual cache
    await rollups.rebuild(store)  # the analytics rollups of the history written in bulk
    if progress:
        progress(tickets, tickets)
    return DemoSummary(
        town=town, town_name=f"{tw.city.name}{tw.county.name}{tw.town.name}", areas=len(tw.rows[Area]),
        grids=len(tw.grids), people=len(tw.people), units=len(tw.rows[Unit]), matters=len(tw.matters),
        operators=len(tw.rows[Operator]), tickets=tickets,
        by_status={s.value: hist.by_status.get(s.value, 0) for s in Status},
        gaps=tw.gaps, seconds=_time.perf_counter() - started)


