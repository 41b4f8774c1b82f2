"""The end of an event loop that never waits for ever on a task that will not end.

`asyncio.run` cancels the tasks still pending when its coroutine returns and then waits for all
of them. SQLAlchemy's aiosqlite adapter can leave a task in `_terminate_graceful_close()` awaiting
`connection.close()` on a connection thread that has already stopped; that future never resolves,
so a command or the console could hang at exit (seen in the test suite's loop teardowns, and in
issue 13's start-up probe). Here pending tasks get `WAIT` seconds after cancellation; those still
pending are reported to `stuck` and left behind, and the loop closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
WAIT = 5.0  # seconds a cancelled task gets to end


def cancel_leftovers(loop: asyncio.AbstractEventLoop, stuck: Callable[[asyncio.Task[Any]], None],
                     wait: float = WAIT) -> None:
    """Cancel every task of `loop` and wait at most `wait` seconds; report the ones that stay."""
    tasks = asyncio.all_tasks(loop)
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    done, pending = loop.run_until_complete(asyncio.wait(tasks, timeout=wait))
    for task in pending:
        stuck(task)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler({"message": "unhandled exception while the loop ended",
                                         "exception": task.exception(), "task": task})


def run(coro: Coroutine[Any, Any, T], stuck: Callable[[asyncio.Task[Any]], None]) -> T:
    """`asyncio.run(coro)` with a bounded end (`cancel_leftovers`)."""
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        try:
            cancel_leftovers(loop, stuck)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
