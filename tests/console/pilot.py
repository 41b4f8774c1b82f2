"""Shared helpers for the console's Pilot tests.

`until(pilot, cond)` is how a test waits: between checks it lets the app finish what it has
started (its workers: database reads and writes; then its message queues and repaints), so a
test moves on as soon as the state it needs is there, whatever the machine's load. The
deadline is wall-clock time and generous (WAIT): it only matters when something is broken,
and then the message says what was on screen. No test sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.worker import Worker, WorkerState

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.widgets.header import GridHeader
from griddesk.store import tickets
from tests.fixtures_town import Town

WAIT = 60.0  # wall-clock seconds before a wait gives up: a bound for broken code, not a timing
SLICE = 0.1  # the longest one wait for the app's workers lasts before the condition is checked again
TICK = 0.02  # between checks when no worker runs
STUCK = 0.5  # a worker that finishes nothing for this long is taken to wait on the user (a dialog)


def _retrieve(task: asyncio.Future) -> None:  # type: ignore[type-arg]
    if not task.cancelled():
        task.exception()  # a failed worker is the app's business (exit_on_error=False); don't warn


def _running(pilot: Pilot) -> list[Worker]:  # type: ignore[type-arg]
    return [w for w in pilot.app.workers
            if w.state in (WorkerState.PENDING, WorkerState.RUNNING) and w._task is not None]


async def _any_done(workers: list[Worker], within: float) -> bool:  # type: ignore[type-arg]
    """Wait until one of `workers` finishes (True) or `within` seconds pass (False)."""
    if not workers:
        return False
    # Worker.wait() awaits the worker's own task: never cancel these waiters, just stop watching
    waiters = [asyncio.ensure_future(w.wait()) for w in workers]
    for waiter in waiters:
        waiter.add_done_callback(_retrieve)
    done, _ = await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    return bool(done)


async def settle(pilot: Pilot) -> None:
    """Let the app get on: wait until one of its running workers (reads, writes) finishes, or
    SLICE passes (a worker may be waiting for a dialog's answer); then until the screen has
    handled its messages. (Not pilot.pause(): its CPU-idle detection waits up to a second on a
    busy machine.)"""
    running = _running(pilot)
    if running:
        await _any_done(running, SLICE)
    else:
        await asyncio.sleep(TICK)  # timers and other processes: give them a moment, don't spin
    await pilot.pause(0)


async def idle(pilot: Pilot, timeout: float = WAIT) -> None:  # noqa: ASYNC109
    """Wait until the workers running now have finished, except those that wait on something (a
    dialog's answer, on screen: none of them finishes for STUCK), then for the messages. For
    checking that something did *not* happen (a key that must do nothing) after it had its chance."""
    deadline = time.monotonic() + timeout
    left = _running(pilot)  # not the ones started meanwhile: the live poll starts one every tick
    while left and time.monotonic() < deadline:
        if not await _any_done(left, STUCK):
            break  # those left wait on the user
        left = [w for w in left if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
    await pilot.pause(0)


async def until(pilot: Pilot, cond: Callable[[], object], timeout: float = WAIT) -> None:  # noqa: ASYNC109
    """Wait until `cond()` is true, letting the app's workers and messages run in between."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            raise AssertionError(f"condition not met within {timeout}s (wall clock): {screen!r}, "
                                 f"workers {[w.name or w.group for w in pilot.app.workers]}")
        await settle(pilot)


async def until_async(pilot: Pilot, cond: Callable[[], Awaitable[bool]], what: Callable[[], str],
                      timeout: float = WAIT) -> None:  # noqa: ASYNC109
    """`until` for a condition that needs the store (await it); `what()` explains a timeout."""
    deadline = time.monotonic() + timeout
    while not await cond():
        if time.monotonic() > deadline:
            raise AssertionError(what())
        await settle(pilot)


async def add(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


def app_for(town: Town, lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.operator, lang=lang, poll_interval=0.2)


def numbers(app: GridDeskApp) -> list[str]:
    q = app.screen
    assert isinstance(q, QueueScreen)
    return [str(row.key.value) for row in q.table.ordered_rows]


def header_text(app: GridDeskApp) -> str:
    header = app.screen.query_one(GridHeader)
    return " ".join(str(p.render()) for p in header.query(".gd-centre, .gd-who, .gd-where, .gd-counts"))


def burst(pilot: Pilot, *keys: str) -> None:
    """Queue key presses all at once, as a fast typist or a barcode scanner sends them: unlike
    `pilot.press`, nothing waits between keys, so they arrive while screens are still opening."""
    from textual import events
    from textual.keys import _character_to_key

    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else None
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        if name == "enter":
            char = "\r"
        event = events.Key(name, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
