"""The one way a benchmark ends itself: after `seconds`, say so on stderr and exit 3, whatever
it is doing (SIGALRM; `os._exit`, so no teardown can hang the run).

`cleanup`, when given, runs first (in the signal handler, before the exit): what must not
outlive the run, such as the processes a benchmark started. Its errors are reported, never
raised: the run ends with exit 3 all the same. `cancel()` switches the alarm off (the measured
part is over)."""

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
            except BaseException as e:  # the exit below must happen whatever it raised
                print(f"{name}: clean-up failed: {e!r}", file=sys.stderr, flush=True)
        os._exit(3)

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(max(1, int(seconds)))


def cancel() -> None:
    signal.alarm(0)
