"""The history made in chunks of tickets: in the building process, or in worker processes when it
is big (a county's 2,000,000 tickets are mostly Python work: the loop, the calendar, the rows).

Each chunk has a random source of its own, seeded from the build's seed and the chunk's number,
and the workers get the towns the building process built (pickled): the data depend on the
seed and the moment alone, never on how many processes made them. The
building process decides each ticket's moment, town and number (`jobs`), so numbers run on per
town and day across chunks; a worker lives the tickets through the loop and hands back rows.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from griddesk.store.calendar import WorkCalendar
from griddesk.store.config import Settings
from griddesk.store.demo.draws import _pick, _Rng
from griddesk.store.demo.history import _History, _Rows
from griddesk.store.demo.town import _Shared, _Town

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 5000  # tickets per chunk (and per write transaction)
SEED_STRIDE = 1_000_003  # chunk n's random source is seeded with seed * SEED_STRIDE + n

# a chunk: (number, [(ticket id, received at in epoch seconds, local day's ordinal, YYYYMMDD,
#                     town index, number of the day in that town, status kept at or None)])
Job = tuple[int, list[tuple[int, int, int, str, int, int, str | None]]]


def _dt(ts: float) -> datetime:
    return EPOCH + timedelta(seconds=ts)


@contextmanager
def bulk_gc() -> Iterator[None]:
    """The collector's full passes while the history is made would walk every object loaded so
    far (SQLAlchemy, the catalogues, the towns) again and again: those are set aside (frozen)
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


@dataclass(frozen=True)
class Spec:
    """What any process needs to build the same towns and live their tickets."""

    settings: Settings
    now: datetime
    seed: int
    codes: tuple[str, ...]
    county: bool
    per_town: int
    backend: str


@dataclass
class Made:
    """One chunk's rows (bulk.BULK_COLS order), statuses counted, and the latest deadline."""

    batch: list[tuple[Any, list[tuple[Any, ...]]]]
    by_status: dict[str, int]
    latest: datetime
    tickets: int


class _Rules:
    """What the towns and the loop read of a Store, in a worker process: the settings, the
    working calendar, the moment, the backend's name."""

    def __init__(self, spec: Spec):
        self.settings = spec.settings
        self.calendar = WorkCalendar.from_settings(spec.settings)
        self.db = SimpleNamespace(backend=spec.backend)
        self._now = spec.now

    def now(self) -> datetime:
        return self._now


class Maker:
    """The towns of a build and their histories, ready to make chunks."""

    def __init__(self, store: Any, spec: Spec, tell: Any = None, towns: list[_Town] | None = None):
        self.spec = spec
        if towns is not None:  # built by the building process, handed over (a worker)
            for tw in towns:
                tw.store = store
            self.towns = towns
            self.rng = towns[0].rng
            self._histories(spec)
            return
        self.rng = rng = _Rng(spec.seed)
        shared = _Shared(rng, county=spec.county)
        self.towns = []
        for i, code in enumerate(spec.codes):
            tw = _Town(store, code, rng, spec.now, shared, grids=spec.per_town, suffix=f"-{code[6:]}" if i else "")
            tw.build_areas()
            tw.build_grids()
            tw.build_units()
            tw.build_matters()
            tw.build_people()
            tw.build_operators()
            self.towns.append(tw)
            if tell:
                tell(i + 1, len(spec.codes), "places")
        self._histories(spec)

    def _histories(self, spec: Spec) -> None:
        self.rows = _Rows()
        rng = self.rng
        now = _dt(int(spec.now.timestamp()))  # whole seconds, as every step is
        self.hists = [_History(self.towns[0], rng, now, self.rows)]
        self.hists += [_History(tw, rng, now, self.rows, self.hists[0].out) for tw in self.towns[1:]]
        self.out = self.hists[0].out

    def chunk(self, job: Job) -> Made:
        no, items = job
        self.rng.seed(self.spec.seed * SEED_STRIDE + no)
        for h in self.hists:
            h.by_status = {}
        hists = self.hists
        for tid, at, ordinal, daystr, k, seq, force in items:
            hists[k].ticket(tid, _dt(at), date.fromordinal(ordinal), daystr, seq, force)
        by_status: dict[str, int] = {}
        for h in hists:
            for s, n in h.by_status.items():
                by_status[s] = by_status.get(s, 0) + n
        return Made(self.rows.take(), by_status, max(h.latest for h in hists), len(items))


def jobs(plan: list[tuple[int, int, int, date, str]], forced: dict[int, str], town_cum: list[float],
         rng: _Rng, day_seq: dict[tuple[int, str], int], size: int = CHUNK) -> Iterator[Job]:
    """The tickets of the schedule in chunks: each one's moment within its hour, its town (as
    many as the town's grids draw; one town: no draw) and its number of the day in that town."""
    items: list[tuple[int, int, int, str, int, int, str | None]] = []
    no = tid = 0
    one = len(town_cum) == 1
    for begin, span, count, day, daystr in plan:
        if not count:
            continue
        ordinal = day.toordinal()
        for offset in sorted(rng.randrange(span) for _ in range(count)):
            tid += 1
            k = 0 if one else _pick(rng, town_cum)
            seq = day_seq[k, daystr] = day_seq.get((k, daystr), 0) + 1
            items.append((tid, begin + offset, ordinal, daystr, k, seq, forced.get(tid)))
            if len(items) >= size:
                yield no, items
                no += 1
                items = []
    if items:
        yield no, items


# --- in a worker process ---------------------------------------------------------------------

_maker: Maker | None = None


def init_worker(spec: Spec, towns: bytes) -> None:
    """A worker's start: the towns as the building process built them (pickled, without their
    store or rows), so the rosters' names and pinyin are not worked out again."""
    global _maker
    _maker = Maker(_Rules(spec), spec, towns=pickle.loads(towns))
    gc.freeze()  # the towns stay for the worker's life: the collector need not walk them
    gc.set_threshold(max(gc.get_threshold()[0], 10_000))


def work(job: Job) -> Made:
    assert _maker is not None, "init_worker first"
    return _maker.chunk(job)
