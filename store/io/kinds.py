"""What can be imported and exported, column by column, and how each kind is checked and written.

Kinds: areas, grids, people, assignments, units, matters. Each has stable English column names
(what export writes) and Chinese aliases (what a hand-made spreadsheet may use).

The rules of an import:
- The whole file is checked before anything is written. Every bad cell gives (row, column,
  reason); if there is any, nothing is written and `ImportProblems` lists them all.
- Otherwise every row goes in inside one transaction (bulk statements).
- Rows are matched to what exists ("upsert"): areas, grids, units and matters by their code;
  people by `id`, or when it is empty by name and phone; assignments by `id`, or when it is
  empty by the same person holding the same role on the same grid now.
- A column missing from the file leaves that field as it is; a column present with an empty
  cell clears the field (or, for a new row, takes the default).
- What export writes imports back unchanged (no row is counted as updated).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import (
    ChangeReason,
    FilingStatus,
    GridStatus,
    GridType,
    Level,
    PersonRole,
    PersonStatus,
    UnitKind,
    Urgency,
)
from griddesk.store.errors import ImportProblems, Invalid, NotAllowed, StoreError
from griddesk.store.i18n import catalogue, t
from griddesk.store.io.tabular import Progress, Table
from griddesk.store.matters import CLASS as MATTER_CLASS
from griddesk.store.matters import CODE as MATTER_CODE
from griddesk.store.matters import LIMIT_UNITS
from griddesk.store.models import (
    Area,
    Grid,
    GridAssignment,
    GridChange,
    Matter,
    MatterEvent,
    MatterLimit,
    Person,
    Unit,
    UnitArea,
)
from griddesk.store.roster import (
    CARD_ROLES,
    FILERS,
    GRID_ROLES,
    LEAVE_REASONS,
    WRITERS,
    check_phone,
    name_keys,
    split_left_reason,
    today,
)

SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
CHUNK = 2000
FALSE = {"false", "0", "no", "n", "否", "f", "假", "×"}
TRUE = {"true", "1", "yes", "y", "是", "t", "真", "√"}


# --- columns and cells ------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str  # the stable English header
    zh: str  # the Chinese header accepted as an alias
    required: bool = False  # the column must be in the file
    aliases: tuple[str, ...] = ()


def _norm(header: str) -> str:
    return re.sub(r"[\s_（）()*＊]", "", header.replace("\ufeff", "")).lower()


class Row:
    """One data row: typed getters that record a problem instead of raising."""

    def __init__(self, n: int, cells: dict[str, tuple[str, str]], problems: list[tuple[int, str, str]]):
        self.n = n
        self.cells = cells  # column name → (header as written, value)
        self.problems = problems
        self.ok = True
        self.bad_columns: set[str] = set()

    def has(self, col: str) -> bool:
        return col in self.cells

    def raw(self, col: str) -> str | None:
        return self.cells[col][1] if col in self.cells else None

    def bad(self, col: str, reason: str) -> None:
        header = self.cells[col][0] if col in self.cells else col
        self.problems.append((self.n, header, reason))
        self.ok = False
        self.bad_columns.add(col)

    def text(self, col: str, required: bool = False, max_len: int = 64) -> str | None:
        v = self.raw(col)
        if not v:
            if required:
                self.bad(col, t("roster.io.required"))
            return None
        if len(v) > max_len:
            self.bad(col, t("roster.io.too_long", max=max_len))
            return None
        return v

    def code(self, col: str, required: bool = False) -> str | None:
        v = self.raw(col)
        if v and SCIENTIFIC.match(v):
            self.bad(col, t("roster.io.scientific", value=v))
            return None
        if v and v.endswith(".0") and v[:-2].isdigit():  # a code stored as a number
            v = v[:-2]
        if not v:
            if required:
                self.bad(col, t("roster.io.required"))
            return None
        return v

    def count(self, col: str, default: int | None = 0) -> int | None:
        v = self.raw(col)
        if not v:
            return default
        try:
            f = float(v.replace(",", ""))
            if f < 0 or not f.is_integer():
                raise ValueError
            return int(f)
        except ValueError:
            self.bad(col, t("roster.io.not_count", value=v))
            return default

    def boolean(self, col: str, default: bool = False) -> bool:
        v = self.raw(col)
        if not v:
            return default
        if v.lower() in TRUE:
            return True
        if v.lower() in FALSE:
            return False
        self.bad(col, t("roster.io.not_bool", value=v))
        return default

    def day(self, col: str, required: bool = False) -> date | None:
        v = self.raw(col)
        if not v:
            if required:
                self.bad(col, t("roster.io.required"))
            return None
        parsed = parse_date(v)
        if parsed is None:
            self.bad(col, t("roster.io.not_date", value=v))
        return parsed

    def choice(self, col: str, kind: str, options: tuple[str, ...], required: bool = False) -> str | None:
        """A stable code, or its name in either language ("综合网格" → comprehensive)."""
        v = self.raw(col)
        if not v:
            if required:
                self.bad(col, t("roster.io.required"))
            return None
        found = choice_code(v, kind, options)
        if found is None:
            self.bad(col, t("roster.io.not_choice", value=v, choices=" | ".join(options)))
        return found

    def store_error(self, col: str, e: StoreError) -> None:
        self.bad(col, t(e.key, **e.params))


def parse_date(v: str) -> date | None:
    v = v.strip()
    if "T" in v or " " in v:
        v = v.replace("T", " ").split(" ")[0]
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    return None


def choice_code(value: str, kind: str, options: tuple[str, ...]) -> str | None:
    if value in options:
        return value
    low = value.lower()
    for opt in options:
        if opt.lower() == low:
            return opt
        for lang in ("zh", "en"):
            name = catalogue(lang).get(f"{kind}.{opt}")
            if name and name.lower() == low:
                return opt
    return None


# --- the import context shared by every kind --------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Job:
    store: Store
    actor: Actor
    s: AsyncSession
    now: datetime
    today: date
    reason: str
    note: str | None
    source: str
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def in_scope(self, code: str | None) -> bool:
        return code is not None and self.actor.covers(code)


class Kind:
    name: str
    entity: str
    columns: tuple[Col, ...]
    writers: tuple[str, ...] = WRITERS

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        """Load what the checks need (existing rows by key), in bulk."""

    def check(self, job: Job, row: Row) -> Any:
        raise NotImplementedError

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        """Rules across rows (duplicates, one leader per grid)."""

    async def write(self, job: Job, parsed: list[Any], progress: Callable[[int], None]) -> Counts:
        raise NotImplementedError

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        raise NotImplementedError


def _dupes(job: Job, parsed: list[tuple[Row, Any]], key: Callable[[Any], Any], col: str) -> None:
    seen: dict[Any, int] = {}
    for row, p in parsed:
        k = key(p)
        if k is None:
            continue
        if k in seen:
            row.bad(col, t("roster.io.duplicate", row=seen[k]))
        else:
            seen[k] = row.n


def _changed(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


async def _bulk_insert(s: AsyncSession, model: Any, rows: list[dict[str, Any]], progress: Callable[[int], None]) -> None:
    for i in range(0, len(rows), CHUNK):
        part = rows[i:i + CHUNK]
        # Core executemany on the table: the ORM's bulk path costs more than the insert itself
        await s.execute(insert(model.__table__), part)
        progress(len(part))


async def _bulk_update(s: AsyncSession, model: Any, rows: list[dict[str, Any]], progress: Callable[[int], None]) -> None:
    """ORM bulk UPDATE by primary key; rows with the same columns go together."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[tuple(sorted(r))].append(r)
    for part_rows in groups.values():
        for i in range(0, len(part_rows), CHUNK):
            part = part_rows[i:i + CHUNK]
            await s.execute(update(model), part)
            progress(len(part))


