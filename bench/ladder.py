"""The supervision ladder clearing a backlog, against raw sqlite3, with another writer running.

    python bench/ladder.py [--tickets 60000] [--db PATH] [--days-ahead 40] [--timeout 600]

1. A demo database (`griddesk demo init --tickets N`, reused when present) is copied twice.
2. `now` is set `--days-ahead` days past the demo's history, so every open ticket's handling
   clock is long overdue: its formal notice and criticism steps are due (the backlog).
3. On the first copy, `store.supervision.run_ladder` clears the backlog while another process
   writes a small transaction (BEGIN IMMEDIATE, one UPDATE, COMMIT) every 10 ms and records how
   long each waited for the lock; the ladder's longest write transaction is measured too.
4. On the second copy, the same rows (supervisions, timeline, change feed, audit, the tickets'
   levels) are written by raw sqlite3 executemany in one transaction: the baseline.

Goal (issue 13): backlog of ≥ 15,000 steps clears in ≤ 10 s, no other writer waits > 100 ms,
each ladder write transaction ≤ 50 ms. A hard timeout (`--timeout`) ends any run that hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder
from demo_db import ensure_db  # bench/demo_db.py: the scripts run from this folder

HERE = Path(__file__).resolve().parent

# the other writer: a small write every 10 ms, each timed from BEGIN IMMEDIATE to COMMIT
WRITER = r"""
import json, os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=15, isolation_level=None)
con.execute("PRAGMA busy_timeout=15000")
waits = []
stop_at = time.monotonic() + float(sys.argv[2])
print("ready", flush=True)
while time.monotonic() < stop_at and not os.path.exists(sys.argv[3]):
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE operators SET bell = 1 - bell WHERE id = 1")
    con.execute("COMMIT")
    waits.append(time.perf_counter() - t0)
    time.sleep(0.010)
