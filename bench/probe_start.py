"""One start-up, run as its own process by bench_queue.py and startup.py, up to the first paint.

    python bench/probe_start.py bare
    python bench/probe_start.py floor DB_URL      # the bare app after opening the store
    python bench/probe_start.py griddesk DB_URL

Prints one JSON line at first paint, before the app is torn down: seconds from the script's
start to first paint, the CPU seconds the process used until then, and peak RSS (KiB) then.
Headless (Textual's test driver), 120×40, so both sides pay the same terminal costs (none).
The caller times the whole process from outside too (bench/startup.py, bench/bench_queue.py),
with a timeout: a teardown that hangs cannot stall a run, and the line is already out.
`--timeout S` (default 120) ends this process itself (bench/deadline.py, exit 3) when it has not
ended by then: not painted, or painted (the line is out) and the teardown hangs.

First paint: the queue table holds rows and the screen has refreshed once since (the same moment
for the bare app: its row added, one refresh). Work the app starts after that (header counts,
notices, the row's action keys) is not counted, as a person sees the queue by then.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

T0 = time.perf_counter()  # as close to interpreter start as a script gets


async def refreshed(app: Any) -> None:
    """Until `app` has refreshed once more (what it was asked to paint is painted)."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


def painted() -> None:
    """The first paint: say so at once (the parent stops its clock on this line)."""
    elapsed = time.perf_counter() - T0
    print(json.dumps({"seconds": elapsed, "cpu": time.process_time(),  # every thread's, since exec
                      "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


async def floor(url: str) -> None:
    """The bare app, after importing and opening the store (SQLAlchemy, aiosqlite, the models) as
    the console must before it can show a row: the least the console's start can cost."""
    from griddesk.store.context import Store

    store = await Store.open(url)
    await store.actor()
    await bare()
    await store.close()


async def bare() -> None:
    from bare import bare_app  # bench/bare.py: the scripts run from this folder
    from textual.widgets import DataTable

    Bare = bare_app()
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.query(DataTable) or app.query_one(DataTable).row_count == 0:
            await pilot.pause(0.005)
        await refreshed(app)
        painted()


async def griddesk(url: str) -> None:
    from griddesk.console.app import GridDeskApp
    from griddesk.store.context import Store

    store = await Store.open(url)
    actor = await store.actor()
    app = GridDeskApp(store=store, actor=actor, lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        from griddesk.console.widgets.queue_table import QueueTable

        for _ in range(3000):
            tables = app.screen.query(QueueTable)
            if tables and tables.first().row_count > 0:
                break
            await pilot.pause(0.005)
        else:
            raise SystemExit("the queue never painted")
        await refreshed(app)  # the rows rendered once
        painted()
    await store.close()


def main() -> None:
    args = sys.argv[1:]
    timeout = 120
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = int(float(args[i + 1]))
        del args[i:i + 2]
    stop_after(timeout, "probe_start")  # painted, then a teardown that hangs: the line is out
    kinds = {"bare": bare, "floor": floor, "griddesk": griddesk}
    if not args or args[0] not in kinds or (args[0] != "bare") != (len(args) == 2):
        print("usage: probe_start.py bare | floor URL | griddesk URL  [--timeout S]", file=sys.stderr)
        sys.exit(2)
    asyncio.run(kinds[args[0]](*args[1:]))


if __name__ == "__main__":
    main()
