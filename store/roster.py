"""The grid roster: the area tree, grid changes with their record, people and assignments.

Reads are scoped to the actor's jurisdiction (a division-code prefix). Every write checks the
actor, runs in one transaction and appends change-feed and audit entries with the change.

Rules kept here (one place each):
- a grid's code is its village's code plus a sequence never used before (store.codes);
- each grid change — create, adjust, split, merge, retire — carries a reason from YC 8 / BH 6
  and is recorded in `grid_changes` as pending filing (备案) until a supervisor files it
  (HH 8, YC 8, BH 6: divisions and adjustments are filed with the higher centre);
- retired grids keep their row, their tickets and their history; their codes stay taken;
- one current leader per grid (JM 7); a leader and a professional may cover several grids
  (HH 11); a professional names the unit that sent them (HH 11);
- a change to what the public notice card shows (grid name, range, leader and full-time workers
  and their phones — HH 12, YC 22, BH 14) stamps the grid's `roster_changed_at`, so the
  compliance rule can see a card that was not brought up to date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin, pinyin
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes, permissions, records
from griddesk.store.actor import Actor, mask_phone
from griddesk.store.checks import PHONE
from griddesk.store.context import Store
from griddesk.store.enums import (
    OPEN_STATUSES,
    ChangeReason,
    FilingStatus,
    GridStatus,
    GridType,
    Level,
    PersonRole,
    PersonStatus,
)
from griddesk.store.errors import Conflict, Invalid, NotAllowed, NotFound
from griddesk.store.i18n import t
from griddesk.store.models import Area, Grid, GridAssignment, GridChange, MicroGrid, Person, Ticket, Unit

WRITERS = permissions.CENTRE
FILERS = permissions.SUPERVISORS  # filing (备案) is the supervisor's confirmation
GRID_ROLES = (PersonRole.LEADER, PersonRole.FULL_TIME, PersonRole.PART_TIME, PersonRole.PROFESSIONAL,
              PersonRole.INSTRUCTOR)
# roles the public notice card shows (YC 22: leader and full-time workers' names and contacts)
CARD_ROLES = (PersonRole.LEADER, PersonRole.FULL_TIME)
# why a worker left; YC 17 lists the grounds on which a full-time worker must exit
LEAVE_REASONS = ("failed_reviews", "dereliction", "incompetent", "resigned", "transferred", "other")
CHANGE_KINDS = ("create", "adjust", "split", "merge", "retire")
MICRO_KINDS = ("building", "unit")
MAX_NAME = 64
MAX_PERSON_NAME = 32


# --- small shared helpers ---------------------------------------------------------------


def today(store: Store) -> date:
    return store.calendar.local(store.now()).date()


def check_writer(actor: Actor, roles: tuple[str, ...] = WRITERS) -> None:
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if actor.role not in roles:
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))


def check_covers(actor: Actor, code: str | None) -> None:
    if code is not None and not actor.covers(code):
        raise NotAllowed("error.out_of_jurisdiction", number=code, jurisdiction=actor.jurisdiction)


# surnames read differently from the character's common reading (覃 is Qin, not Tan)
SURNAME_READINGS = {"覃": "qin", "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie",
                    "查": "zha", "朴": "piao", "翟": "zhai", "盖": "ge", "缪": "miao", "乐": "yue",
                    "召": "shao", "尉": "yu", "员": "yun", "长": "zhang", "柏": "bai", "种": "chong"}


@cache
def _reading(ch: str) -> str | None:
    """The one toneless reading of a Chinese character; None when it has several (or is not one)."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return None
    readings = set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])
    return readings.pop() if len(readings) == 1 else None


@lru_cache(maxsize=100_000)
def name_keys(name: str, person: bool = False) -> tuple[str, str]:
    """Full pinyin ("zhang min") and initials ("zm") of a name, for search; a person's name is
    read with its surname's reading.

    Names whose characters each have one reading are read character by character (50× faster
    than pypinyin's phrase matching, which a bulk import of people would wait on); a name with a
    polyphonic character goes through pypinyin whole, so 长安 reads "chang an"."""
    name = name.strip()
    chars = [_reading(c) for c in name]
    if chars and all(chars):
        syllables = [str(c) for c in chars]
    else:
        syllables = [p.lower() for p in lazy_pinyin(name) if p.strip()]
    if person and name[:1] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    initials = "".join(syl[0] for syl in syllables)
    return " ".join(syllables)[:128], initials.lower()[:16]


def is_current(a: GridAssignment, on: date) -> bool:
    """An assignment holds on a day from `since` (inclusive) to `until` (the day it ended)."""
    return (a.since is None or a.since <= on) and (a.until is None or a.until > on)


def current_clause(on: date):  # type: ignore[no-untyped-def]
    """`is_current` as SQL, for queries that filter assignments."""
    return and_(or_(GridAssignment.since.is_(None), GridAssignment.since <= on),
                or_(GridAssignment.until.is_(None), GridAssignment.until > on))


def _text(value: Any, fld: str, required: bool = True, max_len: int = MAX_NAME) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("error.required", field=fld)
        return None
    value = str(value).strip()
    if len(value) > max_len:
        raise Invalid("error.too_long", field=fld, max=max_len)
    return value


