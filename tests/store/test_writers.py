"""Many writers at once never see "database is locked": 16 `griddesk ticket act` processes started
together on the demo database, while 8 writers inside this process register tickets through the
store. Every process exits 0 with no traceback, every in-process write succeeds, and every
write is there afterwards. (The wait distribution is bench/writers.py's business.)
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from griddesk.store import config, queue, tickets
from griddesk.store.context import Store
from tests.cli.script import GRIDDESK, env, griddesk

pytestmark = pytest.mark.slow

PROCESSES = 16
IN_PROCESS = 8
EACH = 3  # tickets each in-process writer registers


def _demo(home: Path) -> Path:
    got = griddesk(home, "demo", "init", "--tickets", "60", "--days", "2", "--seed", "7")
    assert got.returncode == 0, got.stderr
    return home / "data" / "demo.db"


def _new_tickets(home: Path, db: Path, n: int) -> list[str]:
    """n new tickets waiting for dispatch, registered by one `ticket add`."""
    first = json.loads(griddesk(home, "--db", str(db), "tickets", "list", "--limit", "1", "--format", "json").stdout)[0]
    lines = "\n".join(json.dumps({"source": "hotline", "grid": first["grid"], "matter": first["matter"],
                                  "urgency": "normal", "title": f"并发测试 {i}", "address": "海角路12号"},
                                 ensure_ascii=False) for i in range(n))
    got = subprocess.run([GRIDDESK, "--db", str(db), "ticket", "add", "-"], input=lines, env=env(home),
                         capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    return got.stdout.split()


async def _store_writer(db: Path, template: dict[str, object], errors: list[str]) -> int:
    store = await Store.open(str(db), config.Settings())
    done = 0
    try:
        actor = await store.actor()
        for i in range(EACH):
            try:
                await tickets.create(store, actor, tickets.parse({**template, "title": f"店内写入 {i}"}))
                done += 1
            except Exception as e:  # the number this test is about
                errors.append(f"{type(e).__name__}: {e} {getattr(e, 'params', '')}")
    finally:
        await store.close()
    return done


async def test_many_writers_see_no_lock_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = _demo(home)
    numbers = _new_tickets(home, db, PROCESSES)
    assert len(numbers) == PROCESSES
    # a unit to dispatch to: not the centre itself (refused as a lead unit)
    unit = next(u["code"] for u in json.loads(griddesk(home, "--db", str(db), "units", "list", "--format",
                                                       "json").stdout) if u["kind"] != "centre")
    first = json.loads(griddesk(home, "--db", str(db), "tickets", "list", "--limit", "1", "--format", "json").stdout)[0]
    template = {"source": "hotline", "grid": first["grid"], "matter": first["matter"], "urgency": "normal",
                "address": "海角路12号"}

    procs = [subprocess.Popen(  # noqa: ASYNC220 - started together on purpose, awaited below
        [GRIDDESK, "--db", str(db), "--lang", "en", "ticket", "act", n, "dispatch",
                               "--unit", unit], env=env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for n in numbers]
    errors: list[str] = []
    done = await asyncio.gather(*(_store_writer(db, template, errors) for _ in range(IN_PROCESS)))
    outs = [p.communicate(timeout=300) for p in procs]

    failed = [(n, p.returncode, err) for n, p, (_, err) in zip(numbers, procs, outs, strict=True) if p.returncode != 0]
    assert failed == [], failed
    assert not any("Traceback" in err or "locked" in err for _, err in outs)
    assert errors == []
    assert sum(done) == IN_PROCESS * EACH

    store = await Store.open(str(db), config.Settings())
    try:
        actor = await store.actor()
        rows = await queue.page(store, actor, queue.QueueFilter(text="店内写入"), limit=1000)
        assert len(rows) == IN_PROCESS * EACH
    finally:
        await store.close()
    # every process's dispatch is there (read straight from the file: one query, not 16 processes)
    with sqlite3.connect(db) as raw:
        marks = ",".join("?" * len(numbers))
        got = dict(raw.execute(f"SELECT number, status FROM tickets WHERE number IN ({marks})", numbers).fetchall())
    assert got == dict.fromkeys(numbers, "dispatched")
