"""The one way a benchmark ends itself: after `seconds`, say so on stderr and exit 3, whatever
it is doing (SIGALRM; `os._exit`, so no teardown can hang the run)."""

from __future__ import annotations

import os
import signal
import sys


def stop_after(seconds: float, name: str) -> None:
    def expired(*_: object) -> None:
        print(f"{name}: timed out after {seconds:g} s", file=sys.stderr, flush=True)
        os._exit(3)

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(max(1, int(seconds)))
