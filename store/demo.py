"""The demo town: a real town's divisions, a full roster with a few deliberate gaps, the matter
list, months of ticket history in every state — and the live feed that keeps tickets arriving.

`build()` fills an EMPTY, migrated database. The database is ours and empty, so ids are assigned
here and tickets, their timelines and clocks go in as Core executemany batches, one transaction
per chunk (ORM add is some 50x slower) and never all in memory at once.

Every ticket's history follows `store.workflow`'s loop (same actions, timeline data, clock
starts and stops), cut at `store.now()`: what would happen after now has not happened yet, so a
ticket's status, clocks and nearest deadline agree by construction. Deadlines are computed on
the working calendar by `_WorkLine`, an exact twin of `store.calendar`/`store.sla` that turns
working time into positions on a line (a bisect instead of walking days); its first results are
checked against `store.sla`/`store.clocks` at run time, and the tests compare many more.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from griddesk.store import clocks as clocks_mod
from griddesk.store import demo_catalog as cat
from griddesk.store import sla, tickets
from griddesk.store.actor import Actor, system
from griddesk.store.calendar import WorkCalendar
from griddesk.store.context import Store
from griddesk.store.db import normalize_url, sqlite_path
from griddesk.store.enums import (
    ClockName,
    ClockState,
    GridType,
    LeaveReason,
    LimitUnit,
    PersonRole,
    Role,
    Satisfaction,
    Source,
    Status,
    UnitKind,
    Urgency,
)
from griddesk.store.errors import Conflict, Invalid
from griddesk.store.models import (
    Area,
    AuditEntry,
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
    TicketClock,
    TicketCoUnit,
    TimelineEntry,
    Unit,
    UnitArea,
)
from griddesk.store.roster import name_keys

DIVISIONS = Path(__file__).parent / "data" / "divisions"
DEFAULT_TOWN = "450502005"  # 北海市海城区地角街道: a fishing port, so marine grids are real
MAX_TICKETS = 2_000_000
MAX_DAYS = 3650
CHUNK = 5000  # tickets per write transaction
BULK_CACHE_KIB = 131_072  # SQLite page cache while writing the history
GRID_TARGET = 48
EXCLUSIVE_GRIDS = 7
MARINE_GRIDS = 5
FEED_LOGIN = "feed"
DEMO_MARK = "demo.build"  # the audit action that marks a database as a demo

# What a supervisor should find in the demo roster (store.compliance has a rule for each).
DELIBERATE_GAPS: dict[str, str] = {
    "no_leader": "Two grids have no grid leader (网格长), though every grid needs one (HH 11, JM 7).",
    "no_full_time": "Two urban comprehensive grids have no full-time grid worker (YC 15; HH 11 "
                    "asks for at least one in every grid).",
    "untrained_full_time": "Two full-time grid workers on duty have no pre-duty training date "
                           "(YC 43, HH 27).",
    "overloaded_worker": "One full-time worker holds four urban grids, over 1,000 households: more "
                         "than the load rule's 3 grids / 600 households.",
    "seat_operators": "The town has over 100,000 people but only two seat operators (坐席员); YC 6 "
                      "asks for at least three.",
    "notice_stale": "Two grids' public notice cards (公示牌) were last updated before their roster "
                    "changed (HH 12, YC 22, BH 14).",
}

SYSTEM = system()
REPORT_UP = "report_up"  # store.escalation's record of the report upward (YC 35, BH 21)
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "156", "157", "158", "159", "180", "181", "182", "183", "186",
                  "187", "188", "189")
CITY_DIALLING = {"4407": "0750", "2311": "0456", "3209": "0515", "4505": "0779"}
NORTHERN_PROVINCES = ("23",)  # district heating matters only where winters need it (黑河)
HEATING_MATTERS = ("D004", "D005")
CN_DIGITS = "零一二三四五六七八九十"

# Relative ticket volume by grid category and matter class.
CLASS_WEIGHTS = {
    "urban": {"A": 30, "B": 10, "C": 13, "D": 16, "E": 6, "F": 8, "G": 0.5, "H": 9, "J": 5, "K": 4},
    "rural": {"A": 20, "B": 14, "C": 10, "D": 10, "E": 3, "F": 13, "G": 3, "H": 9, "J": 6, "K": 4},
    "exclusive": {"A": 10, "B": 6, "C": 24, "D": 14, "E": 14, "F": 8, "G": 0, "H": 8, "J": 3, "K": 6},
    "marine": {"A": 6, "B": 6, "C": 12, "D": 4, "E": 3, "F": 10, "G": 50, "H": 4, "J": 2, "K": 2},
}
MATTER_BOOST = {"A001": 3.0, "A002": 2.0, "A004": 1.5, "A005": 1.5, "C003": 1.5, "D007": 1.5,
                "F001": 1.5, "H001": 2.0, "H002": 1.5}
# tickets per local hour of day (night shifts take few, mornings most)
HOUR_WEIGHTS = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.6, 1.8, 1.7, 1.4, 0.9, 0.8, 1.4,
                1.6, 1.5, 1.3, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25)
OUT_OF_LIST_TITLES = ("咨询个人所得税汇算清缴办理流程", "反映小区宠物犬夜间吠叫扰民", "反映快递柜超时收费",
                      "咨询新能源汽车充电桩报装", "反映外卖骑手逆行", "咨询养老保险跨省转移")
DESCRIPTIONS = {
    Source.PATROL: "网格员巡查发现：{title}。",
    Source.HOTLINE: "市民来电反映：{title}，希望尽快处理。",
    Source.PLATFORM: "群众通过{platform}反映：{title}。",
    Source.WALK_IN: "群众来访反映：{title}。",
    Source.REFERRAL: "上级转办：{title}，请按期办结并反馈。",
}
RETURN_REASONS = ("不属于本单位职责范围，请重新分拨", "事发地点不在本单位辖区", "该事项已由其他部门立案处理")
REJECT_RETURN = ("经核实属于本单位职责，请继续办理", "按属地管理原则由本单位牵头办理")
EXTEND_REASONS = ("需协调多个部门共同处置", "需等待检测结果", "涉及产权人较多，需逐户沟通")
EXTEND_PROGRESS = ("已现场查看并制定处置方案", "已约谈相关责任人，正在整改", "已完成部分整改，剩余部分正在推进")
REJECT_EXTENSION = ("延期理由不充分，请按原时限办结",)
SUSPEND_REASONS = ("涉及历史遗留问题，需待上级政策明确", "需等待专项资金到位后处理", "涉法涉诉，待司法程序结束")
FEEDBACK_NOTES = ("已处理完毕，现场已恢复正常", "已联系当事人并妥善处理", "已完成整改并留存现场照片",
                  "已协调相关单位处置到位")
FAILED_CHECK = ("现场核实发现问题未整改到位",)
SATISFACTION_NAMES = {Satisfaction.SATISFIED: "满意", Satisfaction.BASIC: "基本满意",
                      Satisfaction.DISSATISFIED: "不满意"}


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


@dataclass(frozen=True)
class Place:
    code: str
    name: str


# --- the divisions ---------------------------------------------------------------------------


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    with open(DIVISIONS / name, encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def towns() -> list[Place]:
    """Every town the demo can be built for (the shipped division codes)."""
    return [Place(r["code"], r["name"]) for r in _rows("towns.csv")]


def division(town: str) -> tuple[Place, Place, Place]:
    """(city, county, town) of a town code from the shipped divisions, or Invalid."""
    row = next((r for r in _rows("towns.csv") if r["code"] == town), None)
    if row is None:
        raise Invalid("demo.unknown_town", field="town", code=town)
    county = next(r for r in _rows("counties.csv") if r["code"] == row["areaCode"])
    city = next(r for r in _rows("cities.csv") if r["code"] == row["cityCode"])
    return Place(city["code"], city["name"]), Place(county["code"], county["name"]), Place(row["code"], row["name"])


def _root(name: str) -> str:
    """"地角街道" → "地角", "白沙镇" → "白沙": the short name used in place names."""
    for suffix in ("街道办事处", "街道", "镇", "乡", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _cn(n: int) -> str:
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + CN_DIGITS[n - 10]
    return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")


# --- working time as a line ----------------------------------------------------------------------


class _WorkLine:
    """Working time as positions on a line, exactly as store.calendar counts it.

    Window i (a working period of a working day) spans [starts[i], ends[i]) in epoch seconds and
    has cum[i] working seconds before it. "Add N working seconds" is then a bisect: the same
    answers as WorkCalendar.add_work_seconds (landing on a period's end gives that end; counting
    back, on a start gives that start) without walking day by day. The line grows on demand, so
    only the years a deadline really falls in are asked of the calendar.
    """

    SELF_CHECKS = 64  # results compared with store.sla / store.clocks at run time

    def __init__(self, store: Store, first: date):
        self.store = store
        self.cal: WorkCalendar = store.calendar
        self.fraction = store.settings.due_soon_fraction
        self.first = first
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = []
        self.cumend: list[int] = []
        self.win_day: list[int] = []
        self.closes: list[int] = []
        self.next_day = first
        self.next_ts = self._ts(first, time(0, 0))
        self.checks = self.SELF_CHECKS
        self._limits: dict[tuple[int, str], float] = {}

    def _ts(self, d: date, t: time) -> int:
        return int(datetime.combine(d, t, self.cal.tz).timestamp())

    def _grow(self) -> None:
        """Add the next day. One day at a time, so the calendar is only asked about days a
        result really reaches (a year it does not know is then a true warning, not noise)."""
        d = self.next_day
        if self.cal.is_workday(d):
            k = len(self.closes)
            for a, b in self.cal.periods:
                s, e = self._ts(d, a), self._ts(d, b)
                c = self.cumend[-1] if self.cumend else 0
                self.starts.append(s)
                self.ends.append(e)
                self.cum.append(c)
                self.cumend.append(c + e - s)
                self.win_day.append(k)
            self.closes.append(self._ts(d, self.cal.periods[-1][1]))
        elif (d - self.first).days > 3700 and not self.closes:
            raise Invalid("error.calendar_no_workdays")
        self.next_day = d + timedelta(days=1)
        self.next_ts = self._ts(self.next_day, time(0, 0))

    def pos(self, t: float) -> float:
        while t >= self.next_ts:
            self._grow()
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t - self.starts[i], self.ends[i] - self.starts[i])

    def _open_index(self, t: float) -> int:
        while not self.ends or self.ends[-1] <= t:
            self._grow()
        return bisect_right(self.ends, t)

    def open_at(self, t: float) -> float:
        """`t` inside working hours, else the next opening (WorkCalendar.next_work_moment)."""
        i = self._open_index(t)
        return max(t, self.starts[i])

    def _at(self, p: float) -> float:
        while not self.cumend or self.cumend[-1] < p:
            self._grow()
        i = bisect_left(self.cumend, p)
        return self.starts[i] + (p - self.cum[i])

    def _at_back(self, p: float) -> float:
        i = bisect_right(self.cum, p) - 1
        return self.starts[i] + (p - self.cum[i])

    def add_work(self, t: float, seconds: float) -> float:
        if seconds < 0:
            return self._at_back(self.pos(t) + seconds)
        if seconds == 0:
            return self.open_at(t)
        return self._at(self.pos(t) + seconds)

    def end_of_workdays(self, t: float, days: int) -> float:
        k = self.win_day[self._open_index(t)] + days
        while len(self.closes) <= k:
            self._grow()
        return self.closes[k]

    # --- the sla twins ---

    def due(self, start: float, value: int, unit: str) -> float:
        if unit == LimitUnit.NATURAL_HOURS:
            r = start + value * 3600
        elif unit == LimitUnit.NATURAL_MINUTES:
            r = start + value * 60
        elif unit == LimitUnit.WORK_HOURS:
            r = self.add_work(start, value * 3600)
        else:
            r = self.end_of_workdays(start, value)
        if self.checks > 0:
            self._check("due", r, sla.due_at(self.cal, _dt(start), value, unit))
        return r

    def basis(self, unit: str, a: float, b: float) -> float:
        if unit in sla.NATURAL:
            return b - a
        return self.pos(b) - self.pos(a)

    def add_basis(self, unit: str, start: float, seconds: float) -> float:
        if unit in sla.NATURAL:
            return start + seconds
        return self.add_work(start, seconds)

    def limit_s(self, value: int, unit: str) -> float:
        key = (value, unit)
        got = self._limits.get(key)
        if got is None:
            got = self._limits[key] = sla.limit_seconds(self.cal, value, unit)
        return got

    def warn(self, value: int, unit: str, start: float, due: float) -> float:
        total = self.basis(unit, start, due)
        lead = self.limit_s(value, unit) * self.fraction
        r = min(self.add_basis(unit, start, max(total - lead, 0)), due)
        if self.checks > 0:
            self._check("warn", r, clocks_mod.warn_at(self.store, value, unit, _dt(start), _dt(due)))
        return r

    def extend(self, due: float, days: int, unit: str) -> float:
        """sla.extend_days: working days for working-time limits, calendar days for natural ones."""
        if unit in sla.NATURAL:
            return due + days * 86400
        return self.add_work(due, days * self.cal.day_seconds)

    def _check(self, what: str, got: float, ref: datetime) -> None:
        self.checks -= 1
        if _dt(got) != ref:
            raise RuntimeError(f"demo calendar disagrees with store.sla on {what}: {_dt(got)} != {ref}")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _dt(ts: float) -> datetime:
    return EPOCH + timedelta(seconds=ts)


def _iso(ts: float | None) -> str | None:
    return _dt(ts).isoformat() if ts is not None else None


# --- the roster ------------------------------------------------------------------------------


class _Names:
    """Realistic, unique Chinese names with pinyin, from the catalogue's common characters."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        # rank-weighted surnames: the first ones are far more common
        self.surname_w = [1.0 / (i + 6) for i in range(len(cat.SURNAMES))]

    def any(self) -> str:
        r = self.rng
        given = r.choice(cat.GIVEN_CHARS) + (r.choice(cat.GIVEN_CHARS) if r.random() < 0.7 else "")
        return r.choices(cat.SURNAMES, weights=self.surname_w)[0] + given

    def unique(self) -> str:
        for _ in range(200):
            name = self.any()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of demo names")


