"""The one way a benchmark ends itself: after `seconds`, say so on stderr and exit 3, whatever
it is doing (SIGALRM; `os._exit`, so no teardown can hang the run). `cleanup`, when given, runs
first (quick, and never allowed to stop the exit): e.g. end the benchmark's child processes and
remove its temporary files."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable


def stop_after(seconds: float, name: str, cleanup: Callable[[], object] | None = None) -> None:
    def expired(*_: object) -> None:
        print(f"{name}: timed out after {seconds:g} s", file=sys.stderr, flush=True)
        if cleanup is not None:
            try:
                cleanup()
            except Exception as e:  # the exit must happen whatever the clean-up met
                print(f"{name}: clean-up failed: {e}", file=sys.stderr, flush=True)
        os._exit(3)

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(max(1, int(seconds)))