def _count(value: Any, fld: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("roster.error.not_count", field=fld, value=value)
    return value


def _choice(value: Any, fld: str, choices: tuple[str, ...] | type) -> str:
    options = tuple(c.value for c in choices) if isinstance(choices, type) else choices
    if value not in options:
        raise Invalid("error.unknown_value", field=fld, value=value, choices=" | ".join(options))
    return str(value)


def check_phone(value: Any, fld: str = "person.phone") -> str | None:
    """The one phone rule, shared with ticket intake."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if not PHONE.match(value):
        raise Invalid("error.bad_phone", field=fld, value=value)
    return value


async def _area(s: AsyncSession, code: str, fld: str = "area.code") -> Area:
    area = await s.get(Area, code)
    if area is None:
        raise Invalid("roster.error.unknown_area", field=fld, code=code)
    return area


async def _grid(s: AsyncSession, code: str, active: bool = True, fld: str = "grid.code") -> Grid:
    grid = (await s.execute(select(Grid).where(Grid.code == code))).scalar_one_or_none()
    if grid is None:
        raise NotFound("roster.error.unknown_grid", field=fld, code=code)
    if active and grid.status != GridStatus.ACTIVE:
        raise Conflict("roster.error.grid_retired", field=fld, code=code)
    return grid


async def _person(s: AsyncSession, person_id: int) -> Person:
    person = await s.get(Person, person_id)
    if person is None:
        raise NotFound("roster.error.unknown_person", field="person.id", id=person_id)
    return person


async def touch_notice(s: AsyncSession, grid_ids: list[int] | set[int], at: datetime) -> None:
    """The grids' notice cards now show something out of date (HH 12, YC 22, BH 14)."""
    if grid_ids:
        await s.execute(update(Grid).where(Grid.id.in_(list(grid_ids))).values(roster_changed_at=at))


# --- reads: the tree --------------------------------------------------------------------


@dataclass
class Member:
    """A person holding a role on a grid."""

    assignment_id: int
    person_id: int
    name: str
    role: str
    phone: str | None
    unit: str | None
    since: date | None
    until: date | None
    trained_on: date | None
    status: str


@dataclass
class MicroGridRow:
    code: str
    name: str
    kind: str
    households: int
    head: str | None
    head_person_id: int | None


@dataclass
class GridRow:
    id: int
    code: str
    name: str
    area_code: str
    area_name: str
    town_code: str
    type: str
    subtype: str | None
    households: int
    population: int
    boundary: str | None
    status: str
    created_at: datetime
    retired_at: datetime | None
    notice_updated_at: datetime | None
    roster_changed_at: datetime | None
    members: list[Member] = field(default_factory=list)
    micro_grids: list[MicroGridRow] = field(default_factory=list)

    def holding(self, role: str) -> list[Member]:
        return [m for m in self.members if m.role == role]

    @property
    def leader(self) -> Member | None:
        found = self.holding(PersonRole.LEADER)
        return found[0] if found else None

    @property
    def notice_stale(self) -> bool:
        return self.roster_changed_at is not None and (
            self.notice_updated_at is None or self.notice_updated_at < self.roster_changed_at)


@dataclass
class AreaNode:
    code: str
    name: str
    level: str
    kind: str | None
    parent_code: str | None
    population: int | None
    households: int | None
    urban: bool
    centre_phone: str | None
    platform: str | None
    in_scope: bool = True  # False for the ancestors shown above a town operator's own town
    children: list[AreaNode] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)

    def walk(self):  # type: ignore[no-untyped-def]
        yield self
        for c in self.children:
            yield from c.walk()

    @property
    def grid_count(self) -> int:
        return sum(len([g for g in n.grids if g.status == GridStatus.ACTIVE]) for n in self.walk())


def _node(a: Area, in_scope: bool = True) -> AreaNode:
    return AreaNode(a.code, a.name, a.level, a.kind, a.parent_code, a.population, a.households,
                    bool(a.urban), a.centre_phone, a.platform, in_scope)


def _scope_areas(q, actor: Actor):  # type: ignore[no-untyped-def]
    return q.where(Area.code.startswith(actor.jurisdiction)) if actor.jurisdiction else q


def _scope_grids(q, actor: Actor):  # type: ignore[no-untyped-def]
    return q.where(Grid.area_code.startswith(actor.jurisdiction)) if actor.jurisdiction else q


async def _members(s: AsyncSession, actor: Actor, grid_ids: list[int], on: date,
                   include_past: bool = False) -> dict[int, list[Member]]:
    out: dict[int, list[Member]] = defaultdict(list)
    if not grid_ids:
        return out
    q = (select(GridAssignment, Person, Unit.name)
         .join(Person, Person.id == GridAssignment.person_id)
         .outerjoin(Unit, Unit.id == Person.unit_id)
         .where(GridAssignment.grid_id.in_(grid_ids)))
    if not include_past:
        q = q.where(current_clause(on))
    order = {r: i for i, r in enumerate(GRID_ROLES)}
    rows = (await s.execute(q.order_by(GridAssignment.id))).all()
    for a, p, unit in rows:
        out[a.grid_id].append(Member(a.id, p.id, p.name, a.role, mask_phone(p.phone, actor), unit,
                                     a.since, a.until, p.trained_on, p.status))
    for members in out.values():
        members.sort(key=lambda m: (order.get(m.role, 99), m.assignment_id))
    return out