class _Rng(random.Random):
    """random.Random with one-draw randint, choice and randrange(n): the history makes millions
    of draws and the stock ones cost several times more. Deterministic for a seed all the same."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None and step == 1:
            return int(self.random() * start)
        return super().randrange(start, stop, step)


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"


@dataclass
class _GridInfo:
    id: int
    code: str
    name: str
    area: str
    village_name: str
    type: str
    category: str  # urban / rural / exclusive / marine
    households: int
    place: str  # for exclusive and marine grids: the place they cover
    roads: list[str]
    estates: list[str]
    weight: float = 1.0
    worker: int | None = None  # a full-time worker's person id (reporter of patrol tickets)


@dataclass
class _UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    label: str  # the unit account as it appears in timelines


@dataclass
class _MatterInfo:
    id: int
    code: str
    name: str
    cls: str
    unit_id: int | None
    escalate: bool
    admitted: date
    withdrawn: date | None
    limits: dict[str, tuple[int, str]]  # urgency → (value, unit), from clocks.handling_limit
    variants: tuple[str, ...] = ()  # urgencies with a limit of their own


class _Town:
    """Everything but the ticket history: built in memory, written in one transaction."""

    def __init__(self, store: Store, town: str, rng: random.Random, now: datetime):
        self.store = store
        self.rng = rng
        self.now = now
        self.today = store.calendar.local(now).date()
        self.city, self.county, self.town = division(town)
        self.root = _root(self.town.name)
        self.county_root = _root(self.county.name)
        self.dialling = CITY_DIALLING.get(self.city.code, "0" + self.city.code[:3])
        self.names = _Names(rng)
        self.rows: dict[type, list[dict[str, Any]]] = {}
        self.grids: list[_GridInfo] = []
        self.units: dict[str, _UnitInfo] = {}
        self.matters: list[_MatterInfo] = []
        self.people: dict[int, dict[str, Any]] = {}
        self.labels: dict[str, str] = {}  # login → "name(login)"
        self.gw_label: dict[int, str] = {}  # person id → their grid-worker account's label
        self.gaps: dict[str, list[str]] = {k: [] for k in DELIBERATE_GAPS}

    def add(self, model: type, **row: Any) -> dict[str, Any]:
        self.rows.setdefault(model, []).append(row)
        return row

    def day(self, days_ago_min: int, days_ago_max: int) -> date:
        return self.today - timedelta(days=self.rng.randint(days_ago_min, days_ago_max))

    def at(self, d: date, hour: int = 9) -> datetime:
        return datetime.combine(d, time(hour, self.rng.randrange(60)), self.store.calendar.tz).astimezone(UTC)

    # --- areas and grids ---

    def build_areas(self) -> None:
        r = self.rng
        street = self.town.name.endswith("街道")
        n = r.randint(8, 12)
        n_comm = max(2, n - r.randint(2, 3)) if street else 2
        self.add(Area, code=self.city.code, name=self.city.name, level="city", parent_code=None)
        self.add(Area, code=self.county.code, name=self.county.name, level="county", parent_code=self.city.code)
        town_row = self.add(Area, code=self.town.code, name=self.town.name, level="town",
                            parent_code=self.county.code, centre_phone=f"{self.dialling}-{r.randint(2000000, 3999999)}",
                            platform=f"i-{_root(self.city.name)} 网格通小程序")
        self.town_row = town_row
        comm_parts = [p for p in cat.COMMUNITY_NAME_PARTS if p != self.root]
        r.shuffle(comm_parts)
        vill_parts = list(cat.VILLAGE_NAME_PARTS)
        r.shuffle(vill_parts)
        self.villages: list[dict[str, Any]] = []
        for i in range(n):
            if i < n_comm:
                name = (self.root if i == 0 else comm_parts.pop()) + cat.COMMUNITY_SUFFIXES[0]
                code, kind, urban = f"{self.town.code}{i + 1:03d}", "community", True
            else:
                name = vill_parts.pop() + cat.VILLAGE_SUFFIXES[0]
                code, kind, urban = f"{self.town.code}{200 + i - n_comm + 1:03d}", "village", False
            self.villages.append(self.add(Area, code=code, name=name, level="village", parent_code=self.town.code,
                                          kind=kind, urban=urban))
        # census figures (registered plus floating population): over 100,000 for the YC 6 gap
        total = r.randint(104_000, 118_000)
        weights = [3.0 if v["urban"] else 1.2 for v in self.villages]
        left = total
        for i, v in enumerate(self.villages):
            pop = left if i == n - 1 else int(total * weights[i] / sum(weights))
            left -= pop
            v["population"] = pop
            v["households"] = int(pop / r.uniform(2.6, 3.1))
        town_row["population"] = total
        town_row["households"] = sum(v["households"] for v in self.villages)
        for row in self.rows[Area]:  # one shape for every row of the batch
            for k in ("kind", "population", "households", "centre_phone", "platform"):
                row.setdefault(k, None)
            row.setdefault("urban", False)

    def build_grids(self) -> None:
        r = self.rng
        comms = [v for v in self.villages if v["urban"]]
        vills = [v for v in self.villages if not v["urban"]]
        counts = {v["code"]: (4 if v["urban"] else 2) for v in self.villages}
        comp_total = GRID_TARGET - EXCLUSIVE_GRIDS - MARINE_GRIDS
        for _ in range(10_000):  # to the target, within 4–7 grids a community and 1–4 a village
            total = sum(counts.values())
            if total == comp_total:
                break
            v = r.choice(comms if r.random() < 0.8 or not vills else vills) if total < comp_total \
                else r.choice(self.villages)
            if total < comp_total and counts[v["code"]] < (7 if v["urban"] else 4):
                counts[v["code"]] += 1
            elif total > comp_total and counts[v["code"]] > (4 if v["urban"] else 1):
                counts[v["code"]] -= 1
        seq = {v["code"]: 0 for v in self.villages}

        def new_grid(v: dict[str, Any], gtype: str, subtype: str | None, name: str, category: str,
                     households: int, population: int, place: str) -> None:
            seq[v["code"]] += 1
            gid = len(self.grids) + 1
            code = f"{v['code']}{seq[v['code']]:03d}"
            roads = r.sample(cat.ROAD_NAMES, 4)
            estates = [r.choice(cat.ESTATE_NAME_PARTS) + r.choice(cat.ESTATE_SUFFIXES) for _ in range(2)]
            created = self.at(date(2023, 1, 1) + timedelta(days=r.randint(0, 500)))
            self.add(Grid, id=gid, code=code, name=name, area_code=v["code"], town_code=self.town.code,
                     type=gtype, subtype=subtype, households=households, population=population,
                     boundary=f"东至{roads[0]}，西至{roads[1]}，南至{roads[2]}，北至{roads[3]}",
                     status="active", created_at=created, retired_at=None,
                     notice_updated_at=None, roster_changed_at=None)
            weight = {"urban": households, "rural": households * 0.8, "exclusive": 120.0, "marine": 100.0}[category]
            self.grids.append(_GridInfo(gid, code, name, v["code"], v["name"], gtype, category, households,
                                        place, roads[:2], estates, weight))

        for v in self.villages:
            for k in range(counts[v["code"]]):
                hh = r.randint(260, 340) if v["urban"] else r.randint(180, 420)
                new_grid(v, GridType.COMPREHENSIVE, None, f"{v['name']}第{_cn(k + 1)}网格",
                         "urban" if v["urban"] else "rural", hh, int(hh * r.uniform(2.7, 3.2)), "")
        part = lambda: r.choice(cat.ESTATE_NAME_PARTS)  # noqa: E731
        places = {
            "商务楼宇": lambda: f"{part()}大厦", "产业园区": lambda: f"{self.root}海洋产业园",
            "商圈市场": lambda: f"{self.root}农贸市场", "学校": lambda: f"{self.root}小学",
            "医院": lambda: f"{self.county_root}区第二人民医院" if self.county.name.endswith("区") else f"{self.county_root}人民医院",
            "企事业单位": lambda: f"{part()}水产加工厂", "行政中心": lambda: f"{self.town.name}行政中心",
            "景区": lambda: f"{part()}滨海景区",
            "港口码头": lambda: f"{self.root}港码头", "渔港": lambda: f"{self.root}渔港",
            "船舶编组": lambda: f"{self.root}渔船编组", "水产养殖海域": lambda: f"{self.root}近海养殖区",
            "海上生产作业区": lambda: f"{self.root}海上作业区", "滩涂作业区": lambda: f"{self.root}滩涂作业区",
            "沿海渔村": lambda: f"{(vills or comms)[0]['name'].removesuffix('村')}渔村",
        }
        for i, (kind, _en) in enumerate(r.sample(cat.EXCLUSIVE_GRID_KINDS, EXCLUSIVE_GRIDS)):
            v = comms[i % len(comms)] if kind != "产业园区" or not vills else vills[0]
            place = places[kind]()
            new_grid(v, GridType.EXCLUSIVE, kind, f"{place}专属网格", "exclusive", 0, r.randint(300, 3000), place)
        coast = vills[:2] or comms[:1]
        for i, (kind, _en) in enumerate(r.sample(cat.MARINE_GRID_KINDS, MARINE_GRIDS)):
            place = places[kind]()
            hh = r.randint(30, 120)
            new_grid(coast[i % len(coast)], GridType.MARINE, kind, f"{place}涉海网格", "marine", hh,
                     int(hh * r.uniform(3.0, 3.6)), place)

    # --- units and matters ---

    def build_units(self) -> None:
        r = self.rng
        uid = 0
        for u in cat.UNITS:
            uid += 1
            prefix = self.town.name if u["level"] == "town" else self.county.name
            area = self.town.code if u["level"] == "town" else self.county.code
            name = f"{prefix}{u['name']}"
            self.add(Unit, id=uid, code=u["code"], name=name, kind=u["kind"], area_code=area,
                     phone=f"{self.dialling}-{r.randint(2000000, 3999999)}", active=True)
            covers = self.town.code if u["kind"] == UnitKind.SERVICE_UNIT else area
            self.add(UnitArea, unit_id=uid, area_code=covers)
            self.units[u["code"]] = _UnitInfo(uid, u["code"], name, u["kind"], "")
        uid += 1
        self.centre_name = f"{self.town.name}网格化服务管理中心"
        self.add(Unit, id=uid, code="CENTRE", name=self.centre_name, kind=UnitKind.CENTRE,
                 area_code=self.town.code, phone=self.town_row["centre_phone"], active=True)
        self.add(UnitArea, unit_id=uid, area_code=self.town.code)

    def build_matters(self) -> None:
        northern = self.city.code[:2] in NORTHERN_PROVINCES
        for i, m in enumerate(cat.MATTERS, start=1):
            admitted = date.fromisoformat(m["admitted"])
            withdrawn = date.fromisoformat(m["withdrawn"]) if m.get("withdrawn") else None
            unit = self.units.get(m["default_unit"])
            late = admitted > date(2025, 1, 1)
            requested = unit.name if late and unit else None
            _full, initials = name_keys(m["name"])
            self.add(Matter, id=i, code=m["code"], name=m["name"], name_en=m["name_en"], name_initials=initials,
                     class_code=m["class"], default_unit_id=unit.id if unit else None,
                     limit_value=m["limit"][0], limit_unit=m["limit"][1], escalate=bool(m["escalate"]),
                     admitted_on=admitted, withdrawn_on=withdrawn, requested_by=requested)
            variants = []
            for urgency in (Urgency.URGENT, Urgency.EMERGENCY):
                if m.get(urgency):
                    v, u = m[urgency]
                    self.add(MatterLimit, matter_id=i, urgency=urgency, value=v, unit=u)
                    variants.append(MatterLimit(urgency=urgency, value=v, unit=u))
            self.add(MatterEvent, matter_id=i, action="admit", on=admitted, requested_by=requested,
                     actor=SYSTEM.label, note=m.get("source"))
            if withdrawn:
                self.add(MatterEvent, matter_id=i, action="withdraw", on=withdrawn, requested_by=requested,
                         actor=SYSTEM.label, note=None)
            # the same limit rule as intake, read from a transient Matter
            probe = Matter(limit_value=m["limit"][0], limit_unit=m["limit"][1], limits=variants)
            limits = {u.value: clocks_mod.handling_limit(probe, u.value) for u in Urgency}
            if m["code"] in HEATING_MATTERS and not northern:
                admitted = date.max  # no district heating in the south: never reported
            self.matters.append(_MatterInfo(i, m["code"], m["name"], m["class"], unit.id if unit else None,
                                            bool(m["escalate"]), admitted, withdrawn, limits,
                                            tuple(v.urgency for v in variants)))

    # --- people ---

    def person(self, role: str, area: str, unit_id: int | None = None, trained: bool = True,
               since_days: tuple[int, int] = (200, 900)) -> int:
        r = self.rng
        pid = len(self.people) + 1
        name = self.names.unique()
        full, initials = name_keys(name)
        trained_on = self.day(since_days[0] + 10, since_days[1] + 60) if trained else None
        cert = trained_on + timedelta(days=r.randint(20, 90)) if trained_on and role == PersonRole.FULL_TIME \
            and r.random() < 0.8 else None
        if cert and cert > self.today:
            cert = None
        self.people[pid] = self.add(Person, id=pid, name=name, name_pinyin=full, name_initials=initials,
                                    phone=_phone(r), role=role, unit_id=unit_id, area_code=area,
                                    trained_on=trained_on, certificate_on=cert, status="active", left_on=None,
                                    left_reason=None, left_note=None, failed_reviews=0)
        return pid

    def assign(self, grid: _GridInfo, pid: int, role: str, since: date, until: date | None = None) -> None:
        self.add(GridAssignment, grid_id=grid.id, person_id=pid, role=role, since=since, until=until)
        changed = until or since
        last = self.roster_changed.get(grid.id)
        if last is None or changed > last:
            self.roster_changed[grid.id] = changed

    def build_people(self) -> None:
        r = self.rng
        self.roster_changed: dict[int, date] = {}
        grids = self.grids
        urban = [g for g in grids if g.category == "urban"]
        # the deliberate gaps, chosen first so the ordinary roster steers around them
        no_ft = r.sample(urban[4:], 2)
        heavy_pool = [g for g in urban[:4]]  # the town's first community's first four grids
        others = [g for g in grids if g not in no_ft and g not in heavy_pool]
        no_leader = [r.choice([g for g in others if g.category == "exclusive"]),
                     r.choice([g for g in others if g.category == "rural"]
                              or [g for g in others if g.category == "marine"])]
        stale = r.sample([g for g in others if g not in no_leader], 2)
        self.gaps["no_leader"] = [g.code for g in no_leader]
        self.gaps["no_full_time"] = [g.code for g in no_ft]
        self.gaps["notice_stale"] = [g.code for g in stale]
        since = lambda: self.day(60, 700)  # noqa: E731

        # seat operators at the town centre: two, where YC 6 asks three of a town this size
        self.seat_ops = [self.person(PersonRole.SEAT_OPERATOR, self.town.code) for _ in range(2)]
        self.gaps["seat_operators"] = [self.town.code]

        # leaders: one per grid (a village's grids in runs of 1–3 share one), but for the gaps
        by_village: dict[str, list[_GridInfo]] = {}
        for g in grids:
            by_village.setdefault(g.area, []).append(g)
        self.instructors: dict[str, int] = {}
        for area, gs in by_village.items():
            led = [g for g in gs if g not in no_leader]
            i = 0
            while i < len(led):
                run = led[i:i + r.randint(1, 3)]
                pid = self.person(PersonRole.LEADER, area)
                for g in run:
                    self.assign(g, pid, PersonRole.LEADER, since())
                i += len(run)
            ins = self.person(PersonRole.INSTRUCTOR, area)  # 挂点领导 per village (BH 8)
            self.instructors[area] = ins
            for g in gs:
                self.assign(g, ins, PersonRole.INSTRUCTOR, since())

        # full-time workers: one per grid; one worker carries four grids (the load gap)
        heavy = self.person(PersonRole.FULL_TIME, heavy_pool[0].area)
        self.gaps["overloaded_worker"] = [self.people[heavy]["name"]]
        for g in heavy_pool:
            self.assign(g, heavy, PersonRole.FULL_TIME, since())
            g.worker = heavy
        full_timers = [heavy]
        for g in grids:
            if g in no_ft or g in heavy_pool:
                continue
            pid = self.person(PersonRole.FULL_TIME, g.area)
            self.assign(g, pid, PersonRole.FULL_TIME, since())
            g.worker = pid
            full_timers.append(pid)
        untrained = r.sample(full_timers[1:], 2)
        for pid in untrained:
            self.people[pid]["trained_on"] = self.people[pid]["certificate_on"] = None
        self.gaps["untrained_full_time"] = [self.people[pid]["name"] for pid in untrained]
        self.people[r.choice(full_timers[1:])]["failed_reviews"] = 1  # one poor review: not yet a case
        # two workers left this year; their successors took over the same day
        for g in r.sample([g for g in others if g.worker and g not in stale], 2):
            old = self.person(PersonRole.FULL_TIME, g.area)
            left = self.day(20, 150)
            self.people[old].update(status="left", left_on=left, left_reason=LeaveReason.RESIGNED,
                                    left_note="个人原因辞职")
            self.assign(g, old, PersonRole.FULL_TIME, left - timedelta(days=r.randint(300, 800)), left)
            for row in self.rows[GridAssignment]:
                if row["grid_id"] == g.id and row["person_id"] == g.worker:
                    row["since"] = left
            self.roster_changed[g.id] = max(self.roster_changed[g.id], left)
        for g in no_ft:  # patrol reports there come from the community's other workers
            g.worker = next((x.worker for x in grids if x.area == g.area and x.worker), heavy)

        # part-time workers: village cadres, property staff, volunteers (JM 7, HH 11, YC 18)
        for g in grids:
            for _ in range(r.randint(1, 2) if g.type == GridType.COMPREHENSIVE else 1):
                self.assign(g, self.person(PersonRole.PART_TIME, g.area), PersonRole.PART_TIME, since())

        # professional workers sent by units, each covering several grids (HH 11)
        plan = [("POLICE", "village", 3), ("URBAN", "urban", 2), ("MARKET", "all", 1), ("FIRE", "exclusive", 1),
                ("JUSTICE", "all", 1), ("OCEAN", "marine", 1), ("POWER", "all", 1), ("PROPERTY", "urban", 2)]
        for code, which, n in plan:
            unit = self.units[code]
            if which == "village":
                pool = grids
            elif which == "all":
                pool = [g for g in grids if g.category != "marine"]
            else:
                pool = [g for g in grids if g.category == which]
            pool = pool or grids
            chunks = [pool[i::n] for i in range(n)]
            for chunk in chunks:
                pid = self.person(PersonRole.PROFESSIONAL, self.town.code, unit_id=unit.id)
                for g in r.sample(chunk, min(len(chunk), r.randint(4, 8))):
                    self.assign(g, pid, PersonRole.PROFESSIONAL, since())

        # micro-grids in three urban grids: building heads and unit heads (HH 20)
        for g in r.sample([g for g in urban if g not in no_ft and g not in heavy_pool], 3):
            estate = g.estates[0]
            n_build = r.randint(3, 5)
            for b in range(1, n_build + 1):
                head = self.person(PersonRole.BUILDING_HEAD, g.area)
                self.add(MicroGrid, grid_id=g.id, code=f"{g.code}{b:03d}", name=f"{estate}{b}栋", kind="building",
                         head_person_id=head, households=g.households // n_build)
            for u in (1, 2):
                head = self.person(PersonRole.UNIT_HEAD, g.area)
                self.add(MicroGrid, grid_id=g.id, code=f"{g.code}{n_build + u:03d}", name=f"{estate}1栋{u}单元",
                         kind="unit", head_person_id=head, households=g.households // n_build // 2)

        # notice cards: brought up to date after each roster change, but for two grids
        for row in self.rows[Grid]:
            changed = self.roster_changed.get(row["id"])
            if row["code"] in self.gaps["notice_stale"]:
                changed = self.day(3, 25)
                self.roster_changed[row["id"]] = changed
                notice = changed - timedelta(days=r.randint(30, 200))
            else:
                notice = min(changed + timedelta(days=r.randint(0, 10)), self.today) if changed else self.day(30, 200)
            row["roster_changed_at"] = self.at(changed, 10) if changed else None
            row["notice_updated_at"] = self.at(notice, 15)
            if row["roster_changed_at"] and row["notice_updated_at"] < row["roster_changed_at"] \
                    and row["code"] not in self.gaps["notice_stale"]:
                row["notice_updated_at"] = row["roster_changed_at"] + timedelta(hours=2)

    # --- accounts ---

    def build_operators(self) -> None:
        oid = 0
        town, county = self.town.code, self.county.code

        def op(login: str, name: str, role: str, jur: str, unit_id: int | None = None,
               person_id: int | None = None) -> None:
            nonlocal oid
            oid += 1
            self.add(Operator, id=oid, login=login, name=name, role=role, jurisdiction=jur, unit_id=unit_id,
                     person_id=person_id, lang=None, bell=True, active=True)
            self.labels[login] = f"{name}({login})"

        # op01 first: the lowest id is the account a bare `griddesk` opens with
        op("op01", self.people[self.seat_ops[0]]["name"], Role.OPERATOR, town, person_id=self.seat_ops[0])
        op("op02", self.people[self.seat_ops[1]]["name"], Role.OPERATOR, town, person_id=self.seat_ops[1])
        op("sup01", self.names.unique(), Role.SUPERVISOR, town)
        op("county01", self.names.unique(), Role.OPERATOR, county)
        op("wall", "指挥中心大屏", Role.VIEWER, town)
        op("admin", self.names.unique(), Role.ADMIN, county)
        op(FEED_LOGIN, "12345热线接口", Role.OPERATOR, town)
        for u in self.units.values():
            login = f"u-{u.code.lower()}"
            op(login, u.name[:32], Role.UNIT, town, unit_id=u.id)
            u.label = self.labels[login]
        # every full-time worker verifies on site from the app (HH 21)
        seen: set[str] = set()
        for pid, p in self.people.items():
            if p["role"] != PersonRole.FULL_TIME or p["status"] != "active":
                continue
            base = "gw-" + p["name_pinyin"].replace(" ", "")
            login, k = base, 1
            while login in seen:
                k += 1
                login = f"{base}{k}"
            seen.add(login)
            op(login[:32], p["name"], Role.GRID_WORKER, town, person_id=pid)
            self.gw_label[pid] = self.labels[login[:32]]


# --- the ticket history --------------------------------------------------------------------------


class _Stop(Exception):
    """The next step would happen after now (or past the status this ticket is kept at)."""


class _Clock:
    __slots__ = ("name", "value", "unit", "start", "due", "warn", "state", "paused_at", "remaining", "stopped")

    def __init__(self, name: str, value: int, unit: str, start: float, due: float, warn: float):
        self.name, self.value, self.unit = name, value, unit
        self.start, self.due, self.warn = start, due, warn
        self.state = ClockState.RUNNING
        self.paused_at: float | None = None
        self.remaining: int | None = None
        self.stopped: float | None = None


class _Ticket:
    """One ticket being lived through: the same clock moves as store.clocks makes."""

    __slots__ = ("h", "id", "force", "status", "version", "timeline", "clocks", "handle_due", "updated_at",
                 "updated_by", "resume", "lead", "co", "escalation", "closed_at", "satisfaction", "nearest")

    def __init__(self, h: _History, tid: int, force: str | None):
        self.h, self.id, self.force = h, tid, force
        self.status: str = Status.PENDING_DISPATCH
        self.version = 1
        self.timeline: list[tuple] = []
        self.clocks: list[_Clock] = []
        self.handle_due: float | None = None
        self.updated_at = 0.0
        self.updated_by = ""
        self.resume: str | None = None
        self.lead: _UnitInfo | None = None
        self.co: list[_UnitInfo] = []
        self.escalation: str | None = None
        self.closed_at: float | None = None
        self.satisfaction: str | None = None
        self.nearest: _Clock | None = None

    def step(self, at: float, actor: str, action: str, to: str | None = None, note: str | None = None,
             data: dict[str, Any] | None = None) -> None:
        if at > self.h.now or self.status == self.force:
            raise _Stop
        to = to or self.status
        self.timeline.append((at, actor, action, self.status, to, note, data))
        self.status = to
        self.version += 1
        self.updated_at, self.updated_by = at, actor

    def annotate(self, at: float, actor: str, action: str, note: str, data: dict[str, Any]) -> None:
        """An entry that moves nothing (store.escalation's report upward): no version, no status."""
        if at > self.h.now or self.status == self.force:
            raise _Stop
        self.timeline.append((at, actor, action, None, None, note, data))

    def start(self, name: str, at: float, value: int, unit: str, due: float | None = None) -> _Clock:
        self.stop(name, at)
        line = self.h.line
        due = line.due(at, value, unit) if due is None else due
        c = _Clock(name, value, unit, at, due, line.warn(value, unit, at, due))
        self.clocks.append(c)
        return c

    def _finish(self, c: _Clock, at: float) -> None:
        late = (c.remaining or 0) < 0 if c.state == ClockState.PAUSED else at > c.due
        c.state = ClockState.MISSED if late else ClockState.MET
        c.stopped, c.paused_at = at, None

    def stop(self, name: str, at: float) -> None:
        for c in self.clocks:
            if c.name == name and c.stopped is None:
                self._finish(c, at)

    def stop_all(self, at: float) -> None:
        for c in self.clocks:
            if c.stopped is None:
                self._finish(c, at)

    def running(self, name: str) -> _Clock | None:
        return next((c for c in self.clocks if c.name == name and c.state == ClockState.RUNNING), None)

    def pause_all(self, at: float) -> None:
        line = self.h.line
        for c in self.clocks:
            if c.state == ClockState.RUNNING and c.name != ClockName.ESCALATE:
                c.remaining = int(line.basis(c.unit, at, c.due))
                c.paused_at, c.state = at, ClockState.PAUSED

    def resume_all(self, at: float) -> None:
        line = self.h.line
        for c in self.clocks:
            if c.state == ClockState.PAUSED:
                c.due = line.add_basis(c.unit, at, c.remaining or 0)
                c.warn = line.warn(c.value, c.unit, at, c.due)
                c.state, c.paused_at, c.remaining = ClockState.RUNNING, None, None

    def refresh(self) -> None:
        """clocks.refresh_nearest: the nearest running deadline; the handling one kept apart."""
        best = None
        for c in self.clocks:
            if c.state == ClockState.RUNNING:
                if best is None or c.due < best.due:
                    best = c
                if c.name == ClockName.HANDLE:
                    self.handle_due = c.due
        self.nearest = best


class _History:
    def __init__(self, town: _Town, line: _WorkLine, rng: random.Random, now: float, settings: Any):
        self.t = town
        self.line = line
        self.rng = rng
        self.now = now
        self.s = settings
        self.decision = (int(settings.extra.get("decision_limit_days", 1)), LimitUnit.WORK_DAYS)
        self.grids = town.grids
        self.grid_cum = _cumulative([g.weight for g in self.grids])
        self.units = {u.id: u for u in town.units.values()}
        self.departments = [u for u in town.units.values() if u.kind == UnitKind.DEPARTMENT]
        self.ops = [town.labels["op01"], town.labels["op02"]]
        self.sup = town.labels["sup01"]
        self.feed = town.labels[FEED_LOGIN]
        self.county = town.labels["county01"]
        self.sources = [s for s, _w in cat.SOURCES]
        self.source_cum = _cumulative([w for _s, w in cat.SOURCES])
        self.matter_cache: dict[tuple[str, date], tuple[list[_MatterInfo], list[float]]] = {}
        self.village_gw: dict[str, str] = {}
        for g in self.grids:
            if g.worker in town.gw_label:
                self.village_gw.setdefault(g.area, town.gw_label[g.worker])
        self.any_gw = next(iter(town.gw_label.values()))
        self.platform = town.town_row["platform"]
        self.by_status: dict[str, int] = {}
        self.rows_tickets: list[tuple[Any, ...]] = []
        self.rows_clocks: list[tuple[Any, ...]] = []
        self.rows_timeline: list[tuple[Any, ...]] = []
        self.rows_co: list[tuple[Any, ...]] = []
        self.out = _Out(town.store.db.backend)
        self.latest = now  # the latest deadline written (for the calendar's unknown-year warning)
        offset = town.store.calendar.local(_dt(now)).utcoffset()
        self.utc_offset = offset.total_seconds() if offset else 0.0

    # --- choices ---

    def matters_on(self, category: str, day: date, emergency: bool = False) -> tuple[list[_MatterInfo], list[float]]:
        """The matters in force on `day`, weighted for the grid's category; for an emergency only
        those that have an emergency limit or are reported upward."""
        key = (category, day, emergency)
        got = self.matter_cache.get(key)
        if got is None:
            live = [m for m in self.t.matters if m.admitted <= day and (m.withdrawn is None or day < m.withdrawn)]
            if emergency:
                live = [m for m in live if Urgency.EMERGENCY in m.variants or m.escalate]
            weights = CLASS_WEIGHTS[category]
            per_class: dict[str, int] = {}
            for m in live:
                per_class[m.cls] = per_class.get(m.cls, 0) + 1
            ws = []
            for m in live:
                w = weights.get(m.cls, 1) / per_class[m.cls] * MATTER_BOOST.get(m.code, 1.0)
                if m.escalate and not emergency:
                    w *= 0.15
                if m.code == "A010" and category == "urban":
                    w = 0.0
                ws.append(w)
            if live and not sum(ws):
                ws = [1.0] * len(live)
            got = self.matter_cache[key] = (live, _cumulative(ws))
        return got

    def op(self, at: float) -> str:
        """The seat operator on duty: op01 works the day (08:00–20:00), op02 the night."""
        hour = int((at + self.utc_offset) // 3600) % 24
        return self.ops[not 8 <= hour < 20]

    def later(self, t: float, lo_min: float, hi_min: float, fast: bool, work: bool = True) -> float:
        r = self.rng
        if fast:
            return t + r.randint(60, 900)
        s = r.randint(int(lo_min * 60), int(hi_min * 60))
        return self.line.add_work(t, s) if work else t + s

    def address(self, g: _GridInfo) -> tuple[str, str, str]:
        """(road, building, address) in the grid's own streets."""
        r = self.rng
        road = r.choice(g.roads)
        if g.category == "urban":
            building = f"{r.choice(g.estates)}{r.randint(1, 12)}栋" if r.random() < 0.6 else \
                f"{road}{r.randint(1, 188)}号{r.randint(1, 9)}{r.choice(cat.BUILDING_KINDS)}"
            return road, building, building if "号" in building else f"{road}{r.randint(1, 188)}号{building}"
        if g.category == "rural":
            building = f"{g.village_name}{r.randint(1, 9)}组{r.randint(1, 60)}号"
            return road, building, building
        return road, g.place, f"{road}{r.randint(1, 88)}号{g.place}"

    # --- one ticket ---

    def ticket(self, tid: int, t0: int, day: date, daystr: str, seq: int, force: str | None) -> None:
        r, t = self.rng, self.t
        g = self.grids[_pick(r, self.grid_cum)]
        source = self.sources[_pick(r, self.source_cum)] if force is None else Source.HOTLINE
        u = r.random()
        urgency = Urgency.NORMAL if force or u < 0.85 else Urgency.URGENT if u < 0.97 else Urgency.EMERGENCY
        if force == Status.PENDING_DISPATCH:
            urgency = Urgency.EMERGENCY  # kept waiting, not yet reported upward: an escalation to chase
        # an emergency is a fire or a gas leak, not an illegal extension
        live, cum = self.matters_on(g.category, day, urgency == Urgency.EMERGENCY)
        out_of_list = r.random() < 0.015 or not live
        m = None if out_of_list else live[_pick(r, cum)]
        road, building, address = self.address(g)
        if m is None:
            title = r.choice(OUT_OF_LIST_TITLES)
        else:
            title = r.choice(cat.TICKET_PHRASES.get(m.code) or [m.name]).format(road=road, building=building)
        description = DESCRIPTIONS[source].format(title=title, platform=self.platform)
        if source == Source.PATROL:
            reporter_name = reporter_phone = None  # found on patrol: nobody to call back
            creator = t.gw_label.get(g.worker or 0) or self.op(t0)
        else:
            reporter_name, reporter_phone = t.names.any(), _phone(r)
            creator = {Source.HOTLINE: self.feed, Source.REFERRAL: self.county}.get(source) or self.op(t0)
        limit = (3, LimitUnit.WORK_DAYS) if m is None else m.limits[urgency]
        emergency = urgency == Urgency.EMERGENCY or (m is not None and m.escalate)
        fast = force is not None
        tk = _Ticket(self, tid, force)
        tk.updated_at, tk.updated_by = t0, creator
        on_spot = not fast and r.random() < (0.2 if source == Source.PATROL else 0.03)
        receive_data = {"source": source, "out_of_list": out_of_list}
        if on_spot:
            # first-ask responsibility (HH 21): solved on the spot, recorded and closed
            done = t0 + r.randint(120, 1800)
            if done > self.now:
                done = t0
            tk.timeline.append((t0, creator, "receive", None, Status.PENDING_DISPATCH, None, receive_data))
            tk.timeline.append((done, creator, "resolve_on_spot", Status.PENDING_DISPATCH, Status.CLOSED,
                                "网格员现场处置完毕，录入备案", None))
            tk.status, tk.closed_at, tk.updated_at = Status.CLOSED, done, done
        else:
            first = Status.RECEIVED if force == Status.RECEIVED or (
                not fast and source == Source.PLATFORM and r.random() < 0.3) else Status.PENDING_DISPATCH
            tk.status = first
            tk.timeline.append((t0, creator, "receive", None, first, None, receive_data))
            tk.start(ClockName.HANDLE, t0, *limit)
            if emergency:
                tk.start(ClockName.ESCALATE, t0, self.s.escalate_limit_minutes, LimitUnit.NATURAL_MINUTES)
                tk.escalation = "flagged"
            tk.refresh()
            try:
                self.loop(tk, g, m, source, urgency, t0, emergency, fast, reporter_name)
            except _Stop:
                pass
        self.emit(tk, g, m, source, urgency, t0, daystr, seq, out_of_list, title, description, address,
                  reporter_name, reporter_phone, creator, on_spot)

    def loop(self, tk: _Ticket, g: _GridInfo, m: _MatterInfo | None, source: str, urgency: str, t0: float,
             emergency: bool, fast: bool, reporter: str | None) -> None:
        r, line, force = self.rng, self.line, tk.force
        t = t0
        x = r.random()
        if emergency and (fast or x >= 0.08):
            # reported upward within 30 minutes (YC 35, BH 21), a few late; the report of the rest
            # was never recorded: the pending escalations a supervisor finds
            t += r.randint(240, 1500) if x < 0.94 else r.randint(2100, 5400)
            tk.annotate(t, self.op(t), REPORT_UP, f"已电话报告{self.t.county.name}网格化服务管理中心值班室",
                        {"escalation": "reported"})
            tk.stop(ClockName.ESCALATE, t)
            tk.escalation = "reported"
            tk.refresh()

        def dispatch(t: float, unit: _UnitInfo) -> float:
            if emergency:
                t = t + r.randint(120, 900)
            else:
                t = self.later(t, 5, 90, fast)
                if not fast and r.random() < 0.015:
                    t = line.add_work(t, r.randint(1, 5) * line.cal.day_seconds)  # left in the queue
            co = [] if fast or r.random() > 0.08 else r.sample([d for d in self.departments if d is not unit],
                                                               r.randint(1, 2))
            note = f"派至{unit.name}" + (f"，协办：{'、'.join(c.name for c in co)}" if co else "")
            tk.step(t, self.op(t), "dispatch", Status.DISPATCHED, note,
                    {"unit": unit.code, "co_units": [c.code for c in co]})
            tk.lead, tk.co = unit, co
            tk.start(ClockName.SIGN, t, self.s.sign_limit_hours, LimitUnit.WORK_HOURS)
            tk.refresh()
            return t

        default = self.units.get(m.unit_id) if m and m.unit_id else None
        lead = default if default and r.random() < 0.9 else r.choice(self.departments)
        t = dispatch(t, lead)

        # a unit that disputes its duty asks to return it (JM 17, BH 18)
        if force == Status.RETURN_REQUESTED or (not fast and not emergency and r.random() < 0.05):
            t = self.later(t, 10, 120, fast)
            tk.step(t, lead.label, "return", Status.RETURN_REQUESTED, r.choice(RETURN_REASONS), {"unit": lead.code})
            tk.stop(ClockName.SIGN, t)
            tk.start(ClockName.EXTENSION, t, *self.decision)
            tk.resume = Status.DISPATCHED
            tk.refresh()
            t = self.later(t, 15, 240, fast)
            if r.random() < 0.75:
                tk.step(t, self.op(t), "approve", Status.PENDING_DISPATCH, "同意退回，重新分拨",
                        {"request": "return", "unit": lead.code})
                tk.stop(ClockName.EXTENSION, t)
                tk.stop(ClockName.SIGN, t)
                tk.lead, tk.co, tk.resume = None, [], None
                tk.refresh()
                lead = r.choice([d for d in self.departments if d is not lead])
                t = dispatch(t, lead)
            else:
                tk.step(t, self.op(t), "reject", Status.DISPATCHED, r.choice(REJECT_RETURN), {"request": "return"})
                tk.stop(ClockName.EXTENSION, t)
                tk.start(ClockName.SIGN, t, self.s.sign_limit_hours, LimitUnit.WORK_HOURS)
                tk.resume = None
                tk.refresh()

        # sign-for (2 working hours by default); some late, a few left lying
        if emergency:
            t += r.randint(300, 2400)
        else:
            x = r.random()
            t = self.later(t, 5, 100, fast) if fast or x < 0.93 else self.later(t, 130, 480, fast) if x < 0.99 \
                else line.add_work(t, r.randint(2, 10) * line.cal.day_seconds)
        tk.step(t, lead.label, "sign", Status.SIGNED)
        tk.stop(ClockName.SIGN, t)
        tk.refresh()

        handle = tk.running(ClockName.HANDLE)
        assert handle is not None

        def point(t: float, lo: float, hi: float) -> float:
            """A moment a share of the way from t to the handling deadline."""
            left = line.basis(handle.unit, t, handle.due)
            if fast or left < 1200:
                return self.later(t, 10, 60, fast)
            return max(t + 60, line.add_basis(handle.unit, t, int(left * r.uniform(lo, hi))))

        # an extension with a reason and the staged progress (BH 18, BH 19)
        if force == Status.EXTENSION_REQUESTED or (not fast and not emergency and r.random() < 0.07):
            t = point(t, 0.3, 0.85)
            days = r.choice((2, 3, 3, 5, 5, 7, 10))
            until = line.extend(handle.due, days, handle.unit)
            tk.step(t, lead.label, "extend", Status.EXTENSION_REQUESTED, r.choice(EXTEND_REASONS),
                    {"until": _iso(until), "progress": r.choice(EXTEND_PROGRESS), "days": days})
            tk.start(ClockName.EXTENSION, t, *self.decision)
            tk.resume = Status.SIGNED
            tk.refresh()
            t = self.later(t, 30, 300, fast)
            if r.random() < 0.8:
                who = self.sup if r.random() < 0.5 else self.op(t)
                tk.step(t, who, "approve", Status.SIGNED, f"同意延期{days}个工作日",
                        {"request": "extension", "until": _iso(until)})
                tk.stop(ClockName.EXTENSION, t)
                handle.due = until
                handle.warn = line.warn(handle.value, handle.unit, handle.start, until)
            else:
                tk.step(t, self.op(t), "reject", Status.SIGNED, r.choice(REJECT_EXTENSION), {"request": "extension"})
                tk.stop(ClockName.EXTENSION, t)
            tk.resume = None
            tk.refresh()

        # suspension (挂账): every clock but the report upward stands still
        if force == Status.SUSPENDED or (not fast and not emergency and r.random() < 0.025):
            t = point(t, 0.2, 0.8)
            tk.step(t, self.op(t), "suspend", Status.SUSPENDED, r.choice(SUSPEND_REASONS))
            tk.pause_all(t)
            tk.resume = Status.SIGNED
            tk.refresh()
            t = line.add_work(t + r.randint(2, 30) * 86400, r.randint(0, 7200))
            tk.step(t, self.op(t), "resume", Status.SIGNED, "挂账原因已消除，恢复办理")
            tk.resume_all(t)
            tk.resume = None
            tk.refresh()

        def feedback(t: float) -> float:
            x = r.random()
            if fast or x < 0.88:
                t = point(t, 0.15, 0.95)
            else:  # late: past the deadline by part of, or several times, the limit
                times = r.uniform(0.05, 1.0) if x < 0.97 else r.uniform(1.0, 4.0)
                late = line.add_basis(handle.unit, handle.due, int(line.limit_s(handle.value, handle.unit) * times))
                t = max(t + 60, late)
            tk.step(t, lead.label, "feedback", Status.FEEDBACK, r.choice(FEEDBACK_NOTES))
            tk.stop(ClockName.HANDLE, t)
            tk.stop(ClockName.SIGN, t)
            tk.start(ClockName.VERIFY, t, self.s.verify_limit_hours, LimitUnit.NATURAL_HOURS)
            tk.refresh()
            return t

        t = feedback(t)
        checker = self.t.gw_label.get(g.worker or 0) or self.village_gw.get(g.area) or self.any_gw
        verify = reporter is None or force == Status.VERIFIED or (force is None and r.random() < 0.75)
        if verify and not fast and r.random() < 0.03:
            # the check fails: back to the unit, whose clock continues from what it had left
            t += r.randint(3600, 20 * 3600)
            tk.step(t, checker, "verify", Status.SIGNED, r.choice(FAILED_CHECK), {"passed": False})
            tk.stop(ClockName.VERIFY, t)
            prev = handle
            left = line.basis(prev.unit, prev.stopped or t, prev.due)
            handle = tk.start(ClockName.HANDLE, t, prev.value, prev.unit, line.add_basis(prev.unit, t, left))
            tk.refresh()
            t = feedback(t)
        if verify:
            x = r.random()
            t += r.randint(600, 1200) if fast else r.randint(3600, 20 * 3600) if x < 0.94 else \
                r.randint(25 * 3600, 40 * 3600) if x < 0.99 else r.randint(3, 10) * 86400
            tk.step(t, checker, "verify", Status.VERIFIED, f"现场核实：{g.name}，已处理到位", {"passed": True})
            tk.stop(ClockName.VERIFY, t)
            tk.start(ClockName.VISIT, t, self.s.visit_limit_days, LimitUnit.WORK_DAYS)
            tk.refresh()
        if reporter is not None:
            # return visit to whoever asked (BH 20)
            if verify:
                t = self.later(t, 10, 360, fast) if fast or r.random() < 0.96 else self.later(t, 500, 900, fast)
            else:
                t = self.later(t, 60, 600, fast)
            x = r.random()
            sat = Satisfaction.SATISFIED if x < 0.85 else Satisfaction.BASIC if x < 0.96 else Satisfaction.DISSATISFIED
            tk.step(t, self.op(t), "visit", Status.VISITED, f"回访{reporter}，评价：{SATISFACTION_NAMES[sat]}",
                    {"satisfaction": sat})
            tk.stop(ClockName.VERIFY, t)
            tk.stop(ClockName.VISIT, t)
            tk.satisfaction = sat
            tk.refresh()
        t = self.later(t, 2, 90, fast)
        note = "回访不满意：已向反映人解释处理依据，依规结案" if tk.satisfaction == Satisfaction.DISSATISFIED else "办结归档"
        tk.step(t, self.op(t) if r.random() < 0.85 else self.sup, "close", Status.CLOSED, note)
        tk.stop_all(t)
        tk.closed_at = t
        tk.refresh()

    def emit(self, tk: _Ticket, g: _GridInfo, m: _MatterInfo | None, source: str, urgency: str, t0: float,
             daystr: str, seq: int, out_of_list: bool, title: str, description: str, address: str,
             reporter_name: str | None, reporter_phone: str | None, creator: str, on_spot: bool) -> None:
        # rows are tuples in the column order of TICKET_COLS, CLOCK_COLS, TIMELINE_COLS, CO_UNIT_COLS
        dt, js = self.out.time, self.out.json
        near = tk.nearest
        town = g.code[:9]
        tid = tk.id
        self.rows_tickets.append((
            tid, f"{town}-{daystr}-{seq:04d}", source, reporter_name, reporter_phone, g.id, town, address,
            m.id if m else None, out_of_list, urgency, title, description, tk.status,
            tk.lead.id if tk.lead else None, dt(t0), dt(near.due) if near else None,
            near.name if near else None, dt(near.warn) if near else None,
            dt(tk.handle_due) if tk.handle_due is not None else None,
            dt(tk.closed_at) if tk.closed_at is not None else None, on_spot, tk.satisfaction, None,
            tk.escalation, town, tk.resume, creator, dt(tk.updated_at), tk.updated_by, tk.version))
        self.by_status[tk.status] = self.by_status.get(tk.status, 0) + 1
        for c in tk.clocks:
            if c.due > self.latest:
                self.latest = c.due
            self.rows_clocks.append((
                tid, c.name, c.value, c.unit, dt(c.start), dt(c.due), dt(c.warn), c.state,
                dt(c.paused_at) if c.paused_at is not None else None, c.remaining,
                dt(c.stopped) if c.stopped is not None else None))
        for at, actor, action, frm, to, note, data in tk.timeline:
            self.rows_timeline.append((tid, dt(at), actor, action, frm, to, note,
                                       js(data) if data is not None else None))
        for c in tk.co:
            self.rows_co.append((tid, c.id))

    def take(self) -> list[tuple[Any, list[tuple[Any, ...]]]]:
        """The rows made so far, handed over for writing; new lists start for the next chunk."""
        batch = [(Ticket, self.rows_tickets), (TicketClock, self.rows_clocks),
                 (TimelineEntry, self.rows_timeline), (TicketCoUnit, self.rows_co)]
        self.rows_tickets, self.rows_clocks, self.rows_timeline, self.rows_co = [], [], [], []
        return batch


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


class _Out:
    """How the history's rows reach the big tables: the one backend-specific part of the demo.

    On SQLite, rows go to the driver's executemany as tuples with times already in the text
    form SQLAlchemy's SQLite DateTime stores (UTC, "YYYY-MM-DD HH:MM:SS.ffffff") and JSON as
    text — SQLAlchemy's per-row, per-value processing would otherwise be most of the cost.
    The models read these rows back as usual (store/models.py's UTCDateTime takes that text).
    On PostgreSQL the same rows go through Core `insert(table)` executemany as dicts with real
    datetimes, which asyncpg wants.
    """

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"
        self._days: dict[int, str] = {}
        self._clock = [f"{h:02d}:{m:02d}:{x:02d}.000000" for h in range(24) for m in range(60)
                       for x in range(60)] if self.sqlite else []

    def time(self, ts: float) -> Any:
        if not self.sqlite:
            return _dt(ts)
        whole = int(ts)
        if whole != ts:
            return _dt(ts).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        day, rest = divmod(whole, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d ")
        return prefix + self._clock[rest]

    def json(self, data: dict[str, Any]) -> Any:
        return json.dumps(data) if self.sqlite else data

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


async def _write(store: Store, out: _Out, batch: list[tuple[Any, list[tuple[Any, ...]]]]) -> None:
    """One chunk of tickets with their clocks, timelines and co-units: one transaction."""
    async with store.db.connect(write=True) as conn:
        await out.prepare(conn)
        for model, rows in batch:
            if rows:
                await out.write(conn, model, rows)


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(r: random.Random, cum: list[float]) -> int:
    return min(bisect_right(cum, r.random() * cum[-1]), len(cum) - 1)


def _schedule(cal: WorkCalendar, n: int, start: int, now: int) -> list[tuple[int, int, int, date, str]]:
    """Local hours from start to now as (begin, seconds, tickets, day, YYYYMMDD), n tickets in all.

    Tickets follow the hour of day and fewer come on rest days; the counts are the largest-
    remainder rounding of the expected ones, so they add up to n exactly.
    """
    tz = cal.tz
    loc = datetime.fromtimestamp(start, tz).replace(minute=0, second=0, microsecond=0)
    hours: list[list[Any]] = []
    while True:
        h = int(loc.timestamp())
        if h >= now:
            break
        lo, hi = max(h, start), min(h + 3600, now)
        if hi > lo:
            w = HOUR_WEIGHTS[loc.hour] * (1.0 if cal.is_workday(loc.date()) else 0.65) * (hi - lo) / 3600
            hours.append([lo, hi - lo, w, loc.date(), loc.strftime("%Y%m%d")])
        loc = datetime.fromtimestamp(h + 3600, tz)
    total = sum(h[2] for h in hours) or 1.0
    expected = [n * h[2] / total for h in hours]
    counts = [int(e) for e in expected]
    short = n - sum(counts)
    for i in sorted(range(len(hours)), key=lambda i: (counts[i] - expected[i], i))[:short]:
        counts[i] += 1
    return [(h[0], h[1], c, h[3], h[4]) for h, c in zip(hours, counts, strict=True)]


# --- building ------------------------------------------------------------------------------------


async def is_empty(store: Store) -> bool:
    """No areas, operators or tickets yet: a database the demo may fill."""
    async with store.db.session() as s:
        for model in (Area, Operator, Ticket):
            if (await s.execute(select(func.count()).select_from(model))).scalar_one():
                return False
    return True


async def is_demo(store: Store) -> bool:
    """Whether the demo built this database (so rebuilding it loses nothing of anyone's)."""
    async with store.db.session() as s:
        q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == DEMO_MARK)
        return bool((await s.execute(q)).scalar_one())


async def wipe(store: Store) -> None:
    """Delete every row of a database the demo built (`--fresh` on a server database)."""
    if not (await is_demo(store) or await is_empty(store)):
        raise Conflict("demo.not_demo")
    async with store.db.connect(write=True) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


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
    line = _WorkLine(store, store.calendar.local(_dt(start_s)).date() - timedelta(days=3))
    hist = _History(tw, line, rng, now_s, store.settings)
    plan = _schedule(store.calendar, tickets, start_s, now_s)
    forced = _forced(plan, tickets, now_s)
    if progress:
        progress(0, tickets)
    tid = 0
    day_seq: dict[str, int] = {}
    # a chunk is written while the next is made: SQLite works in its own thread meanwhile
    writing: asyncio.Task[None] | None = None
    written = in_flight = 0
    try:
        for begin, span, count, day, daystr in plan:
            if not count:
                continue
            for offset in sorted(rng.randrange(span) for _ in range(count)):
                tid += 1
                seq = day_seq[daystr] = day_seq.get(daystr, 0) + 1
                hist.ticket(tid, begin + offset, day, daystr, seq, forced.get(tid))
                if tid % 250 == 0:
                    await asyncio.sleep(0)  # let the writer hand its next batch to SQLite
                if len(hist.rows_tickets) >= CHUNK:
                    if writing is not None:
                        await writing
                        written += in_flight
                        if progress:
                            progress(written, tickets)
                    in_flight = len(hist.rows_tickets)
                    writing = asyncio.create_task(_write(store, hist.out, hist.take()))
        if writing is not None:
            await writing
        await _write(store, hist.out, hist.take())
    except BaseException:
        if writing is not None and not writing.done():
            writing.cancel()
        raise

    cal = store.calendar
    cal.unknown_years.intersection_update(unknown_before)
    cal.unknown_years.update(y for y in range(cal.local(now).year, cal.local(_dt(hist.latest)).year + 1)
                             if not cal.knows(y))
    async with store.db.connect(write=True) as conn:
        if day_seq:
            await conn.execute(insert(Counter), [{"key": f"{town}-{d}", "value": v} for d, v in day_seq.items()])
        # one change for the whole history: consoles that are open reload once
        await conn.execute(insert(Change).values(at=now, entity="area", entity_id=None, area_code=town,
                                                 kind="demo_built"))
        await conn.execute(insert(AuditEntry).values(
            at=now, actor=tw.labels["admin"], action=DEMO_MARK, entity="area", entity_key=town,
            detail={"tickets": tickets, "days": days, "seed": seed}))
        await _fix_sequences(conn)
    if hist.out.sqlite:
        await store.db.engine.dispose()  # fresh connections from here on, with the usual cache
    if progress:
        progress(tickets, tickets)
    return DemoSummary(
        town=town, town_name=f"{tw.city.name}{tw.county.name}{tw.town.name}", areas=len(tw.rows[Area]),
        grids=len(tw.grids), people=len(tw.people), units=len(tw.rows[Unit]), matters=len(tw.matters),
        operators=len(tw.rows[Operator]), tickets=tickets,
        by_status={s.value: hist.by_status.get(s.value, 0) for s in Status},
        gaps=tw.gaps, seconds=_time.perf_counter() - started)


def _forced(plan: list[tuple[int, int, int, date, str]], n: int, now: int) -> dict[int, str]:
    """Tickets kept at each open status, so every state shows even in a small demo.

    Two per status, taken just before eight hours ago: old enough for the steps to fit, recent
    enough to be a realistic queue.
    """
    states = [s for s in Status if s != Status.CLOSED] * 2
    k = min(n, len(states))
    before = 0
    for begin, span, count, _d, _s in plan:
        if begin + span <= now - 8 * 3600:
            before += count
    first = max(0, min(before, n) - k)
    return {first + i + 1: states[i] for i in range(k)}


async def _fix_sequences(conn: AsyncConnection) -> None:
    """We gave ids ourselves; PostgreSQL's sequences must learn the highest. (SQLite's
    INTEGER PRIMARY KEY takes max(id) + 1 by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    for table in ("grids", "units", "matters", "people", "operators", "tickets"):
        await conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))


# --- the live feed -------------------------------------------------------------------------------


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


__all__ = ["DELIBERATE_GAPS", "DemoSummary", "build", "check_options", "database_label", "division", "feed",
           "is_demo", "is_empty", "towns", "wipe"]
