"""Rollups: the analytics figures kept per town and local day, so a screen over a county's
tickets sums a few thousand rows instead of grouping hundreds of thousands of tickets.

One table, `analytics_rollups` (town_code, day, fig, k1, k2, n): for each town and local day
(days since 1970-01-01 at the store's UTC offset, kept in `analytics_state`), the count `n` of
figure `fig` for keys k1, k2 (for the `*_last` figures, n is the highest ticket id instead).
Two kinds of figure:

- by the day a ticket was *received* (`RECEIVED`): what the hot spots and scorecards count of
  the tickets received in a period, their timeline included (a return made today of a ticket
  received last week counts on last week's day, as the grouped queries did);
- by the day a timeline step was *taken* (`TAKEN`): what the reports and the grid workers'
  cards count of the steps taken in a period.

Each figure is one grouped SELECT over the tickets (and their timeline) that a condition picks
(`_figures`). The same statements build the whole table (`rebuild`, after a bulk load and in
migration 0013) and refresh one town's day (`refresh`): every write that appends to a ticket's
timeline (`records.timeline`) marks the ticket, and before the write commits the town-days it
touched are recomputed from the tickets, in the same transaction. A rollup is therefore always
what the grouped queries over the raw tickets give (tests/store/test_analytics_rollups.py).

Callers are keyed in Python (`keyed.caller_key`), as nothing else may read a phone number.
"""

from __future__ import annotations

import secrets
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from griddesk.store.analytics import keyed
from griddesk.store.analytics.sqltime import epoch_seconds
from griddesk.store.enums import ClockName, ClockState, Satisfaction, Source, Status
from griddesk.store.models import Base, StoreSecret, Ticket, TicketClock, TimelineEntry

DEFAULT_TZ = "Asia/Shanghai"
OFFSET_KEY = "offset_s"
OUT_OF_LIST = "-"
DIRTY = "analytics_dirty"  # session.info key: the (ticket id, time) of steps written
REFRESH_LOCK = 0x6764_726F_6C6C  # "gdroll": the advisory lock key of the rollups' refresh
PAD = 10  # digits a duration's seconds are padded to, so text order is number order

rollups = Table(
    "analytics_rollups", Base.metadata,
    Column("town_code", String(9), nullable=False),
    Column("day", Integer, nullable=False),
    Column("fig", String(12), nullable=False),
    Column("k1", String(128), nullable=False),
    Column("k2", String(64), nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("town_code", "day", "fig", "k1", "k2", name="pk_analytics_rollups"),
)
# the screens read one figure over a range of days, for the towns under a prefix
Index("ix_analytics_rollups_read", rollups.c.fig, rollups.c.day, rollups.c.town_code, rollups.c.k1,
      rollups.c.k2, rollups.c.n)

state = Table(
    "analytics_state", Base.metadata,
    Column("name", String(32), nullable=False),
    Column("value", String(64), nullable=False),
    PrimaryKeyConstraint("name", name="pk_analytics_state"),
)

HARD = {  # the hot spots' hard events: name → condition on a timeline entry and its action
    "returns": lambda e, act: act == "return",
    "extensions": lambda e, act: act == "extend",
    "reopens": lambda e, act: act == "reopen",
    # a failed on-site check sends the ticket back to the unit (store.loop: verify → signed)
    "failed_verifications": lambda e, act: and_(act == "verify", e.to_status == Status.SIGNED),
    "dissatisfied": lambda e, act: and_(act == "visit",
                                        e.data["satisfaction"].as_string() == Satisfaction.DISSATISFIED),
}
HARD_NAMES = tuple(HARD)
UNIT_ACTS = ("extend", "suspend", "reopen")
REPORT_STEPS = ("dispatch", "close", "resolve_on_spot", "flag", "report_up", "hand_to_county", "hand_back")
GOOD = (Satisfaction.SATISFIED, Satisfaction.BASIC)

RECEIVED = ("m", "g", "h", "dur", "hard", "addr_n", "addr_last", "call_n", "call_last", "u", "u_visit",
            "u_act", "ret", "sign", "w_rep", "op_reg", "op_disp", "op_wrong")
TAKEN = ("w_step", "steps")


def offset_of(tz: str | ZoneInfo, at: datetime | None = None) -> int:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    off = (at or datetime.now(UTC)).astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off else 0


def const(value: str | int) -> Any:
    """A constant written into the SQL (not a parameter), so that a GROUP BY repeating an
    expression matches it on PostgreSQL too. Only for this module's own keys and numbers."""
    return literal_column(str(int(value)) if isinstance(value, int) else "'" + value.replace("'", "''") + "'")


def day_of(col: Any, offset: int) -> Any:
    return (epoch_seconds(col) + const(offset)) // 86400


def day_bounds(day: int, offset: int) -> tuple[datetime, datetime]:
    """A local day's bounds (UTC)."""
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=day * 86400 - offset)
    return start, start + timedelta(days=1)


