"""Another process's write, seen by a console: how long from its commit to the console's read.

    python bench/notify.py                        # PostgreSQL LISTEN, PostgreSQL 0.5 s polling, SQLite polling
    python bench/notify.py --actions 40 --tickets 500 --timeout 300
    python bench/notify.py --sides sqlite-look,sqlite-poll --db COPY.db --shown '' --shown 中山路 --shown 汪广

Each side builds a fresh demo town (`store.demo.build`, `--tickets` of history) and opens its
store twice, as two processes do: a **writer** process takes the town's tickets through
workflow actions (a new ticket through intake, then its dispatch to the first unit the store
proposes), one every 0.1-0.4 s (random, so writes fall anywhere in a poll interval), and after
each commit sends the change-feed id it wrote and the moment it committed (time.monotonic,
which is one clock for every process on Linux). The **console side**, in this process, is what
the console runs: `store.notify.watch` wake-ups and `console.live.ChangeFeed.poll` on each,
recording when the poll first returns the writer's entry. Latency = that moment minus the
commit.

Sides (each figure is printed as a ratio against the polling baseline of the same run):

- PostgreSQL, LISTEN/NOTIFY (migration 0010's trigger, a dedicated asyncpg connection);
- PostgreSQL, the old polling every `--interval` (0.5 s) — the baseline;
- SQLite, a look at `PRAGMA data_version` every `--interval` and the feed read when it moved
  (`sqlite-look`, what the console does), and the feed read on every tick (`sqlite-poll`, as
  before; the baseline of the SQLite sides when PostgreSQL is not measured).

`--db PATH` runs the SQLite sides on an existing database (the writer adds tickets to it) instead
of a new demo town; `--shown TEXT` (repeatable; '' for the plain queue) counts a write as seen
only once the queue screen's refresh with that filter is done (`queue.page_and_count` +
`urgent.band`, QueueScreen.fetch's reads): the visible change, not just the read.

`--timeout` bounds the whole run (bench/deadline.py: the writer is killed, the PostgreSQL
database dropped, exit 3).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _writer(url: str, actions: int, seed: int, ready: Any, go: Any, out: Any) -> None:
    """The other process: `actions` workflow writes, reporting (feed id, commit moment) each."""
    from griddesk.store import config, queue, workflow
    from griddesk.store.context import Store
    from griddesk.store.demo.feed import feed as intake

    async def run() -> None:
        store = await Store.open(url, config.Settings())
        try:
            actor = await store.actor("op01")
            r = random.Random(seed)
            made: list[str] = []
            await queue.last_change(store)  # connected, as a running console is
            ready.set()
            await asyncio.to_thread(go.wait, 120)
            for i in range(actions):
                await asyncio.sleep(r.uniform(0.1, 0.4))
                while made and "dispatch" not in await workflow.available(store, actor, made[-1]):
                    made.pop()  # closed at intake (resolved on the spot): nothing to dispatch
                if i % 2 == 0 or not made:
                    await intake(store, actor, rate=1000.0, count=1, seed=r.randrange(1 << 30),
                                 on_ticket=made.append)
                else:
                    number = made.pop()
                    proposals = await workflow.propose_units(store, actor, number)
                    await workflow.dispatch(store, actor, number, proposals[0].code)
                at = time.monotonic()
                out.send((await queue.last_change(store), at))
        finally:
            out.send(None)
            await store.close()

    asyncio.run(run())


async def _build(url: str, tickets: int) -> None:
    from griddesk.store import config, demo
    from griddesk.store.context import Store

    s = await Store.open(url, config.Settings())
    try:
        await demo.build(s, tickets=tickets, days=30)
    finally:
        await s.close()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def measure(url: str, listen: bool, interval: float, actions: int, seed: int, probe: bool = True,
                  shown: str | None = None, login: str = "op01") -> list[float]:
    """Latencies (s) of `actions` writes from another process, as this console side saw them.
    `shown` (a queue filter text, "" for none): a write counts as seen once the queue screen's
    refresh that follows the read is done (`queue.page_and_count` of 200 + `urgent.band`,
    QueueScreen.fetch's reads), not at the read."""
    from griddesk.console.live import ChangeFeed
    from griddesk.store import config, notify, queue, urgent
    from griddesk.store.context import Store

    store = await Store.open(url, config.Settings())
    ctx = mp.get_context("spawn")
    ready, go = ctx.Event(), ctx.Event()
    theirs, ours = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_writer, args=(url, actions, seed, ready, go, ours), daemon=True)
    proc.start()
    latencies: list[float] = []
    try:
        actor = await store.actor(login)  # the console's account (the writer is op01)
        feed = ChangeFeed(store, actor)
        await feed.start()
        f = queue.QueueFilter(text=shown or "")
        sent: dict[int, float] = {}  # feed id → the writer's commit moment
        reads: list[tuple[int, float]] = []  # (newest feed id a read returned, when)
        done = asyncio.Event()

        async def reports() -> None:
            while True:
                if not await asyncio.to_thread(theirs.poll, 0.2):
                    continue
                msg = theirs.recv()
                if msg is None:
                    done.set()
                    wakes.poke()  # only now: an earlier poke would read sooner than a wake-up does
                    return
                sent[msg[0]] = msg[1]

        def match() -> None:
            for fid, at in list(sent.items()):
                first = next((when for newest, when in reads if newest >= fid), None)
                if first is not None:
                    latencies.append(first - at)
                    del sent[fid]

        async with notify.watch(store, interval=interval, listen=listen, probe=probe) as wakes:
            if wakes.listening:
                await anext(wakes)  # connected
            await asyncio.to_thread(ready.wait, 120)
            listener = asyncio.create_task(reports())
            go.set()
            async for _wake in wakes:
                news = await feed.poll()
                if news is not None:
                    if shown is not None:  # what the queue screen reads on TicketsChanged
                        await queue.page_and_count(store, actor, f, limit=200)
                        await urgent.band(store, actor)
                    reads.append((news.last_change, time.monotonic()))
                match()
                if done.is_set() and not sent:
                    break
            listener.cancel()
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.kill()
        await store.close()
    return latencies


