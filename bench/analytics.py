"""Analytics benchmark: each figure through the store against the raw SQL for the same figure,
measured in the same run on the same database (ratios, not seconds, are the result).

    python bench/analytics.py [--tickets 200000] [--db PATH] [--days 30] [--runs 3] [--timeout 900]

The database is a demo town built by `griddesk demo init --tickets N --days D` (reused when
present). Each measure runs the store's function (SQLAlchemy Core, the same code on PostgreSQL)
and then hand-written `sqlite3` statements that compute the same numbers (checked equal), and
prints both medians and their ratio. The whole run stops after --timeout seconds (bench/deadline.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder
from demo_db import ensure_db  # bench/demo_db.py: the scripts run from this folder

HERE = Path(__file__).resolve().parent

EPOCH = "CAST(strftime('%s', {c}) AS INTEGER)"
SCOPE = "t.town_code >= :lo AND t.town_code < :hi AND t.received_at >= :start AND t.received_at < :end"



def raw_hotspots(con: sqlite3.Connection, p: dict[str, Any], secret: bytes) -> dict[str, Any]:
    """The hot spots' figures in plain SQL (the sort of the rows is left to Python, as the store)."""
    both = dict(p, start=p["prev_start"])
    day = f"({EPOCH.format(c='t.received_at')} - :epoch) / 86400"
    out: dict[str, Any] = {}
    out["by_matter"] = con.execute(f"SELECT t.matter_id, {day} d, count(*) FROM tickets t WHERE {SCOPE} "
                                   "GROUP BY t.matter_id, d", both).fetchall()
    out["by_grid"] = con.execute(f"SELECT t.grid_id, {day} d, count(*) FROM tickets t WHERE {SCOPE} "
                                 "GROUP BY t.grid_id, d", both).fetchall()
    out["by_village"] = con.execute(f"SELECT g.area_code, {day} d, count(*) FROM tickets t JOIN grids g "
                                    f"ON g.id = t.grid_id WHERE {SCOPE} GROUP BY g.area_code, d", both).fetchall()
    dur = f"{EPOCH.format(c='t.closed_at')} - {EPOCH.format(c='t.received_at')}"
    out["longest"] = con.execute(f"""
        SELECT k, n, max(CASE WHEN rn = (n * 50 + 99) / 100 THEN d END),
               max(CASE WHEN rn = (n * 90 + 99) / 100 THEN d END)
        FROM (SELECT t.matter_id k, {dur} d, row_number() OVER (PARTITION BY t.matter_id ORDER BY {dur}) rn,
                     count(*) OVER (PARTITION BY t.matter_id) n
              FROM tickets t WHERE {SCOPE} AND t.closed_at IS NOT NULL AND t.status = 'closed')
        GROUP BY k, n""", p).fetchall()
    out["hardest"] = con.execute(f"""
        SELECT t.matter_id, sum(e.action = 'return'), sum(e.action = 'extend'), sum(e.action = 'reopen'),
               sum(e.action = 'verify' AND e.to_status = 'signed'),
               sum(e.action = 'visit' AND json_extract(e.data, '$.satisfaction') = 'dissatisfied')
        FROM timeline e JOIN tickets t ON t.id = e.ticket_id
        WHERE {SCOPE} AND e.action IN ('return', 'extend', 'reopen', 'verify', 'visit') GROUP BY t.matter_id""",
                                 p).fetchall()
    out["addresses"] = con.execute(f"SELECT t.address, count(*), max(t.id) FROM tickets t WHERE {SCOPE} AND "
                                   "t.address IS NOT NULL GROUP BY t.address HAVING count(*) >= 2 "
                                   "ORDER BY count(*) DESC, t.address LIMIT 20", p).fetchall()
    callers: dict[str, int] = {}
    for (phone,) in con.execute(f"SELECT t.reporter_phone FROM tickets t WHERE {SCOPE} AND "
                                "t.reporter_phone IS NOT NULL", p):
        digits = "".join(ch for ch in phone if ch.isdigit())
        digits = digits[-11:] if len(digits) > 11 and digits.startswith("86") else digits
        if len(digits) < 5:
            continue
        k = hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()
        callers[k] = callers.get(k, 0) + 1
    out["callers"] = sorted(n for n in callers.values() if n >= 2)
    hour = f"(({EPOCH.format(c='t.received_at')} + :offset) % 86400) / 3600"
    wd = f"((({EPOCH.format(c='t.received_at')} + :offset) / 86400) + 3) % 7"
    out["heat"] = con.execute(f"SELECT {wd} w, {hour} h, count(*) FROM tickets t WHERE {SCOPE} GROUP BY w, h",
                              p).fetchall()
    return out


