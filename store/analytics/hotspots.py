"""Hot spots (BH 22): what comes often, what takes long to close, what is hard, what comes back.

All counts are of tickets *received* in the period, grouped in SQL:
- by matter, by grid and by village, each with the previous period of equal length (the trend)
  and a per-day series (the sparkline), from one grouped query per dimension;
- longest to close: the median and 90th percentile of received → closed, by matter, taken by
  nearest rank (the ⌈p·n⌉-th smallest) with window functions both backends have;
- hardest: returns, extensions, reopens, failed verifications and dissatisfied visits read from
  the timeline, by matter;
- repeats: the same address, or the same caller by keyed hash (`keyed`), twice or more;
- arrivals by weekday and local hour (the heat table).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.analytics import keyed, rollups, scoping
from griddesk.store.analytics.period import Period
from griddesk.store.analytics.sqltime import day_index, epoch_seconds, local_hour, local_weekday
from griddesk.store.context import Store
from griddesk.store.enums import Satisfaction, Status
from griddesk.store.i18n import current, t
from griddesk.store.matters import shown_name
from griddesk.store.models import Area, Grid, Matter, Ticket, TimelineEntry

OUT_OF_LIST = "-"  # the matter key of tickets outside the matter list
REPEAT_MIN = 2  # a repeat: this many tickets or more from one address or caller in the period
TOP = 20  # rows kept of the rankings that could run long (repeats, longest, hardest)
# the parts a caller may leave for later: they read a row per ticket (a closing time, an address, a
# caller) and cost more than all the rest; the hot spots screen reads each when its table is shown
DEFERRABLE = frozenset({"longest", "repeats"})


@dataclass(frozen=True)
class CountRow:
    key: str  # matter or grid id, village code; OUT_OF_LIST
    label: str
    count: int
    previous: int  # in the previous period of equal length
    series: tuple[int, ...]  # per day of the period
    code: str = ""  # what the focus list takes: matter code, grid code, village code ("" for none)

    @property
    def trend(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class DurationRow:
    key: str
    label: str
    closed: int
    median_s: int
    p90_s: int


@dataclass(frozen=True)
class HardRow:
    key: str
    label: str
    tickets: int
    returns: int
    extensions: int
    reopens: int
    failed_verifications: int
    dissatisfied: int

    @property
    def score(self) -> int:
        return self.returns + self.extensions + self.reopens + self.failed_verifications + self.dissatisfied


@dataclass(frozen=True)
class RepeatRow:
    kind: str  # "address" or "caller"
    key: str  # the address, or the caller's keyed hash (never a phone number)
    label: str  # the address, or "#" + the hash's first digits
    count: int
    grid: str  # the grid of the latest ticket
    last_number: str


@dataclass(frozen=True)
class Hotspots:
    period: Period
    previous: Period
    total: int
    previous_total: int
    series: tuple[int, ...]
    by_matter: tuple[CountRow, ...]  # most frequent first
    by_grid: tuple[CountRow, ...]
    by_village: tuple[CountRow, ...]
    longest: tuple[DurationRow, ...]  # by 90th percentile, longest first
    hardest: tuple[HardRow, ...]  # by score, hardest first
    repeats: tuple[RepeatRow, ...]  # most first
    heat: tuple[tuple[int, ...], ...]  # 7 weekdays (Monday first) × 24 local hours
    skipped: frozenset[str] = frozenset()  # parts (DEFERRABLE) not read: their tuples are empty


def _offset(store: Store, at: datetime) -> int:
    off = store.calendar.local(at).utcoffset()
    return int(off.total_seconds()) if off else 0


Names = dict[str, str]


async def _labels(s: AsyncSession, lang: str | None) -> tuple[Names, Names, Names, Names]:
    """Names of matters, grids and villages by their key (matter id, grid id, area code as
    text), and the codes of matters and grids by id."""
    en = (lang or current()) == "en"
    found = (await s.execute(select(Matter.id, Matter.name, Matter.name_en, Matter.code))).all()
    matters = {str(i): shown_name(n, ne, "en" if en else "zh") for i, n, ne, _ in found}
    matters[OUT_OF_LIST] = t("analytics.out_of_list", lang)
    codes = {str(i): c for i, _, _, c in found}
    grids: Names = {}
    for i, n, c in (await s.execute(select(Grid.id, Grid.name, Grid.code))).all():
        grids[str(i)], codes[f"g{i}"] = n, c
    areas = {c: n for c, n in (await s.execute(select(Area.code, Area.name))).all()}
    return matters, grids, areas, codes


def _count_rows(found: list[Any], period: Period, labels: Names,
                code: Any = lambda k: k) -> tuple[CountRow, ...]:
    """Rows of (key, day index from the previous period's start, count) into CountRows."""
    days = period.days
    cur: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    prev: dict[str, int] = defaultdict(int)
    for key, day, n in found:
        k = OUT_OF_LIST if key is None else str(key)
        d = int(day)
        if d < days:
            prev[k] += int(n)
        elif d < 2 * days:
            cur[k][d - days] += int(n)
    keys = set(cur) | set(prev)
    out = [CountRow(k, labels.get(k, k), sum(cur[k]) if k in cur else 0, prev.get(k, 0),
                    tuple(cur[k]) if k in cur else (0,) * days, "" if k == OUT_OF_LIST else code(k)) for k in keys]
    out.sort(key=lambda r: (-r.count, -r.previous, r.label))
    return tuple(out)


async def hotspots(store: Store, actor: Actor, period: Period, lang: str | None = None,
                   skip: frozenset[str] = frozenset()) -> Hotspots:
    """The hot spots of `period`; the parts named in `skip` (of DEFERRABLE) are left unread."""
    skip = skip & DEFERRABLE
    scoped = scoping.tickets(actor)
    before = period.previous(store.calendar)
    both = and_(scoped, Ticket.received_at >= before.start, Ticket.received_at < period.end)
    in_period = and_(scoped, Ticket.received_at >= period.start, Ticket.received_at < period.end)
    day = day_index(Ticket.received_at, before.start_epoch).label("day")
    secret = await keyed.secret(store)
    async with store.db.session() as s:
        matters, grids, areas, codes = await _labels(s, lang)
        days = await rollups.days_for(store, s, actor, before.start, period.end)
        if days is not None:
            return replace(await _rolled(s, actor, period, before, days, matters, grids, areas, codes, skip),
                           skipped=skip)

        async def by(col: Any, *joins: Any) -> list[Any]:
            q = select(col, day, func.count()).select_from(Ticket)
            for j in joins:
                q = q.join(*j)
            return list((await s.execute(q.where(both).group_by(col, day))).all())

        m_rows = await by(Ticket.matter_id)
        g_rows = await by(Ticket.grid_id)
        v_rows = await by(Grid.area_code, (Grid, Grid.id == Ticket.grid_id))
        longest = () if "longest" in skip else await _longest(s, in_period, matters)
        hardest = await _hardest(s, in_period, matters, m_rows, period)
        repeats = () if "repeats" in skip else await _repeats(s, secret, in_period, grids)
        heat = await _heat(s, in_period, _offset(store, period.start))
    return replace(_assemble(period, before, m_rows, g_rows, v_rows, matters, grids, areas, codes, longest, hardest,
                             repeats, heat), skipped=skip)


def _assemble(period: Period, before: Period, m_rows: list[Any], g_rows: list[Any], v_rows: list[Any],
              matters: Names, grids: Names, areas: Names, codes: Names, longest: tuple[DurationRow, ...],
              hardest: tuple[HardRow, ...], repeats: tuple[RepeatRow, ...],
              heat: tuple[tuple[int, ...], ...]) -> Hotspots:
    by_matter = _count_rows(m_rows, period, matters, lambda k: codes.get(k, ""))
    series = [0] * period.days
    for r in by_matter:
        for i, n in enumerate(r.series):
            series[i] += n
    return Hotspots(period, before, sum(r.count for r in by_matter), sum(r.previous for r in by_matter),
                    tuple(series), by_matter, _count_rows(g_rows, period, grids, lambda k: codes.get(f"g{k}", "")),
                    _count_rows(v_rows, period, areas), longest, hardest, repeats, heat)


async def _longest(s: AsyncSession, cond: Any, labels: dict[str, str]) -> tuple[DurationRow, ...]:
    dur = (epoch_seconds(Ticket.closed_at) - epoch_seconds(Ticket.received_at))
    inner = (select(Ticket.matter_id.label("k"), dur.label("d"),
                    func.row_number().over(partition_by=Ticket.matter_id, order_by=dur).label("rn"),
                    func.count().over(partition_by=Ticket.matter_id).label("n"))
             .where(cond, Ticket.closed_at.is_not(None), Ticket.status == Status.CLOSED).subquery())
    # nearest rank: the ⌈p·n/100⌉-th smallest, in integer arithmetic
    p50 = func.max(case((inner.c.rn == (inner.c.n * 50 + 99) // 100, inner.c.d)))
    p90 = func.max(case((inner.c.rn == (inner.c.n * 90 + 99) // 100, inner.c.d)))
    q = select(inner.c.k, inner.c.n, p50, p90).group_by(inner.c.k, inner.c.n)
    out = []
    for k, n, a, b in (await s.execute(q)).all():
        key = OUT_OF_LIST if k is None else str(k)
        out.append(DurationRow(key, labels.get(key, key), int(n), int(a or 0), int(b or 0)))
    out.sort(key=lambda r: (-r.p90_s, -r.median_s, r.label))
    return tuple(out[:TOP])


# the timeline entries that make a ticket hard, as (name, condition)
def _hard_conditions() -> list[tuple[str, Any]]:
    e = TimelineEntry
    return [
        ("returns", e.action == "return"),
        ("extensions", e.action == "extend"),
        ("reopens", e.action == "reopen"),
        # a failed on-site check sends the ticket back to the unit (store.loop: verify → signed)
        ("failed_verifications", and_(e.action == "verify", e.to_status == Status.SIGNED)),
        ("dissatisfied", and_(e.action == "visit",
                              e.data["satisfaction"].as_string() == Satisfaction.DISSATISFIED)),
    ]


HARD_ACTIONS = ("return", "extend", "reopen", "verify", "visit")


async def _hardest(s: AsyncSession, cond: Any, labels: dict[str, str], m_rows: list[Any],
                   period: Period) -> tuple[HardRow, ...]:
    conds = _hard_conditions()
    q = (select(Ticket.matter_id, *[func.sum(case((c, 1), else_=0)) for _, c in conds])
         .select_from(TimelineEntry).join(Ticket, Ticket.id == TimelineEntry.ticket_id)
         .where(cond, TimelineEntry.action.in_(HARD_ACTIONS)).group_by(Ticket.matter_id))
    counts: dict[str, int] = defaultdict(int)
    for key, d, n in m_rows:
        if int(d) >= period.days:
            counts[OUT_OF_LIST if key is None else str(key)] += int(n)
    out = []
    for k, *sums in (await s.execute(q)).all():
        key = OUT_OF_LIST if k is None else str(k)
        row = HardRow(key, labels.get(key, key), counts.get(key, 0), *(int(x or 0) for x in sums))
        if row.score:
            out.append(row)
    out.sort(key=lambda r: (-r.score, -r.tickets, r.label))
    return tuple(out[:TOP])


async def _repeats(s: AsyncSession, secret: bytes, cond: Any, grids: dict[str, str]) -> tuple[RepeatRow, ...]:
    out: list[RepeatRow] = []
    last_id = func.max(Ticket.id)
    q = (select(Ticket.address, func.count(), last_id).where(cond, Ticket.address.is_not(None))
         .group_by(Ticket.address).having(func.count() >= REPEAT_MIN)
         .order_by(func.count().desc(), Ticket.address).limit(TOP))
    found = (await s.execute(q)).all()
    last = {i: (g, n) for i, g, n in (await s.execute(
        select(Ticket.id, Ticket.grid_id, Ticket.number).where(Ticket.id.in_([r[2] for r in found])))).all()}
    for addr, n, lid in found:
        g, num = last[lid]
        out.append(RepeatRow("address", str(addr), str(addr), int(n), grids.get(str(g), ""), num))
    # callers: the phone numbers are read and hashed here; only the key goes on
    per: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    rows = await s.stream(select(Ticket.id, Ticket.reporter_phone, Ticket.grid_id, Ticket.number)
                          .where(cond, Ticket.reporter_phone.is_not(None)))
    async for tid, phone, gid, num in rows:
        k = keyed.caller_key(secret, phone)
        if k is not None:
            per[k].append((tid, gid, num))
    callers = []
    for k, items in per.items():
        if len(items) >= REPEAT_MIN:
            _, gid, num = max(items)
            callers.append(RepeatRow("caller", k, "#" + keyed.shown(k), len(items), grids.get(str(gid), ""), num))
    callers.sort(key=lambda r: (-r.count, r.key))
    out.extend(callers[:TOP])
    out.sort(key=lambda r: (-r.count, r.kind, r.label))
    return tuple(out)


async def _heat(s: AsyncSession, cond: Any, offset: int) -> tuple[tuple[int, ...], ...]:
    wd, hr = local_weekday(Ticket.received_at, offset), local_hour(Ticket.received_at, offset)
    grid = [[0] * 24 for _ in range(7)]
    for w, h, n in (await s.execute(select(wd, hr, func.count()).where(cond).group_by(wd, hr))).all():
        grid[int(w)][int(h)] += int(n)
    return tuple(tuple(r) for r in grid)


# --- from the rollups (a centre's whole local days): the same figures, summed per day ---------


async def _rolled(s: AsyncSession, actor: Actor, period: Period, before: Period, days: tuple[int, int],
                  matters: Names, grids: Names, areas: Names, codes: Names,
                  skip: frozenset[str] = frozenset()) -> Hotspots:
    d0 = days[0]
    now = (d0 + period.days, days[1])  # the period's days (days[0] … is the previous period's)
    m_rows = [(k, d - d0, n) for k, _, d, n in await rollups.sums(s, actor, "m", days, by_day=True)]
    g_rows = [(k, d - d0, n) for k, _, d, n in await rollups.sums(s, actor, "g", days, by_day=True)]
    area_of = {str(i): a for i, a in (await s.execute(select(Grid.id, Grid.area_code))).all()}
    v_sum: dict[tuple[str, int], int] = defaultdict(int)
    for k, d, n in g_rows:
        if k in area_of:
            v_sum[(area_of[k], d)] += int(n)
    v_rows = [(a, d, n) for (a, d), n in v_sum.items()]
    # longest: nearest rank over the per-duration counts, per matter (ranked in SQL)
    longest = [] if "longest" in skip else [
        DurationRow(k, matters.get(k, k), total, p50, p90)
        for k, total, (p50, p90) in await rollups.ranks(s, actor, "dur", now, (50, 90))]
    longest.sort(key=lambda r: (-r.p90_s, -r.median_s, r.label))
    # hardest
    hard: dict[str, dict[str, int]] = defaultdict(dict)
    for k, name, n in await rollups.sums(s, actor, "hard", now):
        hard[k][name] = int(n)
    counts: dict[str, int] = defaultdict(int)
    for k, d, n in m_rows:
        if d >= period.days:
            counts[k] += int(n)
    hardest = []
    for k, got in hard.items():
        row = HardRow(k, matters.get(k, k), counts.get(k, 0), *(got.get(h, 0) for h in rollups.HARD_NAMES))
        if row.score:
            hardest.append(row)
    hardest.sort(key=lambda r: (-r.score, -r.tickets, r.label))
    # repeats: the most frequent addresses and callers, and the grid and number of each one's latest
    repeats: list[RepeatRow] = []
    for kind, fig in () if "repeats" in skip else (("address", "addr"), ("caller", "call")):
        found_top = await rollups.top(s, actor, f"{fig}_n", now, REPEAT_MIN, TOP)
        last = {k: int(n) for k, _, n in await rollups.sums(s, actor, f"{fig}_last", now, biggest=True,
                                                             keys=[k for k, _ in found_top])}
        of = {i: (g, num) for i, g, num in (await s.execute(
            select(Ticket.id, Ticket.grid_id, Ticket.number).where(Ticket.id.in_(list(last.values()))))).all()}
        for k, n in found_top:
            g, num = of[last[k]]
            label = k if kind == "address" else "#" + keyed.shown(k)
            repeats.append(RepeatRow(kind, k, label, int(n), grids.get(str(g), ""), num))
    repeats.sort(key=lambda r: (-r.count, r.kind, r.label))
    heat = [[0] * 24 for _ in range(7)]
    for h, _, d, n in await rollups.sums(s, actor, "h", now, by_day=True):
        heat[(int(d) + 3) % 7][int(h)] += int(n)
    return _assemble(period, before, m_rows, g_rows, v_rows, matters, grids, areas, codes, tuple(longest[:TOP]),
                     tuple(hardest[:TOP]), tuple(repeats), tuple(tuple(r) for r in heat))

