"""Many writers on one SQLite file, taking tickets through the loop: lock errors, latency, throughput.

    python bench/writers.py                                  # 32 processes, 60 s each side
    python bench/writers.py --processes 8 --seconds 10 --timeout 300

Two sides, one after the other, on fresh copies of the same demo database, each with
`--processes` processes working as fast as they can for `--seconds`. Every process registers a
ticket and takes it round the loop: add, dispatch, sign, feedback, visit, close (six writes),
again and again.

- GridDesk: `tickets.create` and `workflow.act` (store/tickets.py, store/workflow.py), as the
  console and `griddesk ticket act` call them: write gate, BEGIN IMMEDIATE, everything.
- baseline: the same statements written by hand in raw `sqlite3`, one BEGIN IMMEDIATE
  transaction per action (the reads of the ticket, grid, clocks, units, matter and its limits,
  then the writes of the ticket, its clock, the version, timeline, change feed, audit chain),
  with a 15 s busy timeout.

For each side: actions done and per second, errors that reached the caller (lock errors
counted apart), and each action's latency from the call to its return: p50, p95, p99, max.
Every process connects first; they start together and close together (barriers), so start-up
and the checkpoints at close stay out of the measured run. `--timeout` (bench/deadline.py's
`stop_after`: exit 3, the writers killed and the copies removed) ends the whole run if anything
hangs. Exit code 0 when the goals are met (no lock error, p95 ≤ 0.5 s,
throughput ≥ 0.5× the baseline), 1 when not.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

LOOP = (("dispatch", "op", {"unit": "URBAN"}), ("sign", "unit", {}), ("feedback", "unit", {"note": "已清运"}),
        ("visit", "op", {"satisfaction": "satisfied"}), ("close", "op", {}))
GOAL_P95_S = 0.5
GOAL_RATIO = 0.5


def _is_lock(message: str) -> bool:
    return "locked" in message or "fault.locked" in message or "busy" in message


# --- the GridDesk side ------------------------------------------------------------------------


def _griddesk_writer(path: str, grid: str, matter: str, ready: Any, seconds: float, out: Any) -> None:
    from sqlalchemy import select, text

    from griddesk.store import accounts, config, tickets, workflow
    from griddesk.store.context import Store
    from griddesk.store.errors import StoreError
    from griddesk.store.models import Operator

    async def run() -> tuple[list[float], list[str], float]:
        store = await Store.open(path, config.Settings())
        async with store.db.session() as s:  # connected, as a running console is
            await s.execute(text("SELECT 1"))
            ops = {o.login: accounts.actor_of(o) for o in (await s.execute(select(Operator))).scalars()}
        who = {"op": ops["op01"], "unit": ops["u-urban"]}
        new = tickets.parse({"source": "hotline", "grid": grid, "matter": matter, "title": "路灯不亮",
                             "reporter": {"name": "李明", "phone": "13807790001"}})
        await asyncio.to_thread(ready.wait, 600)
        until = time.time() + seconds
        waits: list[float] = []
        errors: list[str] = []
        cpu0 = time.process_time()  # the process's CPU (every thread: aiosqlite's too)

        async def timed(call: Any) -> Any:
            t0 = time.perf_counter()
            try:
                got = await call
            except StoreError as e:  # counted: what reached the caller
                errors.append(f"{type(e).__name__} {e.key}: {e.message()[:80]}")
                return None
            except Exception as e:  # a raw driver error reaching the caller: the failure
                errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:80]}")
                return None
            waits.append(time.perf_counter() - t0)
            return got

        try:
            while time.time() < until:
                number = await timed(tickets.create(store, who["op"], new))
                if number is None:
                    continue
                for action, role, kw in LOOP:
                    if await timed(workflow.act(store, who[role], number, action, **kw)) is None:
                        break
            cpu = time.process_time() - cpu0
            await asyncio.to_thread(ready.wait, 600)  # nobody closes (and checkpoints) while others write
        finally:
            await store.close()
        return waits, errors, cpu

    out.put(asyncio.run(run()))


# --- the baseline: the same statements by hand --------------------------------------------------


class _Raw:
    """One process's raw sqlite3 connection doing what the store does for each action."""

    def __init__(self, path: str, grid: str, matter: str, pid: int):
        self.con = sqlite3.connect(path, timeout=15, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("PRAGMA foreign_keys=ON")
        self.grid, self.matter, self.pid, self.k = grid, matter, pid, 0
        self.unit_id = self.con.execute("SELECT id FROM units WHERE code = 'URBAN'").fetchone()[0]

    def _audit(self, now: str, action: str, key: str, detail: dict[str, Any]) -> None:
        prev = self.con.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        body = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        h = hashlib.sha256(((prev[0] if prev else "") + body).encode()).hexdigest()
        self.con.execute("INSERT INTO audit_log (at, actor, action, entity, entity_key, detail, prev_hash, hash) "
                         "VALUES (?, 'bench(op01)', ?, 'ticket', ?, ?, ?, ?)",
                         (now, action, key, body, prev[0] if prev else None, h))

    def add(self) -> str:
        c = self.con
        now = datetime.now(UTC).isoformat()
        c.execute("BEGIN IMMEDIATE")
        grid = c.execute("SELECT id, town_code, area_code, status FROM grids WHERE code = ?", (self.grid,)).fetchone()
        matter = c.execute("SELECT id, limit_value, limit_unit FROM matters WHERE code = ?", (self.matter,)).fetchone()
        c.execute("SELECT value, unit FROM matter_limits WHERE matter_id = ?", (matter[0],)).fetchall()
        key = f"raw-{grid[1]}"
        got = c.execute("UPDATE counters SET value = value + 1 WHERE key = ? RETURNING value", (key,)).fetchone()
        if got is None:
            c.execute("INSERT INTO counters (key, value) VALUES (?, 1)", (key,))
        self.k += 1
        number = f"R{self.pid}-{self.k}"
        tid = c.execute(
            "INSERT INTO tickets (number, source, reporter_name, reporter_phone, grid_id, town_code, matter_id, "
            "out_of_list, urgency, title, status, received_at, resolved_on_spot, held_by, created_by, updated_at, "
            "updated_by, version) VALUES (?, 'hotline', '李明', '13807790001', ?, ?, ?, 0, 'normal', '路灯不亮', "
            "'pending_dispatch', ?, 0, ?, 'bench(op01)', ?, 'bench(op01)', 1) RETURNING id",
            (number, grid[0], grid[1], matter[0], now, grid[1], now)).fetchone()[0]
        c.execute("INSERT INTO timeline (ticket_id, at, actor, action, from_status, to_status, note, data) "
                  "VALUES (?, ?, 'bench(op01)', 'receive', NULL, 'pending_dispatch', NULL, '{}')", (tid, now))
        c.execute("SELECT id FROM ticket_clocks WHERE ticket_id = ?", (tid,)).fetchall()
        c.execute("INSERT INTO ticket_clocks (ticket_id, name, limit_value, limit_unit, started_at, due_at, warn_at, "
                  "state) VALUES (?, 'handle', 5, 'work_days', ?, ?, ?, 'running')", (tid, now, now, now))
        c.execute("SELECT id, due_at FROM ticket_clocks WHERE ticket_id = ?", (tid,)).fetchall()
        c.execute("UPDATE tickets SET due_at = ?, due_clock = 'handle', warn_at = ?, handle_due_at = ? WHERE id = ?",
                  (now, now, now, tid))
        c.execute("INSERT INTO change_feed (at, entity, entity_id, area_code, kind) VALUES (?, 'ticket', ?, ?, "
                  "'created')", (now, tid, grid[1]))
        self._audit(now, "ticket.create", number, {})
        c.execute("COMMIT")
        return number

    def act(self, number: str, action: str) -> None:
        c = self.con
        now = datetime.now(UTC).isoformat()
        c.execute("BEGIN IMMEDIATE")
        tid, grid_id, status, version, lead, matter_id, town = c.execute(
            "SELECT id, grid_id, status, version, lead_unit_id, matter_id, town_code FROM tickets WHERE number = ?",
            (number,)).fetchone()
        c.execute("SELECT id, area_code, town_code FROM grids WHERE id = ?", (grid_id,)).fetchone()
        if action == "dispatch":
            c.execute("SELECT id, kind, active FROM units WHERE code = 'URBAN'").fetchone()
        clocks = c.execute("SELECT id, name, state FROM ticket_clocks WHERE ticket_id = ? ORDER BY id",
                           (tid,)).fetchall()
        c.execute("SELECT id, code FROM units WHERE id = ?", (lead or self.unit_id,)).fetchone()
        c.execute("SELECT unit_id FROM ticket_co_units WHERE ticket_id = ? ORDER BY unit_id", (tid,)).fetchall()
        c.execute("SELECT id, limit_value, limit_unit FROM matters WHERE id = ?", (matter_id,)).fetchone()
        c.execute("SELECT value, unit FROM matter_limits WHERE matter_id = ?", (matter_id,)).fetchall()
        to = {"dispatch": "dispatched", "sign": "signed", "feedback": "feedback", "visit": "visited",
              "close": "closed"}[action]
        c.execute("UPDATE tickets SET status = ?, lead_unit_id = ?, due_at = ?, due_clock = 'handle', warn_at = ? "
                  "WHERE id = ?", (to, self.unit_id, now, now, tid))
        running = [cl for cl in clocks if cl[2] == "running"]
        if action in ("sign", "feedback", "visit") and running:
            c.execute("UPDATE ticket_clocks SET state = 'stopped', stopped_at = ? WHERE id = ?", (now, running[-1][0]))
        if action in ("dispatch", "feedback"):
            c.execute("INSERT INTO ticket_clocks (ticket_id, name, limit_value, limit_unit, started_at, due_at, "
                      "warn_at, state) VALUES (?, ?, 1, 'work_days', ?, ?, ?, 'running')",
                      (tid, "sign" if action == "dispatch" else "verify", now, now, now))
        c.execute("UPDATE tickets SET updated_at = ?, updated_by = 'bench(op01)', version = ? "
                  "WHERE id = ? AND version = ?", (now, version + 1, tid, version))
        c.execute("INSERT INTO timeline (ticket_id, at, actor, action, from_status, to_status, note, data) "
                  "VALUES (?, ?, 'bench(op01)', ?, ?, ?, NULL, '{}')", (tid, now, action, status, to))
        c.execute("INSERT INTO change_feed (at, entity, entity_id, area_code, kind) VALUES (?, 'ticket', ?, ?, ?)",
                  (now, tid, town, action))
        self._audit(now, f"ticket.{action}", number, {"from": status, "to": to, "version": version + 1})
        c.execute("COMMIT")


def _raw_writer(path: str, grid: str, matter: str, ready: Any, seconds: float, out: Any) -> None:
    raw = _Raw(path, grid, matter, os.getpid())
    ready.wait(600)
    until = time.time() + seconds
    cpu0 = time.process_time()
    waits: list[float] = []
    errors: list[str] = []

    def timed(call: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            got = call(*args)
        except sqlite3.Error as e:
            if raw.con.in_transaction:
                raw.con.execute("ROLLBACK")
            errors.append(f"{type(e).__name__}: {e}")
            return None
        waits.append(time.perf_counter() - t0)
        return got if got is not None else True

    while time.time() < until:
        number = timed(raw.add)
        if number is None:
            continue
        for action, _who, _kw in LOOP:
            if timed(raw.act, number, action) is None:
                break
    cpu = time.process_time() - cpu0
    ready.wait(600)
    raw.con.close()
    out.put((waits, errors, cpu))


# --- running and reporting ----------------------------------------------------------------------


def run_side(target: Any, path: Path, grid: str, matter: str, processes: int,
             seconds: float) -> tuple[list[float], list[str], float, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    ready = ctx.Barrier(processes)  # every process started and connected before the clock starts
    procs = [ctx.Process(target=target, args=(str(path), grid, matter, ready, seconds, out))
             for _ in range(processes)]
    for p in procs:
        p.start()
    waits: list[float] = []
    errors: list[str] = []
    cpu = 0.0
    deadline = time.time() + 600 + seconds
    for _ in procs:
        try:
            w, e, c = out.get(timeout=max(1.0, deadline - time.time()))
        except Exception:
            errors.append("a writer did not report before the watchdog")
            break
        waits += w
        errors += e
        cpu += c
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    return waits, errors, seconds, cpu


def _per(cpu: float, waits: list[float]) -> float:
    """CPU milliseconds per action, the writers' processes summed (every thread): the figure that
    carries over to a loaded machine, where the wall-clock figures mostly measure the wait for a core."""
    return cpu * 1000 / max(1, len(waits))


def _pct(xs: list[float], q: float) -> float:
    if len(xs) < 2:
        return xs[0] if xs else 0.0
    return statistics.quantiles(xs, n=1000, method="inclusive")[int(q * 1000) - 1]


def report(name: str, waits: list[float], errors: list[str], seconds: float, cpu: float) -> str:
    ms = [w * 1000 for w in waits] or [0.0]
    locks = sum(_is_lock(e) for e in errors)
    line = (f"  {name:<9} actions {len(waits):>6} ({len(waits) / seconds:7.1f}/s)  errors {len(errors):>3} "
            f"(lock {locks:>3})  latency ms  p50 {_pct(ms, .5):7.1f}  p95 {_pct(ms, .95):7.1f}"
            f"  p99 {_pct(ms, .99):7.1f}  max {max(ms):8.1f}  cpu/action {_per(cpu, waits):6.2f} ms")
    for msg, n in Counter(errors).most_common(3):
        line += f"\n             {n} × {msg}"
    return line


async def _build(path: Path) -> tuple[str, str]:
    """A small demo town; the grid and the (normal, non-emergency) matter every ticket uses."""
    from sqlalchemy import select

    from griddesk.store import config, demo
    from griddesk.store.context import Store
    from griddesk.store.enums import GridStatus
    from griddesk.store.models import Grid, Matter

    s = await Store.open(str(path), config.Settings())
    try:
        await demo.build(s, tickets=200, days=7)
        async with s.db.session() as ss:
            grid = (await ss.execute(select(Grid.code).where(Grid.status == GridStatus.ACTIVE)
                                     .order_by(Grid.code).limit(1))).scalar_one()
            matter = (await ss.execute(select(Matter.code).where(Matter.escalate.is_(False),
                                                                 Matter.withdrawn_on.is_(None))
                                       .order_by(Matter.code).limit(1))).scalar_one()
    finally:
        await s.close()
    return grid, matter


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processes", "--writers", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=None, help="end the whole run after this many seconds "
                    "(default: 900 + 2 × --seconds)")
    ap.add_argument("--only", choices=("griddesk", "raw"), help="run one side only")
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="gd-bench-writers-")

    def cleanup() -> None:  # on the timeout: no writer left running, no copies left behind
        for p in mp.active_children():
            p.kill()
        shutil.rmtree(d, ignore_errors=True)

    stop_after(args.timeout or 900 + 2 * args.seconds, "bench/writers.py", cleanup)
    try:
        template = Path(d) / "template.db"
        grid, matter = asyncio.run(_build(template))
        print(f"{args.processes} processes × {args.seconds:g} s taking tickets round the loop (add, "
              + ", ".join(a for a, _, _ in LOOP) + f") on one SQLite file ({sys.platform}, SQLite "
              f"{sqlite3.sqlite_version}, load {os.getloadavg()[0]:.1f})", flush=True)
        got: dict[str, tuple[list[float], list[str], float, float]] = {}
        for name, target in (("GridDesk", _griddesk_writer), ("raw", _raw_writer)):
            if args.only and args.only != name.lower():
                continue
            path = Path(d) / f"{name}.db"
            shutil.copyfile(template, path)
            got[name] = run_side(target, path, grid, matter, args.processes, args.seconds)
            print(report(name, *got[name]), flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if len(got) < 2:
        return 0
    (gw, ge, _, gc), (rw, _re, _, rc) = got["GridDesk"], got["raw"]
    ratio = len(gw) / max(1, len(rw))
    p95 = _pct(gw, .95)
    locks = sum(_is_lock(e) for e in ge)
    met = locks == 0 and p95 <= GOAL_P95_S and ratio >= GOAL_RATIO
    print(f"  cpu per action GridDesk / raw {_per(gc, gw) / max(1e-9, _per(rc, rw)):.1f}×  (load now "
          f"{os.getloadavg()[0]:.1f})", flush=True)
    print(f"  throughput GridDesk / raw {ratio:.3f}×;  lock errors {locks};  p95 {p95 * 1000:.0f} ms;  goal (0 lock "
          f"errors, p95 ≤ {GOAL_P95_S * 1000:.0f} ms, ≥ {GOAL_RATIO}×): {'MET' if met else 'MISSED'}", flush=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
