"""Key-to-usable time of every screen that `?` help lists, against a bare Textual app.

    python bench/keys.py                                  # builds bench/results/bench-200k.db the first time
    python bench/keys.py --db /tmp/demo.db --tickets 5000 --runs 5 --timeout 600

One headless GridDeskApp (80×24 by default) as the demo's shift leader `sup01`, so every screen
of the registry is offered. For each screen `?` lists (`screens.entries()` offered to the
account), from the queue: the key that opens it is sent the way a terminal sends it (into the
driver's queue, nothing waits), and the clock stops when the screen is *usable*: it is the
current screen, every widget is mounted and has taken its messages, no read of it runs
(`typeahead_busy`: console/typeahead.py), a screen that reads has shown a read (`loads`), none
of its workers is still running — and the app has had one turn to paint. A screen with a key
of its own (F2…F9, `?`) is opened by that key; the others by `:name [arg]` typed first (not
timed), then the timed `Enter`. The queue is the root of the stack: its F2 is timed from the
overdue view, going back to it.

Baselines, measured in the same run with the same harness: a bare Textual app (a header, a
one-row DataTable, a footer) whose key pushes an empty screen; and the help screen (`?`), which
reads nothing. Each figure is the median of `--runs`, in wall time and in the process's CPU time
(every thread: the store's reads run in aiosqlite's), the steadier one on a loaded machine;
`--timeout` (SIGALRM) ends a run that hangs, exit 3 (each measurement is printed to stderr as it
is taken, so a stopped run still says how far it got). `--skip` leaves screens out; `--only`
measures just the screens named (help, the yardstick, always).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from deadline import stop_after  # noqa: E402  # bench/deadline.py: the scripts run from this folder

POLL = 0.001  # seconds between checks of "usable" (the same for both sides)
WAIT = 120.0  # a screen not usable after this long: broken, not slow


def send(app: Any, key: str) -> None:
    """Queue one key press as the terminal driver would, without waiting for it."""
    from textual import events
    from textual.keys import _character_to_key

    char = key if len(key) == 1 else None
    name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
    if name == "enter":
        char = "\r"
    event = events.Key(name, char)
    event.set_sender(app)
    app._driver.send_message(event)


def usable(app: Any, before: Any) -> bool:
    from griddesk.console.screens.base import GridScreen
    from griddesk.console.typeahead import screen_settled

    screen = app.screen
    if screen is before or not screen_settled(app):
        return False
    if isinstance(screen, GridScreen) and type(screen).fetch is not GridScreen.fetch and screen.loads < 1:
        return False
    if getattr(screen, "loaded", True) is False:
        return False
    return not any(not w.is_finished and (w.node is screen or screen in w.node.ancestors_with_self)
                   for w in app.workers if hasattr(w.node, "ancestors_with_self"))


async def until(cond: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + WAIT
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"not usable within {WAIT:.0f} s: {what}")
        await asyncio.sleep(POLL)


CPU: dict[str, list[float]] = {}  # the process's CPU seconds (every thread) of each measurement, by screen


async def timed_key(pilot: Any, key: str, what: str) -> float:
    """Wall seconds from the key to a usable screen; its CPU seconds go to `CPU[what]` (on a loaded
    machine the steadier figure: waiting for a core costs wall time, not CPU time)."""
    app = pilot.app
    before = app.screen
    c0, t0 = time.process_time(), time.perf_counter()
    send(app, key)
    await until(lambda: usable(app, before), what)
    await pilot.pause(0)  # one turn to paint
    took = time.perf_counter() - t0
    CPU.setdefault(what, []).append(time.process_time() - c0)
    return took


# --- the bare baseline -------------------------------------------------------------------------


async def bare_runs(runs: int, size: tuple[int, int]) -> list[float]:
    from bare import bare_app  # bench/bare.py
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Footer, Header

    class Empty(Screen[None]):
        BINDINGS = [Binding("escape", "app.pop_screen", "back")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Footer()

    class Bare(bare_app()):  # type: ignore[misc]
        BINDINGS = [Binding("x", "open", "open")]

        def action_open(self) -> None:
            self.push_screen(Empty())

    out = []
    app = Bare()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for i in range(runs + 1):  # the first is a warm-up
            took = await timed_key(pilot, "x", "bare screen")
            if i:
                out.append(took)
            await pilot.press("escape")
            await pilot.pause()
    return out


# --- GridDesk ----------------------------------------------------------------------------------


def plan(entries: list[Any], number: str, grid: str, place: str) -> list[tuple[str, list[str], str]]:
    """(screen, keys typed first, the timed key) for each entry `?` lists."""
    args = {"ticket": number, "card": grid, "search": place}
    out = []
    for e in entries:
        if e.name == "help":
            out.append((e.name, [], "question_mark"))
        elif e.key:
            out.append((e.name, [], e.key))
        else:
            arg = args.get(e.name, "")
            out.append((e.name, [":", *f"{e.name} {arg}".strip()], "enter"))
    return out


async def griddesk_runs(url: str, runs: int, size: tuple[int, int], login: str,
                        skip: frozenset[str] = frozenset()) -> dict[str, list[float]]:
    from griddesk.console import screens
    from griddesk.console.app import GridDeskApp
    from griddesk.console.widgets.queue_table import QueueTable
    from griddesk.store.context import Store

    store = await Store.open(url)
    actor = await store.actor(login)
    app = GridDeskApp(store=store, actor=actor, lang="zh")
    times: dict[str, list[float]] = {}
    try:
        async with app.run_test(size=size) as pilot:
            def queue_rows() -> bool:
                tables = app.screen.query(QueueTable)
                return bool(tables) and tables.first().row_count > 0

            await until(queue_rows, "the queue")
            app.alerts.stop()  # the ladder and notice checks would run in some measurements only
            number = str(app.screen.query(QueueTable).first().ordered_rows[0].key.value)
            from griddesk.store import search as store_search

            hits = await store_search.search(store, actor, "网格", limit=5)
            grid = next((h.key for h in hits if h.kind == "grid"), "")
            place = next((h.name for h in hits if h.kind == "grid"), "网格")
            entries = [e for e in screens.entries() if e.offered_to(actor) and e.name not in skip]
            steps = plan(entries, number, grid, place)
            for _ in range(runs):
                for name, typed, key in steps:
                    app.open_screen("queue")
                    await until(lambda: type(app.screen).__name__ == "QueueScreen" and usable(app, None), "queue")
                    await pilot.pause()
                    if name == "queue":  # the queue is the root: its key goes back to it from elsewhere
                        app.open_screen("overdue")
                        await until(lambda: type(app.screen).__name__ == "OverdueScreen" and usable(app, None),
                                    "overdue")
                        await pilot.pause()
                    if typed:
                        await pilot.press(*typed)
                        await until(lambda: type(app.screen).__name__ == "CommandLine", "command line")
                        await pilot.pause()
                    took = await timed_key(pilot, key, name)
                    times.setdefault(name, []).append(took)
                    print(f"  … {name:<12} {took * 1000:9.1f} ms  cpu {CPU[name][-1] * 1000:7.1f} ms", file=sys.stderr,
                          flush=True)
                    if not isinstance(app.screen, screens.GridScreen):  # help: a modal
                        await pilot.press("escape")
                    await pilot.pause()
    finally:
        await store.close()
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", type=Path, default=HERE / "results" / "bench-200k.db")
    p.add_argument("--tickets", type=int, default=200_000, help="build the demo database with this many (if missing)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--size", default="80x24", help="terminal size, COLSxROWS")
    p.add_argument("--as", dest="login", default="sup01", help="the demo account (sup01: every screen)")
    p.add_argument("--skip", default="", help="screens left out, comma-separated (e.g. scorecard)")
    p.add_argument("--only", default="", help="only these screens (and help), comma-separated (e.g. hotspots,queue)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before the whole run is stopped (exit 3)")
    a = p.parse_args()
    try:
        cols, rows = (int(x) for x in a.size.lower().split("x"))
    except ValueError:
        print(f"--size: not COLSxROWS: {a.size!r}", file=sys.stderr)
        return 2

    stop_after(a.timeout, "bench/keys.py")
    from demo_db import ensure_db

    ensure_db(a.db, a.tickets)
    import griddesk.console.app  # imported before any clock runs, for both sides
    import griddesk.console.screens.base  # noqa: F401
    bare_n = max(a.runs * 5, 15)  # cheap: more runs, a steadier median
    bare = statistics.median(asyncio.run(bare_runs(bare_n, (cols, rows))))
    skip = frozenset(x.strip() for x in a.skip.split(",") if x.strip())
    only = frozenset(x.strip() for x in a.only.split(",") if x.strip())
    if only:
        from griddesk.console import screens

        skip |= frozenset(e.name for e in screens.entries() if e.name not in only)
    skip -= {"help"}  # help is the yardstick
    times = asyncio.run(griddesk_runs(str(a.db), a.runs, (cols, rows), a.login, skip))
    signal.alarm(0)
    help_ms = statistics.median(times["help"]) * 1000
    help_cpu = statistics.median(CPU["help"]) * 1000
    print(f"Key to usable screen, GridDesk on {a.db.name} at {cols}×{rows} as {a.login}; medians of {a.runs}"
          + (f"; only: {', '.join(sorted(only))}" if only else f"; left out: {', '.join(sorted(skip))}" if skip
             else ""))
    print(f"  {'bare Textual app, push an empty screen':<40} {bare * 1000:8.1f} ms   (median of {bare_n})"
          f"   cpu {statistics.median(CPU['bare screen']) * 1000:7.1f} ms")
    for name, got in sorted(times.items(), key=lambda kv: statistics.median(kv[1])):
        ms = statistics.median(got) * 1000
        cpu = statistics.median(CPU[name]) * 1000
        print(f"  {name:<40} {ms:8.1f} ms   ×bare {ms / (bare * 1000):6.1f}   ×help {ms / help_ms:5.2f}"
              f"   (max {max(got) * 1000:.0f} ms)   cpu {cpu:7.1f} ms ×help {cpu / help_cpu:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
