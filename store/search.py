"""Search everywhere in the roster: areas, grids, people, units and the matter list.

One box takes what an operator remembers: a code ("440703002001"), a name or part of one
("白沙"), full pinyin ("zhangmin", "zhang min"), pinyin initials ("zm"), or the last digits of
a phone number ("0012"). People carry their pinyin in columns (`name_pinyin`,
`name_initials`); other names are small sets, converted on the fly and cached.

Pinyin matches from the start of a syllable, so "min" finds 张敏 but "ang" does not; "v" and
"u" are the same letter (lv / lu for 吕).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import search_index
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, PersonStatus, Status
from griddesk.store.models import Area, Grid, Matter, Person, Ticket, Unit
from griddesk.store.privacy import staff_phone
from griddesk.store.roster.names import name_keys
from griddesk.store.scope import in_town

KINDS = ("area", "grid", "person", "unit", "matter", "ticket")
TICKET_HITS = 20  # the newest tickets at an address; the queue filter lists them all
MIN_PHONE_DIGITS = 3


@dataclass(frozen=True)
class Hit:
    kind: str  # area / grid / person / unit / matter
    key: str  # code, or a person's id
    name: str
    detail: str  # what else identifies it: an area's level, a grid's village, a matter's class
    match: str  # how it matched: code / name / pinyin / initials / phone
    score: int  # lower is better
    active: bool = True
    role: str | None = None  # a person's role (enums.PersonRole)
    phone: str | None = None  # a person's phone, masked for accounts that may not see it


@lru_cache(maxsize=50_000)
def _keys(name: str) -> tuple[str, tuple[int, ...], str]:
    """Joined pinyin, where each syllable starts in it, and the initials."""
    return _split(*name_keys(name))


def _split(full: str, initials: str) -> tuple[str, tuple[int, ...], str]:
    syllables = full.split(" ")
    starts, pos = [], 0
    for syl in syllables:
        starts.append(pos)
        pos += len(syl)
    return _fold("".join(syllables)), tuple(starts), _fold(initials)


def _fold(text: str) -> str:
    return text.lower().replace("ü", "v").replace("v", "u").replace("'", "").replace(" ", "")


def _pinyin_score(name: str, query: str,
                  keys: tuple[str, tuple[int, ...], str] | None = None) -> tuple[int, str] | None:
    full, starts, initials = keys or _keys(name)
    if not query:
        return None
    if full == query:
        return 10, "pinyin"
    if full.startswith(query):
        return 20, "pinyin"
    if initials == query:
        return 15, "initials"
    if initials.startswith(query):
        return 25, "initials"
    if any(full.startswith(query, i) for i in starts[1:]):
        return 40, "pinyin"
    return None


def _text_score(name: str, code: str, query: str) -> tuple[int, str] | None:
    if code and code.lower() == query.lower():
        return 0, "code"
    if code and code.lower().startswith(query.lower()):
        return 5, "code"
    if name == query:
        return 1, "name"
    if name.startswith(query):
        return 8, "name"
    if query in name:
        return 30, "name"
    return None


def classify(text: str) -> tuple[str, str]:
    """("digits" | "latin" | "other", normalized query)."""
    q = text.strip()
    compact = q.replace(" ", "").replace("-", "")
    if compact.isascii() and compact.isdigit():
        return "digits", compact
    if q.isascii() and q.replace(" ", "").replace("'", "").isalpha():
        return "latin", _fold(q)
    return "other", q


async def search(store: Store, actor: Actor, text: str, limit: int = 50,
                 kinds: tuple[str, ...] = KINDS, include_inactive: bool = False) -> list[Hit]:
    """Hits across the roster in the actor's jurisdiction, best first."""
    mode, q = classify(text)
    if not q:
        return []
    scope = actor.jurisdiction
    hits: list[Hit] = []
    async with store.db.session() as s:
        if "area" in kinds:
            aq = select(Area.code, Area.name, Area.level)
            if scope:
                aq = aq.where(Area.code.startswith(scope))
            for code, name, level in (await s.execute(aq)).all():
                hit = match(mode, q, name, code)
                if hit:
                    hits.append(Hit("area", code, name, level, hit[1], hit[0]))
        if "grid" in kinds:
            gq = select(Grid.code, Grid.name, Grid.status, Area.name, Grid.boundary).join(
                Area, Area.code == Grid.area_code)
            if scope:
                gq = gq.where(Grid.area_code.startswith(scope))
            if not include_inactive:
                gq = gq.where(Grid.status == GridStatus.ACTIVE)
            for code, name, status, village, boundary in (await s.execute(gq)).all():
                hit = match(mode, q, name, code)
                if hit is None and mode == "other" and boundary and q in boundary:
                    hit = (35, "boundary")  # a road named in the grid's boundary description
                if hit:
                    hits.append(Hit("grid", code, name, village, hit[1], hit[0], status == GridStatus.ACTIVE))
        if "unit" in kinds:
            for code, name, active, area in (await s.execute(select(Unit.code, Unit.name, Unit.active,
                                                                      Unit.area_code))).all():
                if not active and not include_inactive:
                    continue
                # a unit serves its area: one above the actor's jurisdiction (a county bureau) or
                # inside it (a town office) is theirs to find; another town's is not
                if area and not (scope.startswith(area) or area.startswith(scope)):
                    continue
                hit = match(mode, q, name, code)
                if hit:
                    hits.append(Hit("unit", code, name, "", hit[1], hit[0], bool(active)))
        if "matter" in kinds:
            mq = select(Matter.code, Matter.name, Matter.class_code, Matter.withdrawn_on)
            for code, name, cls, withdrawn in (await s.execute(mq)).all():
                gone = withdrawn is not None and withdrawn <= store.calendar.local(store.now()).date()
                if gone and not include_inactive:
                    continue
                hit = match(mode, q, name, code)
                if hit:
                    hits.append(Hit("matter", code, name, cls, hit[1], hit[0], not gone))
        if "person" in kinds:
            hits.extend(await _people(s, actor, mode, q, include_inactive))
        if "ticket" in kinds and mode == "other":
            hits.extend(await _addresses(s, actor, q))
    hits.sort(key=lambda h: (h.score, KINDS.index(h.kind), h.key))
    return hits[:limit]