# --- areas ------------------------------------------------------------------------------


@dataclass
class AreaRow:
    code: str
    values: dict[str, Any]
    level: str


class Areas(Kind):
    name, entity = "areas", "area"
    columns = (
        Col("code", "编码", True, ("区划代码", "代码")), Col("name", "名称", True),
        Col("level", "级别"), Col("parent_code", "上级编码", aliases=("上级代码",)),
        Col("kind", "类型", aliases=("村社区类型",)), Col("population", "人口"), Col("households", "户数"),
        Col("urban", "城镇"), Col("centre_phone", "中心电话"), Col("platform", "受理平台", aliases=("平台",)),
    )
    FIELDS = ("name", "level", "parent_code", "kind", "population", "households", "urban", "centre_phone", "platform")

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        self.existing = {a.code: a for a in (await job.s.execute(select(Area))).scalars()}
        self.in_file = {r.raw("code") for r in rows if r.raw("code")}

    def check(self, job: Job, row: Row) -> AreaRow | None:
        code = row.code("code", required=True)
        name = row.text("name", required=True)
        level = row.choice("level", "level", tuple(Level))
        kind = row.choice("kind", "roster.village_kind", (codes.COMMUNITY, codes.VILLAGE))
        parent = row.code("parent_code")
        values: dict[str, Any] = {"name": name}
        found = None
        if code:
            try:
                found = codes.check_area(code, level=level, parent_code=parent, kind=kind, field=None)
            except Invalid as e:
                row.store_error("code", e)
        if found is not None and code:
            values["level"] = str(found)
            up = codes.parent_of(code)
            values["parent_code"] = up
            if up and up not in self.existing and up not in self.in_file:
                row.bad("parent_code" if row.has("parent_code") else "code", t("roster.io.unknown_parent", code=up))
            if found == Level.VILLAGE:
                values["kind"] = codes.village_kind(code)
            elif kind:
                row.bad("kind", t("roster.io.kind_only_village"))
            else:
                values["kind"] = None
        for col in ("population", "households"):
            if row.has(col):
                values[col] = row.count(col, None)
        if row.has("urban"):
            values["urban"] = row.boolean("urban")
        if row.has("centre_phone"):
            values["centre_phone"] = _phone(row, "centre_phone")
        if row.has("platform"):
            values["platform"] = row.text("platform", max_len=128)
        if code and found is not None and not job.in_scope(code):
            # the areas above a jurisdiction are exported with it, for context; bringing them back
            # unchanged is no write, so only a row that would change them is refused
            old = self.existing.get(code)
            if old is None or _changed(old, values):
                row.bad("code", t("roster.io.out_of_scope", code=code, jurisdiction=job.actor.jurisdiction))
        return AreaRow(code, values, str(found)) if code and found else None

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[AreaRow], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, changed = [], []
        for p in sorted(parsed, key=lambda p: (len(p.code), p.code)):  # parents first
            old = self.existing.get(p.code)
            if old is None:
                new.append({"code": p.code, "urban": False, **p.values})
            else:
                diff = _changed(old, p.values)
                if diff:
                    changed.append({"code": p.code, **diff})
                else:
                    c.unchanged += 1
                    progress(1)
        await _bulk_insert(job.s, Area, new, progress)
        await _bulk_update(job.s, Area, changed, progress)
        c.created, c.updated = len(new), len(changed)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = select(Area).order_by(Area.code)
        if actor.jurisdiction:  # with the areas above it, so the file stands on its own
            above = [actor.jurisdiction[:n] for n in (4, 6, 9) if n < len(actor.jurisdiction)]
            q = q.where(Area.code.startswith(actor.jurisdiction) | Area.code.in_(above))
        return [[a.code, a.name, a.level, a.parent_code, a.kind, a.population, a.households,
                 bool(a.urban), a.centre_phone, a.platform] for a in (await s.execute(q)).scalars()]


