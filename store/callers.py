"""The caller at intake: who phoned before, what is already open at the same place, which grid.

Hotline operators take the same callers and the same places again and again (BH 22: problems
that come often). Three reads and one write live here:

- `history`: a caller's earlier tickets, found by the full phone number or the full name as
  stored (the comparison is on the real value in the store, through the B-tree indexes of
  migration 0009), shown masked for the account (`actor.mask_*`).
- `duplicates`: open tickets at the same address about the same matter in the last 30 days.
- `suggest_grid`: the grid an address most likely lies in, from the grids' boundary
  descriptions and the addresses already on tickets.
- `merge` (工单合并): link a duplicate to the ticket it repeats, recorded in both timelines;
  the duplicate is closed too when the loop lets this account close it now (`loop.permit`),
  else only linked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from griddesk.store import permissions, records, search_index, views, workflow
from griddesk.store.actor import Actor, mask_name, mask_phone
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, Status
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.loop import Action, permit
from griddesk.store.models import Grid, Matter, Ticket
from griddesk.store.scope import in_town

LAST = 5
DUPLICATE_DAYS = 30
MERGED_INTO, MERGED_FROM = "merged_into", "merged_from"
# the part of an address that names a place a grid's boundary would: up to the road, street,
# lane, village or estate ("站前路12号3栋" → "站前路")
PLACE = re.compile(r"^(.+?(?:大道|大街|路|街|巷|弄|道|村|社区|小区|花园|苑|园|里))")
MIN_PLACE = 2


@dataclass(frozen=True)
class PastTicket:
    number: str
    received_at: datetime
    matter: str | None  # the matter's name (None: out of list)
    status: str
    address: str | None


@dataclass(frozen=True)
class CallerHistory:
    count: int
    last: tuple[PastTicket, ...]  # newest first, at most LAST
    name: str | None  # the caller as the account may see them (masked)
    phone: str | None


@dataclass(frozen=True)
class GridGuess:
    code: str
    name: str
    place: str  # the part of the address it was found by
    votes: int


@dataclass(frozen=True)
class MergeOutcome:
    duplicate: str
    into: str
    closed: bool  # the duplicate was closed as well as linked


def place_of(address: str | None) -> str | None:
    """The road/street/village an address starts with, or the address when none is named."""
    text = (address or "").strip()
    if not text:
        return None
    m = PLACE.match(text)
    got = m.group(1) if m else text
    return got if len(got) >= MIN_PLACE else None


def _normal_phone(phone: str | None) -> str | None:
    # the whole number as stored (tickets.parse keeps it as typed, trimmed): no partial matches
    return (phone or "").strip() or None


async def history(store: Store, actor: Actor, phone: str | None = None, name: str | None = None,
                  exclude: str | None = None) -> CallerHistory | None:
    """The caller's earlier tickets in the account's jurisdiction: by phone when given, else by
    name. None when nothing is given or nothing found."""
    phone = _normal_phone(phone)
    name = (name or "").strip() or None
    if phone is None and name is None:
        return None
    who = Ticket.reporter_phone == phone if phone is not None else Ticket.reporter_name == name
    base = select(Ticket.id).where(who, in_town(Ticket.town_code, actor.jurisdiction))
    if exclude:
        base = base.where(Ticket.number != exclude)
    async with store.db.session() as s:
        count = (await s.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
        if not count:
            return None
        rows = (await s.execute(
            select(Ticket.number, Ticket.received_at, Matter.name, Ticket.status, Ticket.address,
                   Ticket.reporter_name, Ticket.reporter_phone)
            .outerjoin(Matter, Matter.id == Ticket.matter_id)
            .where(Ticket.id.in_(base)).order_by(Ticket.received_at.desc(), Ticket.id.desc())
            .limit(LAST))).all()
    last = tuple(PastTicket(r[0], r[1], r[2], r[3], r[4]) for r in rows)
    first = rows[0]
    return CallerHistory(count, last, mask_name(name or first[5], actor), mask_phone(phone or first[6], actor))


async def duplicates(store: Store, actor: Actor, address: str | None, matter: str | None,
                     exclude: str | None = None, days: int = DUPLICATE_DAYS) -> list[PastTicket]:
    """Open tickets at the same address (as typed, spaces aside) about the same matter, received
    in the last `days` days: a likely repeat of the same call."""
    address = (address or "").strip()
    if not address or not matter:
        return []
    since = store.now() - timedelta(days=days)
    q = (select(Ticket.number, Ticket.received_at, Matter.name, Ticket.status, Ticket.address)
         .join(Matter, Matter.id == Ticket.matter_id)
         .where(Matter.code == matter, Ticket.address == address, Ticket.status != Status.CLOSED,
                Ticket.received_at >= since, in_town(Ticket.town_code, actor.jurisdiction))
         .order_by(Ticket.received_at.desc()).limit(LAST))
    if exclude:
        q = q.where(Ticket.number != exclude)
    async with store.db.session() as s:
        among = await search_index.narrowing(s, address, ("address",), f"address:{address}")
        if among is not None:  # the text index finds the rows with this address (and a few more)
            q = q.where(Ticket.id.in_(among))
        return [PastTicket(*r) for r in (await s.execute(q)).all()]


async def suggest_grid(store: Store, actor: Actor, address: str | None) -> GridGuess | None:
    """The grid most often found for the address's road: each active grid whose boundary
    description names it is one vote, each earlier ticket at that road one vote for its grid."""
    place = place_of(address)
    if place is None:
        return None
    like = f"%{place}%"
    scope = actor.jurisdiction
    async with store.db.session() as s:
        gq = select(Grid.id).where(Grid.status == GridStatus.ACTIVE, Grid.boundary.like(like))
        prefix = search_index.contains_pattern(place)[1:]  # starts with the place, taken literally
        tq = (select(Ticket.grid_id).join(Grid, Grid.id == Ticket.grid_id)
              .where(Ticket.address.like(prefix, escape=search_index.ESCAPE), Grid.status == GridStatus.ACTIVE,
                     in_town(Ticket.town_code, scope))
              .order_by(Ticket.received_at.desc()).limit(500))
        among = await search_index.narrowing(s, place, ("address",), f"address:{place}")
        if among is not None:
            tq = tq.where(Ticket.id.in_(among))
        if scope:
            gq = gq.where(in_town(Grid.town_code, scope))
        votes: Counter[int] = Counter()
        votes.update((await s.execute(gq)).scalars())
        votes.update((await s.execute(tq)).scalars())
        if not votes:
            return None
        # most votes; ties to the lower id (the older grid) so the guess is stable
        gid, n = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        grid = await s.get_one(Grid, gid)
        return GridGuess(grid.code, grid.name, place, n)


def may_merge(actor: Actor) -> bool:
    """Merging is the centre's call, like dispatch: it decides which ticket carries the case."""
    return permissions.may_write(actor, permissions.CENTRE)


