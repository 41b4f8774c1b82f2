"""A small, fully known test town: real division codes of 北海市海城区地角街道, a handful of grids,
units, matters and one operator account per role. Tests that need numbers they can reason about
use this; the demo generator (store.demo) builds the big moving town.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import insert, text

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.models import (
    Area,
    Grid,
    GridAssignment,
    Matter,
    MatterEvent,
    MatterLimit,
    Operator,
    Person,
    Unit,
    UnitArea,
)

CITY, COUNTY, TOWN = "4505", "450502", "450502005"
COMMUNITY, VILLAGE = "450502005001", "450502005201"


@dataclass
class Town:
    store: Store
    actors: dict[str, Actor] = field(default_factory=dict)
    grids: dict[str, str] = field(default_factory=dict)  # short name → grid code
    units: dict[str, str] = field(default_factory=dict)  # short name → unit code
    matters: dict[str, str] = field(default_factory=dict)  # short name → matter code

    def on(self, store: Store) -> Town:
        """The same town on another store: a copy of the database this town was seeded into."""
        return Town(store, dict(self.actors), dict(self.grids), dict(self.units), dict(self.matters))

    @property
    def operator(self) -> Actor:
        return self.actors["op01"]

    def ticket(self, **over) -> dict:  # type: ignore[no-untyped-def]
        """A valid ticket-to-add JSON object, with overrides."""
        data = {"source": "hotline", "grid": self.grids["comp1"], "matter": self.matters["rubbish"],
                "urgency": "normal", "title": "海角路垃圾堆放未清运", "description": "路口垃圾两天未清运",
                "address": "海角路12号", "reporter": {"name": "李明", "phone": "13807790001"}}
        data.update(over)
        return data


async def seed(store: Store) -> Town:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    town = Town(store)
    async with store.db.session(write=True) as s:
        await s.execute(insert(Area), [
            dict(code=CITY, name="北海市", level="city", parent_code=None),
            dict(code=COUNTY, name="海城区", level="county", parent_code=CITY),
            dict(code=TOWN, name="地角街道", level="town", parent_code=COUNTY, population=120000,
                 households=40000, centre_phone="0779-3200000", platform="i-北海"),
            dict(code=COMMUNITY, name="地角社区", level="village", parent_code=TOWN, kind="community",
                 population=9000, households=3000, urban=True),
            dict(code=VILLAGE, name="冠头岭村", level="village", parent_code=TOWN, kind="village",
                 population=3000, households=900),
        ])
        grids = [
            ("comp1", f"{COMMUNITY}001", "地角社区第一网格", COMMUNITY, "comprehensive", None, 300),
            ("comp2", f"{COMMUNITY}002", "地角社区第二网格", COMMUNITY, "comprehensive", None, 310),
            ("school", f"{COMMUNITY}003", "地角小学专属网格", COMMUNITY, "exclusive", "school", 0),
            ("port", f"{VILLAGE}001", "冠头岭渔港涉海网格", VILLAGE, "marine", "port", 120),
        ]
        for i, (short, code, name, area, typ, sub, hh) in enumerate(grids, start=1):
            await s.execute(insert(Grid).values(
                id=i, code=code, name=name, area_code=area, town_code=TOWN, type=typ, subtype=sub,
                households=hh, population=hh * 3, status="active", created_at=now,
                notice_updated_at=now, roster_changed_at=now))
            town.grids[short] = code
        units = [
            ("police", "POLICE", "地角派出所", "department"),
            ("urban", "URBAN", "海城区综合行政执法局地角中队", "department"),
            ("civil", "CIVIL", "地角街道民政办", "department"),
            ("water", "WATER", "北海市供水公司海城营业所", "service_unit"),
            ("centre", "CENTRE", "地角街道网格化服务管理中心", "centre"),
        ]
        for i, (short, code, name, kind) in enumerate(units, start=1):
            await s.execute(insert(Unit).values(id=i, code=code, name=name, kind=kind, area_code=TOWN,
                                                phone=f"0779-32000{i:02d}", active=True))
            await s.execute(insert(UnitArea).values(unit_id=i, area_code=TOWN))
            town.units[short] = code
        matters = [
            # short, code, name, class, unit id, value, unit, escalate, admitted, withdrawn, variants
            ("rubbish", "A001", "暴露垃圾", "A", 2, 4, "work_hours", False, date(2025, 1, 1), None,
             [("urgent", 2, "work_hours")]),
            ("dispute", "B001", "邻里纠纷", "B", 1, 3, "work_days", False, date(2025, 1, 1), None,
             [("urgent", 1, "work_days"), ("emergency", 4, "natural_hours")]),
            ("fire", "C001", "火灾隐患", "C", 1, 1, "work_days", True, date(2025, 1, 1), None,
             [("emergency", 2, "natural_hours")]),
            ("consult", "H001", "政策咨询", "H", 3, 3, "work_days", False, date(2025, 1, 1), None, []),
            ("bikes", "A009", "共享单车乱停放", "A", 2, 2, "work_days", False, date(2025, 1, 1),
             date(2026, 6, 30), []),
        ]
        for i, (short, code, name, cls, uid, val, unit, esc, adm, wd, variants) in enumerate(matters, 1):
            await s.execute(insert(Matter).values(
                id=i, code=code, name=name, class_code=cls, default_unit_id=uid, limit_value=val,
                limit_unit=unit, escalate=esc, admitted_on=adm, withdrawn_on=wd))
            for urg, v, u in variants:
                await s.execute(insert(MatterLimit).values(matter_id=i, urgency=urg, value=v, unit=u))
            await s.execute(insert(MatterEvent).values(matter_id=i, action="admit", on=adm, actor="test"))
            if wd:
                await s.execute(insert(MatterEvent).values(matter_id=i, action="withdraw", on=wd, actor="test"))
            town.matters[short] = code
        people = [
            (1, "王建国", "leader", None, date(2024, 3, 1)),
            (2, "陈丽", "full_time", None, date(2024, 3, 1)),
            (3, "刘洋", "full_time", None, date(2024, 5, 1)),
            (4, "黄海", "professional", 1, date(2024, 5, 1)),
            (5, "周敏", "seat_operator", None, date(2024, 1, 1)),
            (6, "吴芳", "seat_operator", None, date(2024, 1, 1)),
        ]
        for pid, name, role, unit_id, trained in people:
            await s.execute(insert(Person).values(id=pid, name=name, phone=f"1380779{pid:04d}", role=role,
                                                  unit_id=unit_id, area_code=TOWN, trained_on=trained,
                                                  status="active", failed_reviews=0))
        for gid in (1, 2, 3, 4):
            await s.execute(insert(GridAssignment).values(grid_id=gid, person_id=1, role="leader"))
            await s.execute(insert(GridAssignment).values(grid_id=gid, person_id=2 if gid < 3 else 3,
                                                          role="full_time"))
        accounts = [
            ("op01", "周敏", Role.OPERATOR, TOWN, None, 5),
            ("op02", "吴芳", Role.OPERATOR, TOWN, None, 6),
            ("sup01", "赵刚", Role.SUPERVISOR, TOWN, None, None),
            ("u-police", "地角派出所", Role.UNIT, TOWN, 1, None),
            ("u-urban", "执法中队", Role.UNIT, TOWN, 2, None),
            ("u-civil", "民政办", Role.UNIT, TOWN, 3, None),
            ("gw01", "陈丽", Role.GRID_WORKER, TOWN, None, 2),
            ("wall", "大屏", Role.VIEWER, TOWN, None, None),
            ("county01", "孙红", Role.OPERATOR, COUNTY, None, None),
            ("admin", "管理员", Role.ADMIN, COUNTY, None, None),
        ]
        for i, (login, name, role, jur, unit_id, person_id) in enumerate(accounts, start=1):
            await s.execute(insert(Operator).values(id=i, login=login, name=name, role=role,
                                                    jurisdiction=jur, unit_id=unit_id,
                                                    person_id=person_id, bell=True, active=True))
            town.actors[login] = Actor(login, name, role, jur, i, unit_id)
        if store.db.backend == "postgresql":  # explicit ids above leave the serial sequences behind
            for table in ("grids", "units", "matters", "people", "operators"):
                await s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    return town
