"""The demo town but its tickets: areas, grids, units, matters, the roster with its deliberate gaps,
and the accounts. Built in memory, written in one transaction."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from griddesk.store import clocks as clocks_mod
from griddesk.store.actor import Actor, system
from griddesk.store.context import Store
from griddesk.store.demo import catalog as cat
from griddesk.store.demo.draws import _Names, _phone
from griddesk.store.demo.places import CITY_DIALLING, HEATING_MATTERS, NORTHERN_PROVINCES, _cn, _root, division
from griddesk.store.enums import (
    GridType,
    LeaveReason,
    MicroGridKind,
    PersonRole,
    Role,
    UnitKind,
    Urgency,
)
from griddesk.store.models import (
    Area,
    Grid,
    GridAssignment,
    Matter,
    MatterEvent,
    MatterLimit,
    MicroGrid,
    Operator,
    Person,
    Unit,
    UnitArea,
)
from griddesk.store.roster import name_keys

GRID_TARGET = 48
EXCLUSIVE_GRIDS = 7
MARINE_GRIDS = 5
FEED_LOGIN = "feed"

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
    actor: Actor | None = None  # the unit's account, which signs, returns and feeds back


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


class _Shared:
    """What the towns of one build share: one id sequence per table, unique names and logins, the
    city's and county's area rows, the matter list, the county's own units and accounts. A one-town
    demo is a county build of one town."""

    def __init__(self, rng: random.Random, county: bool = False):
        self.county = county  # several towns: the county's units and accounts serve them all
        self.names = _Names(rng)
        self.ids: dict[type, int] = {}
        self.logins: set[str] = set()
        self.areas: set[str] = set()  # city and county codes already written
        self.matters: list[_MatterInfo] | None = None
        self.county_units: dict[str, _UnitInfo] = {}  # catalogue code → the unit every town shares
        self.county_actors: dict[str, Actor] = {}  # county01, admin and the county units' accounts

    def next_id(self, model: type) -> int:
        n = self.ids[model] = self.ids.get(model, 0) + 1
        return n


class _Town:
    """Everything but the ticket history: built in memory, written in one transaction.

    `grids` is the town's grid count (48 in the one-town demo; a county spreads ~6,000 over its
    towns): villages, exclusive and marine grids, micro-grids and professional workers grow with it.
    `suffix` makes a later town's centre, town units and accounts unique ("op01-002"): the first
    town of a build keeps the one-town demo's names.
    """

    def __init__(self, store: Store, town: str, rng: random.Random, now: datetime, shared: _Shared | None = None,
                 grids: int = GRID_TARGET, suffix: str = ""):
        self.store = store
        self.rng = rng
        self.now = now
        self.today = store.calendar.local(now).date()
        self.city, self.county, self.town = division(town)
        self.root = _root(self.town.name)
        self.county_root = _root(self.county.name)
        self.dialling = CITY_DIALLING.get(self.city.code, "0" + self.city.code[:3])
        self.shared = shared or _Shared(rng)
        self.names = self.shared.names
        self.grid_target = grids
        self.scale = grids / GRID_TARGET
        self.suffix = suffix
        self.rows: dict[type, list[dict[str, Any]]] = {}
        self.grids: list[_GridInfo] = []
        self.units: dict[str, _UnitInfo] = {}
        self.matters: list[_MatterInfo] = []
        self.people: dict[int, dict[str, Any]] = {}
        self.labels: dict[str, str] = {}  # login → "name(login)"
        self.actors: dict[str, Actor] = {}  # login → the account acting in the history
        self.gw_label: dict[int, str] = {}  # person id → their grid-worker account's label
        self.gw_actor: dict[int, Actor] = {}
        self.gaps: dict[str, list[str]] = {k: [] for k in DELIBERATE_GAPS}

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process needs of a built town (chunks.py): not the store, nor the rows
        already written."""
        state = self.__dict__.copy()
        state["store"] = None
        state["rows"] = {}
        return state

    def login(self, base: str) -> str:
        """This town's own account of the one-town demo's `base` login ("op01" → "op01-002")."""
        return base + self.suffix

    def scaled(self, n: int) -> int:
        """A count of the one-town demo (48 grids) for this town's size."""
        return n if self.scale == 1 else max(n, round(n * self.scale))

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
        n = self.scaled(r.randint(8, 12))
        n_comm = max(2, n - self.scaled(r.randint(2, 3))) if street else self.scaled(2)
        if self.city.code not in self.shared.areas:
            self.add(Area, code=self.city.code, name=self.city.name, level="city", parent_code=None)
        if self.county.code not in self.shared.areas:
            self.add(Area, code=self.county.code, name=self.county.name, level="county",
                     parent_code=self.city.code)
        self.shared.areas.update((self.city.code, self.county.code))
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
                name = (self.root if i == 0 else _take(comm_parts, r)) + cat.COMMUNITY_SUFFIXES[0]
                code, kind, urban = f"{self.town.code}{i + 1:03d}", "community", True
            else:
                name = _take(vill_parts, r) + cat.VILLAGE_SUFFIXES[0]
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
        n_exclusive, n_marine = self.scaled(EXCLUSIVE_GRIDS), self.scaled(MARINE_GRIDS)
        comp_total = self.grid_target - n_exclusive - n_marine
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
            gid = self.shared.next_id(Grid)
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
            "医院": lambda: f"{self.county_root}区第二人民医院" if self.county.name.endswith("区")
            else f"{self.county_root}人民医院",
            "企事业单位": lambda: f"{part()}水产加工厂", "行政中心": lambda: f"{self.town.name}行政中心",
            "景区": lambda: f"{part()}滨海景区",
            "港口码头": lambda: f"{self.root}港码头", "渔港": lambda: f"{self.root}渔港",
            "船舶编组": lambda: f"{self.root}渔船编组", "水产养殖海域": lambda: f"{self.root}近海养殖区",
            "海上生产作业区": lambda: f"{self.root}海上作业区", "滩涂作业区": lambda: f"{self.root}滩涂作业区",
            "沿海渔村": lambda: f"{(vills or comms)[0]['name'].removesuffix('村')}渔村",
        }
        for i, (kind, _en) in enumerate(_kinds(r, cat.EXCLUSIVE_GRID_KINDS, EXCLUSIVE_GRIDS, n_exclusive)):
            v = comms[i % len(comms)] if kind != "产业园区" or not vills else vills[0]
            place = places[kind]()
            new_grid(v, GridType.EXCLUSIVE, kind, f"{place}专属网格", "exclusive", 0, r.randint(300, 3000), place)
        coast = vills[:self.scaled(2)] or comms[:1]
        for i, (kind, _en) in enumerate(_kinds(r, cat.MARINE_GRID_KINDS, MARINE_GRIDS, n_marine)):
            place = places[kind]()
            hh = r.randint(30, 120)
            new_grid(coast[i % len(coast)], GridType.MARINE, kind, f"{place}涉海网格", "marine", hh,
                     int(hh * r.uniform(3.0, 3.6)), place)

    # --- units and matters ---

    def build_units(self) -> None:
        r, sh = self.rng, self.shared
        for u in cat.UNITS:
            town_level = u["level"] == "town"
            shared = None if town_level else sh.county_units.get(u["code"])
            if shared is not None:  # a county unit an earlier town of this build made: one for all
                self.units[u["code"]] = shared
                if u["kind"] == UnitKind.SERVICE_UNIT:
                    self.add(UnitArea, unit_id=shared.id, area_code=self.town.code)
                continue
            uid = sh.next_id(Unit)
            prefix = self.town.name if town_level else self.county.name
            area = self.town.code if town_level else self.county.code
            code = u["code"] + self.suffix if town_level else u["code"]
            name = f"{prefix}{u['name']}"
            self.add(Unit, id=uid, code=code, name=name, kind=u["kind"], area_code=area,
                     phone=f"{self.dialling}-{r.randint(2000000, 3999999)}", active=True)
            covers = self.town.code if u["kind"] == UnitKind.SERVICE_UNIT else area
            self.add(UnitArea, unit_id=uid, area_code=covers)
            self.units[u["code"]] = _UnitInfo(uid, code, name, u["kind"], "")
            if sh.county and not town_level:
                sh.county_units[u["code"]] = self.units[u["code"]]
        uid = sh.next_id(Unit)
        self.centre_name = f"{self.town.name}网格化服务管理中心"
        self.add(Unit, id=uid, code="CENTRE" + self.suffix, name=self.centre_name, kind=UnitKind.CENTRE,
                 area_code=self.town.code, phone=self.town_row["centre_phone"], active=True)
        self.add(UnitArea, unit_id=uid, area_code=self.town.code)

    def build_matters(self) -> None:
        if self.shared.matters is not None:  # the county's one matter list
            self.matters = self.shared.matters
            return
        self.shared.matters = self.matters
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
        pid = self.shared.next_id(Person)
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
        for g in r.sample([g for g in others if g.worker and g not in stale], self.scaled(2)):
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

        # part-time workers: village cadres, property staff, volunteers (JM 7, HH 11, YC 18);
        # a county's comprehensive grids one to three (the one-town demo's 48 grids keep one or two)
        most = 2 if self.scale == 1 else 3
        for g in grids:
            for _ in range(r.randint(1, most) if g.type == GridType.COMPREHENSIVE else 1):
                self.assign(g, self.person(PersonRole.PART_TIME, g.area), PersonRole.PART_TIME, since())

        # professional workers sent by units, each covering several grids (HH 11)
        plan = [("POLICE", "village", 3), ("URBAN", "urban", 2), ("MARKET", "all", 1), ("FIRE", "exclusive", 1),
                ("JUSTICE", "all", 1), ("OCEAN", "marine", 1), ("POWER", "all", 1), ("PROPERTY", "urban", 2)]
        for code, which, n in plan:
            n = self.scaled(n)
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
        micro_pool = [g for g in urban if g not in no_ft and g not in heavy_pool]
        # a bigger town has micro-grids in about two of three of its urban grids
        for g in r.sample(micro_pool, 3 if self.scale == 1 else max(3, len(micro_pool) * 2 // 3)):
            estate = g.estates[0]
            n_build = r.randint(3, 5)
            for b in range(1, n_build + 1):
                head = self.person(PersonRole.BUILDING_HEAD, g.area)
                self.add(MicroGrid, grid_id=g.id, code=f"{g.code}{b:03d}", name=f"{estate}{b}栋",
                         kind=MicroGridKind.BUILDING, head_person_id=head, households=g.households // n_build)
            for u in (1, 2):
                head = self.person(PersonRole.UNIT_HEAD, g.area)
                self.add(MicroGrid, grid_id=g.id, code=f"{g.code}{n_build + u:03d}", name=f"{estate}1栋{u}单元",
                         kind=MicroGridKind.UNIT, head_person_id=head, households=g.households // n_build // 2)

        # a bigger town's roster also holds recruits trained but not yet given a grid (待分配):
        # people on the roster without any assignment (not in the one-town demo)
        self.reserves: list[int] = []
        if self.scale != 1:
            for _ in range(self.scaled(2)):
                v = r.choice(self.villages)
                self.reserves.append(self.person(PersonRole.FULL_TIME, v["code"], since_days=(10, 60)))

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
        sh = self.shared
        town, county = self.town.code, self.county.code
        self.actors.update(sh.county_actors)  # made by an earlier town of this county
        self.labels.update((k, a.label) for k, a in sh.county_actors.items())

        def op(login: str, name: str, role: str, jur: str, unit_id: int | None = None,
               person_id: int | None = None, county_wide: bool = False, unique: bool = False) -> None:
            if not (county_wide or unique):  # a town's own account
                login = login + self.suffix
            oid = sh.next_id(Operator)
            sh.logins.add(login)
            self.add(Operator, id=oid, login=login, name=name, role=role, jurisdiction=jur, unit_id=unit_id,
                     person_id=person_id, lang=None, bell=True, active=True)
            self.actors[login] = Actor(login, name, Role(role), jur, operator_id=oid, unit_id=unit_id)
            self.labels[login] = self.actors[login].label
            if county_wide and sh.county:
                sh.county_actors[login] = self.actors[login]

        # op01 first: the lowest id is the account a bare `griddesk` opens with
        op("op01", self.people[self.seat_ops[0]]["name"], Role.OPERATOR, town, person_id=self.seat_ops[0])
        op("op02", self.people[self.seat_ops[1]]["name"], Role.OPERATOR, town, person_id=self.seat_ops[1])
        op("sup01", self.names.unique(), Role.SUPERVISOR, town)
        if "county01" not in sh.county_actors:
            op("county01", self.names.unique(), Role.OPERATOR, county, county_wide=True)
        op("wall", "指挥中心大屏", Role.VIEWER, town)
        if "admin" not in sh.county_actors:
            op("admin", self.names.unique(), Role.ADMIN, county, county_wide=True)
        op(FEED_LOGIN, "12345热线接口", Role.OPERATOR, town)
        for code, u in self.units.items():
            county_unit = code in sh.county_units
            if county_unit and u.actor is not None:
                continue  # the county unit's account, made by an earlier town
            login = f"u-{code.lower()}"
            op(login, u.name[:32], Role.UNIT, county if county_unit else town, unit_id=u.id, county_wide=county_unit)
            login = login if county_unit else login + self.suffix
            u.label, u.actor = self.labels[login], self.actors[login]
        # every full-time worker verifies on site from the app (HH 21)
        seen = sh.logins
        for pid, p in self.people.items():
            if p["role"] != PersonRole.FULL_TIME or p["status"] != "active":
                continue
            base = "gw-" + p["name_pinyin"].replace(" ", "")
            login, k = base, 1
            while login in seen:
                k += 1
                login = f"{base}{k}"
            seen.add(login)
            op(login[:32], p["name"], Role.GRID_WORKER, town, person_id=pid, unique=True)
            self.gw_label[pid] = self.labels[login[:32]]
            self.gw_actor[pid] = self.actors[login[:32]]


def _take(parts: list[str], r: random.Random) -> str:
    """The next of a shuffled list of name parts; used up, the catalogue's parts again with a
    numeral ("东风二", "东风三", …): a town of a big county has more villages than it names."""
    if not parts:
        base = list(cat.COMMUNITY_NAME_PARTS + cat.VILLAGE_NAME_PARTS)
        r.shuffle(base)
        parts.extend(p + _cn(r.randint(2, 9)) for p in base)
    return parts.pop()


def _kinds(r: random.Random, kinds: Any, base: int, n: int) -> list[Any]:
    """`n` grid kinds: `base` different ones, as the one-town demo draws them, then repeats."""
    out = list(r.sample(kinds, base))
    out += [r.choice(kinds) for _ in range(n - base)]
    return out
