"""The live feed: tickets keep arriving through the real intake while the demo runs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from griddesk.store import tickets
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
from griddesk.store.errors import Invalid
from griddesk.store.models import (
    Grid,
    Matter,
)


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
               on_ticket: Callable[[str], None] | None = None) -> int:
    """Add tickets through the real intake (`store.tickets.create`) at about `rate` per second
    (Poisson arrivals) until `stop` is set or `count` are made. Returns how many were made."""
    if not rate > 0:
        raise Invalid("demo.rate_positive", field="rate")
    r = random.Random(seed)
    names = _Names(r)
    sources = [s for s, _w in cat.SOURCES]
    source_cum = _cumulative([w for _s, w in cat.SOURCES])
    data: _FeedData | None = None
    made = 0
    stop = stop or asyncio.Event()
    while not stop.is_set() and (count is None or made < count):
        day = store.calendar.local(store.now()).date()
        if data is None or data.day != day:  # the matter list in force changes by the day
            data = await _feed_data(store, actor, day)
            if not data.grids:
                raise Invalid("demo.no_grids", field="town", code=actor.jurisdiction)
        code, place, roads = r.choice(data.grids)
        road = r.choice(roads)
        building = f"{road}{r.randint(1, 188)}号{r.randint(1, 9)}{r.choice(cat.BUILDING_KINDS)}"
        source = sources[_pick(r, source_cum)]
        x = r.random()
        urgency = Urgency.EMERGENCY if x < 0.03 else Urgency.URGENT if x < 0.15 else Urgency.NORMAL
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
        number = await tickets.create(store, actor, new)
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


