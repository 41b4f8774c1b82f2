"""The live ticket queue: one page of rows in queue order, the header counts, and the change feed.

The console holds only the page the operator can scroll through (`limit` rows) and asks again
when the change feed says something moved; the query is indexed on (town, status, urgency, due).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import search_index, visibility
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, STATUS_GROUPS, Escalation, Status, Urgency
from griddesk.store.models import Change, Grid, Matter, Ticket, Unit
from griddesk.store.privacy import mask_text
from griddesk.store.scope import SelectT

URGENCY_ORDER = case(
    (Ticket.urgency == Urgency.EMERGENCY, 0), (Ticket.urgency == Urgency.URGENT, 1), else_=2
)

@dataclass(frozen=True)
class QueueFilter:
    group: str = "open"
    statuses: tuple[str, ...] = ()  # exact statuses, overriding the group
    text: str = ""
    overdue_only: bool = False
    grid: str | None = None
    matter: str | None = None
    urgency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    mine: bool = False  # only the account's own work (store.visibility.mine)
    phone: str | None = None  # the reporter's full phone number (callers at intake, `--phone`)


@dataclass(frozen=True)
class QueueRow:
    id: int
    number: str
    received_at: datetime
    matter: str | None
    matter_code: str | None
    grid: str
    grid_code: str
    status: str
    lead_unit: str | None
    due_at: datetime | None
    due_clock: str | None
    warn_at: datetime | None
    urgency: str
    title: str
    address: str | None
    version: int
    out_of_list: bool


@dataclass(frozen=True)
class Counts:
    open: int
    due_soon: int
    overdue: int
    escalations: int


def default_filter(actor: Actor) -> QueueFilter:
    """The queue an account opens on: "mine" for units and grid workers, else the open tickets."""
    return QueueFilter(mine=visibility.mine_by_default(actor))


def _scope(q: SelectT, store: Store, actor: Actor, f: QueueFilter | None = None) -> SelectT:
    # what the account may see (store.visibility); "mine" narrows it to its own work
    return visibility.where(q, store, actor, only_mine=f is not None and f.mine)


def _statuses(f: QueueFilter) -> tuple[str, ...]:
    return f.statuses or STATUS_GROUPS.get(f.group, STATUS_GROUPS["open"])


def _filtered(q: SelectT, f: QueueFilter, now: datetime, among: Select[int] | None = None) -> SelectT:
    q = q.where(Ticket.status.in_(_statuses(f)))
    if f.overdue_only:
        q = q.where(Ticket.due_at < now)
    if f.grid:
        q = q.where(Grid.code == f.grid)
    if f.matter:
        q = q.where(Matter.code == f.matter)
    if f.urgency:
        q = q.where(Ticket.urgency == f.urgency)
    if f.since:
        q = q.where(Ticket.received_at >= f.since)
    if f.until:
        q = q.where(Ticket.received_at < f.until)
    if f.phone:
        q = q.where(Ticket.reporter_phone == f.phone.strip())
    text = f.text.strip()
    if text:
        q = q.where(text_condition(text, among))
    return q


def text_condition(text: str, among: Select[int] | None = None) -> ColumnElement[bool]:
    """The `/` filter: the text in the ticket's number, address, title or external number, or in
    its grid's or matter's name or code (a typed % or _ is itself, not a LIKE wildcard), or the
    caller's full name or number (compared whole in the store, never shown).

    `among` (`_among`) is a set of ticket ids, read from indexes, that holds every match: the
    conditions are then checked on those rows only (on SQLite the scan of the rows in scope
    looks each id up in that set before it reads the row)."""
    like = search_index.contains_pattern(text)
    own = or_(*(c.like(like, escape=search_index.ESCAPE)
                for c in (Ticket.number, Ticket.address, Ticket.title, Ticket.external_id)))
    grids, matters = _grids_matters(text)
    found = or_(own, Ticket.grid_id.in_(grids), Ticket.matter_id.in_(matters),
                Ticket.reporter_name == text, Ticket.reporter_phone == text)
    return found if among is None else and_(Ticket.id.in_(among), found)


async def _among(s: AsyncSession, f: QueueFilter) -> Select[int] | None:
    """Ticket ids that hold every match of the text filter, from indexes (search_index for the
    ticket's own text, B-trees for grid, matter and caller), or None when the plain scan is the
    better way: no text, under three characters, or more than MAX_CANDIDATES ids."""
    text = f.text.strip()
    own = search_index.own_text(search_index.dialect_of(s), text) if text else None
    if own is None:
        return None
    grids, matters = _grids_matters(text)
    # a grid's or matter's tickets for the statuses shown only (ix_tickets_grid_status and
    # ix_tickets_matter_status): a matter holds a tenth of a county's history
    statuses = _statuses(f)
    shown = Ticket.status.in_(statuses)
    ids = union_all(own, select(Ticket.id).where(Ticket.grid_id.in_(grids), shown),
                    select(Ticket.id).where(Ticket.matter_id.in_(matters), shown),
                    select(Ticket.id).where(Ticket.reporter_name == text),
                    select(Ticket.id).where(Ticket.reporter_phone == text)).subquery()
    chosen: Select[int] = select(ids.c[0])
    return chosen if await search_index.bounded(s, chosen, f"queue:{','.join(statuses)}:{text}") else None


def _grids_matters(text: str) -> tuple[Select[int], Select[int]]:
    """The grids and the matters whose name or code holds the text (small tables)."""
    like, esc = search_index.contains_pattern(text), search_index.ESCAPE
    return (select(Grid.id).where(or_(Grid.name.like(like, escape=esc), Grid.code.like(like, escape=esc))),
            select(Matter.id).where(or_(Matter.name.like(like, escape=esc), Matter.code.like(like, escape=esc))))


def _joins(q: SelectT, f: QueueFilter) -> SelectT:
    """Join grids and matters only when a filter reads them: on 200,000 tickets the joins
    multiply the cost of sorting and counting the open ones (bench/README.md). The text filter
    reads them by subquery (`text_condition`)."""
    if f.grid:
        q = q.join(Grid, Grid.id == Ticket.grid_id)
    if f.matter:
        q = q.outerjoin(Matter, Matter.id == Ticket.matter_id)
    return q


def _ordered(q: SelectT, f: QueueFilter) -> SelectT:
    if f.group == "closed" or f.statuses == (Status.CLOSED,):
        return q.order_by(Ticket.closed_at.desc(), Ticket.id.desc())
    return q.order_by(URGENCY_ORDER, Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)


async def page(store: Store, actor: Actor, f: QueueFilter = QueueFilter(), limit: int = 200,
               offset: int = 0) -> list[QueueRow]:
    """Rows in queue order: urgency first, then the nearest deadline (none last).

    The page's ids are chosen on the tickets table alone; only those rows are then joined to
    their grid, matter and unit names.
    """
    async with store.db.session() as s:
        rows, _ = await _page(s, store, actor, f, limit, offset, await _among(s, f), False)
    return rows


async def page_and_count(store: Store, actor: Actor, f: QueueFilter = QueueFilter(), limit: int = 200,
                         offset: int = 0) -> tuple[list[QueueRow], int]:
    """`page` and `count` together, as the queue screen reads them on every change. A text
    filter that no index serves (under three characters: `_among` is None) scans every ticket
    in scope with the statuses shown, each row read from the table: the page's read then
    counts the matches too (`count(*) OVER ()` over the rows the scan kept), so one scan
    serves both instead of two. Otherwise the count is its own read, served by the indexes."""
    async with store.db.session() as s:
        among = await _among(s, f)
        scans = among is None and bool(f.text.strip())
        rows, total = await _page(s, store, actor, f, limit, offset, among, scans)
        if total is None:  # no window, or a page past the end (no row to carry it)
            total = await _count(s, store, actor, f, among)
    return rows, total


async def _page(s: AsyncSession, store: Store, actor: Actor, f: QueueFilter, limit: int, offset: int,
                among: Select[int] | None, with_total: bool) -> tuple[list[QueueRow], int | None]:
    chosen: Select[Any] = _filtered(_scope(_joins(select(Ticket.id).select_from(Ticket), f), store, actor, f), f,
                                    store.now(), among)
    if with_total:
        chosen = chosen.add_columns(func.count().over().label("total"))
    ids = _ordered(chosen, f).limit(limit).offset(offset).subquery()
    q: Select[*tuple[Any, ...]] = (
        select(Ticket.id, Ticket.number, Ticket.received_at, Matter.name, Matter.code, Grid.name,
               Grid.code, Ticket.status, Unit.name, Ticket.due_at, Ticket.due_clock, Ticket.warn_at,
               Ticket.urgency, Ticket.title, Ticket.address, Ticket.version, Ticket.out_of_list,
               Ticket.reporter_name, Ticket.reporter_phone)
        .join(ids, ids.c.id == Ticket.id)
        .join(Grid, Grid.id == Ticket.grid_id)
        .outerjoin(Matter, Matter.id == Ticket.matter_id)
        .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
    )
    if with_total:
        q = q.add_columns(ids.c.total)
    rows = (await s.execute(_ordered(q, f))).all()
    if not with_total:
        return [_masked(tuple(r)) for r in rows], None
    return [_masked(tuple(r)[:-1]) for r in rows], (int(rows[0][-1]) if rows else None)


def _masked(r: tuple[Any, ...]) -> QueueRow:
    """A row with its free text masked where it names the reporter or holds a phone or ID
    number (store/privacy.py): every list reads rows from here."""
    *cols, name, phone = r
    row = QueueRow(*cols)
    return replace(row, title=mask_text(row.title, (name,), (phone,)) or "",
                   address=mask_text(row.address, (name,), (phone,)))


async def count(store: Store, actor: Actor, f: QueueFilter = QueueFilter()) -> int:
    async with store.db.session() as s:
        return await _count(s, store, actor, f, await _among(s, f))


async def _count(s: AsyncSession, store: Store, actor: Actor, f: QueueFilter, among: Select[int] | None) -> int:
    q = _filtered(_scope(_joins(select(func.count()).select_from(Ticket), f), store, actor, f), f, store.now(), among)
    return int((await s.execute(q)).scalar_one())


async def counts(store: Store, actor: Actor) -> Counts:
    """The header's numbers: open, due soon (warned, not yet due), overdue, escalations pending."""
    now = store.now()
    open_ = Ticket.status.in_(OPEN_STATUSES)
    q = _scope(select(
        func.count(),
        func.count(case((Ticket.warn_at <= now, 1))) - func.count(case((Ticket.due_at < now, 1))),
        func.count(case((Ticket.due_at < now, 1))),
        func.count(case((Ticket.escalation == Escalation.FLAGGED, 1))),
    ).select_from(Ticket).where(open_), store, actor)
    async with store.db.session() as s:
        total, soon, late, esc = (await s.execute(q)).one()
    return Counts(int(total), int(soon), int(late), int(esc))


async def last_change(store: Store) -> int:
    async with store.db.session() as s:
        return int((await s.execute(select(func.coalesce(func.max(Change.id), 0)))).scalar_one())


async def changes_since(store: Store, actor: Actor, after: int, limit: int = 1000) -> list[Change]:
    """Feed entries after `after` in the actor's jurisdiction (or not tied to an area)."""
    q = (select(Change).where(Change.id > after)
         .where(or_(Change.area_code.is_(None), Change.area_code.startswith(actor.jurisdiction)))
         .order_by(Change.id).limit(limit))
    async with store.db.session() as s:
        return list((await s.execute(q)).scalars())
