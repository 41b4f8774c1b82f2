"""Import batches: what an applied import changed, row by row, so it can be shown and undone.

Before and after an import writes, every row of the tables its kind touches is read (inside the
same transaction); the difference is the batch: for each database row inserted or changed its
old and new values (JSON, dates tagged so they come back as dates). A dry run shows the same
difference and rolls back. `undo` puts the old values back and deletes the inserted rows — but
only when every row still holds what the import wrote; a row changed since by something else
is named and nothing is undone.

Rows are found again by their primary key inside the one database the batch belongs to; across
databases an import matches by natural keys only (store.io.base), and `natural_key` here is the
label an operator reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.errors import Invalid, NotAllowed, NotFound, StoreError
from griddesk.store.models import Base, Grid, ImportBatch, ImportBatchRow, Matter, Person, Unit
from griddesk.store.roster.common import check_writer

# table → (column names, primary key → the row's values as read): raw, encoded only where it differs
Snapshot = dict[str, tuple[tuple[str, ...], dict[tuple[Any, ...], tuple[Any, ...]]]]
Diff = list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]  # (table, old, new)


class UndoConflict(StoreError):
    """Rows changed since the import by something else: undoing would lose that change."""

    def __init__(self, batch: int, keys: list[str]):
        super().__init__("io.undo_conflict", batch=batch, count=len(keys))
        self.keys = keys


# Columns the store fills from others (search keys from the name, "changed at" stamps): an import
# that only refreshed them changed nothing a person typed, so summaries and the audit log skip them.
DERIVED = frozenset({"roster_changed_at", "name_pinyin", "name_initials", "notice_updated_at"})


@dataclass(frozen=True)
class RowChange:
    """One database row an import inserts (old is None) or changes."""

    entity: str
    key: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    def fields(self) -> dict[str, tuple[Any, Any]]:
        """The changed columns a person typed (not DERIVED): name → (old, new), as plain values."""
        if self.old is None or self.new is None:
            return {}
        return {k: (plain(self.old.get(k)), plain(v)) for k, v in self.new.items()
                if self.old.get(k) != v and k not in DERIVED}

    def typed(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None] | None:
        """(old, new) without the DERIVED columns; None when nothing else changed."""
        def keep(d: dict[str, Any] | None) -> dict[str, Any] | None:
            return None if d is None else {k: v for k, v in d.items() if k not in DERIVED}
        old, new = keep(self.old), keep(self.new)
        if old is not None and new is not None and all(old.get(k) == v for k, v in new.items()):
            return None
        return old, new


@dataclass(frozen=True)
class BatchInfo:
    id: int
    at: datetime
    actor: str
    kind: str
    file_name: str | None
    created: int
    updated: int
    unchanged: int
    rows: int  # database rows recorded
    undone_at: datetime | None
    undone_by: str | None


@dataclass(frozen=True)
class UndoResult:
    batch: int
    kind: str
    restored: int
    deleted: int


# --- values ------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def plain(value: Any) -> Any:
    """An encoded value as an operator reads it."""
    v = decode(value)
    return v.isoformat() if isinstance(v, date) else v


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _pk(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


async def snapshot(s: AsyncSession, tables: tuple[str, ...]) -> Snapshot:
    """Every row of `tables` as plain tuples (one Core read each; nothing encoded yet)."""
    out: Snapshot = {}
    for name in tables:
        table = _table(name)
        # in key order: a parent area's code sorts before its children's, so undo can delete
        # inserted rows in the reverse order (children first)
        # never a secret (an account's password hash): imports do not write them, undo leaves them
        cols = [c for c in table.columns if c.name not in records.SECRET_FIELDS]
        names = tuple(c.name for c in cols)
        at = [names.index(c.name) for c in table.primary_key.columns]
        rows = (await s.execute(select(*cols).order_by(*table.primary_key.columns))).all()
        out[name] = (names, {tuple(r[i] for i in at): tuple(r) for r in rows})
    return out


_PLAIN = (str, int, float, bool, type(None))


def _encoded(names: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    return {k: v if isinstance(v, _PLAIN) else encode(v) for k, v in zip(names, row, strict=True)}


def difference(before: Snapshot, after: Snapshot) -> Diff:
    """(table, old, new) for every row inserted, changed or deleted; tables in dependency order.
    Rows are compared as read; only the ones that differ are encoded (JSON-ready)."""
    out: Diff = []
    for name in _ordered(after):
        names, new_rows = after[name]
        old_rows = before[name][1] if name in before else {}
        for pk, new in new_rows.items():
            old = old_rows.get(pk)
            if old != new:
                out.append((name, None if old is None else _encoded(names, old), _encoded(names, new)))
        for pk, old in old_rows.items():
            if pk not in new_rows:
                out.append((name, _encoded(names, old), None))
    return out


def _ordered(names: Any) -> list[str]:
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    return sorted(names, key=lambda n: order[n])


# --- natural keys, for the operator ---------------------------------------------------------------


def person_key(name: str | None, phone: str | None, area: str | None, id_number: str | None = None) -> str:
    if id_number:
        return id_number
    return "/".join(x or "-" for x in (name, phone, area))


class Labels:
    """Natural keys of the rows a batch holds: codes for grids, units, matters; the person's."""

    def __init__(self) -> None:
        self.grids: dict[int, str] = {}
        self.units: dict[int, str] = {}
        self.matters: dict[int, str] = {}
        self.people: dict[int, str] = {}

    async def load(self, s: AsyncSession, changes: list[tuple[str, Any, Any]]) -> None:
        tables = {name for name, _o, _n in changes}
        if tables & {"grids", "grid_assignments"}:
            self.grids = dict((await s.execute(select(Grid.id, Grid.code))).all())
        if tables & {"units", "unit_areas"}:
            self.units = dict((await s.execute(select(Unit.id, Unit.code))).all())
        if tables & {"matters", "matter_limits", "matter_events"}:
            self.matters = dict((await s.execute(select(Matter.id, Matter.code))).all())
        if tables & {"people", "grid_assignments"}:
            q = select(Person.id, Person.name, Person.phone, Person.area_code, Person.id_number)
            self.people = {r[0]: person_key(r[1], r[2], r[3], r[4]) for r in (await s.execute(q)).all()}
        # rows inserted by this very import: their keys from the rows themselves
        for name, _old, new in changes:
            if new is None:
                continue
            if name == "people":
                self.people[new["id"]] = person_key(new["name"], new["phone"], new["area_code"], new.get("id_number"))
            elif name == "grids":
                self.grids[new["id"]] = new["code"]
            elif name == "units":
                self.units[new["id"]] = new["code"]
            elif name == "matters":
                self.matters[new["id"]] = new["code"]

    def key(self, table: str, row: dict[str, Any]) -> str:
        g, u, m, p = self.grids, self.units, self.matters, self.people
        match table:
            case "areas" | "grids" | "units" | "matters":
                return str(row["code"])
            case "operators":
                return str(row["login"])
            case "people":
                return person_key(row["name"], row["phone"], row["area_code"], row.get("id_number"))
            case "grid_assignments":
                return "|".join((g.get(row["grid_id"], "?"), p.get(row["person_id"], "?"), str(row["role"])))
            case "unit_areas":
                return f"{u.get(row['unit_id'], '?')}|{row['area_code']}"
            case "matter_limits":
                return f"{m.get(row['matter_id'], '?')}|{row['urgency']}"
            case "matter_events":
                return f"{m.get(row['matter_id'], '?')}|{row['action']}|{plain(row['on'])}"
            case _:
                return f"{table}#{row.get('id', '?')}"


