"""The machinery every kind of import and export shares: columns, typed cells, the job, bulk writes.

Kinds (one module each): areas, grids, people, assignments, units, matters. Each has stable
English column names (what export writes) and Chinese aliases (what a hand-made spreadsheet may use).

The rules of an import:
- The whole file is checked before anything is written. Every bad cell gives (row, column,
  reason); if there is any, nothing is written and `ImportProblems` lists them all.
- Otherwise every row goes in inside one transaction (bulk statements).
- Rows are matched to what exists ("upsert") by natural keys, never by a database's internal
  id (a file from another database carries other ids): areas, grids, units and matters by their
  code; a person by ID number, else by (name, phone, area code); an assignment by (grid code,
  the person's natural key, role). An `id` column in a file is information only and ignored.
- Rows of another jurisdiction are refused.
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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import privacy
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import catalogue, t
from griddesk.store.roster.common import WRITERS, checked_text
from griddesk.store.roster.rules import check_phone

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
    personal: str | None = None  # "phone", "id" or "text": masked on export (mask_export) for who may not see it
    exported: bool = True  # False: still read (older files have it), but ignored and not written


def norm(header: str) -> str:
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
        try:  # the one text check every way in shares (control characters and the like)
            return checked_text(v, col, required=required, max_len=max_len)
        except StoreError as e:
            self.store_error(col, e)
            return None

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

    def phone(self, col: str) -> str | None:
        try:
            return check_phone(self.raw(col))
        except Invalid as e:
            self.store_error(col, e)
            return None

    def store_error(self, col: str, e: StoreError) -> None:
        self.bad(col, t(e.key, **e.params))


def parse_date(v: str) -> date | None:
    v = v.strip()
    if "T" in v or " " in v:
        v = v.replace("T", " ").split(" ")[0]
    if len(v) == 10 and v[4] == "-" and v[7] == "-":  # ISO, as export writes: strptime is slow
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
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
    writers: frozenset[Role] = WRITERS
    tables: tuple[str, ...] = ()  # every table its write touches: what a batch records (store.io.batches)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns if c.exported]

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


def mask_export(kind: Kind, actor: Actor, rows: list[list[Any]]) -> list[list[Any]]:
    """The one masking hook of every export: columns marked `personal` are masked for accounts
    that may not see staff contacts (store/privacy.py; the rule is in store/permissions.py)."""
    if actor.sees_personal_data:
        return rows
    marked = [(i, c.personal) for i, c in enumerate(c for c in kind.columns if c.exported) if c.personal]
    if not marked:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i, how in marked:
            value = row[i]
            if isinstance(value, str):
                row[i] = {"phone": privacy.mask_phone, "id": privacy.mask_id}.get(how, privacy.mask_text)(value)
        out.append(row)
    return out


def dupes(job: Job, parsed: list[tuple[Row, Any]], key: Callable[[Any], Any], col: str) -> None:
    seen: dict[Any, int] = {}
    for row, p in parsed:
        k = key(p)
        if k is None:
            continue
        if k in seen:
            row.bad(col, t("roster.io.duplicate", row=seen[k]))
        else:
            seen[k] = row.n


async def rows_of(s: AsyncSession, model: Any, *where: Any) -> list[Any]:
    """Every row of a model's table as Core rows (attribute access by column name, like the ORM
    object, without building one per row: an import reads whole tables to match keys)."""
    q = select(*model.__table__.columns)
    if where:
        q = q.where(*where)
    return list((await s.execute(q)).all())


def changed_fields(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


async def bulk_insert(s: AsyncSession, model: Any, rows: list[dict[str, Any]], progress: Callable[[int], None]) -> None:
    for i in range(0, len(rows), CHUNK):
        part = rows[i:i + CHUNK]
        # Core executemany on the table: the ORM's bulk path costs more than the insert itself
        await s.execute(insert(model.__table__), part)
        progress(len(part))


async def bulk_update(s: AsyncSession, model: Any, rows: list[dict[str, Any]], progress: Callable[[int], None]) -> None:
    """UPDATE by primary key, a Core executemany per set of columns (rows with the same columns go
    together): no ORM bulk path, no session synchronisation."""
    table = model.__table__
    pk = [c.name for c in table.primary_key.columns]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[tuple(sorted(r))].append(r)
    for cols, part_rows in groups.items():
        if not set(cols) - set(pk):
            progress(len(part_rows))
            continue
        stmt = (update(table).where(*(table.c[k] == bindparam(f"pk_{k}") for k in pk))
                .values({k: bindparam(f"v_{k}") for k in cols if k not in pk}))
        for i in range(0, len(part_rows), CHUNK):
            part = [{**{f"pk_{k}": r[k] for k in pk}, **{f"v_{k}": v for k, v in r.items() if k not in pk}}
                    for r in part_rows[i:i + CHUNK]]
            await s.execute(stmt, part)
            progress(len(part))
