"""One start-up, run as its own process by bench_queue.py: exits at the first painted queue.

    python bench/probe_start.py bare
    python bench/probe_start.py griddesk DB_URL

Prints one JSON line: seconds from interpreter start to first paint, and peak RSS (KiB).
Headless (Textual's test driver), 120×40, so both sides pay the same terminal costs (none).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

T0 = time.perf_counter()  # as close to interpreter start as a script gets


async def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("a", "b", "c")
            table.add_row("1", "2", "3")

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()


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
        await pilot.pause()  # let the rows render once
    await store.close()


def main() -> None:
    kind = sys.argv[1]
    asyncio.run(bare() if kind == "bare" else griddesk(sys.argv[2]))
    elapsed = time.perf_counter() - T0
    print(json.dumps({"seconds": elapsed, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
