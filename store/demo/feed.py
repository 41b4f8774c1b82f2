"""The live feed: tickets keep arriving through the real intake while the demo runs.

It follows the roster: the grid list is read again every `REFRESH_S` seconds and at once when
the intake refuses a grid (split, merged or retired meanwhile), so a grid change never stops it.
Errors are logged (the log file, `console.logs`) and the feed carries on; only a town with no
live grid at all stops it. One feed per demo database: `LEASE` in `job_leases` (store.jobs)
says which process feeds; a second `demo feed` finds it held and leaves.

Takeover: a console that found the database fed waits in `wait_free` (a look at the lease every
`STANDBY_S` seconds) and starts a feed of its own as soon as nobody holds it — at once when the
feeding console quits (its feed gives the lease up on a clean exit), within `LEASE_TTL_S` when
it died. Two consoles waiting both start one; the lease lets one feed and the other leave.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from griddesk.store import jobs, tickets
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.demo import catalog as cat
from griddesk.store.demo.draws import _cumulative, _Names, _phone, _pick
from griddesk.store.demo.history import DESCRIPTIONS, OUT_OF_LIST_TITLES
from griddesk.store.demo.places import HEATING_MATTERS, NORTHERN_PROVINCES
from griddesk.store.enums import (
    Source,
    Urgency,
)
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.models import (
    Grid,
    Matter,
)

log = logging.getLogger(__name__)

LEASE = "demo_feed"  # one row in job_leases per demo database
LEASE_TTL_S = 90.0  # a feed that died is taken over after this long
STANDBY_S = 2.0  # a console waiting to take the feed over looks at its lease this often
REFRESH_S = 30.0  # the grid list is read again this often (grid changes made meanwhile)
# Shares of urgency, as a 12345 desk sees them: an emergency (紧急) is about one call in a
# hundred, urgent about one in ten; the rest are normal.
MAX_REFUSED = 20  # refusals in a row before the feed gives up
EMERGENCY_SHARE = 0.01
URGENT_SHARE = 0.10


class FeedBusy(StoreError):
    """Another process already feeds this database."""

    def __init__(self, holder: str) -> None:
        super().__init__("demo.feed_busy", holder=holder)


async def feeding(store: Store) -> str | None:
    """Which process feeds this database now (None: none)."""
    return await jobs.holder_of(store, LEASE)


async def wait_free(store: Store, stop: asyncio.Event | None = None, every: float = STANDBY_S) -> bool:
    """Wait until nobody feeds this database (True), or `stop` is set (False). A database read
    that fails (busy, gone for a moment) counts as "still fed": the next look decides."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            if await feeding(store) is None:
                return True
        except Exception as e:
            log.warning("demo feed: could not read its lease: %s", e)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass
    return False


@dataclass
class _FeedData:
    day: date
    grids: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (code, village/place, roads)
    matters: list[tuple[str, str]] = field(default_factory=list)  # (code, name)


async def _feed_data(store: Store, actor: Actor, day: date) -> _FeedData:
    async with store.db.session() as s:
        gq = select(Grid.code, Grid.name, Grid.boundary).where(Grid.status == "active")
        if actor.jurisdiction:
            gq = gq.where(Grid.town_code.startswith(actor.jurisdiction[:9])
                          | Grid.area_code.startswith(actor.jurisdiction))
        grids = (await s.execute(gq.order_by(Grid.code))).all()
        mq = select(Matter.code, Matter.name).where(Matter.admitted_on <= day).where(
            Matter.withdrawn_on.is_(None) | (Matter.withdrawn_on > day)).order_by(Matter.code)
        matters = [tuple(m) for m in (await s.execute(mq)).all()]
    northern = bool(grids) and grids[0][0][:2] in NORTHERN_PROVINCES
    if not northern:  # as in the history: no district heating to complain about in the south
        matters = [m for m in matters if m[0] not in HEATING_MATTERS]
    out = _FeedData(day, matters=matters)  # type: ignore[arg-type]
    for code, name, boundary in grids:
        roads = [part[2:] for part in (boundary or "").split("，") if len(part) > 2] or ["人民路"]
        out.grids.append((code, name, roads))
    return out


