"""Notices in the running console: a clock crossing into overdue rings once (and not again after a
restart), an emergency written by another process rings within the poll, the bell per operator."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from griddesk.console.app import GridDeskApp
from griddesk.store import notices, tickets
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.i18n import t
from tests.console.pilot import WAIT, until
from tests.fixtures_town import Town, seed

ROOT = Path(__file__).resolve().parents[2]
MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


def at(hh: int, mm: int = 0) -> datetime:
    return MON + timedelta(hours=hh - 9, minutes=mm)


class Counting(GridDeskApp):
    """The console, counting its bells and keeping its toasts' texts."""

    def __init__(self, *a, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*a, **kw)
        self.bells = 0
        self.toasts: list[str] = []

    def bell(self) -> None:
        self.bells += 1
        super().bell()

    def notify(self, message: str, **kw) -> None:  # type: ignore[no-untyped-def,override]
        self.toasts.append(message)
        super().notify(message, **kw)


def counting(store: Store, actor: Actor, interval: float = 0.2) -> Counting:
    app = Counting(store, actor, lang="zh", poll_interval=0.2)
    app.alerts.interval = interval  # check often: the test moves the clock, not the minutes
    return app


async def checked(pilot, app: Counting, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Wait until the console has looked `times` more times: a check for notices, or an interval's
    tick that asked whether a deadline passed (it checks only then: console/alerts.py)."""
    target = app.alerts.checks + app.alerts.ticks + times
    await until(pilot, lambda: app.alerts.checks + app.alerts.ticks >= target)


async def test_a_crossing_rings_once_and_a_restart_does_not_ring_again(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    now = [at(9)]
    store = await Store.open(path, now=lambda: now[0])
    town = await seed(store)
    number = await tickets.create(store, town.operator, tickets.parse(town.ticket()))  # due 15:00
    now[0] = at(14, 59)
    app = counting(store, town.operator)
    async with app.run_test(size=(80, 24)) as pilot:
        await checked(pilot, app, 2)
        assert app.bells == 0 and app.alerts.shown == []
        now[0] = at(15, 1)  # the handling deadline passes while the console runs
        await until(pilot, lambda: app.bells == 1)
        expected = t("notices.overdue", number=number, title="海角路垃圾堆放未清运", clock="办理")
        assert app.alerts.shown == [expected] and expected in app.toasts
        await checked(pilot, app, 5)  # later ticks: nothing more
        now[0] = at(15, 30)
        await checked(pilot, app, 3)
        assert app.bells == 1 and app.alerts.shown == [expected]
    await store.close()

    # the console restarts (a new store and app on the same file): it does not ring again
    again = await Store.open(path, now=lambda: now[0])
    try:
        app2 = counting(again, await again.actor("op01"))
        async with app2.run_test(size=(80, 24)) as pilot:
            await checked(pilot, app2, 5)
            assert app2.bells == 0 and app2.alerts.shown == []
        # another operator has not been told yet: their console rings
        app3 = counting(again, await again.actor("op02"))
        async with app3.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app3.bells == 1)
            assert app3.alerts.shown == [expected]
    finally:
        await again.close()


async def test_an_emergency_from_another_process_rings_and_shows(db_path: Path, town: Town,
                                                                 machine_admin: Path) -> None:
    app = counting(town.store, town.operator, interval=60.0)  # only the change feed can bring it
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot, app)
        assert app.bells == 0
        data = town.ticket(matter=town.matters["dispute"], urgency="emergency", title="码头两伙人聚集对峙")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "griddesk.console.cli", "--db", str(db_path), "--as", "op02", "ticket", "add", "-",
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(json.dumps(data, ensure_ascii=False).encode()), 60)
        assert proc.returncode == 0, err.decode()
        number = out.decode().strip().splitlines()[-1]
        await until(pilot, lambda: app.bells == 1, timeout=WAIT)  # within the poll (0.2 s here)
        text = t("notices.emergency", number=number, title="码头两伙人聚集对峙")
        assert text in app.toasts and app.alerts.shown == [text]
        await until(pilot, lambda: app.header_state.counts is not None and app.header_state.counts.escalations == 1)
        app.alerts.check_soon()  # asked again: already told
        await checked(pilot, app)
        assert app.bells == 1


async def test_the_bell_is_per_operator_and_silence_still_shows(tmp_path: Path) -> None:
    now = [at(9)]
    store = await Store.open(str(tmp_path / "b.db"), now=lambda: now[0])
    try:
        town = await seed(store)
        app = counting(store, town.operator)
        async with app.run_test(size=(80, 24)) as pilot:
            await checked(pilot, app)
            await pilot.press("ctrl+g")  # the bell off, remembered for this operator
            await until(pilot, lambda: app.alerts.bell is False)
            assert await notices.bell_on(store, town.operator) is False
            assert await notices.bell_on(store, town.actors["op02"]) is True
            assert t("console_supervise.bell.off") in app.toasts
            number = await tickets.create(store, town.actors["op02"], tickets.parse(
                town.ticket(matter=town.matters["dispute"], urgency="emergency")))
            await until(pilot, lambda: any(number in s for s in app.alerts.shown))
            assert app.bells == 0  # silent, but shown
            await pilot.press("colon", *"bell on", "enter")
            await until(pilot, lambda: app.alerts.bell is True)
            assert await notices.bell_on(store, town.operator) is True
            await pilot.press("colon", *"bell maybe", "enter")  # not a command: the line says why
            assert t("console_supervise.bell.usage") in str(app.screen.query_one("#cmd-error").render())
    finally:
        await store.close()