def match(mode: str, q: str, name: str, code: str) -> tuple[int, str] | None:
    if mode == "latin":
        return _text_score(name, code, q) if code.lower().startswith(q) else _pinyin_score(name, q)
    return _text_score(name, code, q)


async def _people(s: AsyncSession, actor: Actor, mode: str, q: str, include_inactive: bool) -> list[Hit]:
    pq = select(Person.id, Person.name, Person.role, Person.phone, Person.status, Person.name_pinyin,
                Person.name_initials)
    if actor.jurisdiction:
        pq = pq.where(Person.area_code.startswith(actor.jurisdiction))
    if not include_inactive:
        pq = pq.where(Person.status == PersonStatus.ACTIVE)
    if mode == "digits":
        if len(q) < MIN_PHONE_DIGITS:
            return []
        pq = pq.where(Person.phone.like(f"%{q[-1]}"))  # coarse; the digits are checked below
    elif mode == "latin":
        # coarse filter in SQL on the stored pinyin (v folded to u); exact syllable rules below
        joined = func.replace(func.replace(func.coalesce(Person.name_pinyin, ""), " ", ""), "v", "u")
        pq = pq.where(or_(Person.name_pinyin.is_(None), joined.like(f"%{q}%"),
                          func.replace(func.coalesce(Person.name_initials, ""), "v", "u").like(f"{q}%")))
    else:
        pq = pq.where(Person.name.contains(q, autoescape=True))  # a typed % or _ is no wildcard
    out = []
    for pid, name, role, phone, status, full, initials in (await s.execute(pq)).all():
        if mode == "digits":
            digits = "".join(ch for ch in (phone or "") if ch.isdigit())
            if not digits.endswith(q):
                continue
            scored: tuple[int, str] | None = (3 if digits == q else 12, "phone")
        elif mode == "latin":
            # the stored keys carry the surname's reading (覃 qin); older rows without them are
            # read on the fly
            keys = _split(full, initials or "") if full else _split(*name_keys(name, person=True))
            scored = _pinyin_score(name, q, keys)
        else:
            scored = _text_score(name, "", q)
        if scored:
            out.append(Hit("person", str(pid), name, "", scored[1], scored[0], status == PersonStatus.ACTIVE,
                           role=role, phone=staff_phone(phone, actor)))
    return out


async def _addresses(s: AsyncSession, actor: Actor, q: str) -> list[Hit]:
    """Tickets whose address holds the text (a road, an estate), newest first. A typed % or _ is
    itself; the text index (store/search_index.py) narrows the rows read."""
    tq = (select(Ticket.number, Ticket.address, Ticket.title, Ticket.status)
          .where(Ticket.address.like(search_index.contains_pattern(q), escape=search_index.ESCAPE),
                 in_town(Ticket.town_code, actor.jurisdiction))
          .order_by(Ticket.received_at.desc()).limit(TICKET_HITS))
    among = await search_index.narrowing(s, q, ("address",), f"address:{q}")
    if among is not None:
        tq = tq.where(Ticket.id.in_(among))
    return [Hit("ticket", number, address or "", title, "address", 45 if (address or "").startswith(q) else 50,
                status != Status.CLOSED)
            for number, address, title, status in (await s.execute(tq)).all()]