print(json.dumps({"n": len(waits), "max": max(waits), "p99": sorted(waits)[int(len(waits) * 0.99)],
                  "median": sorted(waits)[len(waits) // 2]}), flush=True)
"""



def latest(path: Path) -> datetime:
    con = sqlite3.connect(path)
    (at,) = con.execute("SELECT max(received_at) FROM tickets").fetchone()
    con.close()
    return datetime.fromisoformat(str(at)).replace(tzinfo=UTC)


def copy(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    con, out = sqlite3.connect(src), sqlite3.connect(dst)
    con.backup(out)  # a consistent copy even if a WAL is beside the source
    out.close()
    con.close()


def grow_backlog(path: Path, have: int, target: int) -> int:
    """Copy the open tickets that have a running handling clock (and the clock) until about
    `target` steps are due: a demo town has a few thousand open tickets, a county's backlog more.
    Returns how many tickets were added."""
    from griddesk.store.enums import OPEN_STATUSES

    if have >= target or have == 0:
        return 0
    rounds = -(-target // have) - 1
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    marks = ",".join("?" * len(OPEN_STATUSES))
    tcols = [r[1] for r in con.execute("PRAGMA table_info(tickets)") if r[1] != "id"]
    ccols = [r[1] for r in con.execute("PRAGMA table_info(ticket_clocks)") if r[1] not in ("id", "ticket_id")]
    src = con.execute(f"SELECT t.id, c.id FROM tickets t JOIN ticket_clocks c ON c.ticket_id = t.id "
                      f"WHERE c.name = 'handle' AND c.state = 'running' AND t.status IN ({marks})",
                      tuple(OPEN_STATUSES)).fetchall()
    added = 0
    for k in range(1, rounds + 1):
        for tid, cid in src:
            cur = con.execute(
                f"INSERT INTO tickets ({', '.join(tcols)}) SELECT "
                + ", ".join(f"number || '-c{k}'" if c == "number" else "NULL" if c == "supervise_level"
                            else c for c in tcols) + " FROM tickets WHERE id = ?", (tid,))
            con.execute(f"INSERT INTO ticket_clocks (ticket_id, {', '.join(ccols)}) "
                        f"SELECT ?, {', '.join(ccols)} FROM ticket_clocks WHERE id = ?", (cur.lastrowid, cid))
            added += 1
    con.execute("COMMIT")
    con.close()
    return added


async def count_due(path: Path, now: datetime) -> int:
    from griddesk.store import supervision
    from griddesk.store.context import Store

    store = await Store.open(str(path), now=lambda: now)
    try:
        return len(await supervision.plan(store, now))
    finally:
        await store.close()


async def run_ladder(path: Path, now: datetime, writer_seconds: float) -> dict:
    from sqlalchemy import event

    from griddesk.store import supervision
    from griddesk.store.context import Store
    from griddesk.store.db import WRITE

    store = await Store.open(str(path), now=lambda: now)
    t0 = time.perf_counter()
    planned = await supervision.plan(store, now)
    plan_s = time.perf_counter() - t0

    # the ladder's write transactions, timed from BEGIN IMMEDIATE until the commit is done
    txns: list[float] = []
    began: dict[int, float] = {}

    def on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(WRITE):
            began[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def on_checkin(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        # the pool takes the connection back after COMMIT returned
        at = began.pop(id(dbapi_conn), None)
        if at is not None:
            txns.append(time.perf_counter() - at)

    event.listen(store.db.engine.sync_engine, "begin", on_begin)
    event.listen(store.db.engine.sync_engine.pool, "checkin", on_checkin)

    stop = path.with_name(path.name + ".stop")
    stop.unlink(missing_ok=True)
    writer = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, str(path), str(writer_seconds),
                                                  str(stop), stdout=asyncio.subprocess.PIPE)
    assert writer.stdout is not None
    await writer.stdout.readline()  # "ready"
    await asyncio.sleep(0.2)  # the writer's steady state first
    t0 = time.perf_counter()
    wrote = await supervision.run_ladder(store, now)
    ladder_s = time.perf_counter() - t0
    stop.touch()
    out, _ = await asyncio.wait_for(writer.communicate(), timeout=writer_seconds + 60)
    stop.unlink(missing_ok=True)
    await store.close()
    return {"planned": len(planned), "wrote": len(wrote), "plan_s": plan_s, "ladder_s": ladder_s,
            "txn_max": max(txns, default=0.0), "txn_median": statistics.median(txns) if txns else 0.0,
            "txns": len(txns), "writer": json.loads(out.decode().strip().splitlines()[-1])}


def rows_written(path: Path) -> dict[str, list[tuple]]:
    """What the ladder wrote, read back for the raw baseline."""
    con = sqlite3.connect(path)
    out = {
        "supervisions": con.execute("SELECT ticket_id, level, unit_id, reason, actor, at, step_key FROM supervisions "
                                    "WHERE step_key IS NOT NULL").fetchall(),
        "timeline": con.execute("SELECT ticket_id, at, actor, action, from_status, to_status, note, data "
                                "FROM timeline WHERE action = 'supervise'").fetchall(),
        "change_feed": con.execute("SELECT at, entity, entity_id, area_code, kind FROM change_feed "
                                   "WHERE kind = 'supervise'").fetchall(),
        "audit_log": con.execute("SELECT at, actor, action, entity, entity_key, detail FROM audit_log "
                                 "WHERE action = 'ticket.supervise'").fetchall(),
        "levels": con.execute("SELECT supervise_level, id FROM tickets WHERE id IN "
                              "(SELECT ticket_id FROM supervisions WHERE step_key IS NOT NULL)").fetchall(),
    }
    con.close()
    return out


def raw_baseline(path: Path, rows: dict[str, list[tuple]]) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO supervisions (ticket_id, level, unit_id, reason, actor, at, step_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", rows["supervisions"])
    con.executemany("INSERT INTO timeline (ticket_id, at, actor, action, from_status, to_status, note, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows["timeline"])
    con.executemany("INSERT INTO change_feed (at, entity, entity_id, area_code, kind) VALUES (?, ?, ?, ?, ?)",
                    rows["change_feed"])
    con.executemany("INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?)", rows["audit_log"])
    con.executemany("UPDATE tickets SET supervise_level = ? WHERE id = ?", rows["levels"])
    con.execute("COMMIT")
    took = time.perf_counter() - t0
    con.close()
    return took


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickets", type=int, default=60_000)
    p.add_argument("--db", type=Path, default=HERE / "results" / "bench-ladder-60k.db")
    p.add_argument("--days-ahead", type=int, default=40, help="how far past the history `now` is set")
    p.add_argument("--backlog", type=int, default=15_000,
                   help="copy open tickets until at least this many steps are due")
    p.add_argument("--timeout", type=int, default=600, help="hard limit for the whole run, seconds")
    args = p.parse_args()

    stop_after(args.timeout, "bench/ladder.py")

    ensure_db(args.db, args.tickets)
    work = args.db.with_name(args.db.stem + ".work.db")
    base = args.db.with_name(args.db.stem + ".raw.db")
    copy(args.db, work)
    # a working-day morning, days past the last ticket: every open ticket's deadline long gone
    now = (latest(args.db) + timedelta(days=args.days_ahead)).replace(hour=1, minute=0, second=0, microsecond=0)
    while now.weekday() >= 5:
        now += timedelta(days=1)
    added = grow_backlog(work, asyncio.run(count_due(work, now)), args.backlog)
    copy(work, base)

    r = asyncio.run(run_ladder(work, now, writer_seconds=1.0 + args.timeout / 10))
    rows = rows_written(work)
    raw_s = raw_baseline(base, rows)
    w = r["writer"]
    print(f"Supervision ladder backlog on {args.tickets:,} demo tickets (+{added:,} copies of open ones), "
          f"now = {now:%Y-%m-%d %H:%M} UTC")
    print(f"  steps due (plan)        {r['planned']:>8,}   read + decided in {r['plan_s']:.2f} s")
    print(f"  ladder, batched         {r['ladder_s']:>8.2f} s  ({r['wrote']:,} steps, {r['txns']} write "
          f"transactions: median {r['txn_median'] * 1000:.1f} ms, max {r['txn_max'] * 1000:.1f} ms)")
    print(f"  raw sqlite3 executemany {raw_s:>8.2f} s  (the same rows, one transaction)")
    print(f"  ratio ladder / raw      {r['ladder_s'] / raw_s:>8.1f}×")
    print(f"  other writer (every 10 ms): {w['n']} writes, wait median {w['median'] * 1000:.1f} ms, "
          f"p99 {w['p99'] * 1000:.1f} ms, max {w['max'] * 1000:.1f} ms")
    print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = r["wrote"] >= 15_000 and r["ladder_s"] <= 10 and w["max"] <= 0.1 and r["txn_max"] <= 0.05
    print(f"  goal (≥ 15,000 steps in ≤ 10 s, writer max wait ≤ 100 ms, transaction ≤ 50 ms): "
          f"{'met' if ok else 'MISSED'}")
    for f in (work, base):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{f}{suffix}").unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