def raw_scorecards(con: sqlite3.Connection, p: dict[str, Any]) -> list[Any]:
    rows = con.execute(f"""
        SELECT t.lead_unit_id, count(*), sum(t.status = 'closed'),
               sum(t.status = 'closed' AND coalesce(t.satisfaction, '') != 'dissatisfied')
        FROM tickets t WHERE {SCOPE} AND t.lead_unit_id IS NOT NULL GROUP BY t.lead_unit_id""", p).fetchall()
    con.execute(f"""
        SELECT e.actor, count(*), sum(EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = e.ticket_id
               AND +c.name = 'sign' AND +c.state = 'met' AND c.stopped_at = e.at))
        FROM timeline e JOIN tickets t ON t.id = e.ticket_id WHERE {SCOPE} AND e.action = 'sign'
        GROUP BY e.actor""", p).fetchall()
    con.execute(f"""
        SELECT t.lead_unit_id, count(*), sum(json_extract(e.data, '$.satisfaction') IN ('satisfied', 'basic'))
        FROM timeline e JOIN tickets t ON t.id = e.ticket_id
        WHERE {SCOPE} AND e.action = 'visit' AND t.lead_unit_id IS NOT NULL GROUP BY t.lead_unit_id""", p).fetchall()
    con.execute(f"""
        SELECT t.lead_unit_id, count(*) FROM tickets t WHERE {SCOPE} AND t.status = 'closed'
        AND t.lead_unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id
        AND +c.name = 'handle' AND +c.state = 'missed') GROUP BY t.lead_unit_id""", p).fetchall()
    con.execute(f"""
        SELECT t.lead_unit_id, e.action, count(*) FROM timeline e JOIN tickets t ON t.id = e.ticket_id
        WHERE {SCOPE} AND t.lead_unit_id IS NOT NULL AND e.action IN ('extend', 'suspend', 'reopen')
        GROUP BY t.lead_unit_id, e.action""", p).fetchall()
    con.execute(f"SELECT t.created_by, count(*) FROM tickets t WHERE {SCOPE} GROUP BY t.created_by", p).fetchall()
    con.execute(f"""
        SELECT e.actor, count(*) FROM timeline e JOIN tickets t ON t.id = e.ticket_id
        WHERE {SCOPE} AND e.action = 'dispatch' GROUP BY e.actor""", p).fetchall()
    con.execute(f"""SELECT g.code, count(*) FROM tickets t JOIN grids g ON g.id = t.grid_id WHERE {SCOPE}
                    GROUP BY g.code""", p).fetchall()
    return sorted((r[0], r[1]) for r in rows)


def raw_report(con: sqlite3.Connection, p: dict[str, Any]) -> list[Any]:
    """The report's counts (not its lists of events and notices, nor the overdue clocks, which
    the store reads through the overdue view's calendar arithmetic)."""
    out = [con.execute(f"SELECT count(*) FROM tickets t WHERE {SCOPE}", p).fetchone()]
    out.append(con.execute("""
        SELECT e.action, count(*) FROM timeline e JOIN tickets t ON t.id = e.ticket_id
        WHERE t.town_code >= :lo AND t.town_code < :hi AND e.at >= :start AND e.at < :end
        AND e.action IN ('dispatch', 'close', 'resolve_on_spot', 'flag', 'report_up', 'hand_to_county', 'hand_back')
        GROUP BY e.action""", p).fetchall())
    out.append(con.execute("SELECT count(*), sum(t.escalation = 'flagged') FROM tickets t "
                           "WHERE t.town_code >= :lo AND t.town_code < :hi AND t.status != 'closed'", p).fetchone())
    return out