async def describe(s: AsyncSession, diff: list[tuple[str, Any, Any]]) -> list[RowChange]:
    labels = Labels()
    await labels.load(s, diff)
    return [RowChange(name, labels.key(name, new if new is not None else old)[:255], old, new)
            for name, old, new in diff]


# --- recording and undoing -------------------------------------------------------------------------


async def record(s: AsyncSession, actor: Actor, kind: str, source: str, at: datetime, counts: Any,
                 changes: list[RowChange]) -> int:
    batch_id = (await s.execute(insert(ImportBatch).values(
        at=at, actor=actor.label, kind=kind, file_name=source[-255:] or None, created=counts.created,
        updated=counts.updated, unchanged=counts.unchanged).returning(ImportBatch.id))).scalar_one()
    rows = [{"batch_id": batch_id, "entity": c.entity, "natural_key": c.key, "old": c.old, "new": c.new}
            for c in changes]
    for i in range(0, len(rows), 2000):  # Core executemany: the ORM's bulk path costs more than the insert
        await s.execute(insert(_table(ImportBatchRow.__tablename__)), rows[i:i + 2000])
    return int(batch_id)


def _info(b: ImportBatch, n: int) -> BatchInfo:
    return BatchInfo(b.id, b.at, b.actor, b.kind, b.file_name, b.created, b.updated, b.unchanged, n,
                     b.undone_at, b.undone_by)


