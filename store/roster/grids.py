"""Grids: one grid's detail and its change record; creating, adjusting, splitting, merging and
retiring grids, filing the changes, and micro-grids.

- a grid's code is its village's code plus a sequence never used before (store.codes);
- each grid change carries a reason from YC 8 / BH 6 and is recorded in `grid_changes` as pending
  filing (备案) until a supervisor files it (HH 8, YC 8, BH 6: divisions and adjustments are filed
  with the higher centre);
- retired grids keep their row, their tickets and their history; their codes stay taken.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import codes, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import (
    OPEN_STATUSES,
    ChangeReason,
    FilingStatus,
    GridChangeKind,
    GridStatus,
    GridType,
    Level,
    MicroGridKind,
    PersonStatus,
)
from griddesk.store.errors import Conflict, Invalid, NotAllowed, NotFound
from griddesk.store.models import Area, Grid, GridAssignment, GridChange, MicroGrid, Ticket
from griddesk.store.roster.common import (
    FILERS,
    check_covers,
    check_writer,
    checked_choice,
    checked_count,
    checked_text,
    load_area,
    load_grid,
    load_person,
    today,
)
from griddesk.store.roster.rules import current_clause, is_current
from griddesk.store.roster.tree import GridRow, Member, grid_row, load_members, load_micro_grids


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
        row = grid_row(g[0], g[1])
        on = today(store)
        every = (await load_members(s, actor, [row.id], on, include_past=True)).get(row.id, [])
        row.members = [m for m in every if is_current(m, on)]
        past = [m for m in every if m not in row.members]
        row.micro_grids = (await load_micro_grids(s, [row.id])).get(row.id, [])
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
            name=checked_text(self.name, "grid.name") or "",
            type=checked_choice(self.type, "grid.type", GridType),
            subtype=checked_text(self.subtype, "grid.subtype", required=False, max_len=32),
            households=checked_count(self.households, "grid.households"),
            population=checked_count(self.population, "grid.population"),
            boundary=checked_text(self.boundary, "grid.boundary", required=False, max_len=2000),
        )


SPEC_FIELDS = tuple(f.name for f in fields(GridSpec))


def _spec_of(g: Grid) -> dict[str, Any]:
    return {k: getattr(g, k) for k in SPEC_FIELDS}


def _reason(reason: str) -> str:
    return checked_choice(reason, "grid_change.reason", ChangeReason)


async def _record(s: AsyncSession, actor: Actor, kind: GridChangeKind, reason: str, note: str | None,
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
    village = await load_area(s, code, "grid.area_code")
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
        await _record(s, actor, GridChangeKind.CREATE, reason, note, [], [g.code],
                      {"grids": {g.code: _spec_of(g)}}, now)
        await records.feed(s, "grid", g.id, "created", now, g.area_code)
        await records.audit_change(s, actor, "grid", g.code, None, _spec_of(g), at=now, action="grid.create",
                                   extra={"reason": reason})
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
        g = await load_grid(s, code)
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
        await _record(s, actor, GridChangeKind.ADJUST, reason, note, [g.code], [g.code],
                      {"changed": {k: list(v) for k, v in diff.items()}}, now)
        await records.feed(s, "grid", g.id, "changed", now, g.area_code)
        await records.audit_change(s, actor, "grid", g.code, {k: v[0] for k, v in diff.items()},
                                   {k: v[1] for k, v in diff.items()}, at=now, action="grid.adjust",
                                   extra={"reason": reason, "fields": sorted(diff)})
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
                     note: str | None = None, tickets_to: int = 0) -> list[str]:
    """Retire a grid and create its parts under the same village with new codes.

    The old grid's open tickets move to the part `tickets_to` (an index into `parts`, the first
    by default): a retired grid keeps no open ticket, whose grid worker would be nobody. The
    record lists the numbers moved; closed tickets stay on the old grid, as its history.

    The people on the old grid are released, not guessed onto a part: which part each worker
    takes is the centre's decision, and the gaps show up as findings until it is made. The
    record keeps who was on it.
    """
    check_writer(actor)
    reason = _reason(reason)
    if len(parts) < 2:
        raise Invalid("roster.error.split_parts", field="grid.parts")
    parts = [p.checked() for p in parts]
    if not 0 <= tickets_to < len(parts):
        raise Invalid("roster.error.split_tickets_to", field="grid.tickets_to", n=len(parts))
    now, on = store.now(), today(store)
    async with store.db.session(write=True) as s:
        old = await load_grid(s, code)
        village = await _village(s, actor, old.area_code)
        ended = await _end_assignments(s, [old.id], on)
        _retire(old, now)
        new = [await _new_grid(s, village, p, None, now) for p in parts]
        result = [g.code for g in new]
        heir = new[tickets_to]
        moving = list((await s.execute(select(Ticket).where(
            Ticket.grid_id == old.id, Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id))).scalars())
        for tk in moving:
            tk.grid_id = heir.id
            tk.version += 1  # a form open on the old grid must not write over the move
            tk.updated_at, tk.updated_by = now, actor.label
            await records.feed(s, "ticket", tk.id, "changed", now, tk.town_code)
        details = {"before": _spec_of(old), "grids": {g.code: _spec_of(g) for g in new},
                   "released": [{"person_id": a.person_id, "role": a.role} for a in ended],
                   "tickets_to": heir.code, "moved_tickets": [tk.number for tk in moving]}
        await _record(s, actor, GridChangeKind.SPLIT, reason, note, [old.code], result, details, now)
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
        olds = [await load_grid(s, c) for c in grid_codes]
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
        await _record(s, actor, GridChangeKind.MERGE, reason, note, grid_codes, [result.code],
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
        g = await load_grid(s, code)
        check_covers(actor, g.area_code)
        ended = await _end_assignments(s, [g.id], on)
        open_ = (await s.execute(select(func.count()).select_from(Ticket).where(
            Ticket.grid_id == g.id, Ticket.status.in_(OPEN_STATUSES)))).scalar_one()
        _retire(g, now)
        await _record(s, actor, GridChangeKind.RETIRE, reason, note, [g.code], [],
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
        # the feed's area is an area's code (12 characters at most), the first grid's: not the
        # grid's own 15-digit code, which PostgreSQL refused (SQLite does not check the length)
        area = (await s.execute(select(Grid.area_code).where(Grid.code == every[0]))).scalar_one_or_none() \
            if every else None
        await records.feed(s, "grid", None, "filed", now, area)
        await records.audit(s, actor, "grid.file", "grid_change", str(change_id), now)


async def add_micro_grid(store: Store, actor: Actor, grid_code: str, name: str, kind: str = MicroGridKind.BUILDING,
                         households: int = 0, head_person_id: int | None = None) -> str:
    """A micro-grid (building or unit, HH 20) inside a grid; code = grid code + 3 digits."""
    check_writer(actor)
    name = checked_text(name, "micro_grid.name") or ""
    kind = checked_choice(kind, "micro_grid.kind", MicroGridKind)
    households = checked_count(households, "micro_grid.households")
    now = store.now()
    async with store.db.session(write=True) as s:
        g = await load_grid(s, grid_code)
        check_covers(actor, g.area_code)
        if head_person_id is not None:
            head = await load_person(s, head_person_id)
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

