"""`Coalesced`: one read at a time, and a read asked for meanwhile is not lost.

Screens, the wall, the header counts and the notices all re-read on the change feed, which can
ask again while a read is still awaiting the database. Starting a second read would race the
first (an older answer could be shown last); cancelling the first (Textual's
`@work(exclusive=True)`) could starve a screen under a busy feed. So: while a read runs, further
asks only mark it, and the running read goes round once more when it ends — however many asks
came, one more read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class Coalesced:
    """Wraps `body` (one read). `body` may return False to go round again at once (what to read
    changed while it read, e.g. the operator switched a filter). Exceptions propagate to the
    caller, and end the round (the next ask starts afresh)."""

    def __init__(self, body: Callable[[], Awaitable[bool | None]]) -> None:
        self.body = body
        self.running = False
        self.again = False

    def ask(self) -> bool:
        """Note that a read is wanted: True when none runs (the caller then awaits `run()`,
        typically in a worker); False when the running one will read once more."""
        if self.running:
            self.again = True
            return False
        self.running = True  # set now, not when the worker starts: asks in between coalesce
        return True

    async def run(self) -> None:
        """The loop itself; call only after `ask()` returned True."""
        try:
            while True:
                self.again = False
                if await self.body() is False:
                    continue
                if not self.again:
                    return
        finally:
            self.running = False

    async def __call__(self) -> None:
        """Ask and, when no read runs, read here (for code already in a worker)."""
        if self.ask():
            await self.run()