async def merge(store: Store, actor: Actor, duplicate: str, into: str, note: str | None = None) -> MergeOutcome:
    """工单合并: link `duplicate` to `into` in both timelines; close the duplicate too when the
    loop allows this account to close it now, with the link as the reason."""
    if actor.read_only:
        raise NotAllowed("error.read_only")
    if not may_merge(actor):
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))
    now = store.now()
    async with store.db.session(write=True) as s:
        dup = await views.get_ticket(s, store, actor, duplicate)
        main = await views.get_ticket(s, store, actor, into)
        if dup.id == main.id:
            raise Invalid("callers.merge_self", field="into", number=dup.number)
        await records.timeline(s, dup.id, actor, MERGED_INTO, now, dup.status, dup.status, note,
                               {"ticket": main.number})
        await records.timeline(s, main.id, actor, MERGED_FROM, now, main.status, main.status, note,
                               {"ticket": dup.number})
        for tk in (dup, main):
            await records.feed(s, "ticket", tk.id, "merge", now, tk.town_code)
        await records.audit(s, actor, "ticket.merge", "ticket", dup.number, now, {"into": main.number})
        dup_number, main_number = dup.number, main.number
        try:  # the loop's own rule (state, role, a return visit first): close only when it allows
            permit(actor, dup, Action.CLOSE)
            may_close = True
        except NotAllowed:
            may_close = False
    closed = False
    if may_close:
        reason = t("callers.merged_reason", number=main_number)
        await workflow.act(store, actor, dup_number, Action.CLOSE, reason=reason)
        closed = True
    return MergeOutcome(dup_number, main_number, closed)
