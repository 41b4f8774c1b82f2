"""Two demo consoles on one database, as two real processes on terminals of their own: the first
feeds the database; when it quits, the second takes the feed over (store.demo.feed.wait_free,
console.cli.demo.FeedKeeper), so the demo keeps moving while any console of it is open."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from griddesk.store import config, demo
from griddesk.store.context import Store
from griddesk.store.demo.feed import LEASE_TTL_S, STANDBY_S, feeding
from griddesk.store.models import Ticket
from tests.cli.script import GRIDDESK, env

DEADLINE = 120.0  # wall-clock bound for broken code, not a timing


class Console:
    """`griddesk demo` on a pseudo-terminal of 80×24, its output drained as it comes (a full
    pty would block the console)."""

    def __init__(self, home: Path, db: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.master = master
        self.proc = subprocess.Popen([GRIDDESK, "--db", str(db), "demo", "--rate", "4"],
                                     env=env(home, TERM="xterm-256color"), stdin=slave, stdout=slave,
                                     stderr=slave, start_new_session=True)
        os.close(slave)
        self.out = bytearray()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.out += data

    def shown(self, text: str) -> bool:
        return text.encode() in self.out

    def feed_pids(self) -> set[int]:
        """The console's child processes (its demo feed, when it runs one)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return {int(p) for p in path.read_text().split()}
        except OSError:
            return set()

    def quit(self) -> int:
        if self.proc.poll() is None:
            os.write(self.master, b"\x11")  # ctrl+q
        try:
            return self.proc.wait(timeout=DEADLINE)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
        self.reader.join(timeout=5)


async def wait_for(what: str, cond) -> object:  # type: ignore[no-untyped-def]
    import asyncio

    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        got = await cond()
        if got:
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {DEADLINE}s (wall clock): {what}")


def pid_of(holder: str | None) -> int | None:
    return int(holder.split(":")[1]) if holder else None  # jobs.new_holder: host:pid:tail


async def tickets(store: Store) -> int:
    async with store.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Ticket))).scalar_one())


@pytest.mark.slow
async def test_the_next_console_takes_the_feed_over_when_the_feeding_one_quits(tmp_path: Path) -> None:
    assert STANDBY_S < LEASE_TTL_S  # a waiting console looks more often than a lease lasts
    db = tmp_path / "demo.db"
    store = await Store.open(str(db), config.Settings())
    await demo.build(store, tickets=40, days=3, seed=3)
    first = Console(tmp_path / "h1", db)
    second: Console | None = None
    try:
        holder = await wait_for("the first console's feed holds the lease", lambda: _feeding_child(store, first))
        second = Console(tmp_path / "h2", db)
        await wait_for("the second console is up", lambda: _true(second.shown("\x1b[?1049h")
                                                                   and second.proc.poll() is None))
        assert await feeding(store) == holder  # one feed: the second console waits
        before = await tickets(store)
        assert first.quit() == 0
        taken = await wait_for("the second console's feed holds the lease", lambda: _feeding_child(store, second))
        assert taken != holder
        await wait_for("tickets keep arriving", lambda: _more(store, before))
        assert second.quit() == 0
        second = None
        assert await feeding(store) is None  # given up when the last console quit
    finally:
        first.close()
        if second is not None:
            second.close()
        await store.close()


async def _true(value: bool) -> bool:
    return value


async def _feeding_child(store: Store, console: Console) -> str | None:
    holder = await feeding(store)
    return holder if pid_of(holder) in console.feed_pids() else None


async def _more(store: Store, before: int) -> bool:
    return await tickets(store) > before