async def history(store: Store, actor: Actor, limit: int = 50) -> list[BatchInfo]:
    from sqlalchemy import func

    async with store.db.session() as s:
        counts = (select(ImportBatchRow.batch_id, func.count().label("n"))
                  .group_by(ImportBatchRow.batch_id).subquery())
        q = (select(ImportBatch, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.batch_id == ImportBatch.id)
             .order_by(ImportBatch.id.desc()).limit(limit))
        return [_info(b, n) for b, n in (await s.execute(q)).all()]


async def undo(store: Store, actor: Actor, batch_id: int | None = None) -> UndoResult:
    """Put back what one applied import changed (by default the latest not yet undone)."""
    from griddesk.store.io.runner import kind_of

    now = store.now()
    async with store.db.session(write=True) as s:
        q = select(ImportBatch)
        q = q.where(ImportBatch.id == batch_id) if batch_id is not None else (
            q.where(ImportBatch.undone_at.is_(None)).order_by(ImportBatch.id.desc()).limit(1))
        batch = (await s.execute(q)).scalar_one_or_none()
        if batch is None:
            raise NotFound("io.no_batch", id=batch_id if batch_id is not None else "-")
        check_writer(actor, kind_of(batch.kind).writers)
        if batch.undone_at is not None:
            raise Invalid("io.already_undone", id=batch.id)
        rows = (await s.execute(select(ImportBatchRow).where(ImportBatchRow.batch_id == batch.id)
                                .order_by(ImportBatchRow.id))).scalars().all()
        if actor.jurisdiction:  # only rows of the actor's own jurisdiction are put back
            outside = sorted({r.natural_key for r in rows for area in _areas(r) if not actor.covers(area)})
            if outside:
                raise NotAllowed("io.undo_out_of_scope", batch=batch.id, keys=", ".join(outside[:5]),
                                 jurisdiction=actor.jurisdiction)
        conflicts = []
        for r in rows:
            table = _table(r.entity)
            probe = r.new if r.new is not None else r.old
            assert probe is not None
            now_row = await _current(s, table, probe)
            if now_row != r.new:
                conflicts.append(f"{r.entity}: {r.natural_key}")
        if conflicts:
            raise UndoConflict(batch.id, conflicts)
        order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
        restored = deleted = 0
        # deleted rows back first (parents before children), then the old values, then the
        # inserted rows away (children before parents)
        for r in sorted((r for r in rows if r.new is None), key=lambda r: order[r.entity]):
            assert r.old is not None
            await s.execute(insert(_table(r.entity)).values(**{k: decode(v) for k, v in r.old.items()}))
            restored += 1
        for r in rows:
            if r.old is not None and r.new is not None:
                table = _table(r.entity)
                await s.execute(update(table).where(_match(table, r.old))
                                .values(**{k: decode(v) for k, v in r.old.items()}))
                restored += 1
        for r in sorted((r for r in rows if r.old is None), key=lambda r: (-order[r.entity], -r.id)):
            assert r.new is not None
            table = _table(r.entity)
            await s.execute(delete(table).where(_match(table, r.new)))
            deleted += 1
        batch.undone_at, batch.undone_by = now, actor.label
        await records.feed(s, kind_of(batch.kind).entity, None, "import_undone", now, actor.jurisdiction or None)
        await records.audit(s, actor, "import.undo", kind_of(batch.kind).entity, str(batch.id), now,
                            {"batch": batch.id, "kind": batch.kind, "file": batch.file_name,
                             "restored": restored, "deleted": deleted})
        return UndoResult(batch.id, batch.kind, restored, deleted)


def _areas(r: ImportBatchRow) -> set[str]:
    """The division codes a recorded row belongs to, before and after the import."""
    out = set()
    for row in (r.old, r.new):
        if row is None:
            continue
        area = row.get("code") if r.entity == "areas" else row.get("area_code")
        if isinstance(area, str) and area:
            out.add(area)
    return out


def _match(table: Table, row: dict[str, Any]) -> Any:
    return and_(*(c == decode(row[c.name]) for c in table.primary_key.columns))


async def _current(s: AsyncSession, table: Table, row: dict[str, Any]) -> dict[str, Any] | None:
    got = (await s.execute(select(table).where(_match(table, row)))).mappings().first()
    return None if got is None else {k: encode(v) for k, v in got.items()}
