"""The focused-governance list (重点治理, BH 22): a problem found in the hot spots, put under
watch with a note, an owner and a review date; the list shows whether its count went down.

"Before" is the number of matching tickets received in the `WINDOW` days before the item was
added (kept on the row as `baseline`, so it does not drift as old tickets change); "after" the
number received since, over at most the same number of days. Counting a caller compares the
keyed hash (`keyed`), so no phone number is stored here or shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import permissions, records, validation
from griddesk.store.actor import Actor
from griddesk.store.analytics import keyed, rollups, scoping
from griddesk.store.analytics.hotspots import hotspots
from griddesk.store.analytics.period import last_days
from griddesk.store.context import Store
from griddesk.store.errors import Invalid, NotAllowed, NotFound
from griddesk.store.i18n import t
from griddesk.store.models import Area, FocusItem, Grid, Matter, Ticket
from griddesk.store.scope import under

KINDS = ("matter", "grid", "village", "address", "caller")
WINDOW = 30  # days counted before and after
MAX_NOTE = 500


@dataclass(frozen=True)
class FocusRow:
    id: int
    kind: str
    key: str  # for a caller, the keyed hash (never a phone number)
    label: str
    note: str | None
    owner: str
    review_date: date | None
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    before: int  # tickets in the WINDOW days before it was added
    after: int  # tickets since, over at most WINDOW days
    after_days: int  # how many days "after" covers so far

    @property
    def went_down(self) -> bool | None:
        """Whether the count went down, judged on a full window only (None before then)."""
        if self.after_days < WINDOW:
            return None
        return self.after < self.before


def _check_write(actor: Actor) -> None:
    scoping.check(actor)
    if not permissions.may_write(actor, permissions.CENTRE):
        raise NotAllowed("analytics.error.focus_not_allowed")


async def _condition(s: AsyncSession, store: Store, kind: str, key: str) -> tuple[Any, str]:
    """The tickets an item counts (a SQL condition) and its label; unknown keys are refused."""
    if kind == "matter":
        got = (await s.execute(select(Matter.id, Matter.name).where(Matter.code == key))).first()
        if got is None:
            raise NotFound("analytics.error.no_matter", code=key)
        return Ticket.matter_id == got[0], got[1]
    if kind == "grid":
        got = (await s.execute(select(Grid.id, Grid.name).where(Grid.code == key))).first()
        if got is None:
            raise NotFound("analytics.error.no_grid", code=key)
        return Ticket.grid_id == got[0], got[1]
    if kind == "village":
        name = (await s.execute(select(Area.name).where(Area.code == key))).scalar_one_or_none()
        if name is None:
            raise NotFound("analytics.error.no_village", code=key)
        return Ticket.grid_id.in_(select(Grid.id).where(under(Grid.area_code, key))), name
    if kind == "address":
        return Ticket.address == key, key
    if kind == "caller":
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise Invalid("analytics.error.caller_key", field="key")
        return Ticket.reporter_phone.is_not(None), "#" + keyed.shown(key)
    raise Invalid("error.unknown_value", field="kind", value=kind, choices=" | ".join(KINDS))


async def _count(s: AsyncSession, store: Store, secret: bytes, actor: Actor, kind: str, key: str, cond: Any,
                 start: datetime, end: datetime) -> int:
    """The tickets an item counts received in start … end: the whole local days from the
    rollups, the parts of a day at either end (and a unit's figures) from the tickets."""
    days, parts = await rollups.split(store, s, actor, start, end)
    n = 0
    if days is not None:
        fig, keys = await _rolled_keys(s, kind, key)
        n += sum(int(c) for _, _, c in await rollups.sums(s, actor, fig, days, keys=keys))
    for a, b in parts:
        n += await _count_tickets(s, secret, actor, kind, key, cond, a, b)
    return n


async def _rolled_keys(s: AsyncSession, kind: str, key: str) -> tuple[str, list[str]]:
    if kind == "matter":
        return "m", [str(i) for i in (await s.execute(select(Matter.id).where(Matter.code == key))).scalars()]
    if kind == "grid":
        return "g", [str(i) for i in (await s.execute(select(Grid.id).where(Grid.code == key))).scalars()]
    if kind == "village":
        return "g", [str(i) for i in (await s.execute(select(Grid.id).where(under(Grid.area_code, key)))).scalars()]
    return ("addr_n" if kind == "address" else "call_n"), [key]


async def _count_tickets(s: AsyncSession, secret: bytes, actor: Actor, kind: str, key: str, cond: Any,
                         start: datetime, end: datetime) -> int:
    where = and_(scoping.tickets(actor), cond, Ticket.received_at >= start, Ticket.received_at < end)
    if kind != "caller":
        return int((await s.execute(select(func.count()).select_from(Ticket).where(where))).scalar_one())
    n = 0
    async for (phone,) in await s.stream(select(Ticket.reporter_phone).where(where)):
        n += keyed.caller_key(secret, phone) == key
    return n


async def resolve_caller(store: Store, actor: Actor, shown: str) -> str:
    """The full keyed hash of a caller shown as "#" + its first digits (what a person can type)."""
    prefix = shown.lstrip("#").lower()
    if len(prefix) < 4:
        raise Invalid("analytics.error.caller_key", field="key")
    # the repeats of the last 90 days hold the keys a person has seen
    found = await hotspots(store, actor, last_days(store.calendar, store.now(), 90))
    keys = {r.key for r in found.repeats if r.kind == "caller" and r.key.startswith(prefix)}
    if len(keys) != 1:
        raise NotFound("analytics.error.no_caller", key=shown)
    return keys.pop()


async def add(store: Store, actor: Actor, kind: str, key: str, owner: str, note: str | None = None,
              review_date: date | None = None) -> int:
    _check_write(actor)
    key, owner = key.strip(), owner.strip()
    if not key:
        raise Invalid("analytics.error.required", field="code")
    if not owner or len(owner) > 64:
        raise Invalid("analytics.error.owner")
    if note is not None and len(note) > MAX_NOTE:
        raise Invalid("error.too_long", field="note", max=MAX_NOTE)
    if kind == "caller" and len(key) != 64:
        key = await resolve_caller(store, actor, key)
    now = store.now()
    if review_date is not None and review_date < store.calendar.local(now).date():
        raise Invalid("analytics.error.review_past", date=review_date.isoformat())
    secret = await keyed.secret(store)  # before the write transaction: it may make the secret
    async with store.db.session(write=True) as s:
        cond, label = await _condition(s, store, kind, key)
        baseline = await _count(s, store, secret, actor, kind, key, cond, now - timedelta(days=WINDOW), now)
        got = await s.execute(insert(FocusItem).values(
            town_code=actor.jurisdiction, kind=kind, key=key, label=label[:128], note=note or None,
            owner=owner, review_date=review_date, baseline=baseline, created_by=actor.label,
            created_at=now).returning(FocusItem.id))
        fid = int(got.scalar_one())
        await records.audit(s, actor, "focus.add", "focus", str(fid), now, {"kind": kind})
        await records.feed(s, "focus", fid, "created", now, actor.jurisdiction)
    return fid


async def close(store: Store, actor: Actor, item_id: int, note: str | None = None) -> None:
    _check_write(actor)
    note = validation.text(note, "note", max_len=MAX_NOTE, multiline=True)
    now = store.now()
    async with store.db.session(write=True) as s:
        got = (await s.execute(select(FocusItem.town_code, FocusItem.closed_at)
                               .where(FocusItem.id == item_id))).first()
        if got is None or not (got[0].startswith(actor.jurisdiction) or actor.jurisdiction.startswith(got[0])):
            raise NotFound("analytics.error.no_focus", id=item_id)
        if got[1] is not None:
            raise Invalid("analytics.error.focus_closed", id=item_id)
        await s.execute(update(FocusItem).where(FocusItem.id == item_id)
                        .values(closed_at=now, closed_by=actor.label, close_note=note or None))
        await records.audit(s, actor, "focus.close", "focus", str(item_id), now)
        await records.feed(s, "focus", item_id, "closed", now, actor.jurisdiction)


async def items(store: Store, actor: Actor, include_closed: bool = False) -> list[FocusRow]:
    scoping.check(actor)
    now = store.now()
    q = select(FocusItem).where(under(FocusItem.town_code, actor.jurisdiction)).order_by(FocusItem.id)
    if not include_closed:
        q = q.where(FocusItem.closed_at.is_(None))
    out = []
    secret = await keyed.secret(store)
    async with store.db.session() as s:
        for it in (await s.execute(q)).scalars().all():
            end = min(now, it.closed_at or now, it.created_at + timedelta(days=WINDOW))
            try:
                cond, _ = await _condition(s, store, it.kind, it.key)
                after = await _count(s, store, secret, actor, it.kind, it.key, cond, it.created_at, end)
            except (NotFound, Invalid):
                after = 0
            days = max(0, (end - it.created_at).days)
            out.append(FocusRow(it.id, it.kind, it.key, it.label or it.key, it.note, it.owner, it.review_date,
                                it.created_at, it.created_by, it.closed_at, it.baseline, after, days))
    return out


def kind_name(kind: str, lang: str | None = None) -> str:
    return t(f"analytics.focus_kind.{kind}", lang)
