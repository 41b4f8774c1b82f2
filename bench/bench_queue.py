"""GridDesk's first benchmark: start-up and queue refresh, as ratios measured in one run.

    python bench/bench_queue.py [--tickets 200000] [--db PATH] [--runs 5] [--refreshes 30]

1. Start to first painted queue, against a bare Textual app's start (each a fresh process).
2. One queue refresh (the page of 200 rows the console holds + the total), through the store,
   against the raw sqlite3 query for the same rows.
3. One table reconcile when nothing changed and when one row changed (what a live tick costs
   the UI), against a bare DataTable.update_cell — printed for context.

The database is a demo town built by `griddesk demo init --tickets N` (reused when present).
Ratios, not seconds, are the result: this machine's speed cancels out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from demo_db import ensure_db  # bench/demo_db.py: the scripts run from this folder

HERE = Path(__file__).resolve().parent
PAGE = 200

# The best plain-SQL shape for the same rows: pick the page's ids on tickets alone, then join.
ORDER = """CASE t.urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END,
         t.due_at IS NULL, t.due_at, t.id"""
RAW_PAGE = f"""
SELECT t.id, t.number, t.received_at, m.name, m.code, g.name, g.code, t.status, u.name,
       t.due_at, t.due_clock, t.warn_at, t.urgency, t.title, t.address, t.version, t.out_of_list
FROM tickets t
JOIN (SELECT t.id FROM tickets t WHERE t.town_code = ? AND t.status IN ({{statuses}})
      ORDER BY {ORDER} LIMIT ? OFFSET 0) p ON p.id = t.id
JOIN grids g ON g.id = t.grid_id
LEFT JOIN matters m ON m.id = t.matter_id LEFT JOIN units u ON u.id = t.lead_unit_id
ORDER BY {ORDER}
"""
RAW_COUNT = """
SELECT count(*) FROM tickets t WHERE t.town_code = ? AND t.status IN ({statuses})
"""



def probe(*args: str) -> dict:
    r = subprocess.run([sys.executable, str(HERE / "probe_start.py"), *args],
                       capture_output=True, text=True)
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if not lines:  # exit 3 after the line is a teardown that hung (bench/deadline.py): the line counts
        raise RuntimeError(f"probe_start {args[0]}: no first paint (exit {r.returncode}): {r.stderr[-300:]}")
    return json.loads(lines[-1])


def startup(path: Path, runs: int) -> tuple[float, float, float, float]:
    url = f"sqlite+aiosqlite:///{path}"
    probe("griddesk", url)  # warm the page cache and byte-code once
    bare, grid, bare_rss, grid_rss = [], [], [], []
    for _ in range(runs):  # interleaved, so drift hits both sides alike
        b, g = probe("bare"), probe("griddesk", url)
        bare.append(b["seconds"])
        grid.append(g["seconds"])
        bare_rss.append(b["rss_kib"])
        grid_rss.append(g["rss_kib"])
    return (statistics.median(bare), statistics.median(grid),
            statistics.median(bare_rss), statistics.median(grid_rss))


async def refresh(path: Path, n: int) -> tuple[float, float]:
    from griddesk.store import queue
    from griddesk.store.context import Store

    store = await Store.open(str(path))
    actor = await store.actor()
    statuses = queue.STATUS_GROUPS["open"]
    raw = sqlite3.connect(path)
    page_sql = RAW_PAGE.format(statuses=",".join("?" * len(statuses)))
    count_sql = RAW_COUNT.format(statuses=",".join("?" * len(statuses)))

    town = actor.jurisdiction  # the demo's default account is a town operator

    def raw_refresh() -> list[str]:
        rows = raw.execute(page_sql, (town, *statuses, PAGE)).fetchall()
        raw.execute(count_sql, (town, *statuses)).fetchone()
        return [r[1] for r in rows]

    async def store_refresh() -> list[str]:
        rows = await queue.page(store, actor, queue.QueueFilter(), limit=PAGE)
        await queue.count(store, actor, queue.QueueFilter())
        return [r.number for r in rows]

    same = raw_refresh() == await store_refresh()
    if not same:
        raise SystemExit("the raw query and the store disagree on the rows: fix RAW_PAGE")
    raw_t, store_t = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        raw_refresh()
        raw_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await store_refresh()
        store_t.append(time.perf_counter() - t0)
    raw.close()
    await store.close()
    return statistics.median(raw_t), statistics.median(store_t)


async def reconcile(path: Path, n: int) -> tuple[float, float, float]:
    from dataclasses import replace

    from textual.app import App
    from textual.widgets import DataTable

    from griddesk.console.widgets.queue_table import QueueTable
    from griddesk.store import queue
    from griddesk.store.context import Store

    store = await Store.open(str(path))
    actor = await store.actor()
    rows = await queue.page(store, actor, queue.QueueFilter(), limit=PAGE)
    now = store.now()

    class Host(App):
        def compose(self):  # type: ignore[no-untyped-def]
            yield QueueTable(actor.jurisdiction)
            yield DataTable(id="bare")

    app = Host()
    same, one, bare = [], [], []
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(QueueTable)
        table.reconcile(rows, now)
        await pilot.pause()
        plain = app.query_one("#bare", DataTable)
        plain.add_columns("a")
        keys = [plain.add_row(str(i)) for i in range(PAGE)]
        await pilot.pause()
        for i in range(n):
            t0 = time.perf_counter()
            table.reconcile(rows, now)
            same.append(time.perf_counter() - t0)
            changed = list(rows)
            changed[5] = replace(rows[5], status="signed" if i % 2 else "dispatched", version=rows[5].version + i + 1)
            t0 = time.perf_counter()
            table.reconcile(changed, now)
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            plain.update_cell(keys[5], plain.ordered_columns[0].key, str(i))
            bare.append(time.perf_counter() - t0)
    await store.close()
    return statistics.median(same), statistics.median(one), statistics.median(bare)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickets", type=int, default=200_000)
    p.add_argument("--db", type=Path, default=HERE / "results" / "bench-200k.db")
    p.add_argument("--runs", type=int, default=5, help="start-ups per side")
    p.add_argument("--refreshes", type=int, default=30)
    a = p.parse_args()
    a.db.parent.mkdir(parents=True, exist_ok=True)
    ensure_db(a.db, a.tickets)

    bare, grid, bare_rss, grid_rss = startup(a.db, a.runs)
    raw, store = asyncio.run(refresh(a.db, a.refreshes))
    same, one, plain = asyncio.run(reconcile(a.db, a.refreshes))

    print()
    print(f"GridDesk benchmark on {a.tickets:,} tickets ({a.db.name}); medians")
    print(f"  start → first painted queue   {grid * 1000:8.0f} ms   bare Textual app {bare * 1000:6.0f} ms"
          f"   ratio {grid / bare:5.2f}×")
    print(f"  peak memory at first paint    {grid_rss / 1024:8.0f} MiB  bare Textual app {bare_rss / 1024:6.0f} MiB"
          f"  ratio {grid_rss / bare_rss:5.2f}×")
    print(f"  queue refresh (page + total)  {store * 1000:8.2f} ms   raw sqlite3      {raw * 1000:6.2f} ms"
          f"   ratio {store / raw:5.2f}×")
    print(f"  table reconcile, no change    {same * 1000:8.3f} ms   one update_cell  {plain * 1000:6.3f} ms"
          f"   ratio {same / plain:5.2f}×")
    print(f"  table reconcile, one row      {one * 1000:8.3f} ms   one update_cell  {plain * 1000:6.3f} ms"
          f"   ratio {one / plain:5.2f}×")


if __name__ == "__main__":
    main()
