"""What the intake form offers while the operator types a grid or a matter.

An operator on a hotline call types what they have: a code ("A001", "450502005001001"), part of
a name ("垃圾"), or its pinyin initials ("bl" for 暴露垃圾). Grids come from the actor's
jurisdiction and must be active; matters must be in force today (HH 15, YC 11–12, BH 12–13).
A withdrawn matter that matches is returned too, marked unselectable, so the operator sees why
it is not offered; the store refuses it at intake anyway (store.tickets).

Matching and scoring are the roster search's (store.search), one rule for every search box.
The candidate rows of one Store are kept for a few seconds, so typing does not read the
database on every key; pinyin of names is cached by store.search.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from griddesk.store import timefmt
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus
from griddesk.store.matters import in_force
from griddesk.store.models import Area, Grid, Matter, Unit
from griddesk.store.roster import today
from griddesk.store.search import classify, match

TTL_S = 10.0  # how long candidate rows are reused while typing
LIMIT = 8


@dataclass(frozen=True)
class Pick:
    kind: str  # grid / matter
    code: str
    name: str
    detail: str  # grid: its village; matter: its limit and default unit
    match: str  # code / name / pinyin / initials / all (nothing typed)
    score: int  # lower is better
    unavailable: str | None = None  # a matter not in force today: "withdrawn" or "not_admitted"
    on: str | None = None  # … since (withdrawn) or from (not admitted yet) that day
    name_en: str | None = None  # a matter's English name, for the English console

    @property
    def selectable(self) -> bool:
        return self.unavailable is None


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    detail: str
    extra: dict[str, Any]


_cache: dict[tuple[int, str, str], tuple[Any, float, list[_Row]]] = {}


def forget(store: Store) -> None:
    """Drop the cached candidates of `store` (after a grid or matter change)."""
    for key in [k for k in _cache if k[0] == id(store)]:
        _cache.pop(key, None)


async def _rows(store: Store, kind: str, scope: str) -> list[_Row]:
    key = (id(store), kind, scope)
    held = _cache.get(key)
    if held is not None and held[0]() is store and held[1] > time.monotonic():
        return held[2]
    rows = await (_grid_rows(store, scope) if kind == "grid" else _matter_rows(store))
    _cache[key] = (weakref.ref(store), time.monotonic() + TTL_S, rows)
    return rows


async def _grid_rows(store: Store, scope: str) -> list[_Row]:
    q = (select(Grid.code, Grid.name, Area.name).join(Area, Area.code == Grid.area_code)
         .where(Grid.status == GridStatus.ACTIVE).order_by(Grid.code))
    if scope:
        q = q.where(Grid.area_code.startswith(scope))
    async with store.db.session() as s:
        return [_Row(code, name, village, {}) for code, name, village in (await s.execute(q)).all()]


async def _matter_rows(store: Store) -> list[_Row]:
    q = (select(Matter.code, Matter.name, Matter.name_en, Matter.limit_value, Matter.limit_unit,
                Matter.admitted_on, Matter.withdrawn_on, Unit.name)
         .outerjoin(Unit, Unit.id == Matter.default_unit_id).order_by(Matter.code))
    async with store.db.session() as s:
        got = (await s.execute(q)).all()
    return [_Row(code, name, unit or "", {"name_en": name_en, "limit": (value, lunit),
                                          "admitted_on": adm, "withdrawn_on": wd})
            for code, name, name_en, value, lunit, adm, wd, unit in got]


def _score(text: str, row: _Row) -> tuple[int, str] | None:
    if not text.strip():
        return 50, "all"
    mode, q = classify(text)
    if not q:
        return 50, "all"
    hit = match(mode, q, row.name, row.code)
    words = (row.extra.get("name_en") or "").lower().split()
    if hit is None and len(text.strip()) >= 3 and any(w.startswith(text.strip().lower()) for w in words):
        hit = (35, "name")  # an English word of the name, for the English console
    return hit


async def grids(store: Store, actor: Actor, text: str, limit: int = LIMIT) -> list[Pick]:
    """Active grids in the actor's jurisdiction matching `text`, best first (all when empty)."""
    out = []
    for row in await _rows(store, "grid", actor.jurisdiction):
        hit = _score(text, row)
        if hit is not None:
            out.append(Pick("grid", row.code, row.name, row.detail, hit[1], hit[0]))
    out.sort(key=lambda p: (p.score, p.code))
    return out[:limit]


async def matters(store: Store, actor: Actor, text: str, limit: int = LIMIT) -> list[Pick]:
    """Matters in force today matching `text`, best first (all when empty); withdrawn or not
    yet admitted ones that match come last, unselectable, so the operator sees why."""
    on = today(store)
    live, gone = [], []
    for row in await _rows(store, "matter", ""):
        hit = _score(text, row)
        if hit is None:
            continue
        value, unit = row.extra["limit"]
        detail = " · ".join(x for x in (timefmt.limit(value, unit), row.detail) if x)
        if in_force(row.extra["admitted_on"], row.extra["withdrawn_on"], on):
            live.append(Pick("matter", row.code, row.name, detail, hit[1], hit[0],
                             name_en=row.extra["name_en"]))
        elif hit[1] != "all":
            wd = row.extra["withdrawn_on"]
            withdrawn = wd is not None and wd <= on
            why, since = ("withdrawn", wd) if withdrawn else ("not_admitted", row.extra["admitted_on"])
            gone.append(Pick("matter", row.code, row.name, detail, hit[1], hit[0], why, since.isoformat(),
                             row.extra["name_en"]))
    live.sort(key=lambda p: (p.score, p.code))
    gone.sort(key=lambda p: (p.score, p.code))
    return live[:limit] + gone[:2]
