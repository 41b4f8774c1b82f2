"""`griddesk demo init` against raw sqlite3 executemany of the same rows (issue 13: ≥ 0.5×).

    python bench/demo_build.py                          # 200,000 tickets, the demo town
    python bench/demo_build.py --tickets 100000 --county 231102
    python bench/demo_build.py --county 231102 --tickets 2000000 --db /work/bench-data/county.db --timeout 1800

GridDesk side: a new process running `griddesk --db A demo init --tickets N [--county C]`, wall
time (imports, migrations, the towns, the history lived through the loop, the load, the indexes).

Baseline: a second file migrated the same way (the store's schema, every index in place), then
every row of A — all tables, in the order their foreign keys need — read back (not timed) and
written by raw `sqlite3` `executemany` as plain tuples, 5,000 rows per transaction, with the
store's own connection settings (WAL, synchronous=NORMAL, foreign_keys=ON): the rows as a
straightforward bulk insert writes them, with nothing to compute. The row counts are checked equal.
Ratio = baseline seconds / demo init seconds (higher is better; the goal is ≥ 0.5).
`--timeout` (SIGALRM, and the child's own timeout) ends any run that hangs; exit code 0 when
the goal is met.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

GOAL = 0.5
ROWS_PER_TXN = 5000


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = path.with_name(path.name + suffix)
        if f.exists():
            f.unlink()


def build(path: Path, tickets: int, county: str | None, days: int | None, timeout: float) -> float:
    _remove(path)
    cmd = [sys.executable, "-m", "griddesk.console.cli", "--db", str(path), "demo", "init", "--tickets", str(tickets)]
    if county:
        cmd += ["--county", county]
    if days:
        cmd += ["--days", str(days)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=timeout)
    return time.perf_counter() - t0


def migrate(path: Path) -> None:
    from griddesk.store import config
    from griddesk.store.context import Store

    async def go() -> None:
        s = await Store.open(str(path), config.Settings())
        await s.close()

    _remove(path)
    asyncio.run(go())


def tables() -> list[str]:
    from griddesk.store.models import Base

    return [t.name for t in Base.metadata.sorted_tables]


def baseline(src: Path, dst: Path) -> tuple[float, dict[str, int]]:
    """Every row of src into the migrated dst by raw executemany; (seconds writing, rows per table)."""
    migrate(dst)
    a = sqlite3.connect(src)
    b = sqlite3.connect(dst, isolation_level=None)
    b.execute("PRAGMA journal_mode=WAL")
    b.execute("PRAGMA synchronous=NORMAL")
    b.execute("PRAGMA foreign_keys=ON")
    counts: dict[str, int] = {}
    spent = 0.0
    for table in tables():
        cols = [f'"{r[1]}"' for r in a.execute(f"PRAGMA table_info({table})")]
        cur = a.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid")
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        n = 0
        while True:
            rows = cur.fetchmany(ROWS_PER_TXN)
            if not rows:
                break
            t0 = time.perf_counter()
            b.execute("BEGIN")
            b.executemany(sql, rows)
            b.execute("COMMIT")
            spent += time.perf_counter() - t0
            n += len(rows)
        counts[table] = n
    a.close()
    b.close()
    return spent, counts


def count(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables()}
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=200_000)
    ap.add_argument("--county", default=None, help="a county code: build every town of it")
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/griddesk-bench-demo-build"))
    ap.add_argument("--db", type=Path, default=None, help="where the demo is built (kept); default in --dir")
    ap.add_argument("--no-baseline", action="store_true", help="only time the build")
    ap.add_argument("--timeout", type=float, default=1800.0)
    args = ap.parse_args()

    stop_after(args.timeout, "bench/demo_build.py")
    args.dir.mkdir(parents=True, exist_ok=True)
    built = args.db or args.dir / "demo.db"
    built.parent.mkdir(parents=True, exist_ok=True)
    raw = args.dir / "raw.db"
    what = f"county {args.county}" if args.county else "the demo town"
    print(f"demo init, {args.tickets:,} tickets, {what}, load average {os.getloadavg()[0]:.1f}", flush=True)
    ours = build(built, args.tickets, args.county, args.days, args.timeout)
    mine = count(built)
    print(f"  demo init                {ours:8.1f} s   ({mine['tickets']:,} tickets, {mine['grids']:,} grids, "
          f"{mine['people']:,} people, {mine['timeline']:,} timeline entries, {mine['ticket_clocks']:,} clocks; "
          f"{sum(mine.values()):,} rows)", flush=True)
    if args.no_baseline:
        return 0
    theirs, copied = baseline(built, raw)
    if copied != mine:
        print(f"  row counts differ: {copied} vs {mine}", file=sys.stderr)
        return 1
    ratio = theirs / ours
    print(f"  raw sqlite3 executemany  {theirs:8.1f} s   (the same {sum(copied.values()):,} rows)")
    print(f"  ratio {ratio:.2f}× (goal ≥ {GOAL}×)   load average {os.getloadavg()[0]:.1f}", flush=True)
    _remove(raw)
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