async def _micro(s: AsyncSession, grid_ids: list[int]) -> dict[int, list[MicroGridRow]]:
    out: dict[int, list[MicroGridRow]] = defaultdict(list)
    if not grid_ids:
        return out
    q = (select(MicroGrid, Person.name).outerjoin(Person, Person.id == MicroGrid.head_person_id)
         .where(MicroGrid.grid_id.in_(grid_ids)).order_by(MicroGrid.code))
    for m, head in (await s.execute(q)).all():
        out[m.grid_id].append(MicroGridRow(m.code, m.name, m.kind, m.households, head, m.head_person_id))
    return out


def _row(g: Grid, area_name: str) -> GridRow:
    return GridRow(g.id, g.code, g.name, g.area_code, area_name, g.town_code, g.type, g.subtype,
                   g.households, g.population, g.boundary, g.status, g.created_at, g.retired_at,
                   g.notice_updated_at, g.roster_changed_at)


async def _grid_rows(s: AsyncSession, store: Store, actor: Actor, q, details: bool = True) -> list[GridRow]:  # type: ignore[no-untyped-def]
    rows = [_row(g, name) for g, name in (await s.execute(q)).all()]
    if details and rows:
        ids = [r.id for r in rows]
        members = await _members(s, actor, ids, today(store))
        micro = await _micro(s, ids)
        for r in rows:
            r.members = members.get(r.id, [])
            r.micro_grids = micro.get(r.id, [])
    return rows


async def grids(store: Store, actor: Actor, area_code: str | None = None, include_retired: bool = False,
                details: bool = True) -> list[GridRow]:
    """Grids in the actor's jurisdiction (under `area_code` when given), in code order."""
    q = _scope_grids(select(Grid, Area.name).join(Area, Area.code == Grid.area_code), actor)
    if area_code:
        q = q.where(Grid.area_code.startswith(area_code))
    if not include_retired:
        q = q.where(Grid.status == GridStatus.ACTIVE)
    async with store.db.session() as s:
        return await _grid_rows(s, store, actor, q.order_by(Grid.code), details)


async def tree(store: Store, actor: Actor, root: str | None = None, include_retired: bool = False,
               grids_too: bool = True) -> list[AreaNode]:
    """The area tree county → town → village → grid → micro-grid, from the top of the scope.

    A town operator sees its county and city above its town as context (`in_scope=False`) so the
    tree always starts at the top; only the town's own branch is filled in.
    """
    base = root or actor.jurisdiction
    if root:
        check_covers(actor, root)
    async with store.db.session() as s:
        q = select(Area).order_by(Area.code)
        if base:
            q = q.where(Area.code.startswith(base))
        areas = list((await s.execute(q)).scalars())
        ancestors: list[Area] = []
        if base and not root:
            codes_up = []
            c = codes.parent_of(base) if len(base) in codes.PARENT_LENGTH else None
            while c:
                codes_up.append(c)
                c = codes.parent_of(c)
            if codes_up:
                ancestors = list((await s.execute(select(Area).where(Area.code.in_(codes_up)))).scalars())
        grid_rows: list[GridRow] = []
        if grids_too:
            gq = _scope_grids(select(Grid, Area.name).join(Area, Area.code == Grid.area_code), actor)
            if base:
                gq = gq.where(Grid.area_code.startswith(base))
            if not include_retired:
                gq = gq.where(Grid.status == GridStatus.ACTIVE)
            grid_rows = await _grid_rows(s, store, actor, gq.order_by(Grid.code))
    nodes = {a.code: _node(a) for a in areas}
    nodes.update({a.code: _node(a, in_scope=False) for a in ancestors})
    roots: list[AreaNode] = []
    for code in sorted(nodes, key=lambda c: (len(c), c)):
        n = nodes[code]
        parent = nodes.get(n.parent_code) if n.parent_code else None
        (parent.children if parent else roots).append(n)
    for g in grid_rows:
        if g.area_code in nodes:
            nodes[g.area_code].grids.append(g)
    return roots


async def area(store: Store, actor: Actor, code: str) -> AreaNode:
    """One area with its direct children and its own grids."""
    check_covers(actor, code)
    async with store.db.session() as s:
        a = await s.get(Area, code)
        if a is None:
            raise NotFound("roster.error.unknown_area", field="area.code", code=code)
        node = _node(a)
        kids = (await s.execute(select(Area).where(Area.parent_code == code).order_by(Area.code))).scalars()
        node.children = [_node(k) for k in kids]
        q = select(Grid, Area.name).join(Area, Area.code == Grid.area_code).where(Grid.area_code == code)
        node.grids = await _grid_rows(s, store, actor, q.order_by(Grid.code))
    return node


# --- reads: one grid, changes -------------------------------------------------------------


@dataclass
class ChangeRow:
    id: int
    kind: str
    reason: str
    note: str | None
    grid_codes: list[str]
    result_codes: list[str]
    details: dict[str, Any] | None
    actor: str
    at: datetime
    filing_status: str
    filed_at: datetime | None


@dataclass
class GridDetail:
    grid: GridRow
    past_members: list[Member]
    changes: list[ChangeRow]
    open_tickets: int
    tickets: int
    town_name: str | None
    county_name: str | None


def _change(c: GridChange) -> ChangeRow:
    return ChangeRow(c.id, c.kind, c.reason, c.note, list(c.grid_codes or []), list(c.result_codes or []),
                     c.details, c.actor, c.at, c.filing_status, c.filed_at)