def _text(col: Any) -> Any:
    return cast(col, String)


def _keys(*keys: Any) -> list[Any]:
    """The keys to group by: PostgreSQL refuses a constant in GROUP BY (and needs none)."""
    return [k for k in keys if not getattr(k, "is_literal", False)]


def clock_is(ticket_id: Any, name: str, state: str, stopped_at: Any = None) -> Any:
    """Whether the ticket has a clock of this name in this state (stopped at that moment). The
    name and state are read through an expression so that the clock is found by its ticket
    (a few rows), never by the ladder index on (name, state), which holds every ticket's."""
    c = TicketClock
    q = select(c.id).where(c.ticket_id == ticket_id, func.coalesce(c.name, const("")) == const(name),
                           func.coalesce(c.state, const("")) == const(state))
    if stopped_at is not None:
        q = q.where(c.stopped_at == stopped_at)
    return q.exists()


def _figures(cond: Any, offset: int, narrow: bool = True) -> list[tuple[str, Any]]:
    """(fig, SELECT town_code, day, k1, k2, n) for every received-day figure in SQL, over the
    tickets `cond` picks."""
    t, e = Ticket, TimelineEntry
    # a day's refresh: the action read through an expression, so that SQLite finds the day's
    # tickets' steps by ticket, not every step of that kind in the database by action
    act = func.coalesce(e.action, const("")) if narrow else e.action
    d = day_of(t.received_at, offset).label("day")
    matter = func.coalesce(_text(t.matter_id), const(OUT_OF_LIST))
    blank = const("")

    def grouped(k1: Any, k2: Any, n: Any, *where: Any, joined: bool = False) -> Any:
        q = select(t.town_code, d, k1.label("k1"), k2.label("k2"), n.label("n"))
        if joined:
            q = q.select_from(e).join(t, t.id == e.ticket_id)
            if narrow:  # the day's tickets first, then their steps (not every step of a kind)
                q = q.where(e.ticket_id.in_(select(t.id).where(cond).scalar_subquery()))
        else:
            q = q.select_from(t)
        return q.where(cond, *where).group_by(t.town_code, d, *_keys(k1, k2))

    count = func.count()
    dur = epoch_seconds(t.closed_at) - epoch_seconds(t.received_at)
    hard = case(*[(c(e, act), const(name)) for name, c in HARD.items()], else_=const(""))
    sat = e.data["satisfaction"].as_string()
    missed = clock_is(t.id, ClockName.HANDLE, ClockState.MISSED)
    sign_met = clock_is(e.ticket_id, ClockName.SIGN, ClockState.MET, e.at)
    p = aliased(TimelineEntry)
    since = (select(func.max(epoch_seconds(p.at))).where(p.ticket_id == e.ticket_id, p.id < e.id,
                                                          p.action.in_(("receive", "approve", "reopen")))
             .scalar_subquery())
    # minutes to dispatch, rounded up: within a limit of L minutes exactly when ≤ L
    wait = func.coalesce(_text((epoch_seconds(e.at) - since + const(59)) // 60), const(""))
    who_dispatched = (select(p.actor).where(p.ticket_id == e.ticket_id, p.action == "dispatch", p.id < e.id)
                      .order_by(p.id.desc()).limit(1).scalar_subquery())
    unit = _text(t.lead_unit_id)
    has_unit = t.lead_unit_id.is_not(None)
    # the status through an expression: a day's tickets are found by town and time, not by
    # status across the town (ix_tickets_queue and ix_tickets_counts start with town, status)
    closed = func.coalesce(t.status, const("")) == const(Status.CLOSED)
    return [
        ("m", grouped(matter, blank, count)),
        ("g", grouped(_text(t.grid_id), blank, count)),
        ("h", grouped(_text(((epoch_seconds(t.received_at) + const(offset)) % 86400) // 3600), blank, count)),
        ("dur", grouped(matter, func.substr(_text(dur + const(10 ** PAD)), 2), count, t.closed_at.is_not(None),
                        closed)),
        ("hard", grouped(matter, hard, count, act.in_(("return", "extend", "reopen", "verify", "visit")),
                         hard != const(""), joined=True)),
        ("addr_n", grouped(t.address, blank, count, t.address.is_not(None))),
        ("addr_last", grouped(t.address, blank, func.max(t.id), t.address.is_not(None))),
        ("u", grouped(unit, const("recv"), count, has_unit)),
        ("u", grouped(unit, const("closed"), count, has_unit, closed)),
        ("u", grouped(unit, const("resolved"), count, has_unit, closed,
                      func.coalesce(t.satisfaction, "") != Satisfaction.DISSATISFIED)),
        ("u", grouped(unit, const("ontime"), count, has_unit, closed, ~missed)),
        ("u_visit", grouped(unit, case((sat.in_(GOOD), const("good")), else_=const("other")), count,
                            has_unit, act == "visit", joined=True)),
        ("u_act", grouped(unit, e.action, count, has_unit, act.in_(UNIT_ACTS), joined=True)),
        ("ret", grouped(func.coalesce(e.data["unit"].as_string(), const("")), blank, count, act == "return",
                        joined=True)),
        ("sign", grouped(e.actor, case((sign_met, const("1")), else_=const("0")), count, act == "sign",
                         joined=True)),
        ("w_rep", grouped(t.created_by, case((t.resolved_on_spot.is_(True), const("1")), else_=const("0")),
                          count, t.source == Source.PATROL)),
        ("op_reg", grouped(t.created_by, blank, count)),
        ("op_disp", grouped(e.actor, wait, count, act == "dispatch", joined=True)),
        ("op_wrong", grouped(func.coalesce(who_dispatched, const("")), blank, count, act == "approve",
                             e.from_status == Status.RETURN_REQUESTED, joined=True)),
    ]


def _taken(cond: Any, offset: int) -> list[tuple[str, Any]]:
    """The step-day figures over the timeline entries `cond` picks (joined to their ticket)."""
    t, e = Ticket, TimelineEntry
    d = day_of(e.at, offset).label("day")
    verify_met = clock_is(e.ticket_id, ClockName.VERIFY, ClockState.MET, e.at)
    step = case((and_(e.action == "verify", verify_met), const("verify:1")),
                (e.action == "verify", const("verify:0")), else_=const("visit"))
    count = func.count()

    def grouped(k1: Any, k2: Any, *where: Any) -> Any:
        return (select(t.town_code, d, k1.label("k1"), k2.label("k2"), count.label("n"))
                .select_from(e).join(t, t.id == e.ticket_id).where(cond, *where)
                .group_by(t.town_code, d, *_keys(k1, k2)))

    return [
        ("w_step", grouped(e.actor, step, e.action.in_(("verify", "visit")))),
        ("steps", grouped(e.action, const(""), e.action.in_(REPORT_STEPS))),
    ]


def _columns() -> list[Any]:
    c = rollups.c
    return [c.town_code, c.day, c.k1, c.k2, c.n]


def _fill(conn: Any, cond: Any, taken_cond: Any | None, offset: int, key: bytes,
          step: Callable[[int, int], None] | None = None) -> None:
    """Insert the figures of the tickets `cond` picks (received-day) and of the steps
    `taken_cond` picks (step-day). `conn`: a sync Connection or Session. `step(done, total)`
    after each statement: a full rebuild of a county takes minutes, and the demo shows how far."""
    c = rollups.c
    figures = _figures(cond, offset, narrow=taken_cond is None)
    taken = _taken(taken_cond, offset) if taken_cond is not None else []
    total = len(figures) + len(taken) + 1  # and the callers' keys, counted here
    for done, (fig, q) in enumerate(figures, 1):
        sub = q.subquery()
        conn.execute(insert(rollups).from_select(
            [c.town_code, c.day, c.k1, c.k2, c.n, c.fig],
            select(sub.c.town_code, sub.c.day, sub.c.k1, sub.c.k2, sub.c.n, const(fig)).where(sub.c.k1.is_not(None))))
        if step:
            step(done, total)
    if taken_cond is not None:
        _fill_taken(conn, taken_cond, offset, taken,
                    (lambda d, _n: step(len(figures) + d, total)) if step else None)
    # callers: keyed here, only the key is kept
    t = Ticket
    per: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = conn.execute(select(t.town_code, day_of(t.received_at, offset), t.id, t.reporter_phone)
                        .where(cond, t.reporter_phone.is_not(None)))
    for town, day, tid, phone in rows:
        k = keyed.caller_key(key, phone)
        if k is not None:
            got = per[(town, int(day), k)]
            got[0] += 1
            got[1] = max(got[1], int(tid))
    values = []
    for (town, day, k), (n, last) in per.items():
        values.append({"town_code": town, "day": day, "fig": "call_n", "k1": k, "k2": "", "n": n})
        values.append({"town_code": town, "day": day, "fig": "call_last", "k1": k, "k2": "", "n": last})
    for i in range(0, len(values), 5000):
        conn.execute(insert(rollups), values[i:i + 5000])
    if step:
        step(total, total)


def secret_sync(conn: Any, now: datetime | None = None) -> bytes:
    """The caller secret (`keyed.secret`'s), made here when a write finds none yet."""
    q = select(StoreSecret.value).where(StoreSecret.name == keyed.SECRET_NAME)
    value = conn.execute(q).scalar_one_or_none()
    if value is None:
        value = secrets.token_hex(32)
        conn.execute(insert(StoreSecret).values(name=keyed.SECRET_NAME, value=value,
                                                created_at=now or datetime.now(UTC)))
    return bytes.fromhex(value)


def stored_offset(conn: Any) -> int | None:
    got = conn.execute(select(state.c.value).where(state.c.name == OFFSET_KEY)).scalar_one_or_none()
    return None if got is None else int(got)


def rebuild_sync(conn: Any, offset: int, step: Callable[[int, int], None] | None = None) -> None:
    """Recompute every rollup from the tickets (after a bulk load, or when the zone changed);
    `step(done, total)` after each statement."""
    conn.execute(delete(rollups))
    conn.execute(delete(state).where(state.c.name == OFFSET_KEY))
    conn.execute(insert(state).values(name=OFFSET_KEY, value=str(offset)))
    _fill(conn, true(), true(), offset, secret_sync(conn), step)


def refresh_days_sync(conn: Any, received: Iterable[tuple[str, int]], taken: Iterable[tuple[str, int]]) -> None:
    """Recompute the given (town, day)s: received-day figures and step-day figures."""
    offset = stored_offset(conn)
    if offset is None:
        return  # never built (a database before 0013): nothing to keep up to date
    dialect = conn.dialect if hasattr(conn, "dialect") else conn.get_bind().dialect  # Connection or Session
    if dialect.name == "postgresql":
        # one refresh at a time: a second one waits, then reads the first one's commit (READ
        # COMMITTED), instead of both deleting the old rows and inserting the same keys
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})
    key = secret_sync(conn)
    c = rollups.c
    for town, day in set(received):
        start, end = day_bounds(day, offset)
        conn.execute(delete(rollups).where(c.town_code == town, c.day == day, c.fig.in_(RECEIVED)))
        cond = and_(Ticket.town_code == town, Ticket.received_at >= start, Ticket.received_at < end)
        _fill(conn, cond, None, offset, key)
    for town, day in set(taken):
        start, end = day_bounds(day, offset)
        conn.execute(delete(rollups).where(c.town_code == town, c.day == day, c.fig.in_(TAKEN)))
        # the town through an expression: SQLite finds the day's steps by time, not the town's tickets
        town_is = func.coalesce(Ticket.town_code, const("")) == town
        _fill_taken(conn, and_(town_is, TimelineEntry.at >= start, TimelineEntry.at < end), offset)


def _fill_taken(conn: Any, cond: Any, offset: int, taken: list[tuple[str, Any]] | None = None,
                step: Callable[[int, int], None] | None = None) -> None:
    c = rollups.c
    taken = _taken(cond, offset) if taken is None else taken
    for done, (fig, q) in enumerate(taken, 1):
        sub = q.subquery()
        conn.execute(insert(rollups).from_select(
            [c.town_code, c.day, c.k1, c.k2, c.n, c.fig],
            select(sub.c.town_code, sub.c.day, sub.c.k1, sub.c.k2, sub.c.n, const(fig))))
        if step:
            step(done, len(taken))


def refresh_tickets_sync(conn: Any, marks: Iterable[tuple[int, datetime]]) -> None:
    """Recompute the town-days the given steps (ticket id, time) touched."""
    marks = list(marks)
    offset = stored_offset(conn)
    if offset is None or not marks:
        return
    ids = sorted({i for i, _ in marks})
    found = {i: (town, int(day)) for i, town, day in conn.execute(
        select(Ticket.id, Ticket.town_code, day_of(Ticket.received_at, offset)).where(Ticket.id.in_(ids)))}
    received = [found[i] for i in ids if i in found]
    taken = []
    for i, at in marks:
        if i in found:
            aware = at if at.tzinfo else at.replace(tzinfo=UTC)
            taken.append((found[i][0], (int(aware.timestamp()) + offset) // 86400))
    refresh_days_sync(conn, received, taken)


def mark(session: Any, ticket_id: int, at: datetime) -> None:
    """Note a step written in this write session; its town-days are recomputed before commit
    (or, for a ticket whose rows `before` took, only its own rows are moved: `flush`)."""
    marks = session.info.get(DIRTY)
    if marks is None:
        marks = session.info[DIRTY] = []
        session.info.setdefault("before_commit", []).append(flush)
    marks.append((ticket_id, at))


# --- one ticket's share: a write moves the rows of the ticket it changes, not its town's day ----
# Every figure is a count over tickets (or over a ticket's steps), or the highest ticket id of a
# key: so the table is the sum over tickets of each ticket's own rows, and a write that changes
# one ticket changes the table by that ticket's rows after the write minus its rows before.
# `before` reads them at the start of the write transaction, `flush` again before the commit,
# and writes the difference: a few rows, in one or two statements, instead of recomputing every
# figure over every ticket of the day (which grew with the day: 40 ms of CPU a write at a few
# hundred tickets a day). The rows come from the same grouped statements as `refresh`, with the
# condition "this ticket": one UNION ALL, compiled once per backend and offset.

SNAP = "analytics_before"  # session.info key: {ticket id: its rows before this write (`Before`)}
MAX_FIGS = frozenset({"addr_last", "call_last"})  # n is the highest ticket id: not a sum
CALLER = "#caller"  # a row of `_one_sql` that is not a figure: the ticket's phone, keyed in Python
Key = tuple[str, str, int, str, str]  # fig, town, day, k1, k2
_ID = 7_777_777_777_123  # the ticket id while compiling: every other value is written into the SQL
_PLACE = {"qmark": "?", "numeric_dollar": "$1"}  # aiosqlite's, asyncpg's: where the id goes
_one_cache: dict[tuple[str, int], tuple[str, int]] = {}
_secrets: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()  # engine → caller secret


def _one_sql(dialect: Any, offset: int) -> tuple[str, int]:
    """Every figure's rows of one ticket, as (fig, town, day, k1, k2, n), compiled once for this
    backend and offset into plain SQL whose only parameter is the ticket id (so no statement is
    built, cache-keyed or compiled again on a write); and how many values the driver takes."""
    got = _one_cache.get((dialect.name, offset))
    if got is not None:
        return got
    t = Ticket
    cond = t.id == bindparam("tid", _ID, type_=Integer)
    parts = []
    for fig, q in [*_figures(cond, offset), *_taken(cond, offset)]:
        sub = q.subquery()
        parts.append(select(const(fig).label("fig"), sub.c.town_code, sub.c.day, sub.c.k1, sub.c.k2, sub.c.n)
                     .where(sub.c.k1.is_not(None)))
    parts.append(select(const(CALLER).label("fig"), t.town_code, day_of(t.received_at, offset).label("day"),
                        t.reporter_phone.label("k1"), const("").label("k2"), t.id.label("n"))
                 .where(cond, t.reporter_phone.is_not(None)))
    sql = str(union_all(*parts).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    place = _PLACE[dialect.paramstyle]
    got = _one_cache[(dialect.name, offset)] = (sql.replace(str(_ID), place),
                                                sql.count(str(_ID)) if place == "?" else 1)
    return got


def _one(conn: Any, offset: int, ticket_id: int) -> dict[Key, int]:
    """The ticket's rows now. `conn`: a synchronous Connection or Session."""
    sql, n = _one_sql(_dialect(conn), offset)
    c = conn.connection() if isinstance(conn, Session) else conn
    rows = c.exec_driver_sql(sql, (ticket_id,) * n).all()
    return {(fig, town, int(day), k1, k2): int(n) for fig, town, day, k1, k2, n in rows}


def _dialect(conn: Any) -> Any:
    return conn.get_bind().dialect if isinstance(conn, Session) else conn.dialect


def _locks(conn: Any) -> None:
    """On PostgreSQL, before a ticket's rows are read: the audit chain's lock, then the refresh
    lock (the order every writer takes them in: no deadlock), so no other write of rollups
    commits between these rows and this transaction's commit."""
    if _dialect(conn).name == "postgresql":
        from griddesk.store.records import CHAIN_LOCK  # records imports this module

        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})


@dataclass
class Before:
    """A ticket's rollup rows before a write changes it (`before_sync`); offset None: no rollups."""

    ticket_id: int
    offset: int | None
    rows: dict[Key, int]


def before_sync(conn: Any, ticket_id: int, new: bool = False) -> Before:
    """A ticket's rows before this write transaction changes it (`new`: just inserted, none)."""
    _locks(conn)
    offset = stored_offset(conn)
    return Before(ticket_id, offset, {} if new or offset is None else _one(conn, offset, ticket_id))


def move_sync(conn: Any, before: Before) -> None:
    """Move the rollups by the ticket's rows now minus its rows before (which then become the
    rows before the next move in the same transaction)."""
    if before.offset is None:
        return
    after = _one(conn, before.offset, before.ticket_id)
    secret = b""
    if any(k[0] == CALLER for k in (*after, *before.rows)):
        engine = conn.get_bind() if isinstance(conn, Session) else conn.engine
        secret = _secrets.get(engine) or b""  # made once per database, never changed
        if not secret:
            secret = _secrets[engine] = secret_sync(conn)
    redo = _move(conn, _callers(before.rows, secret), _callers(after, secret))
    before.rows = after
    if redo:
        refresh_days_sync(conn, sorted(redo), ())


async def before(session: Any, ticket_id: int, new: bool = False) -> None:
    """`before_sync` for an async write session: the rows are kept in it until `flush` (the
    first rows taken of a ticket in a transaction are the ones)."""
    snap = session.info.setdefault(SNAP, {})
    if ticket_id not in snap:
        snap[ticket_id] = await session.run_sync(lambda ss: before_sync(ss, ticket_id, new))


def _callers(rows: dict[Key, int], key: bytes) -> dict[Key, int]:
    """The figures' rows with the ticket's phone turned into its caller key (call_n, call_last)."""
    out = {}
    for (fig, town, day, k1, k2), n in rows.items():
        if fig != CALLER:
            out[(fig, town, day, k1, k2)] = n
            continue
        k = keyed.caller_key(key, k1)
        if k is not None:
            out[("call_n", town, day, k, "")] = 1
            out[("call_last", town, day, k, "")] = n
    return out


def _move(conn: Any, old: dict[Key, int], new: dict[Key, int]) -> set[tuple[str, int]]:
    """Write new − old into the table; return the received town-days where a highest-id row
    lost this ticket (rare: an address or phone changed), which only a refresh can recompute."""
    add: list[dict[str, Any]] = []
    sub: list[dict[str, Any]] = []
    top: list[dict[str, Any]] = []
    redo: set[tuple[str, int]] = set()
    for k in old.keys() | new.keys():
        fig, town, day, k1, k2 = k
        row = {"town_code": town, "day": day, "fig": fig, "k1": k1, "k2": k2}
        if fig in MAX_FIGS:
            if k not in new:
                redo.add((town, day))
            elif old.get(k) != new[k]:
                top.append({**row, "n": new[k]})
            continue
        d = new.get(k, 0) - old.get(k, 0)
        if d > 0:
            add.append({**row, "n": d})
        elif d < 0:
            sub.append({f"b_{k}": v for k, v in row.items()} | {"b_n": d})
    if not (add or sub or top):
        return redo
    c = rollups.c
    ins = (pg_insert if _dialect(conn).name == "postgresql" else sqlite_insert)(rollups)
    pk = [c.town_code, c.day, c.fig, c.k1, c.k2]
    if add:
        conn.execute(ins.on_conflict_do_update(index_elements=pk, set_={"n": c.n + ins.excluded.n}), add)
    if top:
        conn.execute(ins.on_conflict_do_update(
            index_elements=pk, set_={"n": case((ins.excluded.n > c.n, ins.excluded.n), else_=c.n)}), top)
    if sub:
        at = and_(*(col == bindparam(f"b_{col.name}") for col in pk))
        conn.execute(update(rollups).where(at).values(n=c.n + bindparam("b_n")), sub)
        conn.execute(delete(rollups).where(at, c.n <= 0), [{k: v for k, v in r.items() if k != "b_n"} for r in sub])
    return redo


async def flush(session: Any) -> None:
    marks = session.info.pop(DIRTY, None)
    snap: dict[int, Before] = session.info.pop(SNAP, None) or {}
    if not marks:
        return
    await session.flush()
    moved = sorted({i for i, _ in marks if i in snap})
    rest = [(i, at) for i, at in marks if i not in snap]

    def write(ss: Any) -> None:
        for i in moved:
            move_sync(ss, snap[i])
        if rest:  # every other write: its tickets' town-days recomputed
            refresh_tickets_sync(ss, rest)

    await session.run_sync(write)


async def rebuild(store: Any, *, cache_kib: int | None = None,
                  step: Callable[[int, int], None] | None = None) -> None:
    """Recompute every rollup of this store (the demo builder and importers call this after a
    bulk load; `griddesk` migration 0013 does it once). `cache_kib`: a bigger SQLite page cache
    for the connection doing it (the demo build: its statements read the whole history several
    times; with 1 GiB instead of the default 2 MiB a 50,000-ticket county took 22 % less CPU).
    The caller disposes of the connection afterwards."""
    offset = offset_of(store.calendar.tz, store.now())
    async with store.db.session(write=True) as s:
        if cache_kib and store.db.backend == "sqlite":
            await s.execute(text(f"PRAGMA cache_size=-{int(cache_kib)}"))
        await s.run_sync(lambda ss: rebuild_sync(ss, offset, step))


# --- reading --------------------------------------------------------------------------------


async def days_for(store: Any, s: Any, actor: Any, start: datetime, end: datetime) -> tuple[int, int] | None:
    """The local days [first, end) that cover start … end exactly, when the rollups can answer
    for this actor: a centre's towns (a unit's own tickets are few and read directly), whole
    local days, rollups built at the zone's offset. None: read the tickets themselves."""
    from griddesk.store.enums import Role

    if actor.role == Role.UNIT:
        return None
    tz = store.calendar.tz
    offset = offset_of(tz, start)
    if offset_of(tz, end) != offset:
        return None
    a, b = int(start.timestamp()) + offset, int(end.timestamp()) + offset
    if a % 86400 or b % 86400:
        return None
    if await s.run_sync(stored_offset) != offset:
        return None
    return a // 86400, b // 86400


async def sums(s: Any, actor: Any, fig: str, days: tuple[int, int], by_day: bool = False,
               biggest: bool = False, keys: Iterable[str] | None = None) -> list[Any]:
    """(k1, k2, [day,] n) of `fig` over the actor's towns and the days [first, end): n summed,
    or its maximum when `biggest` (the `*_last` figures)."""
    from griddesk.store.scope import in_town

    c = rollups.c
    n = func.max(c.n) if biggest else func.sum(c.n)
    cols = [c.k1, c.k2, *([c.day] if by_day else [])]
    q = select(*cols, n).where(c.fig == fig, c.day >= days[0], c.day < days[1])
    if actor.jurisdiction:
        q = q.where(in_town(c.town_code, actor.jurisdiction))
    if keys is not None:
        q = q.where(c.k1.in_(list(keys)))
    return list((await s.execute(q.group_by(*cols))).all())


async def ranks(s: Any, actor: Any, fig: str, days: tuple[int, int],
                percents: tuple[int, ...]) -> list[tuple[str, int, list[int]]]:
    """(k1, total n, [nearest-rank k2 for each percent]) of `fig` over the actor's towns and the
    days [first, end): for p, the ⌈p·n/100⌉-th smallest k2 (numbers padded to `PAD` digits, so
    text order is number order).

    The rows are read as the index holds them and ranked here: `dur` has a row per closing time
    (55,000 in 30 days of the 200,000-ticket demo), and SQL's GROUP BY k1, k2 over them (a
    temporary B-tree on SQLite) or a window over that cost more than the sort per key below."""
    from griddesk.store.scope import in_town

    c = rollups.c
    q = select(c.k1, c.k2, c.n).where(c.fig == fig, c.day >= days[0], c.day < days[1])
    if actor.jurisdiction:
        q = q.where(in_town(c.town_code, actor.jurisdiction))
    per: dict[str, list[tuple[str, int]]] = {}
    for k1, k2, n in await s.execute(q):
        found = per.get(k1)
        if found is None:
            per[k1] = found = []
        found.append((k2, n))
    out = []
    for k1, found in per.items():
        found.sort()
        total = sum(n for _, n in found)
        wanted = [(total * p + 99) // 100 for p in percents]
        got = [0] * len(wanted)
        seen, i = 0, 0
        for k2, n in found:
            seen += n
            while i < len(wanted) and seen >= wanted[i]:
                got[i] = int(k2)
                i += 1
            if i == len(wanted):
                break
        out.append((k1, total, got))
    return out


async def top(s: Any, actor: Any, fig: str, days: tuple[int, int], least: int, limit: int) -> list[Any]:
    """(k1, n) of the `limit` keys with most, n ≥ least (the repeats)."""
    from griddesk.store.scope import in_town

    c = rollups.c
    n = func.sum(c.n)
    q = select(c.k1, n).where(c.fig == fig, c.day >= days[0], c.day < days[1])
    if actor.jurisdiction:
        q = q.where(in_town(c.town_code, actor.jurisdiction))
    q = q.group_by(c.k1).having(n >= least).order_by(n.desc(), c.k1).limit(limit)
    return list((await s.execute(q)).all())


async def split(store: Any, s: Any, actor: Any, start: datetime,
                end: datetime) -> tuple[tuple[int, int] | None, list[tuple[datetime, datetime]]]:
    """start … end as the whole local days the rollups answer for, and the parts of a day at
    either end left to read from the tickets (all of it when the rollups cannot answer)."""
    offset = offset_of(store.calendar.tz, start)
    a, b = int(start.timestamp()) + offset, int(end.timestamp()) + offset
    first, last = -(-a // 86400), b // 86400
    if first >= last:
        return None, [(start, end)]
    lo, hi = day_bounds(first, offset)[0], day_bounds(last, offset)[0]
    days = await days_for(store, s, actor, lo, hi)
    if days is None:
        return None, [(start, end)]
    return days, [(x, y) for x, y in ((start, lo), (hi, end)) if x < y]
