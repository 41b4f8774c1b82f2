"""The demo feed as a real process: it keeps going through grid changes, and one database has
one feed however many consoles (or `demo feed` commands) start one."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from griddesk.store import config, demo, roster, views
from griddesk.store.context import Store
from griddesk.store.demo.feed import LEASE, feeding
from griddesk.store.enums import ChangeReason
from griddesk.store.models import Grid
from tests.cli.script import GRIDDESK, env

DEADLINE = 120.0  # wall-clock bound for a broken feed, not a timing


async def _demo(path: Path) -> Store:
    s = await Store.open(str(path), config.Settings())
    await demo.build(s, tickets=40, days=3, seed=3)
    return s


def _start(home: Path, db: Path, rate: str = "20") -> subprocess.Popen[str]:
    return subprocess.Popen([GRIDDESK, "--db", str(db), "demo", "feed", "--rate", rate], env=env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_numbers(p: subprocess.Popen[str], n: int) -> list[str]:
    assert p.stdout is not None
    out: list[str] = []
    end = time.monotonic() + DEADLINE
    while len(out) < n and time.monotonic() < end:
        line = p.stdout.readline()
        if not line:
            break
        out.append(line.strip())
    return out


def _stop(p: subprocess.Popen[str]) -> None:
    if p.poll() is None:
        p.terminate()
        p.wait(timeout=30)


async def test_the_feed_survives_a_grid_split_and_retirements(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    store = await _demo(db)
    feed = _start(tmp_path / "home", db)
    try:
        assert len(_read_numbers(feed, 3)) == 3
        actor = await store.actor(demo.FEED_LOGIN)  # a seat account of the town: may change grids
        async with store.db.session() as s:
            grids = [g for (g,) in (await s.execute(select(Grid.code).where(Grid.status == "active")
                                                    .order_by(Grid.code))).all()]
        parts = await roster.split_grid(store, actor, grids[0], [roster.GridSpec("东片"), roster.GridSpec("西片")],
                                        ChangeReason.OTHER)
        for code in grids[1:-1]:  # all but one of the rest retire: the feed's list goes stale at once
            await roster.retire_grid(store, actor, code, ChangeReason.OTHER)
        live = {parts[0], parts[1], grids[-1]}
        later = _read_numbers(feed, 25)
        assert len(later) == 25 and feed.poll() is None, feed.stderr.read() if feed.stderr else ""
        tail = [(await views.detail(store, actor, n)).grid.code for n in later[-5:]]
        assert set(tail) <= live  # it follows the grids: new tickets land on live grids only
    finally:
        _stop(feed)
        await store.close()


async def test_one_feed_per_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    store = await _demo(db)
    first = _start(tmp_path / "home", db, rate="2")
    try:
        assert len(_read_numbers(first, 1)) == 1
        assert await feeding(store) is not None  # the lease names the feeding process
        second = await asyncio.to_thread(
            subprocess.run, [GRIDDESK, "--db", str(db), "demo", "feed", "--rate", "2"], env=env(tmp_path / "h2"),
            capture_output=True, text=True, timeout=60)
        assert second.returncode == 0 and second.stdout == ""
        assert "已有进程在持续进件" in second.stderr
        assert first.poll() is None
    finally:
        _stop(first)
    assert await feeding(store) is None  # given up on a clean exit
    assert LEASE == "demo_feed"
    await store.close()
