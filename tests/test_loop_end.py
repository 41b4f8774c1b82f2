"""A task that ignores cancellation cannot hang a command's exit (console/loop_end.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

from griddesk.console import loop_end


def test_a_task_that_never_ends_is_left_behind_and_named() -> None:
    stuck: list[asyncio.Task[Any]] = []

    async def obstinate() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue  # as a close awaiting a thread that has stopped: it never ends

    async def main() -> int:
        asyncio.ensure_future(obstinate())
        await asyncio.sleep(0)
        return 7

    start = time.monotonic()
    assert loop_end.run(main(), stuck.append) == 7
    assert time.monotonic() - start < loop_end.WAIT + 3
    assert len(stuck) == 1 and "obstinate" in repr(stuck[0])


def test_the_cli_runs_through_it() -> None:
    r = subprocess.run([sys.executable, "-m", "griddesk.console.cli", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("griddesk ")
