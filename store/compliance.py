"""Roster compliance findings: table-driven rules, each naming the article it comes from.

Findings are computed from the data on every call, never stored, so a fix shows at once: assign
a leader and the "no leader" finding is gone from the next list.

An article reference is a stable string like "HH 11; JM 7" (Heihe art. 11, Jiangmen art. 7 —
DESIGN.md's abbreviations); `cite()` renders it for a reader. "local" marks a rule whose
threshold is a local setting rather than a regulation (the worker load).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, select

from griddesk.store.actor import Actor
from griddesk.store.config import Settings
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, GridType, Level, PersonRole, PersonStatus
from griddesk.store.i18n import current, t
from griddesk.store.models import Area, Grid, GridAssignment, Person
from griddesk.store.roster import rules as roster_rules
from griddesk.store.roster.common import today
from griddesk.store.roster.rules import current_clause
from griddesk.store.scope import under

# YC 6: full-time seat operators at the town centre — 2 for a town under 100,000 people, 3 from
# 100,000; a village centre at least 1 (full- or part-time).
SEATS_SMALL_TOWN, SEATS_LARGE_TOWN, SEATS_VILLAGE = 2, 3, 1
LARGE_TOWN_POPULATION = 100_000


@dataclass(frozen=True)
class Finding:
    rule: str
    article: str
    subject_kind: str  # grid / person / area
    subject_key: str  # grid code, person id, area code
    subject_name: str
    area_code: str | None
    params: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str | None = None) -> str:
        return t(f"roster.rule.{self.rule}", lang)

    def detail(self, lang: str | None = None) -> str:
        return t(f"roster.rule_detail.{self.rule}", lang, **self.params)

    def citation(self, lang: str | None = None, short: bool = False) -> str:
        return cite(self.article, lang, short)

    def json(self) -> dict[str, Any]:
        return {"rule": self.rule, "article": self.article, "title": self.title(),
                "citation": self.citation(), "subject": {"kind": self.subject_kind, "key": self.subject_key,
                                                         "name": self.subject_name},
                "area_code": self.area_code, "detail": self.detail(), "params": self.params}


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals, as articles are numbered (第十一条, 第四十三条)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[ones] if ones else ''}"


_REF = re.compile(r"^(HH|JM|YC|BH)\s+(\d+)$")


def cite(article: str, lang: str | None = None, short: bool = False) -> str:
    """"HH 11; JM 7" → "《黑河市网格化管理服务条例》第十一条；…" / "Heihe Regulation art. 11; …";
    `short` names the sources briefly ("黑河条例第11条"), for tables."""
    parts = []
    for ref in (p.strip() for p in article.split(";")):
        m = _REF.match(ref)
        if m is None:
            parts.append(t("roster.source.local", lang) if ref == "local" else ref)
            continue
        source, n = m.group(1), int(m.group(2))
        # Chinese cites articles in Chinese numerals (第十一条), English in digits
        shown = cn_number(n) if (lang or current()) == "zh" and not short else str(n)
        names = "roster.source_short" if short else "roster.source"
        parts.append(t("roster.cite", lang, source=t(f"{names}.{source.lower()}", lang), n=shown))
    return t("roster.cite_sep", lang).join(parts)


# --- the facts the rules read -------------------------------------------------------------
#
# Plain rows (SQLAlchemy `Row`s of the columns the rules read, attribute access by column name),
# not ORM objects: a county has 6,000 grids, 30,000 people and as many assignments, and building
# an ORM object for each was most of `griddesk findings`' 3.6 s.

GridRow = Any  # a Row of _GRID's columns
AreaRow = Any  # of _AREA's
PersonRow = Any  # of _PERSON's
AssignmentRow = Any  # of _ASSIGNMENT's

_GRID = (Grid.id, Grid.code, Grid.name, Grid.area_code, Grid.town_code, Grid.type, Grid.households,
         Grid.population, Grid.notice_updated_at, Grid.roster_changed_at)
_AREA = (Area.code, Area.name, Area.level, Area.kind, Area.population, Area.urban, Area.centre_phone)
_PERSON = (Person.id, Person.name, Person.role, Person.area_code, Person.trained_on, Person.failed_reviews)
_ASSIGNMENT = (GridAssignment.id, GridAssignment.grid_id, GridAssignment.person_id, GridAssignment.role)
CHUNK = 500  # ids per IN list


@dataclass
class GridFacts:
    grid: GridRow
    village: AreaRow | None
    members: list[tuple[AssignmentRow, PersonRow]] = field(default_factory=list)

    def holding(self, role: str) -> list[PersonRow]:
        return [p for a, p in self.members if a.role == role]

    @property
    def urban(self) -> bool:
        v = self.village
        return v is not None and (bool(v.urban) or v.kind == "community")


@dataclass
class Facts:
    settings: Settings
    today: date
    grids: list[GridFacts]
    people: dict[int, PersonRow]
    # (person, grid) for every current assignment on an active grid in scope
    assignments: list[tuple[AssignmentRow, PersonRow, GridRow]]
    centres: list[tuple[AreaRow, int, int]]  # (area, population, seat operators)
    load: dict[int, tuple[list[GridRow], float]] | None = None  # _full_time_load's, once


async def _facts(store: Store, actor: Actor) -> Facts:
    on = today(store)
    scope = actor.jurisdiction
    active_grid = and_(Grid.status == GridStatus.ACTIVE, under(Grid.area_code, scope))
    async with store.db.session() as s:
        grids = list((await s.execute(select(*_GRID).where(active_grid).order_by(Grid.code))).all())
        areas = {a.code: a for a in (await s.execute(select(*_AREA).where(under(Area.code, scope)))).all()}
        # the grids by a join, not a list of their ids (a city's grids would pass SQLite's limit
        # of bound parameters)
        assigned = (await s.execute(
            select(*_ASSIGNMENT).join(Person, Person.id == GridAssignment.person_id)
            .join(Grid, Grid.id == GridAssignment.grid_id)
            .where(active_grid, current_clause(on), Person.status == PersonStatus.ACTIVE)
            .order_by(GridAssignment.id))).all()
        pq = select(*_PERSON).where(Person.status == PersonStatus.ACTIVE, under(Person.area_code, scope))
        people = {p.id: p for p in (await s.execute(pq)).all()}
        # people on a grid in scope whose own area lies outside it (few): read them by id
        outside = sorted({a.person_id for a in assigned} - people.keys())
        for i in range(0, len(outside), CHUNK):
            q = select(*_PERSON).where(Person.id.in_(outside[i:i + CHUNK]))
            people.update((p.id, p) for p in (await s.execute(q)).all())
    by_id = {g.id: GridFacts(g, areas.get(g.area_code)) for g in grids}
    assignments = []
    for a in assigned:
        p = people[a.person_id]
        facts = by_id[a.grid_id]
        facts.members.append((a, p))
        assignments.append((a, p, facts.grid))
    seats: dict[str, int] = defaultdict(int)
    for p in people.values():
        if p.role == PersonRole.SEAT_OPERATOR and p.area_code:
            seats[p.area_code] += 1
    return Facts(store.settings, on, list(by_id.values()), people, assignments,
                 _centres(areas, grids, seats))


def _centres(areas: dict[str, AreaRow], grids: list[GridRow], seats: dict[str, int]) -> list[tuple[AreaRow, int, int]]:
    """Command centres to staff: every town running grid work (it has an active grid or a centre
    phone), and every village that has a centre of its own (a centre phone marks one)."""
    grid_pop: dict[str, int] = defaultdict(int)
    towns_with_grids = set()
    for g in grids:
        grid_pop[g.town_code] += g.population
        towns_with_grids.add(g.town_code)
    village_pop: dict[str, int] = defaultdict(int)
    for a in areas.values():
        if a.level == Level.VILLAGE and a.population:
            village_pop[a.code[:9]] += a.population
    out = []
    for a in sorted(areas.values(), key=lambda a: a.code):
        if a.level == Level.TOWN and (a.code in towns_with_grids or a.centre_phone):
            pop = a.population or village_pop.get(a.code) or grid_pop.get(a.code, 0)
            out.append((a, pop, seats.get(a.code, 0)))
        elif a.level == Level.VILLAGE and a.centre_phone:
            out.append((a, a.population or 0, seats.get(a.code, 0)))
    return out


# --- the rules ---------------------------------------------------------------------------


def _grid_finding(rule: str, article: str, g: GridRow, **params: Any) -> Finding:
    return Finding(rule, article, "grid", g.code, g.name, g.area_code, params)


def _person_finding(rule: str, article: str, p: PersonRow, **params: Any) -> Finding:
    return Finding(rule, article, "person", str(p.id), p.name, p.area_code, params)


def no_leader(f: Facts, rule: Rule) -> Iterable[Finding]:
    for g in f.grids:
        if not g.holding(PersonRole.LEADER):
            yield _grid_finding(rule.code, rule.article, g.grid, grid=g.grid.name)


def no_full_time(f: Facts, rule: Rule) -> Iterable[Finding]:
    for g in f.grids:
        if not g.holding(PersonRole.FULL_TIME):
            urban = g.urban and g.grid.type == GridType.COMPREHENSIVE
            # YC 15 names urban comprehensive grids; HH 11 asks it of every grid
            article = rule.article if urban else "HH 11"
            yield _grid_finding(rule.code, article, g.grid, grid=g.grid.name)


def untrained_full_time(f: Facts, rule: Rule) -> Iterable[Finding]:
    on_duty: dict[int, list[str]] = defaultdict(list)
    for a, p, g in f.assignments:
        if a.role == PersonRole.FULL_TIME:
            on_duty[p.id].append(g.name)
    for pid, names in on_duty.items():
        p = f.people[pid]
        if p.trained_on is None or p.trained_on > f.today:
            yield _person_finding(rule.code, rule.article, p, name=p.name, grids="、".join(names))


def _full_time_load(f: Facts) -> dict[int, tuple[list[GridRow], float]]:
    """Per full-time worker: their grids, and their share of those grids' households (a grid's
    households split evenly between its full-time workers). Worked out once per read: two rules
    ask for it."""
    if f.load is not None:
        return f.load
    workers_on: dict[int, int] = defaultdict(int)
    for a, _p, g in f.assignments:
        if a.role == PersonRole.FULL_TIME:
            workers_on[g.id] += 1
    load: dict[int, tuple[list[GridRow], float]] = {}
    seen: set[tuple[int, int]] = set()
    for a, p, g in f.assignments:
        if a.role == PersonRole.FULL_TIME:
            grids, hh = load.get(p.id, ([], 0.0))
            if (p.id, g.id) not in seen:
                seen.add((p.id, g.id))
                grids.append(g)
                hh += g.households / workers_on[g.id]
            load[p.id] = (grids, hh)
    f.load = load
    return load


def load_grids(f: Facts, rule: Rule) -> Iterable[Finding]:
    most = f.settings.worker_max_grids
    for pid, (grids, _hh) in _full_time_load(f).items():
        if len(grids) > most:
            p = f.people[pid]
            yield _person_finding(rule.code, rule.article, p, name=p.name, count=len(grids), max=most)


def load_households(f: Facts, rule: Rule) -> Iterable[Finding]:
    most = f.settings.worker_max_households
    for pid, (_grids, hh) in _full_time_load(f).items():
        if round(hh) > most:
            p = f.people[pid]
            yield _person_finding(rule.code, rule.article, p, name=p.name, households=round(hh), max=most)


def seat_operators(f: Facts, rule: Rule) -> Iterable[Finding]:
    for area, pop, have in f.centres:
        if area.level == Level.TOWN:
            need = SEATS_LARGE_TOWN if pop >= LARGE_TOWN_POPULATION else SEATS_SMALL_TOWN
        else:
            need = SEATS_VILLAGE
        if have < need:
            yield Finding(rule.code, rule.article, "area", area.code, area.name, area.code,
                          {"area": area.name, "population": pop, "have": have, "need": need})


def notice_stale(f: Facts, rule: Rule) -> Iterable[Finding]:
    for gf in f.grids:
        g = gf.grid
        if roster_rules.notice_stale(g.roster_changed_at, g.notice_updated_at):
            yield _grid_finding(rule.code, rule.article, g, grid=g.name,
                                since=t("roster.never") if g.notice_updated_at is None else
                                g.notice_updated_at.date().isoformat())


def failed_reviews(f: Facts, rule: Rule) -> Iterable[Finding]:
    for p in f.people.values():
        if p.role == PersonRole.FULL_TIME and p.failed_reviews >= 2:
            yield _person_finding(rule.code, rule.article, p, name=p.name, count=p.failed_reviews)


@dataclass(frozen=True)
class Rule:
    code: str
    article: str
    subject: str
    check: Callable[[Facts, Rule], Iterable[Finding]]

    def title(self, lang: str | None = None) -> str:
        return t(f"roster.rule.{self.code}", lang)


RULES: tuple[Rule, ...] = (
    Rule("no_leader", "HH 11; JM 7", "grid", no_leader),
    Rule("no_full_time", "HH 11; YC 15", "grid", no_full_time),
    Rule("untrained_full_time", "YC 43; HH 27", "person", untrained_full_time),
    Rule("failed_reviews", "YC 17", "person", failed_reviews),
    Rule("load_grids", "local", "person", load_grids),
    Rule("load_households", "local", "person", load_households),
    Rule("seat_operators", "YC 6", "area", seat_operators),
    Rule("notice_stale", "HH 12; YC 22; BH 14", "grid", notice_stale),
)


async def findings(store: Store, actor: Actor, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding in the actor's jurisdiction, in rule order, then by subject."""
    wanted = set(rules) if rules is not None else None
    facts = await _facts(store, actor)
    out: list[Finding] = []
    for rule in RULES:
        if wanted is None or rule.code in wanted:
            out.extend(sorted(rule.check(facts, rule), key=lambda x: (x.area_code or "", x.subject_key)))
    return out