async def _changes_for(s: AsyncSession, codes_: set[str] | None, jurisdiction: str,
                       pending_only: bool = False) -> list[ChangeRow]:
    q = select(GridChange).order_by(GridChange.at.desc(), GridChange.id.desc())
    if pending_only:
        q = q.where(GridChange.filing_status == FilingStatus.PENDING)
    rows = [_change(c) for c in (await s.execute(q)).scalars()]

    def touches(r: ChangeRow) -> bool:
        every = r.grid_codes + r.result_codes
        if codes_ is not None:
            return bool(codes_ & set(every))
        return not jurisdiction or any(c.startswith(jurisdiction) for c in every)

    # grid codes are stored as JSON lists: filtering in Python keeps both backends the same
    return [r for r in rows if touches(r)]


async def grid(store: Store, actor: Actor, code: str) -> GridDetail:
    """A grid with its people (current and past), micro-grids, change record and ticket counts."""
    async with store.db.session() as s:
        g = (await s.execute(select(Grid, Area.name).join(Area, Area.code == Grid.area_code)
                             .where(Grid.code == code))).one_or_none()
        if g is None:
            raise NotFound("roster.error.unknown_grid", field="grid.code", code=code)
        check_covers(actor, g[0].area_code)
        row = _row(g[0], g[1])
        on = today(store)
        every = (await _members(s, actor, [row.id], on, include_past=True)).get(row.id, [])
        row.members = [m for m in every if (m.since is None or m.since <= on) and (m.until is None or m.until > on)]
        past = [m for m in every if m not in row.members]
        row.micro_grids = (await _micro(s, [row.id])).get(row.id, [])
        changes = await _changes_for(s, {code}, actor.jurisdiction)
        total = (await s.execute(select(func.count()).select_from(Ticket).where(Ticket.grid_id == row.id))).scalar_one()
        open_ = (await s.execute(select(func.count()).select_from(Ticket).where(
            Ticket.grid_id == row.id, Ticket.status.in_(OPEN_STATUSES)))).scalar_one()
        names = dict((await s.execute(select(Area.code, Area.name).where(
            Area.code.in_([row.town_code, row.town_code[:6]])))).all())
    return GridDetail(row, past, changes, open_, total, names.get(row.town_code), names.get(row.town_code[:6]))


async def changes(store: Store, actor: Actor, grid_code: str | None = None,
                  pending_only: bool = False) -> list[ChangeRow]:
    """The grid change record, newest first; with `pending_only`, what still awaits filing."""
    async with store.db.session() as s:
        return await _changes_for(s, {grid_code} if grid_code else None, actor.jurisdiction, pending_only)


# --- writes: grids ----------------------------------------------------------------------


@dataclass(frozen=True)
class GridSpec:
    """What describes a grid; used to create one, or as the parts of a split."""

    name: str
    type: str = GridType.COMPREHENSIVE
    subtype: str | None = None
    households: int = 0
    population: int = 0
    boundary: str | None = None

    def checked(self) -> GridSpec:
        return GridSpec(
            name=_text(self.name, "grid.name") or "",
            type=_choice(self.type, "grid.type", GridType),
            subtype=_text(self.subtype, "grid.subtype", required=False, max_len=32),
            households=_count(self.households, "grid.households"),
            population=_count(self.population, "grid.population"),
            boundary=_text(self.boundary, "grid.boundary", required=False, max_len=2000),
        )


SPEC_FIELDS = tuple(f.name for f in fields(GridSpec))


def _spec_of(g: Grid) -> dict[str, Any]:
    return {k: getattr(g, k) for k in SPEC_FIELDS}


def _reason(reason: str) -> str:
    return _choice(reason, "grid_change.reason", ChangeReason)


async def _record(s: AsyncSession, actor: Actor, kind: str, reason: str, note: str | None,
                  before: list[str], after: list[str], details: dict[str, Any] | None,
                  at: datetime) -> int:
    change = GridChange(kind=kind, reason=reason, note=note, grid_codes=before, result_codes=after,
                        details=details, actor=actor.label, at=at, filing_status=FilingStatus.PENDING)
    s.add(change)
    await s.flush()
    return change.id


async def _new_grid(s: AsyncSession, village: Area, spec: GridSpec, code: str | None, at: datetime) -> Grid:
    if code:
        codes.check_grid_code(code, village.code, field="grid.code")
        taken = (await s.execute(select(Grid.id).where(Grid.code == code))).scalar_one_or_none()
        if taken is not None:
            raise Conflict("roster.error.grid_code_taken", field="grid.code", code=code)
    else:
        code = await codes.next_grid_code(s, village.code)
    g = Grid(code=code, area_code=village.code, town_code=village.code[:9], status=GridStatus.ACTIVE,
             created_at=at, roster_changed_at=at, **asdict(spec))
    s.add(g)
    await s.flush()
    return g


async def _village(s: AsyncSession, actor: Actor, code: str) -> Area:
    village = await _area(s, code, "grid.area_code")
    if village.level != Level.VILLAGE:
        raise Invalid("roster.error.not_village", field="grid.area_code", code=code)
    check_covers(actor, village.code)
    return village


async def create_grid(store: Store, actor: Actor, village_code: str, spec: GridSpec,
                      reason: str = ChangeReason.OTHER, note: str | None = None,
                      code: str | None = None) -> str:
    """A new grid under a village; its code is the next never-used one unless `code` is given."""
    check_writer(actor)
    spec, reason = spec.checked(), _reason(reason)
    now = store.now()
    async with store.db.session(write=True) as s:
        village = await _village(s, actor, village_code)
        g = await _new_grid(s, village, spec, code, now)
        await _record(s, actor, "create", reason, note, [], [g.code], {"grids": {g.code: _spec_of(g)}}, now)
        await records.feed(s, "grid", g.id, "created", now, g.area_code)
        await records.audit(s, actor, "grid.create", "grid", g.code, now, {"reason": reason})
        return g.code