def summary(xs: list[float]) -> tuple[float, float, float]:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return statistics.median(xs), p95, xs[-1]


async def main(args: argparse.Namespace) -> int:
    results: dict[str, list[float]] = {}
    sides = args.sides.split(",")
    if {"pg-listen", "pg-poll"} & set(sides):
        name = f"gd_bench_notify_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        PG_DATABASES.append(name)
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        try:
            await _build(url, args.tickets)
            for side, listen in (("pg-listen", True), ("pg-poll", False)):
                if side in sides:
                    results[side] = await measure(url, listen, args.interval, args.actions, args.seed)
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            PG_DATABASES.remove(name)
    sqlite = [s for s in sides if s.startswith("sqlite-")]
    if sqlite:
        with tempfile.TemporaryDirectory() as d:
            url = str(args.db) if args.db else str(Path(d) / "notify.db")
            if not args.db:
                await _build(url, args.tickets)
            for side in sqlite:
                for shown in args.shown or [None]:
                    key = side if shown is None else f"{side} /{shown}" if shown else f"{side} queue"
                    results[key] = await measure(url, False, args.interval, args.actions, args.seed,
                                                 probe=side == "sqlite-look", shown=shown, login=args.login)
    where = f"{args.db.name}" if args.db else f"demo town with {args.tickets:,} tickets"
    where += f", console signed in as {args.login}"
    seen = "the queue's refresh done" if args.shown else "the feed read"
    print(f"Change seen by a console after another process's commit ({seen}); {args.actions} workflow actions "
          f"per side, {where}, poll interval {args.interval} s, load average {os.getloadavg()[0]:.1f}")
    base = summary(results["pg-poll"])[1] if "pg-poll" in results else None
    labels = {"pg-listen": "PostgreSQL LISTEN/NOTIFY", "pg-poll": f"PostgreSQL polling {args.interval} s",
              "sqlite-poll": f"SQLite polling {args.interval} s", "sqlite-look": "SQLite data_version look"}
    if any(len(xs) < args.actions for xs in results.values()):
        print("a side lost some writes (the writer failed?): " + ", ".join(f"{k} {len(v)}" for k, v in results.items()),
              file=sys.stderr)
        return 1
    for side, xs in results.items():
        p50, p95, worst = summary(xs)
        ratio = f"   p95 vs PostgreSQL polling {p95 / base:5.2f}×" if base else ""
        old = results.get(side.replace("sqlite-look", "sqlite-poll"))
        if not base and old and side.startswith("sqlite-look"):
            ratio = f"   p95 vs the feed read every tick {p95 / summary(old)[1]:5.2f}×"
        name, _, shown = side.partition(" ")
        label = f"{labels[name]} {shown}".strip()
        print(f"  {label:<34} n={len(xs):<4} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
              f"max {worst * 1000:7.1f} ms{ratio}")
    return 0


PG_DATABASES: list[str] = []  # made by this run: dropped at its end, also on --timeout


def _cleanup() -> None:
    """On --timeout (bench/deadline.py calls it before exiting): kill the writer, drop the
    run's PostgreSQL database (from a thread of its own: the event loop is this thread's)."""
    import threading

    for child in mp.active_children():
        child.kill()
    for name in PG_DATABASES:
        t = threading.Thread(target=asyncio.run, args=(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'),),
                             daemon=True)
        t.start()
        t.join(15)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--actions", type=int, default=60, help="workflow actions per side (default 60)")
    p.add_argument("--tickets", type=int, default=2000, help="tickets of demo history (default 2000)")
    p.add_argument("--interval", type=float, default=0.5, help="the polling interval (default 0.5 s)")
    p.add_argument("--sides", default="pg-listen,pg-poll,sqlite-look",
                   help="of pg-listen, pg-poll, sqlite-look (data_version first), sqlite-poll (the feed every tick)")
    p.add_argument("--db", type=Path, help="SQLite sides: this existing database (written to!) instead of a new demo")
    p.add_argument("--shown", action="append",
                   help="measure until the queue's refresh with this filter text is done ('' for the plain queue); "
                        "repeat for several")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--login", default="op01",
                   help="SQLite sides: the console's account (op01, a town's operator; county01 on a county demo)")
    p.add_argument("--timeout", type=float, default=900, help="end the whole run after this many seconds")
    a = p.parse_args()
    for name in ("actions", "tickets"):
        if getattr(a, name) <= 0:
            print(f"--{name} must be positive", file=sys.stderr)
            sys.exit(2)
    if a.interval <= 0 or a.timeout <= 0:
        print("--interval and --timeout must be positive", file=sys.stderr)
        sys.exit(2)
    stop_after(a.timeout, "bench/notify.py", _cleanup)  # kills the writer, drops the database
    sys.exit(asyncio.run(main(a)))