async def measure(name: str, store_fn: Callable[[], Awaitable[Any]], raw_fn: Callable[[], Any],
                  runs: int) -> tuple[str, float, float]:
    await store_fn()  # warm both (page cache, compiled statements)
    raw_fn()
    s_t, r_t = [], []
    for _ in range(runs):  # interleaved, so drift hits both sides alike
        t0 = time.perf_counter()
        await store_fn()
        s_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        raw_fn()
        r_t.append(time.perf_counter() - t0)
    return name, statistics.median(s_t), statistics.median(r_t)


async def run(path: Path, days: int, runs: int, login: str | None) -> list[tuple[str, float, float]]:
    from griddesk.store.analytics import focus, hotspots, keyed, period, reports, scorecards
    from griddesk.store.context import Store
    from griddesk.store.scope import upper_bound

    store = await Store.open(str(path))  # migrates (and builds the rollups) on first open
    actor = await store.actor(login)
    scope = {"lo": actor.jurisdiction, "hi": upper_bound(actor.jurisdiction) if actor.jurisdiction else "~"}

    def fmt(at: Any) -> str:
        return at.strftime("%Y-%m-%d %H:%M:%S")

    p = period.last_days(store.calendar, store.now(), days)
    prev = p.previous(store.calendar)
    secret = await keyed.secret(store)
    params = dict(scope, start=fmt(p.start), end=fmt(p.end), prev_start=fmt(prev.start), epoch=prev.start_epoch,
                  offset=8 * 3600)
    con = sqlite3.connect(path)
    h = await hotspots.hotspots(store, actor, p)
    raw = raw_hotspots(con, params, secret)
    total = sum(n for _, d, n in raw["by_matter"] if d >= p.days)
    if total != h.total or sorted(r.count for r in h.repeats if r.kind == "caller") != raw["callers"][-20:]:
        raise SystemExit("the raw SQL and the store disagree on the hot spots: fix the raw queries")
    sc = await scorecards.scorecards(store, actor, p)
    if sorted(c.received for c in sc.units) != sorted(n for _, n in raw_scorecards(con, params)):
        raise SystemExit("the raw SQL and the store disagree on the scorecards")
    out = [
        await measure(f"hot spots, {days} days", lambda: hotspots.hotspots(store, actor, p),
                      lambda: raw_hotspots(con, params, secret), runs),
        await measure(f"scorecards, {days} days", lambda: scorecards.scorecards(store, actor, p),
                      lambda: raw_scorecards(con, params), runs),
    ]
    now = store.now()
    for kind in reports.KINDS:
        if kind == "shift":
            start, end = reports.shift_bounds(store, now)
        else:
            rp = reports.default_period(store, kind, now)
            start, end = rp.start, rp.end
        rparams = dict(scope, start=fmt(start), end=fmt(end))
        out.append(await measure(f"{kind} report", lambda k=kind: reports.report(store, actor, k),  # type: ignore[misc]
                                 lambda q=rparams: raw_report(con, q), runs))
    items = await focus.items(store, actor)
    fparams = [(it, dict(scope, start=fmt(it.created_at),
                         end=fmt(min(now, it.created_at + timedelta(days=focus.WINDOW))))) for it in items]
    out.append(await measure(f"focus list ({len(items)} items)", lambda: focus.items(store, actor),
                             lambda: raw_focus(con, fparams, secret), runs))
    out.append(await measure_refresh(store, runs))
    con.close()
    await store.close()
    return out