async def adjust_grid(store: Store, actor: Actor, code: str, reason: str, note: str | None = None,
                      **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a grid's name, type, counts or range; returns {field: (before, after)}."""
    check_writer(actor)
    reason = _reason(reason)
    unknown = set(changes) - set(SPEC_FIELDS)
    if unknown:
        raise Invalid("roster.error.unknown_field", field=sorted(unknown)[0], fields=", ".join(SPEC_FIELDS))
    now = store.now()
    async with store.db.session(write=True) as s:
        g = await _grid(s, code)
        check_covers(actor, g.area_code)
        before = _spec_of(g)
        after = asdict(replace(GridSpec(**before), **changes).checked())
        diff = {k: (before[k], after[k]) for k in SPEC_FIELDS if before[k] != after[k]}
        if not diff:
            return {}
        for k, (_, v) in diff.items():
            setattr(g, k, v)
        if {"name", "boundary"} & diff.keys():  # what the notice card shows
            g.roster_changed_at = now
        await _record(s, actor, "adjust", reason, note, [g.code], [g.code],
                      {"changed": {k: list(v) for k, v in diff.items()}}, now)
        await records.feed(s, "grid", g.id, "changed", now, g.area_code)
        await records.audit(s, actor, "grid.adjust", "grid", g.code, now, {"reason": reason, "fields": sorted(diff)})
        return diff


async def _end_assignments(s: AsyncSession, grid_ids: list[int], on: date) -> list[GridAssignment]:
    ended = list((await s.execute(select(GridAssignment).where(
        GridAssignment.grid_id.in_(grid_ids), current_clause(on)))).scalars())
    for a in ended:
        a.until = on
    return ended


def _retire(g: Grid, at: datetime) -> None:
    g.status = GridStatus.RETIRED
    g.retired_at = at


async def split_grid(store: Store, actor: Actor, code: str, parts: list[GridSpec], reason: str,
                     note: str | None = None) -> list[str]:
    """Retire a grid and create its parts under the same village with new codes.

    The people on the old grid are released, not guessed onto a part: which part each worker
    takes is the centre's decision, and the gaps show up as findings until it is made. The
    record keeps who was on it.
    """
    check_writer(actor)
    reason = _reason(reason)
    if len(parts) < 2:
        raise Invalid("roster.error.split_parts", field="grid.parts")
    parts = [p.checked() for p in parts]
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        old = await _grid(s, code)
        village = await _village(s, actor, old.area_code)
        ended = await _end_assignments(s, [old.id], on)
        _retire(old, now)
        new = [await _new_grid(s, village, p, None, now) for p in parts]
        result = [g.code for g in new]
        details = {"before": _spec_of(old), "grids": {g.code: _spec_of(g) for g in new},
                   "released": [{"person_id": a.person_id, "role": a.role} for a in ended]}
        await _record(s, actor, "split", reason, note, [old.code], result, details, now)
        await records.feed(s, "grid", old.id, "retired", now, old.area_code)
        for g in new:
            await records.feed(s, "grid", g.id, "created", now, g.area_code)
        await records.audit(s, actor, "grid.split", "grid", old.code, now, {"reason": reason, "into": result})
        return result


async def merge_grids(store: Store, actor: Actor, grid_codes: list[str], reason: str,
                      note: str | None = None, into: str | None = None,
                      spec: GridSpec | None = None) -> str:
    """Merge grids of one village: into one of them (`into`) or into a new grid.

    Households and population add up unless `spec` says otherwise. The people of the merged
    grids carry over to the result (one person holding one role once).
    """
    check_writer(actor)
    reason = _reason(reason)
    grid_codes = list(dict.fromkeys(grid_codes))
    if len(grid_codes) < 2:
        raise Invalid("roster.error.merge_count", field="grid.codes")
    if into is not None and into not in grid_codes:
        raise Invalid("roster.error.merge_into", field="grid.into", code=into)
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        olds = [await _grid(s, c) for c in grid_codes]
        if len({g.area_code for g in olds}) != 1:
            raise Invalid("roster.error.merge_villages", field="grid.codes")
        village = await _village(s, actor, olds[0].area_code)
        first = olds[0]
        total = GridSpec(name=first.name, type=first.type, subtype=first.subtype,
                         households=sum(g.households for g in olds),
                         population=sum(g.population for g in olds),
                         boundary="；".join(g.boundary for g in olds if g.boundary) or None)
        if into is not None:
            target = next(g for g in olds if g.code == into)
            total = replace(total, name=target.name, type=target.type, subtype=target.subtype)
        if spec is not None:
            total = spec
        total = total.checked()
        before = {g.code: _spec_of(g) for g in olds}
        gone = [g for g in olds if g.code != into]
        moved = await _end_assignments(s, [g.id for g in gone], on)
        for g in gone:
            _retire(g, now)
        if into is not None:
            result = next(g for g in olds if g.code == into)
            for k, v in asdict(total).items():
                setattr(result, k, v)
        else:
            result = await _new_grid(s, village, total, None, now)
        held = {(a.person_id, a.role) for a in (await s.execute(select(GridAssignment).where(
            GridAssignment.grid_id == result.id, current_clause(on)))).scalars()}
        for a in moved:
            if (a.person_id, a.role) not in held:
                held.add((a.person_id, a.role))
                s.add(GridAssignment(grid_id=result.id, person_id=a.person_id, role=a.role, since=on))
        result.roster_changed_at = now
        await s.flush()
        await _record(s, actor, "merge", reason, note, grid_codes, [result.code],
                      {"before": before, "grids": {result.code: _spec_of(result)}}, now)
        for g in gone:
            await records.feed(s, "grid", g.id, "retired", now, g.area_code)
        await records.feed(s, "grid", result.id, "created" if into is None else "changed", now, result.area_code)
        await records.audit(s, actor, "grid.merge", "grid", result.code, now, {"reason": reason, "from": grid_codes})
        return result.code


async def retire_grid(store: Store, actor: Actor, code: str, reason: str, note: str | None = None) -> None:
    """Retire a grid: it keeps its row, tickets and history; its code is never given again."""
    check_writer(actor)
    reason = _reason(reason)
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        g = await _grid(s, code)
        check_covers(actor, g.area_code)
        ended = await _end_assignments(s, [g.id], on)
        open_ = (await s.execute(select(func.count()).select_from(Ticket).where(
            Ticket.grid_id == g.id, Ticket.status.in_(OPEN_STATUSES)))).scalar_one()
        _retire(g, now)
        await _record(s, actor, "retire", reason, note, [g.code], [],
                      {"before": _spec_of(g), "open_tickets": open_,
                       "released": [{"person_id": a.person_id, "role": a.role} for a in ended]}, now)
        await records.feed(s, "grid", g.id, "retired", now, g.area_code)
        await records.audit(s, actor, "grid.retire", "grid", g.code, now, {"reason": reason})


async def file_change(store: Store, actor: Actor, change_id: int) -> None:
    """Mark a grid change as filed (备案) with the higher centre (HH 8, YC 8, BH 6)."""
    check_writer(actor, FILERS)
    now = store.now()
    async with store.db.session(write=True) as s:
        c = await s.get(GridChange, change_id)
        if c is None:
            raise NotFound("roster.error.unknown_change", field="grid_change.id", id=change_id)
        every = list(c.grid_codes or []) + list(c.result_codes or [])
        if actor.jurisdiction and not any(code.startswith(actor.jurisdiction) for code in every):
            raise NotAllowed("error.out_of_jurisdiction", number=str(change_id), jurisdiction=actor.jurisdiction)
        if c.filing_status == FilingStatus.FILED:
            raise Conflict("roster.error.already_filed", id=change_id)
        c.filing_status = FilingStatus.FILED
        c.filed_at = now
        await records.feed(s, "grid", None, "filed", now, every[0] if every else None)
        await records.audit(s, actor, "grid.file", "grid_change", str(change_id), now)


async def add_micro_grid(store: Store, actor: Actor, grid_code: str, name: str, kind: str = "building",
                         households: int = 0, head_person_id: int | None = None) -> str:
    """A micro-grid (building or unit, HH 20) inside a grid; code = grid code + 3 digits."""
    check_writer(actor)
    name = _text(name, "micro_grid.name") or ""
    kind = _choice(kind, "micro_grid.kind", MICRO_KINDS)
    households = _count(households, "micro_grid.households")
    now = store.now()
    async with store.db.session(write=True) as s:
        g = await _grid(s, grid_code)
        check_covers(actor, g.area_code)
        if head_person_id is not None:
            head = await _person(s, head_person_id)
            if head.status != PersonStatus.ACTIVE:
                raise Conflict("roster.error.person_left", field="micro_grid.head", name=head.name)
        used = (await s.execute(select(MicroGrid.code).where(MicroGrid.code.startswith(g.code)))).scalars()
        seq = max((int(c[len(g.code):]) for c in used if c[len(g.code):].isdigit()), default=0) + 1
        code = f"{g.code}{seq:03d}"
        m = MicroGrid(grid_id=g.id, code=code, name=name, kind=kind, households=households,
                      head_person_id=head_person_id)
        s.add(m)
        await s.flush()
        await records.feed(s, "grid", g.id, "micro_grid", now, g.area_code)
        await records.audit(s, actor, "grid.micro_grid", "micro_grid", code, now)
        return code


# --- people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    name: str
    role: str
    phone: str | None = None
    unit_code: str | None = None  # the unit that sent a professional worker (HH 11)
    area_code: str | None = None  # defaults to the actor's jurisdiction
    trained_on: date | None = None  # pre-duty training (YC 43, HH 27)
    certificate_on: date | None = None


PERSON_FIELDS = ("name", "role", "phone", "unit_code", "area_code", "trained_on", "certificate_on")
DERIVED = ("name_pinyin", "name_initials")


@dataclass
class PersonRow:
    id: int
    name: str
    name_pinyin: str | None
    role: str
    phone: str | None
    unit_code: str | None
    unit: str | None
    area_code: str | None
    area_name: str | None
    trained_on: date | None
    certificate_on: date | None
    status: str
    left_on: date | None
    left_reason: str | None
    left_note: str | None
    failed_reviews: int
    grids: list[tuple[str, str, str]] = field(default_factory=list)  # (grid code, grid name, role)


def split_left_reason(value: str | None) -> tuple[str | None, str | None]:
    """`left_reason` holds "code" or "code: note"."""
    if not value:
        return None, None
    code, _, note = value.partition(":")
    if code in LEAVE_REASONS:
        return code, note.strip() or None
    return "other", value


async def _unit_id(s: AsyncSession, code: str | None, fld: str = "person.unit_code") -> int | None:
    if not code:
        return None
    uid = (await s.execute(select(Unit.id).where(Unit.code == code))).scalar_one_or_none()
    if uid is None:
        raise Invalid("roster.error.unknown_unit", field=fld, code=code)
    return uid


async def _checked_person(s: AsyncSession, actor: Actor, spec: PersonSpec) -> dict[str, Any]:
    name = _text(spec.name, "person.name", max_len=MAX_PERSON_NAME) or ""
    role = _choice(spec.role, "person.role", PersonRole)
    phone = check_phone(spec.phone)
    unit_id = await _unit_id(s, spec.unit_code)
    if role == PersonRole.PROFESSIONAL and unit_id is None:
        raise Invalid("roster.error.professional_unit", field="person.unit_code")
    area_code = spec.area_code or actor.jurisdiction or None
    if area_code:
        await _area(s, area_code, "person.area_code")
        check_covers(actor, area_code)
    for k in ("trained_on", "certificate_on"):
        v = getattr(spec, k)
        if v is not None and not isinstance(v, date):
            raise Invalid("roster.error.bad_date", field=f"person.{k}", value=v)
    full, initials = name_keys(name, person=True)
    return dict(name=name, name_pinyin=full, name_initials=initials, role=role, phone=phone,
                unit_id=unit_id, area_code=area_code, trained_on=spec.trained_on,
                certificate_on=spec.certificate_on)


async def create_person(store: Store, actor: Actor, spec: PersonSpec) -> int:
    check_writer(actor)
    now = store.now()
    async with store.db.session(write=True) as s:
        values = await _checked_person(s, actor, spec)
        p = Person(status=PersonStatus.ACTIVE, failed_reviews=0, **values)
        s.add(p)
        await s.flush()
        await records.feed(s, "person", p.id, "created", now, p.area_code)
        await records.audit(s, actor, "person.create", "person", str(p.id), now, {"role": p.role})
        return p.id


async def _card_grids(s: AsyncSession, person_id: int, on: date) -> set[int]:
    """Grids whose notice card shows this person (as leader or full-time worker)."""
    q = select(GridAssignment.grid_id).where(GridAssignment.person_id == person_id,
                                             GridAssignment.role.in_(CARD_ROLES), current_clause(on))
    return set((await s.execute(q)).scalars())


async def update_person(store: Store, actor: Actor, person_id: int, **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a person's details (PERSON_FIELDS); returns {field: (before, after)}."""
    check_writer(actor)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise Invalid("roster.error.unknown_field", field=sorted(unknown)[0], fields=", ".join(PERSON_FIELDS))
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        p = await _person(s, person_id)
        check_covers(actor, p.area_code)
        unit_code = (await s.execute(select(Unit.code).where(Unit.id == p.unit_id))).scalar_one_or_none() if p.unit_id else None
        current = PersonSpec(p.name, p.role, p.phone, unit_code, p.area_code, p.trained_on, p.certificate_on)
        values = await _checked_person(s, actor, replace(current, **changes))
        diff = {}
        for k, v in values.items():
            if getattr(p, k) != v:
                if k not in DERIVED:
                    diff[k] = (getattr(p, k), v)
                setattr(p, k, v)  # derived search keys are filled in quietly
        if not diff:
            return {}
        if {"name", "phone"} & diff.keys():
            await touch_notice(s, await _card_grids(s, p.id, on), now)
        await records.feed(s, "person", p.id, "changed", now, p.area_code)
        await records.audit(s, actor, "person.update", "person", str(p.id), now, {"fields": sorted(diff)})
        return diff


async def record_review(store: Store, actor: Actor, person_id: int, passed: bool) -> int:
    """An annual review's result; returns the failures in a row (YC 17: two mean exit)."""
    check_writer(actor)
    now = store.now()
    async with store.db.session(write=True) as s:
        p = await _person(s, person_id)
        check_covers(actor, p.area_code)
        p.failed_reviews = 0 if passed else p.failed_reviews + 1
        await records.feed(s, "person", p.id, "reviewed", now, p.area_code)
        await records.audit(s, actor, "person.review", "person", str(p.id), now, {"passed": passed})
        return p.failed_reviews


async def person_leaves(store: Store, actor: Actor, person_id: int, reason: str, on: date | None = None,
                        note: str | None = None) -> None:
    """A person leaves the roster: their assignments end and the cards that showed them go stale."""
    check_writer(actor)
    reason = _choice(reason, "person.left_reason", LEAVE_REASONS)
    note = _text(note, "person.left_note", required=False, max_len=500)
    now = store.now()
    on = on or today(store)
    async with store.db.session(write=True) as s:
        p = await _person(s, person_id)
        check_covers(actor, p.area_code)
        if p.status == PersonStatus.LEFT:
            raise Conflict("roster.error.person_left", field="person.status", name=p.name)
        shown = await _card_grids(s, p.id, on)
        ended = list((await s.execute(select(GridAssignment).where(
            GridAssignment.person_id == p.id, or_(GridAssignment.until.is_(None), GridAssignment.until > on)))).scalars())
        for a in ended:
            a.until = on
        p.status = PersonStatus.LEFT
        p.left_on = on
        p.left_reason = f"{reason}: {note}" if note else reason
        await touch_notice(s, shown, now)
        await records.feed(s, "person", p.id, "left", now, p.area_code)
        await records.audit(s, actor, "person.leave", "person", str(p.id), now, {"reason": reason})


async def people(store: Store, actor: Actor, area_code: str | None = None, role: str | None = None,
                 include_left: bool = False, ids: list[int] | None = None) -> list[PersonRow]:
    """People in the jurisdiction (by their area, or by holding a role on one of its grids)."""
    on = today(store)
    async with store.db.session() as s:
        q = (select(Person, Unit.code, Unit.name, Area.name)
             .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Area, Area.code == Person.area_code))
        if actor.jurisdiction:
            on_grid = select(GridAssignment.person_id).join(Grid, Grid.id == GridAssignment.grid_id).where(
                Grid.area_code.startswith(actor.jurisdiction))
            q = q.where(or_(Person.area_code.startswith(actor.jurisdiction), Person.id.in_(on_grid)))
        if area_code:
            q = q.where(Person.area_code.startswith(area_code))
        if role:
            q = q.where(Person.role == role)
        if ids is not None:
            q = q.where(Person.id.in_(ids))
        if not include_left:
            q = q.where(Person.status == PersonStatus.ACTIVE)
        rows = (await s.execute(q.order_by(Person.name_pinyin, Person.id))).all()
        out = [_person_row(p, ucode, uname, aname, actor) for p, ucode, uname, aname in rows]
        by_id = {r.id: r for r in out}
        if by_id:
            aq = (select(GridAssignment.person_id, Grid.code, Grid.name, GridAssignment.role)
                  .join(Grid, Grid.id == GridAssignment.grid_id)
                  .where(GridAssignment.person_id.in_(list(by_id)), current_clause(on)).order_by(Grid.code))
            for pid, gcode, gname, grole in (await s.execute(aq)).all():
                by_id[pid].grids.append((gcode, gname, grole))
    return out


def _person_row(p: Person, ucode: str | None, uname: str | None, aname: str | None, actor: Actor) -> PersonRow:
    reason, note = split_left_reason(p.left_reason)
    return PersonRow(p.id, p.name, p.name_pinyin, p.role, mask_phone(p.phone, actor), ucode, uname,
                     p.area_code, aname, p.trained_on, p.certificate_on, p.status, p.left_on, reason,
                     note, p.failed_reviews)


async def person(store: Store, actor: Actor, person_id: int) -> PersonRow:
    found = await people(store, actor, include_left=True, ids=[person_id])
    if not found:
        raise NotFound("roster.error.unknown_person", field="person.id", id=person_id)
    return found[0]


# --- assignments ------------------------------------------------------------------------


async def assign(store: Store, actor: Actor, person_id: int, grid_code: str, role: str,
                 since: date | None = None) -> int:
    """Put a person on a grid in a role. One current leader per grid (JM 7); a leader and a
    professional may hold several grids (HH 11); the load rule watches the others."""
    check_writer(actor)
    role = _choice(role, "assignment.role", GRID_ROLES)
    now, on = store.now(), today(store)
    since = since or on
    async with store.db.session(write=True) as s:
        g = await _grid(s, grid_code)
        check_covers(actor, g.area_code)
        p = await _person(s, person_id)
        if p.status != PersonStatus.ACTIVE:
            raise Conflict("roster.error.person_left", field="assignment.person", name=p.name)
        if role == PersonRole.PROFESSIONAL and p.unit_id is None:
            raise Invalid("roster.error.professional_unit", field="assignment.role")
        held = list((await s.execute(select(GridAssignment).where(
            GridAssignment.grid_id == g.id, GridAssignment.role == role,
            or_(GridAssignment.until.is_(None), GridAssignment.until > since)))).scalars())
        if any(a.person_id == p.id for a in held):
            raise Conflict("roster.error.already_assigned", field="assignment.person", name=p.name,
                           grid=g.name, role=t(f"person_role.{role}"))
        if role == PersonRole.LEADER and held:
            other = await s.get(Person, held[0].person_id)
            raise Conflict("roster.error.leader_taken", field="assignment.role", grid=g.name,
                           name=other.name if other else "?")
        a = GridAssignment(grid_id=g.id, person_id=p.id, role=role, since=since)
        s.add(a)
        await s.flush()
        if role in CARD_ROLES:
            g.roster_changed_at = now
        await records.feed(s, "grid", g.id, "assigned", now, g.area_code)
        await records.audit(s, actor, "grid.assign", "grid", g.code, now, {"person_id": p.id, "role": role})
        return a.id


async def unassign(store: Store, actor: Actor, assignment_id: int, until: date | None = None) -> None:
    """End an assignment (from `until`, default today)."""
    check_writer(actor)
    now = store.now()
    until = until or today(store)
    async with store.db.session(write=True) as s:
        a = await s.get(GridAssignment, assignment_id)
        if a is None:
            raise NotFound("roster.error.unknown_assignment", field="assignment.id", id=assignment_id)
        g = await s.get(Grid, a.grid_id)
        assert g is not None
        check_covers(actor, g.area_code)
        if a.until is not None and a.until <= until:
            raise Conflict("roster.error.assignment_ended", field="assignment.id", id=assignment_id)
        a.until = max(until, a.since) if a.since else until
        if a.role in CARD_ROLES:
            g.roster_changed_at = now
        await records.feed(s, "grid", g.id, "unassigned", now, g.area_code)
        await records.audit(s, actor, "grid.unassign", "grid", g.code, now, {"person_id": a.person_id, "role": a.role})
