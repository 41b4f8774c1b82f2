"""Building the demo: the town, then the history chunk by chunk; and the database it goes in."""

from __future__ import annotations

import asyncio
import os
import pickle
import time as _time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from griddesk.store import records, search_index
from griddesk.store.analytics import rollups
from griddesk.store.context import Store
from griddesk.store.db import normalize_url, sqlite_path
from griddesk.store.demo.bulk import FastLoad, fix_sequences, write
from griddesk.store.demo.chunks import SEED_STRIDE, Made, Maker, Spec, bulk_gc, init_worker, jobs, work
from griddesk.store.demo.draws import _cumulative, _Rng
from griddesk.store.demo.history import _forced, _schedule
from griddesk.store.demo.places import DEFAULT_TOWN, county_towns, division
from griddesk.store.demo.town import GRID_TARGET
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

MAX_TICKETS = 2_000_000
MAX_DAYS = 3650
COUNTY_TICKETS = 2_000_000  # a county's default history
COUNTY_GRIDS = 6000  # spread over the county's towns
TOWN_CHUNK = 5000  # rows per executemany of the towns' own tables
PARALLEL_FROM = 50_000  # tickets from which worker processes may live them
ROLLUP_CACHE_KIB = 1_048_576  # SQLite page cache while the rollups are made from the history
WORKERS_ENV = "GRIDDESK_DEMO_WORKERS"  # how many (a number; 0: none), default one per core
MAX_WORKERS = 4


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
    towns: int = 1


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


def _workers(tickets: int, asked: int | None) -> int:
    if asked is not None:
        return max(0, asked)
    env = os.environ.get(WORKERS_ENV, "auto")
    if tickets < PARALLEL_FROM:
        return 0
    return max(0, min(MAX_WORKERS, int(env) if env.isdigit() else os.cpu_count() or 1))


