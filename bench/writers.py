"""Many writers on one SQLite file: how long each write waits, and how many fail.

    python bench/writers.py                       # 32 writers, 60 s each side
    python bench/writers.py --writers 16 --seconds 10

Two sides, one after the other, on fresh copies of the same migrated database, each with
`--writers` processes writing as fast as they can for `--seconds`:

- GridDesk: `Store.db.session(write=True)` (the gate, BEGIN IMMEDIATE retried with backoff;
  store/db.py) appending one change-feed row and one audit row per write.
- baseline: raw `sqlite3` with a 15 s busy timeout (what GridDesk did before), BEGIN IMMEDIATE
  and the same two rows.

For each side: writes done, errors (by message), and the time from asking to write to the
commit: p50, p95, p99, max, and how many waited over 1 s and over 5 s. Every process connects
first; they start together and close together (barriers), so start-up and the checkpoints at
close stay out of the measured run. A watchdog ends them all 600 s + `--seconds` after the start.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
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

ROW = ("INSERT INTO change_feed (at, entity, entity_id, area_code, kind) "
       "VALUES (?, 'bench', NULL, NULL, 'write')")
AUDIT = ("INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) "
         "VALUES (?, 'bench', 'bench.write', 'bench', NULL, NULL)")


def _griddesk_writer(path: str, ready: Any, seconds: float, out: Any) -> None:
    from sqlalchemy import text

    from griddesk.store import config
    from griddesk.store.context import Store

    async def run() -> tuple[list[float], list[str]]:
        store = await Store.open(path, config.Settings())
        async with store.db.session() as s:  # connected, as a running console is
            await s.execute(text("SELECT 1"))
        await asyncio.to_thread(ready.wait, 600)
        until = time.time() + seconds
        waits: list[float] = []
        errors: list[str] = []
        try:
            while time.time() < until:
                t0 = time.perf_counter()
                try:
                    async with store.db.session(write=True) as s:
                        now = datetime.now(UTC)
                        await s.execute(text(ROW.replace("?", ":at")), {"at": now})
                        await s.execute(text(AUDIT.replace("?", ":at")), {"at": now})
                    waits.append(time.perf_counter() - t0)
                except Exception as e:  # counted: the number this benchmark is about
                    errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:80]}")
            await asyncio.to_thread(ready.wait, 600)  # nobody closes (and checkpoints) while others write
        finally:
            await store.close()
        return waits, errors

    out.put(asyncio.run(run()))


def _raw_writer(path: str, ready: Any, seconds: float, out: Any) -> None:
    con = sqlite3.connect(path, timeout=15, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    ready.wait(600)
    until = time.time() + seconds
    waits: list[float] = []
    errors: list[str] = []
    while time.time() < until:
        t0 = time.perf_counter()
        try:
            con.execute("BEGIN IMMEDIATE")
            now = datetime.now(UTC).isoformat()
            con.execute(AUDIT, (now,))
            con.execute(ROW, (now,))
            con.execute("COMMIT")
            waits.append(time.perf_counter() - t0)
        except sqlite3.Error as e:
            if con.in_transaction:
                con.execute("ROLLBACK")
            errors.append(f"{type(e).__name__}: {e}")
    ready.wait(600)
    con.close()
    out.put((waits, errors))


def run_side(target: Any, path: Path, writers: int, seconds: float) -> tuple[list[float], list[str]]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    ready = ctx.Barrier(writers)  # every process started and connected before the clock starts
    procs = [ctx.Process(target=target, args=(str(path), ready, seconds, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    waits: list[float] = []
    errors: list[str] = []
    deadline = time.time() + 600 + seconds  # the watchdog: start-up, the run, the reports
    for _ in procs:
        try:
            w, e = out.get(timeout=max(1.0, deadline - time.time()))
        except Exception:
            errors.append("a writer did not report before the watchdog")
            break
        waits += w
        errors += e
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    return waits, errors


def _pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=1000)[int(q * 1000) - 1] if len(xs) > 1 else (xs[0] if xs else 0.0)


def report(name: str, waits: list[float], errors: list[str]) -> str:
    ms = [w * 1000 for w in waits]
    if not ms:
        ms = [0.0]
    line = (f"  {name:<10} writes {len(waits):>6}  errors {len(errors):>4}   wait ms  p50 {_pct(ms, .5):8.1f}"
            f"  p95 {_pct(ms, .95):8.1f}  p99 {_pct(ms, .99):8.1f}  max {max(ms):8.1f}"
            f"  >1 s {sum(m > 1000 for m in ms):>4}  >5 s {sum(m > 5000 for m in ms):>3}")
    for msg, n in Counter(errors).most_common(3):
        line += f"\n             {n} × {msg}"
    return line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writers", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    from griddesk.store import config
    from griddesk.store.context import Store

    with tempfile.TemporaryDirectory(prefix="gd-bench-writers-") as d:
        template = Path(d) / "template.db"

        async def build() -> None:
            s = await Store.open(str(template), config.Settings())
            await s.close()

        asyncio.run(build())
        print(f"{args.writers} writers × {args.seconds:g} s on one SQLite file ({sys.platform}, "
              f"SQLite {sqlite3.sqlite_version})")
        results = []
        for name, target in (("GridDesk", _griddesk_writer), ("raw 15 s", _raw_writer)):
            path = Path(d) / f"{name.split()[0]}.db"
            shutil.copyfile(template, path)
            results.append(report(name, *run_side(target, path, args.writers, args.seconds)))
            print(results[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