def _phone(row: Row, col: str) -> str | None:
    try:
        return check_phone(row.raw(col))
    except Invalid as e:
        row.store_error(col, e)
        return None


# --- grids ------------------------------------------------------------------------------


@dataclass
class GridRowIn:
    code: str | None  # None: a new grid, code given at write time
    village: str
    values: dict[str, Any]
    status: str | None


class Grids(Kind):
    name, entity = "grids", "grid"
    columns = (
        Col("code", "网格编码", True, ("编码",)), Col("name", "网格名称", True, ("名称",)),
        Col("area_code", "村社区编码", aliases=("所属村社区编码", "村（社区）编码", "所属村（社区）编码")),
        Col("type", "网格类型", aliases=("类型",)), Col("subtype", "细类"), Col("households", "户数"),
        Col("population", "人口"), Col("boundary", "区域范围", aliases=("范围",)), Col("status", "状态"),
    )
    SPEC = ("name", "type", "subtype", "households", "population", "boundary")

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        self.existing = {g.code: g for g in (await job.s.execute(select(Grid))).scalars()}
        self.villages = {a.code: a for a in (await job.s.execute(
            select(Area).where(Area.level == Level.VILLAGE))).scalars()}

    def check(self, job: Job, row: Row) -> GridRowIn | None:
        code = row.code("code")
        village = row.code("area_code")
        name = row.text("name", required=True)
        typ = row.choice("type", "grid_type", tuple(GridType))
        status = row.choice("status", "roster.grid_status", tuple(GridStatus))
        if code:
            try:
                found_village, _ = codes.check_grid_code(code, field=None)
                if village and village != found_village:
                    row.bad("area_code", t("roster.io.grid_village_mismatch", code=code, village=village))
                village = found_village
            except Invalid as e:
                row.store_error("code", e)
                return None
        elif not village:
            if "code" not in row.bad_columns:  # a code the spreadsheet mangled is reported already
                row.bad("code", t("roster.io.grid_needs_code"))
            return None
        if village not in self.villages:
            row.bad("area_code" if row.has("area_code") and not code else "code",
                    t("roster.io.unknown_village", code=village))
            return None
        if not job.in_scope(village):
            row.bad("code", t("roster.io.out_of_scope", code=code or village, jurisdiction=job.actor.jurisdiction))
        values: dict[str, Any] = {"name": name}
        old = self.existing.get(code) if code else None
        if old is None and typ is None and not row.has("type"):
            typ = GridType.COMPREHENSIVE
        if row.has("type") or old is None:
            if typ is None:
                row.bad("type", t("roster.io.required"))
            values["type"] = typ
        if row.has("subtype") or old is None:
            values["subtype"] = row.text("subtype", max_len=32)
        for col in ("households", "population"):
            if row.has(col) or old is None:
                values[col] = row.count(col, 0)
        if row.has("boundary") or old is None:
            values["boundary"] = row.text("boundary", max_len=2000)
        if old is not None and status is not None and status != old.status:
            row.bad("status", t("roster.io.status_change", status=t(f"roster.grid_status.{old.status}")))
        return GridRowIn(code, village, values, status)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[GridRowIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        used: dict[str, int] = defaultdict(int)  # village → highest sequence ever used
        for code in self.existing:
            if len(code) == codes.GRID_CODE_LENGTH:
                used[code[:12]] = max(used[code[:12]], int(code[12:]))
        for p in parsed:
            if p.code:
                used[p.village] = max(used[p.village], int(p.code[12:]))
        new, changed, adjusted = [], [], {}
        for p in parsed:
            old = self.existing.get(p.code) if p.code else None
            if old is None:
                code = p.code
                if code is None:
                    used[p.village] += 1
                    code = codes.grid_code(p.village, used[p.village])
                retired = p.status == GridStatus.RETIRED
                new.append({"code": code, "area_code": p.village, "town_code": p.village[:9],
                            "status": p.status or GridStatus.ACTIVE, "created_at": job.now,
                            "retired_at": job.now if retired else None,
                            "roster_changed_at": None if retired else job.now, **p.values})
            else:
                diff = _changed(old, p.values)
                if diff:
                    adjusted[old.code] = {k: [getattr(old, k), v] for k, v in diff.items()}
                    if {"name", "boundary"} & diff.keys():
                        diff["roster_changed_at"] = job.now
                    changed.append({"id": old.id, **diff})
                else:
                    c.unchanged += 1
                    progress(1)
        await _bulk_insert(job.s, Grid, new, progress)
        await _bulk_update(job.s, Grid, changed, progress)
        # the change record (YC 8, BH 6): one entry per import for the new grids, one for the
        # adjusted ones, each pending filing like any other change
        details = {"source": job.source}
        if new:
            await job.s.execute(insert(GridChange).values(
                kind="create", reason=job.reason, note=job.note, grid_codes=[],
                result_codes=[r["code"] for r in new], details=details, actor=job.actor.label,
                at=job.now, filing_status=FilingStatus.PENDING))
        if adjusted:
            await job.s.execute(insert(GridChange).values(
                kind="adjust", reason=job.reason, note=job.note, grid_codes=sorted(adjusted),
                result_codes=sorted(adjusted), details={**details, "changed": adjusted},
                actor=job.actor.label, at=job.now, filing_status=FilingStatus.PENDING))
        c.created, c.updated = len(new), len(changed)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = select(Grid).order_by(Grid.code)
        if actor.jurisdiction:
            q = q.where(Grid.area_code.startswith(actor.jurisdiction))
        return [[g.code, g.name, g.area_code, g.type, g.subtype, g.households, g.population, g.boundary,
                 g.status] for g in (await s.execute(q)).scalars()]


# --- people -----------------------------------------------------------------------------


@dataclass
class PersonIn:
    id: int | None
    values: dict[str, Any]
    key: tuple[str, str] | None  # (name, phone) for matching id-less rows


class People(Kind):
    name, entity = "people", "person"
    columns = (
        Col("id", "编号", aliases=("人员编号",)), Col("name", "姓名", True), Col("role", "角色", True, ("岗位",)),
        Col("phone", "电话", aliases=("联系电话", "手机")), Col("unit_code", "派出单位编码", aliases=("单位编码",)),
        Col("area_code", "所属区划编码", aliases=("区划编码",)), Col("trained_on", "培训日期"),
        Col("certificate_on", "持证日期", aliases=("证书日期",)), Col("status", "状态"),
        Col("left_on", "离岗日期"), Col("left_reason", "离岗原因"), Col("failed_reviews", "连续考核不合格次数"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.units = dict((await s.execute(select(Unit.code, Unit.id))).all())
        self.areas = set((await s.execute(select(Area.code))).scalars())
        self.existing: dict[int, Person] = {p.id: p for p in (await s.execute(select(Person))).scalars()}
        self.by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for p in self.existing.values():
            if p.phone:
                self.by_key[(p.name, p.phone)].append(p.id)

    def check(self, job: Job, row: Row) -> PersonIn | None:
        pid = None
        if row.raw("id"):
            # an id from this database updates that person; an id this database does not know
            # (a file from another centre) is only a label: the row is matched by name and phone
            pid = row.count("id", None)
            if pid is not None and pid not in self.existing:
                pid = None
        name = row.text("name", required=True, max_len=32)
        role = row.choice("role", "person_role", tuple(PersonRole), required=True)
        phone = _phone(row, "phone") if row.has("phone") else None
        values: dict[str, Any] = {"name": name, "role": role}
        if row.has("phone"):
            values["phone"] = phone
        if pid is None and phone and name and len(self.by_key.get((name, phone), [])) == 1:
            pid = self.by_key[(name, phone)][0]
        old = self.existing.get(pid) if pid else None
        if old is not None and not job.in_scope(old.area_code):
            row.bad("id", t("roster.io.out_of_scope", code=old.area_code or "-", jurisdiction=job.actor.jurisdiction))
        unit_code = row.code("unit_code")
        if row.has("unit_code"):
            if unit_code and unit_code not in self.units:
                row.bad("unit_code", t("roster.io.unknown_unit", code=unit_code))
            values["unit_id"] = self.units.get(unit_code) if unit_code else None
        unit_id = values.get("unit_id", old.unit_id if old else None)
        if role == PersonRole.PROFESSIONAL and unit_id is None:
            row.bad("unit_code", t("roster.error.professional_unit"))
        if row.has("area_code") or old is None:
            area = row.code("area_code") or job.actor.jurisdiction or None
            if area and area not in self.areas:
                row.bad("area_code", t("roster.io.unknown_area", code=area))
            elif area and not job.in_scope(area):
                row.bad("area_code", t("roster.io.out_of_scope", code=area, jurisdiction=job.actor.jurisdiction))
            values["area_code"] = area
        for col in ("trained_on", "certificate_on", "left_on"):
            if row.has(col):
                values[col] = row.day(col)
        if row.has("status"):
            values["status"] = row.choice("status", "roster.person_status", tuple(PersonStatus)) or PersonStatus.ACTIVE
        if row.has("left_reason"):
            raw = row.text("left_reason", max_len=500)
            if raw:
                code, _note = split_left_reason(raw)
                if code == "other" and not raw.startswith("other"):
                    row.bad("left_reason", t("roster.io.not_choice", value=raw, choices=" | ".join(LEAVE_REASONS)))
            values["left_reason"] = raw
        if row.has("failed_reviews"):
            values["failed_reviews"] = row.count("failed_reviews", 0)
        status = values.get("status", old.status if old else PersonStatus.ACTIVE)
        left_on = values.get("left_on", old.left_on if old else None)
        if status == PersonStatus.LEFT and left_on is None:
            row.bad("left_on" if row.has("left_on") else "status", t("roster.io.left_needs_date"))
        return PersonIn(pid, values, (name, phone) if pid is None and name and phone else None)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.id, "id")
        _dupes(job, parsed, lambda p: p.key, "phone")

    async def write(self, job: Job, parsed: list[PersonIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, changed, filled, leaving = [], [], [], []
        for p in parsed:
            old = self.existing.get(p.id) if p.id else None
            if old is None:
                full, initials = name_keys(p.values["name"], person=True)
                new.append({"status": PersonStatus.ACTIVE, "failed_reviews": 0, "phone": None,
                            "name_pinyin": full, "name_initials": initials, **p.values})
                continue
            diff = _changed(old, p.values)
            if "name" in diff or old.name_pinyin is None:  # derived search keys: not a change
                full, initials = name_keys(p.values["name"], person=True)
                keys = {"name_pinyin": full, "name_initials": initials}
                if diff:
                    diff.update(keys)
                else:
                    filled.append({"id": old.id, **keys})
            if diff:
                changed.append({"id": old.id, **diff})
                if diff.get("status") == PersonStatus.LEFT:
                    leaving.append((old.id, p.values.get("left_on") or job.today))
            else:
                c.unchanged += 1
                progress(1)
        await _bulk_insert(job.s, Person, new, progress)
        await _bulk_update(job.s, Person, changed, progress)
        await _bulk_update(job.s, Person, filled, lambda n: None)
        for pid, on in leaving:  # leaving ends their assignments, as roster.person_leaves does
            await _end_person_assignments(job, pid, on)
        c.created, c.updated = len(new), len(changed)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        units = dict((await s.execute(select(Unit.id, Unit.code))).all())
        q = select(Person).order_by(Person.id)
        if actor.jurisdiction:
            q = q.where(Person.area_code.startswith(actor.jurisdiction))
        return [[p.id, p.name, p.role, p.phone, units.get(p.unit_id) if p.unit_id else None, p.area_code,
                 p.trained_on, p.certificate_on, p.status, p.left_on, p.left_reason, p.failed_reviews]
                for p in (await s.execute(q)).scalars()]


async def _end_person_assignments(job: Job, person_id: int, on: date) -> None:
    rows = list((await job.s.execute(select(GridAssignment).where(
        GridAssignment.person_id == person_id, GridAssignment.until.is_(None)))).scalars())
    shown = {a.grid_id for a in rows if a.role in CARD_ROLES}
    for a in rows:
        a.until = on
    if shown:
        await job.s.execute(update(Grid).where(Grid.id.in_(shown)).values(roster_changed_at=job.now))


# --- assignments ------------------------------------------------------------------------


@dataclass
class AssignmentIn:
    id: int | None
    grid_id: int
    person_id: int
    role: str
    since: date | None
    until: date | None


class Assignments(Kind):
    name, entity = "assignments", "grid"
    columns = (
        Col("id", "编号"), Col("grid_code", "网格编码", True), Col("person_id", "人员编号"),
        Col("person_name", "姓名"), Col("person_phone", "电话"), Col("role", "岗位", True, ("角色",)),
        Col("since", "起始日期", aliases=("开始日期",)), Col("until", "结束日期"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.grids = {g.code: g for g in (await s.execute(select(Grid))).scalars()}
        self.people = {p.id: p for p in (await s.execute(select(Person))).scalars()}
        self.by_key: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for p in self.people.values():
            self.by_key[(p.name, p.phone)].append(p.id)
            self.by_key[(p.name, None)].append(p.id)
        self.existing = {a.id: a for a in (await s.execute(select(GridAssignment))).scalars()}
        self.open_by_key = {(a.grid_id, a.person_id, a.role): a.id for a in self.existing.values() if a.until is None}

    def _person(self, row: Row) -> int | None:
        name, phone = row.text("person_name", max_len=32), row.raw("person_phone") or None
        if row.raw("person_id"):
            pid = row.count("person_id", None)
            if pid is None:
                return None
            p = self.people.get(pid)
            if p is not None:
                # the name (and phone) on the row guard against an id from another database
                if (name and name != p.name) or (phone and phone != p.phone):
                    row.bad("person_id", t("roster.io.person_mismatch", id=pid, name=p.name))
                    return None
                return pid
            if not name:
                row.bad("person_id", t("roster.io.unknown_id", id=pid))
                return None
        if not name:
            row.bad("person_id", t("roster.io.required"))
            return None
        found = self.by_key.get((name, phone), [])
        if len(found) != 1:
            row.bad("person_name", t("roster.io.ambiguous_person" if found else "roster.io.unknown_person",
                                     name=name))
            return None
        return found[0]

    def check(self, job: Job, row: Row) -> AssignmentIn | None:
        aid = None
        if row.raw("id"):  # as for people: an unknown id is another database's, not an error
            aid = row.count("id", None)
            if aid is not None and aid not in self.existing:
                aid = None
        gcode = row.code("grid_code", required=True)
        role = row.choice("role", "person_role", GRID_ROLES, required=True)
        since, until = row.day("since"), row.day("until")
        pid = self._person(row)
        g = self.grids.get(gcode) if gcode else None
        if gcode and g is None:
            row.bad("grid_code", t("roster.io.unknown_grid", code=gcode))
        if g is not None and not job.in_scope(g.area_code):
            row.bad("grid_code", t("roster.io.out_of_scope", code=gcode, jurisdiction=job.actor.jurisdiction))
        if since and until and until < since:
            row.bad("until", t("roster.io.until_before_since"))
        if g is None or pid is None or role is None:
            return None
        current = until is None or until > job.today
        p = self.people[pid]
        if current and g.status != GridStatus.ACTIVE:
            row.bad("grid_code", t("roster.error.grid_retired", code=gcode))
        if current and p.status != PersonStatus.ACTIVE:
            row.bad("person_name" if row.has("person_name") else "person_id",
                    t("roster.error.person_left", name=p.name))
        if role == PersonRole.PROFESSIONAL and p.unit_id is None:
            row.bad("role", t("roster.error.professional_unit"))
        if aid is None:  # the same person in the same role on the same grid now: that assignment
            aid = self.open_by_key.get((g.id, pid, role))
        return AssignmentIn(aid, g.id, pid, role, since if row.has("since") else None, until)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.id, "id")
        _dupes(job, parsed, lambda p: (p.grid_id, p.person_id, p.role, p.since) if p.id is None else None, "role")
        # one current leader per grid (JM 7), counting what stays in the database
        touched = {p.id for _r, p in parsed if p.id}
        leaders: dict[int, list[tuple[int | None, Any]]] = defaultdict(list)
        for a in self.existing.values():
            if a.id not in touched and a.role == PersonRole.LEADER and (a.until is None or a.until > job.today):
                leaders[a.grid_id].append((None, a))
        for row, p in parsed:
            if p.role == PersonRole.LEADER and (p.until is None or p.until > job.today):
                leaders[p.grid_id].append((row.n, row))
        names = {g.id: g.name for g in self.grids.values()}
        for gid, holders in leaders.items():
            if len(holders) < 2:
                continue
            for n, row in holders:
                if n is None:
                    continue
                others = [str(m) for m, _ in holders if m is not None and m != n]
                in_db = [self.people[a.person_id].name for m, a in holders if m is None]
                row.bad("role", t("roster.io.leader_twice", grid=names[gid],
                                  other="、".join(in_db + [t("roster.io.row_n", n=o) for o in others])))

    async def write(self, job: Job, parsed: list[AssignmentIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        new, changed, touched = [], [], set()
        for p in parsed:
            values = {"grid_id": p.grid_id, "person_id": p.person_id, "role": p.role, "until": p.until}
            if p.since is not None or p.id is None:
                values["since"] = p.since or job.today
            old = self.existing.get(p.id) if p.id else None
            if old is None:
                new.append(values)
                if p.role in CARD_ROLES:
                    touched.add(p.grid_id)
                continue
            diff = _changed(old, values)
            if diff:
                changed.append({"id": old.id, **diff})
                if p.role in CARD_ROLES or old.role in CARD_ROLES:
                    touched.update({p.grid_id, old.grid_id})
            else:
                c.unchanged += 1
                progress(1)
        await _bulk_insert(job.s, GridAssignment, new, progress)
        await _bulk_update(job.s, GridAssignment, changed, progress)
        if touched:
            await job.s.execute(update(Grid).where(Grid.id.in_(touched)).values(roster_changed_at=job.now))
        c.created, c.updated = len(new), len(changed)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        q = (select(GridAssignment, Grid.code, Person.name, Person.phone)
             .join(Grid, Grid.id == GridAssignment.grid_id).join(Person, Person.id == GridAssignment.person_id)
             .order_by(Grid.code, GridAssignment.id))
        if actor.jurisdiction:
            q = q.where(Grid.area_code.startswith(actor.jurisdiction))
        return [[a.id, code, a.person_id, name, phone, a.role, a.since, a.until]
                for a, code, name, phone in (await s.execute(q)).all()]


# --- units ------------------------------------------------------------------------------


@dataclass
class UnitIn:
    code: str
    values: dict[str, Any]
    areas: list[str] | None


class Units(Kind):
    name, entity = "units", "unit"
    columns = (
        Col("code", "单位编码", True, ("编码",)), Col("name", "单位名称", True, ("名称",)),
        Col("kind", "单位类别", True, ("类别",)), Col("area_code", "所属区划编码", aliases=("区划编码",)),
        Col("phone", "电话", aliases=("联系电话",)), Col("active", "在用"),
        Col("areas", "负责区域", aliases=("服务区域",)),
    )
    CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.existing = {u.code: u for u in (await s.execute(select(Unit))).scalars()}
        self.areas = set((await s.execute(select(Area.code))).scalars())
        self.covered: dict[int, list[str]] = defaultdict(list)
        for uid, code in (await s.execute(select(UnitArea.unit_id, UnitArea.area_code).order_by(UnitArea.area_code))).all():
            self.covered[uid].append(code)

    def check(self, job: Job, row: Row) -> UnitIn | None:
        code = row.code("code", required=True)
        if code and not self.CODE.match(code):
            row.bad("code", t("roster.io.bad_unit_code", code=code))
        values: dict[str, Any] = {"name": row.text("name", required=True)}
        values["kind"] = row.choice("kind", "unit_kind", tuple(UnitKind), required=True)
        if row.has("area_code"):
            area = row.code("area_code")
            if area and area not in self.areas:
                row.bad("area_code", t("roster.io.unknown_area", code=area))
            values["area_code"] = area
        if row.has("phone"):
            values["phone"] = _phone(row, "phone")
        if row.has("active"):
            values["active"] = row.boolean("active", True)
        areas = None
        if row.has("areas"):
            areas = [a.strip() for a in re.split(r"[;；,，\s]+", row.raw("areas") or "") if a.strip()]
            for a in areas:
                if a not in self.areas:
                    row.bad("areas", t("roster.io.unknown_area", code=a))
            areas = sorted(set(areas))
        return UnitIn(code, values, areas) if code else None

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[UnitIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        for p in parsed:
            old = self.existing.get(p.code)
            if old is None:
                u = Unit(code=p.code, **{"active": True, **p.values})
                job.s.add(u)
                await job.s.flush()
                c.created += 1
                uid, before = u.id, []
            else:
                diff = _changed(old, p.values)
                for k, v in diff.items():
                    setattr(old, k, v)
                uid, before = old.id, self.covered.get(old.id, [])
                if diff or (p.areas is not None and p.areas != before):
                    c.updated += 1
                else:
                    c.unchanged += 1
            if p.areas is not None and p.areas != before:
                await job.s.execute(delete(UnitArea).where(UnitArea.unit_id == uid))
                if p.areas:
                    await job.s.execute(insert(UnitArea), [{"unit_id": uid, "area_code": a} for a in p.areas])
            progress(1)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        covered: dict[int, list[str]] = defaultdict(list)
        for uid, code in (await s.execute(select(UnitArea.unit_id, UnitArea.area_code).order_by(UnitArea.area_code))).all():
            covered[uid].append(code)
        units = (await s.execute(select(Unit).order_by(Unit.code))).scalars()
        return [[u.code, u.name, u.kind, u.area_code, u.phone, bool(u.active), ";".join(covered.get(u.id, []))]
                for u in units]


# --- matters ----------------------------------------------------------------------------


@dataclass
class MatterIn:
    code: str
    values: dict[str, Any]
    variants: dict[str, tuple[int, str]] | None
    admitted_on: date | None
    withdrawn_on: date | None
    requested_by: str | None


class Matters(Kind):
    name, entity = "matters", "matter"
    writers = FILERS  # the centre reviews changes to the list (BH 13)
    columns = (
        Col("code", "事项编码", True, ("编码",)), Col("name", "事项名称", True, ("名称",)),
        Col("name_en", "英文名称"), Col("class_code", "大类", aliases=("类别",)),
        Col("default_unit", "默认承办单位", aliases=("承办单位编码",)),
        Col("limit_value", "办理时限", True, ("时限",)), Col("limit_unit", "时限单位", True),
        Col("urgent_value", "紧急时限"), Col("urgent_unit", "紧急时限单位"),
        Col("emergency_value", "特急时限"), Col("emergency_unit", "特急时限单位"),
        Col("escalate", "立即上报"), Col("admitted_on", "纳入日期", True, ("准入日期",)),
        Col("withdrawn_on", "退出日期"), Col("requested_by", "申请部门"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.existing = {m.code: m for m in (await s.execute(select(Matter))).scalars()}
        self.units = dict((await s.execute(select(Unit.code, Unit.id))).all())

    def _limit(self, row: Row, value_col: str, unit_col: str, required: bool) -> tuple[int, str] | None:
        raw_v, raw_u = row.raw(value_col), row.raw(unit_col)
        if not raw_v and not raw_u:
            if required:
                row.bad(value_col, t("roster.io.required"))
            return None
        if not raw_v or not raw_u:
            row.bad(unit_col if raw_v else value_col, t("roster.io.limit_pair"))
            return None
        value = row.count(value_col, None)
        unit = row.choice(unit_col, "limit_unit", LIMIT_UNITS)
        if value is not None and value <= 0:
            row.bad(value_col, t("roster.io.not_positive", value=raw_v))
            return None
        return (value, unit) if value and unit else None

    def check(self, job: Job, row: Row) -> MatterIn | None:
        code = row.code("code", required=True)
        code = code.upper() if code else code
        if code and not MATTER_CODE.match(code):
            row.bad("code", t("roster.error.matter_code", code=code))
        name = row.text("name", required=True)
        values: dict[str, Any] = {"name": name}
        if row.has("name_en"):
            values["name_en"] = row.text("name_en", max_len=128)
        cls = (row.raw("class_code") or (code[0] if code else "")).upper()
        if cls and not MATTER_CLASS.match(cls):
            row.bad("class_code", t("roster.error.matter_class", value=cls))
        values["class_code"] = cls
        if row.has("default_unit"):
            unit = row.code("default_unit")
            if unit and unit not in self.units:
                row.bad("default_unit", t("roster.io.unknown_unit", code=unit))
            values["default_unit_id"] = self.units.get(unit) if unit else None
        limit = self._limit(row, "limit_value", "limit_unit", True)
        if limit:
            values["limit_value"], values["limit_unit"] = limit
        variants = None
        if any(row.has(c) for c in ("urgent_value", "urgent_unit", "emergency_value", "emergency_unit")):
            variants = {}
            for urgency in (Urgency.URGENT, Urgency.EMERGENCY):
                lim = self._limit(row, f"{urgency}_value", f"{urgency}_unit", False)
                if lim:
                    variants[str(urgency)] = lim
        if row.has("escalate"):
            values["escalate"] = row.boolean("escalate")
        admitted = row.day("admitted_on", required=True)
        withdrawn = row.day("withdrawn_on") if row.has("withdrawn_on") else None
        requested_by = row.text("requested_by") if row.has("requested_by") else None
        if admitted and withdrawn and withdrawn < admitted:
            row.bad("withdrawn_on", t("roster.io.withdraw_before_admit"))
        old = self.existing.get(code) if code else None
        if old is not None:
            if admitted and admitted != old.admitted_on:
                row.bad("admitted_on", t("roster.io.admitted_changed", on=old.admitted_on.isoformat()))
            if old.withdrawn_on is not None and row.has("withdrawn_on") and withdrawn != old.withdrawn_on:
                row.bad("withdrawn_on", t("roster.io.matter_readmit", on=old.withdrawn_on.isoformat()))
            if withdrawn and old.withdrawn_on is None and not (requested_by or old.requested_by):
                row.bad("requested_by", t("roster.io.withdraw_needs_requester"))
        # a new row already withdrawn is history being brought over, recorded as it was
        if not code or not limit:
            return None
        return MatterIn(code, values, variants, admitted, withdrawn if row.has("withdrawn_on") else None,
                        requested_by)

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        _dupes(job, parsed, lambda p: p.code, "code")

    async def write(self, job: Job, parsed: list[MatterIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        s, label = job.s, job.actor.label
        for p in parsed:
            old = self.existing.get(p.code)
            if old is None:
                m = Matter(code=p.code, admitted_on=p.admitted_on, withdrawn_on=p.withdrawn_on,
                           requested_by=p.requested_by, **{"escalate": False, **p.values})
                m.name_initials = name_keys(m.name)[1][:32]
                m.limits = [MatterLimit(urgency=u, value=v, unit=un) for u, (v, un) in (p.variants or {}).items()]
                s.add(m)
                await s.flush()
                s.add(MatterEvent(matter_id=m.id, action="admit", on=p.admitted_on, requested_by=p.requested_by,
                                  actor=label, note=job.note))
                if p.withdrawn_on:
                    s.add(MatterEvent(matter_id=m.id, action="withdraw", on=p.withdrawn_on,
                                      requested_by=p.requested_by, actor=label, note=job.note))
                c.created += 1
                progress(1)
                continue
            diff = _changed(old, p.values)
            if "name" in diff or old.name_initials is None:  # derived, for search; not a change
                old.name_initials = name_keys(p.values["name"])[1][:32]
            notes = [f"{k}: {getattr(old, k)} → {v}" for k, v in diff.items() if k.startswith("limit_")]
            if p.variants is not None:
                have = {lim.urgency: (lim.value, lim.unit) for lim in old.limits}
                if have != p.variants:
                    notes.append(f"variants: {have} → {p.variants}")
                    for lim in list(old.limits):
                        if lim.urgency not in p.variants:
                            old.limits.remove(lim)
                        else:
                            lim.value, lim.unit = p.variants[lim.urgency]
                    for u, (v, un) in p.variants.items():
                        if u not in have:
                            old.limits.append(MatterLimit(urgency=u, value=v, unit=un))
            for k, v in diff.items():
                setattr(old, k, v)
            withdrawing = p.withdrawn_on is not None and old.withdrawn_on is None
            if withdrawing:
                old.withdrawn_on = p.withdrawn_on
                old.requested_by = p.requested_by or old.requested_by
                s.add(MatterEvent(matter_id=old.id, action="withdraw", on=p.withdrawn_on,
                                  requested_by=old.requested_by, actor=label, note=job.note))
            elif p.requested_by is not None and p.requested_by != old.requested_by:
                old.requested_by = p.requested_by
                diff["requested_by"] = p.requested_by
            if notes:
                s.add(MatterEvent(matter_id=old.id, action="amend", on=job.today, requested_by=p.requested_by,
                                  actor=label, note="; ".join(notes)))
            if diff or notes or withdrawing:
                c.updated += 1
            else:
                c.unchanged += 1
            progress(1)
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        units = dict((await s.execute(select(Unit.id, Unit.code))).all())
        out = []
        for m in (await s.execute(select(Matter).order_by(Matter.code))).scalars():
            v = {lim.urgency: lim for lim in m.limits}
            u, e = v.get(Urgency.URGENT), v.get(Urgency.EMERGENCY)
            out.append([m.code, m.name, m.name_en, m.class_code, units.get(m.default_unit_id),
                        m.limit_value, m.limit_unit, u.value if u else None, u.unit if u else None,
                        e.value if e else None, e.unit if e else None, bool(m.escalate), m.admitted_on,
                        m.withdrawn_on, m.requested_by])
        return out


# a fresh instance per import: an import keeps what it loaded on the instance
KINDS: dict[str, type[Kind]] = {k.name: k for k in (Areas, Grids, People, Assignments, Units, Matters)}


# --- running an import ------------------------------------------------------------------


def map_header(kind: Kind, header: list[str], header_row: int) -> tuple[dict[int, Col], list[tuple[int, str, str]]]:
    """Which file column is which; problems for unknown, repeated and missing columns."""
    lookup: dict[str, Col] = {}
    for col in kind.columns:
        for name in (col.name, col.zh, *col.aliases):
            lookup[_norm(name)] = col
    problems: list[tuple[int, str, str]] = []
    mapping: dict[int, Col] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        col = lookup.get(_norm(h))
        if col is None:
            problems.append((header_row, h, t("roster.io.unknown_column", columns=", ".join(kind.header))))
        elif col.name in seen:
            problems.append((header_row, h, t("roster.io.duplicate_column", other=seen[col.name])))
        else:
            seen[col.name] = h
            mapping[i] = col
    for col in kind.columns:
        if col.required and col.name not in seen:
            problems.append((header_row, col.name, t("roster.io.missing_column")))
    return mapping, problems


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    encoding: str

    def json(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "dry_run": self.dry_run, "encoding": self.encoding}


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after it was fully checked."""


async def import_table(store: Store, actor: Actor, kind_name: str, table: Table, *, dry_run: bool = False,
                       progress: Progress | None = None, reason: str = ChangeReason.OTHER,
                       note: str | None = None, source: str = "") -> ImportResult:
    """Check the whole table, then write every row in one transaction — or nothing."""
    kind = kind_of(kind_name)
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in kind.writers:
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))
    if reason not in set(ChangeReason):
        raise Invalid("error.unknown_value", field="grid_change.reason", value=reason,
                      choices=" | ".join(ChangeReason))
    mapping, problems = map_header(kind, table.header, table.header_row)
    if problems:
        raise ImportProblems(problems)
    total = len(table.rows)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress and (done % 1000 < n or done >= 2 * total):
            progress(min(done, 2 * total), 2 * total)

    if progress:
        progress(0, 2 * total)
    now = store.now()
    result = None
    try:
        async with store.db.session(write=True) as s:
            job = Job(store, actor, s, now, today(store), reason, note, source)
            rows = []
            for n, cells in table.rows:
                values = {col.name: (table.header[i], cells[i] if i < len(cells) else "") for i, col in mapping.items()}
                rows.append(Row(n, values, job.problems))
            await kind.prepare(job, rows)
            parsed = []
            for r in rows:
                p = kind.check(job, r)
                if p is not None:
                    parsed.append((r, p))
                step(1)
            kind.check_all(job, parsed)
            if job.problems:
                job.problems.sort(key=lambda x: x[0])
                raise ImportProblems(job.problems)
            # a dry run writes too — so its counts are the real ones — and then rolls back
            counts = await kind.write(job, [p for _r, p in parsed], step)
            await records.feed(s, kind.entity, None, "imported", now, actor.jurisdiction or None)
            await records.audit(s, actor, f"import.{kind.name}", kind.entity, source[-64:] or None, now,
                                {"rows": total, "created": counts.created, "updated": counts.updated,
                                 "unchanged": counts.unchanged, "encoding": table.encoding})
            result = ImportResult(kind.name, total, counts.created, counts.updated, counts.unchanged,
                                  dry_run, table.encoding)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if progress:
        progress(2 * total, 2 * total)
    assert result is not None
    return result


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise Invalid("error.unknown_value", field="kind", value=name, choices=" | ".join(KINDS))
    return kind()


async def export_table(store: Store, actor: Actor, kind_name: str) -> tuple[list[str], list[list[Any]]]:
    kind = kind_of(kind_name)
    async with store.db.session() as s:
        return kind.header, await kind.export(s, actor, store)