async def measure_refresh(store: Any, runs: int) -> tuple[str, float, float]:
    """What each write adds: recomputing the rollups of one town's day (the busiest town's
    latest day, received- and step-day figures), in a write transaction rolled back each time.
    Baseline: the same transaction writing one timeline row, without the rollups."""
    from sqlalchemy import func, select

    from griddesk.store.analytics import rollups
    from griddesk.store.models import Ticket, TimelineEntry

    async with store.db.session() as s:
        tid, town, received = (await s.execute(
            select(Ticket.id, Ticket.town_code, Ticket.received_at).order_by(Ticket.id.desc()).limit(1))).one()
        before = (await s.execute(select(func.count()).select_from(rollups.rollups))).scalar_one()

    class Undo(Exception):
        pass

    async def write(refresh: bool) -> None:
        try:
            async with store.db.session(write=True) as s:
                await s.execute(TimelineEntry.__table__.insert().values(
                    ticket_id=tid, at=store.now(), actor="bench", action="note", data=None))
                if refresh:
                    await s.run_sync(lambda ss: rollups.refresh_tickets_sync(ss, [(tid, store.now())]))
                raise Undo
        except Undo:
            pass

    s_t, r_t = [], []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        await write(True)
        s_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await write(False)
        r_t.append(time.perf_counter() - t0)
    async with store.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(rollups.rollups))).scalar_one() == before
    return f"a write + refresh ({town})", statistics.median(s_t[1:]), statistics.median(r_t[1:])


def raw_focus(con: sqlite3.Connection, items: list[tuple[Any, dict[str, Any]]], secret: bytes) -> list[int]:
    """Each focus item's "after" count in plain SQL (callers hashed as the store does)."""
    out = []
    for it, p in items:
        count = "SELECT count(*) FROM tickets t"
        if it.kind == "matter":
            q = f"{count} JOIN matters m ON m.id = t.matter_id WHERE {SCOPE} AND m.code = :k"
        elif it.kind == "grid":
            q = f"{count} JOIN grids g ON g.id = t.grid_id WHERE {SCOPE} AND g.code = :k"
        elif it.kind == "village":
            q = f"{count} JOIN grids g ON g.id = t.grid_id WHERE {SCOPE} AND g.area_code LIKE :k || '%'"
        elif it.kind == "address":
            q = f"{count} WHERE {SCOPE} AND t.address = :k"
        else:
            n = 0
            for (phone,) in con.execute(f"SELECT t.reporter_phone FROM tickets t WHERE {SCOPE} "
                                        "AND t.reporter_phone IS NOT NULL", p):
                digits = "".join(ch for ch in phone if ch.isdigit())
                n += hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest() == it.key
            out.append(n)
            continue
        out.append(con.execute(q, dict(p, k=it.key)).fetchone()[0])
    return out


async def add_focus(path: Path, login: str | None) -> None:
    """Put one item of each kind on the focus list (the bench database's own, once)."""
    from griddesk.store.analytics import focus, hotspots, period
    from griddesk.store.context import Store

    store = await Store.open(str(path))
    actor = await store.actor(login)
    if not await focus.items(store, actor):
        h = await hotspots.hotspots(store, actor, period.last_days(store.calendar, store.now(), 90))
        picks = [("matter", h.by_matter[0].code), ("grid", h.by_grid[0].code), ("village", h.by_village[0].key)]
        picks += [(r.kind, r.key) for r in h.repeats[:1]]
        picks += [("caller", r.key) for r in h.repeats if r.kind == "caller"][:1]
        for kind, key in picks:
            await focus.add(store, actor, kind, key, owner="bench")
    await store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=30, help="the period each figure covers")
    ap.add_argument("--history", type=int, default=365, help="days of demo history to build")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=900, help="stop the whole run after this many seconds")
    ap.add_argument("--as", dest="login", help="the account whose figures are read (county01: a whole county)")
    ap.add_argument("--focus", action="store_true", help="put one item of each kind on the focus list first")
    args = ap.parse_args()
    stop_after(args.timeout, "bench/analytics.py")
    path = args.db or HERE / "results" / f"analytics-{args.tickets // 1000}k.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if args.db is None or not args.db.exists():
        ensure_db(path, args.tickets, args.history)
    if args.focus:
        asyncio.run(add_focus(path, args.login))
    rows = asyncio.run(run(path, args.days, args.runs, args.login))
    with sqlite3.connect(path) as con:
        n = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    print(f"GridDesk analytics on {n:,} tickets ({path.name}, as {args.login or 'the default account'}); "
          f"medians of {args.runs}")
    for name, s, r in rows:
        print(f"  {name:<28} store {s * 1000:9.1f} ms   raw sqlite3 {r * 1000:9.1f} ms   ratio {s / r:5.2f}×")


if __name__ == "__main__":
    main()