def check_options(tickets: int, days: int) -> None:
    if isinstance(tickets, bool) or not isinstance(tickets, int) or not 0 <= tickets <= MAX_TICKETS:
        raise Invalid("demo.tickets_range", field="tickets", max=f"{MAX_TICKETS:,}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid("demo.days_range", field="days", max=MAX_DAYS)


async def build(store: Store, *, town: str = DEFAULT_TOWN, county: str | None = None, tickets: int | None = None,
                days: int = 90, seed: int = 7, progress: Callable[..., None] | None = None,
                workers: int | None = None, grids: int = COUNTY_GRIDS) -> DemoSummary:
    """Fill an empty, migrated database with the demo town — or, given `county`, every town of
    that county (~6,000 grids in all) — and `tickets` tickets of history (default 5,000 for a
    town, 2,000,000 for a county).

    `progress(done, total, stage)` is told how far each stage has come: "places" (towns built),
    "tickets" (history written), "indexes" (made again after the load, SQLite), "search" (the
    text index rebuilt: 0 of 1, then 1 of 1), "rollups" (the analytics rollups, statement by
    statement). `workers`: how
    many worker processes live the tickets (default from 50,000 tickets: GRIDDESK_DEMO_WORKERS,
    else one per core up to 4; 0: this process alone); the data are the same whatever it is.
    `grids`: a county's grids in all, spread evenly over its towns (at least 48 each).
    """
    started = _time.perf_counter()
    if tickets is None:
        tickets = COUNTY_TICKETS if county else 5000
    check_options(tickets, days)
    codes = county_towns(county) if county is not None else [town]
    division(codes[0])  # a bad code is told before anything is written
    if not await is_empty(store):
        raise Conflict("demo.not_empty")

    def tell(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done, total, stage)

    now = store.now()
    per_town = max(GRID_TARGET, -(-grids // len(codes))) if county is not None else GRID_TARGET
    spec = Spec(store.settings, now, seed, tuple(codes), county is not None, per_town, store.db.backend)
    maker = Maker(store, spec, tell)
    tws = maker.towns
    first = tws[0]
    rows: dict[type, list[dict[str, Any]]] = {}
    for tw in tws:
        for model, got in tw.rows.items():
            rows.setdefault(model, []).extend(got)
    async with store.db.connect(write=True) as conn:
        for model in (Area, Grid, Unit, UnitArea, Matter, MatterLimit, MatterEvent, Person, GridAssignment,
                      MicroGrid, Operator):
            batch = rows.get(model)
            for k in range(0, len(batch or ()), TOWN_CHUNK):
                await conn.execute(insert(model), batch[k:k + TOWN_CHUNK])  # type: ignore[index]

    now_s = int(now.timestamp())
    start_s = now_s - days * 86400
    # the history also works out steps that never happen (they fall after now); only years that
    # a written deadline falls in are worth a warning, so the calendar's record is kept aside
    unknown_before = set(store.calendar.unknown_years)
    plan = _schedule(store.calendar, tickets, start_s, now_s)
    forced = _forced(plan, tickets, now_s)
    town_cum = _cumulative([sum(g.weight for g in tw.grids) for tw in tws])
    day_seq: dict[tuple[int, str], int] = {}
    chunks = jobs(plan, forced, town_cum, _Rng(seed * SEED_STRIDE - 1), day_seq)
    tell(0, tickets, "tickets")
    # the big tables of a fresh SQLite file go by plain sqlite3 (bulk.FastLoad); a server
    # database by the store's connections
    async with store.db.connect(write=True) as conn:  # the text index is rebuilt once at the end
        await search_index.pause(conn)
    fast = None
    if maker.out.sqlite and store.db.path is not None:
        await store.db.engine.dispose()  # the file to ourselves while it is loaded
        fast = FastLoad(store.db.path)
    by_status: dict[str, int] = {}
    latest = now
    written = 0

    async def write_made(made: Made) -> None:
        nonlocal latest, written
        if fast is not None:
            await asyncio.to_thread(fast.write, made.batch)
        else:
            await write(store, maker.out, made.batch)
        for k2, v in made.by_status.items():
            by_status[k2] = by_status.get(k2, 0) + v
        latest = max(latest, made.latest)
        written += made.tickets
        tell(written, tickets, "tickets")

    n_workers = _workers(tickets, workers)
    pool = None
    try:
        with bulk_gc():  # the history's millions of small objects, few of them kept
            if n_workers:
                # worker processes live the tickets; this one decides them and writes the rows
                pool = ProcessPoolExecutor(n_workers, mp_context=get_context("spawn"), initializer=init_worker,
                                           initargs=(spec, pickle.dumps(maker.towns)))
                loop = asyncio.get_running_loop()
                pending: deque[asyncio.Future[Made]] = deque()
                for job in chunks:
                    pending.append(loop.run_in_executor(pool, work, job))
                    if len(pending) > n_workers + 1:
                        await write_made(await pending.popleft())
                while pending:
                    await write_made(await pending.popleft())
            else:
                # a chunk is written (in its own thread) while the next is made
                writing: asyncio.Task[None] | None = None
                for job in chunks:
                    made = maker.chunk(job)
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(write_made(made))
                    await asyncio.sleep(0)
                if writing is not None:
                    await writing
        if fast is not None:
            tell(0, len(fast.indexes), "indexes")
            await asyncio.to_thread(fast.finish, lambda d, n: tell(d, n, "indexes"))
            fast = None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if fast is not None:  # the build failed: the schema as migrated all the same
            fast.finish()
        tell(0, 1, "search")  # one statement, minutes at county scale: say it is running
        async with store.db.connect(write=True) as conn:
            await search_index.rebuild(conn)
        tell(1, 1, "search")
    tell(tickets, tickets, "tickets")

    cal = store.calendar
    cal.unknown_years.intersection_update(unknown_before)
    cal.unknown_years.update(y for y in range(cal.local(now).year, cal.local(latest).year + 1)
                             if not cal.knows(y))
    where = county if county is not None else town
    async with store.db.connect(write=True) as conn:
        if day_seq:
            await conn.execute(insert(Counter), [{"key": f"{tws[k].town.code}-{d}", "value": v}
                                                 for (k, d), v in day_seq.items()])
        # one change for the whole history: consoles that are open reload once
        await conn.execute(insert(Change).values(at=now, entity="area", entity_id=None, area_code=where,
                                                 kind="demo_built"))
        options: dict[str, Any] = {"tickets": tickets, "days": days, "seed": seed}
        if county is not None:
            options["county"] = county
        await records.append_audit(conn, first.labels["admin"], DEMO_MARK, "area", where, now,
                                   options)  # on the hash chain
        await fix_sequences(conn)
    # the analytics rollups of the history written in bulk, with a big page cache on SQLite
    tell(0, 1, "rollups")
    await rollups.rebuild(store, cache_kib=ROLLUP_CACHE_KIB, step=lambda d, n: tell(d, n, "rollups"))
    if maker.out.sqlite:
        await store.db.engine.dispose()  # fresh connections from here on, with the usual cache
    gaps: dict[str, list[str]] = {k: [] for k in first.gaps}
    for tw in tws:
        for k2, v2 in tw.gaps.items():
            gaps[k2].extend(v2)
    if county is not None:
        place, name = first.county.code, f"{first.city.name}{first.county.name}"
    else:
        place, name = town, f"{first.city.name}{first.county.name}{first.town.name}"
    return DemoSummary(
        town=place, town_name=name, areas=len(rows[Area]), grids=sum(len(tw.grids) for tw in tws),
        people=sum(len(tw.people) for tw in tws), units=len(rows[Unit]), matters=len(first.matters),
        operators=len(rows[Operator]), tickets=tickets,
        by_status={s.value: by_status.get(s.value, 0) for s in Status},
        gaps=gaps, seconds=_time.perf_counter() - started, towns=len(tws))