async def feed(store: Store, actor: Actor, *, rate: float = 0.3, stop: asyncio.Event | None = None,
               count: int | None = None, seed: int | None = None,
               on_ticket: Callable[[str], None] | None = None, holder: str | None = None) -> int:
    """Add tickets through the real intake (`store.tickets.create`) at about `rate` per second
    (Poisson arrivals) until `stop` is set or `count` are made. Returns how many were made.
    With `holder`, the feed takes the database's feed lease first (`FeedBusy` when another
    process holds it), renews it as it goes and gives it up at the end."""
    if not rate > 0:
        raise Invalid("demo.rate_positive", field="rate")
    if holder is None:
        return await _feed(store, actor, rate, stop, count, seed, on_ticket, None)
    ttl = timedelta(seconds=LEASE_TTL_S)
    if not await jobs.take(store, LEASE, holder, ttl):
        raise FeedBusy(await feeding(store) or "?")
    try:
        return await _feed(store, actor, rate, stop, count, seed, on_ticket, holder)
    finally:
        try:
            await jobs.release(store, LEASE, holder)
        except Exception:  # the database went away: the lease expires by itself
            log.warning("could not release the demo feed lease", exc_info=True)


async def _feed(store: Store, actor: Actor, rate: float, stop: asyncio.Event | None, count: int | None,
                seed: int | None, on_ticket: Callable[[str], None] | None, holder: str | None) -> int:
    r = random.Random(seed)
    names = _Names(r)
    sources = [s for s, _w in cat.SOURCES]
    source_cum = _cumulative([w for _s, w in cat.SOURCES])
    data: _FeedData | None = None
    made = refused = 0
    read_at = 0.0
    stop = stop or asyncio.Event()
    while not stop.is_set() and (count is None or made < count):
        day = store.calendar.local(store.now()).date()
        # the matter list in force changes by the day, the grids whenever the roster changes
        if data is None or data.day != day or time.monotonic() - read_at > REFRESH_S:
            data = await _feed_data(store, actor, day)
            read_at = time.monotonic()
            if not data.grids:
                raise Invalid("demo.no_grids", field="town", code=actor.jurisdiction)
            if holder is not None and not await jobs.take(store, LEASE, holder,
                                                          timedelta(seconds=LEASE_TTL_S)):
                raise FeedBusy(await feeding(store) or "?")  # taken over while we stalled
        code, place, roads = r.choice(data.grids)
        road = r.choice(roads)
        building = f"{road}{r.randint(1, 188)}号{r.randint(1, 9)}{r.choice(cat.BUILDING_KINDS)}"
        source = sources[_pick(r, source_cum)]
        x = r.random()
        urgency = Urgency.EMERGENCY if x < EMERGENCY_SHARE else \
            Urgency.URGENT if x < EMERGENCY_SHARE + URGENT_SHARE else Urgency.NORMAL
        if data.matters:
            mcode, mname = r.choice(data.matters)
            title = r.choice(cat.TICKET_PHRASES.get(mcode) or [mname]).format(road=road, building=building)
        else:
            mcode, title = None, r.choice(OUT_OF_LIST_TITLES)
        reporter = {} if source == Source.PATROL else {"name": names.any(), "phone": _phone(r)}
        new = tickets.parse({
            "source": source, "grid": code, "matter": mcode, "out_of_list": mcode is None,
            "urgency": urgency, "title": title[:120],
            "description": DESCRIPTIONS[source].format(title=title, platform="i-网格")[:4000],
            "address": building, "reporter": reporter,
            "resolved_on_spot": source == Source.PATROL and r.random() < 0.1})
        try:
            number = await tickets.create(store, actor, new)
        except StoreError as e:  # most likely the grid changed under us: read the grids again
            log.warning("demo feed: intake refused a ticket for grid %s: %s", code, e.message())
            refused += 1
            if refused >= MAX_REFUSED:  # not a grid change: something is wrong for good
                raise
            data = None
            await asyncio.sleep(0)
            continue
        refused = 0
        made += 1
        if on_ticket:
            on_ticket(number)
        if count is not None and made >= count:
            break
        try:
            await asyncio.wait_for(stop.wait(), timeout=r.expovariate(rate))
        except TimeoutError:
            pass
    return made


