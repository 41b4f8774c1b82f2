"""Typeahead: keys typed while a screen opens, a dialog mounts or a read runs wait, in order.

Textual hands a key to whatever has focus when the app takes it from its queue. A burst such as
`/0056⏎` is queued whole before `/` has had its effect: the filter box is shown at once, but its
focus is set through `call_later`, which queues *behind* the digits, so the digits reached the
queue table as queue keys and `⏎` opened the wrong ticket. The same happened to the first keys
after `:` or after closing a dialog, and to keys pressed while a screen was still reading.

So after each key the app delivers, later keys are held until that key has settled: every widget
of the current screen has emptied its message queue and is mounted, the app has run the
callbacks the key queued (focus changes), and the screen is not in the middle of a read (a
screen says so with `typeahead_busy`). Then the held keys go out one at a time, each settling
before the next. Nothing is dropped; a hold never lasts longer than `MAX_HOLD` seconds, so a
read that hangs on a locked database cannot freeze the keyboard.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

MAX_HOLD = 30.0  # seconds: after this a held key is delivered whatever the screen is doing (5 s
# proved too short on a loaded 2-core machine: keys of a burst went out before the Enter ahead of
# them had moved the focus, into the wrong field — a key delivered to the wrong place is a lost key)
SETTLE_ROUNDS = 200  # rounds of the app's queue a key may take to settle (each is microseconds)
POLL = 0.01  # seconds between readiness checks while keys are held

Deliver = Callable[[events.Event], Awaitable[None]]


def screen_settled(app: App[Any], reads: bool = True) -> bool:
    """Whether the current screen has taken in everything sent to it so far (and, with
    `reads`, is not in the middle of a read)."""
    try:
        screen = app.screen
    except Exception:  # no screen yet (start-up) or being torn down
        return False
    if not screen.is_mounted or (reads and getattr(screen, "typeahead_busy", False)):
        return False
    # a message taken off a queue is still being handled until the pump marks it done (an Enter
    # turning into Input.Submitted, then bubbling to the screen): empty() missed those
    for node in screen.walk_children(Widget, with_self=False):
        if not node.is_mounted or _pending(node):
            return False
    return not _pending(screen)


def _pending(node: Widget) -> bool:
    """Messages queued for `node` or still in its hands (asyncio.Queue counts a message until
    task_done, which Textual's pump calls after dispatching it)."""
    queue: Any = node._message_queue
    return not queue.empty() or getattr(queue, "_unfinished_tasks", 0) > 0


class Typeahead:
    """Held input events of one app; `offer` decides, `deliver` is the app's own dispatch."""

    def __init__(self, app: App[Any], deliver: Deliver) -> None:
        self.app = app
        self.deliver = deliver
        self.held: deque[events.Event] = deque()
        self.settling = False  # a delivered key's effects may still be queued
        self.first_held_at: float | None = None
        self.timer: Timer | None = None
        self.delivered = 0  # keys delivered after a hold, for tests

    def _busy(self) -> bool:
        return self.settling or not screen_settled(self.app)

    async def offer(self, event: events.Event) -> bool:
        """Called for every unforwarded key and paste. True when the event was held (the caller
        then does nothing more); False when the caller should deliver it now."""
        if not self.held and not self._busy():
            self._settle_after()
            return False
        self.held.append(event)
        if self.first_held_at is None:
            self.first_held_at = time.monotonic()
        self._poll()
        return True

    def _settle_after(self) -> None:
        # A callback queued now runs after every callback the key's handling queued so far
        # (focus changes); by then the widgets' queues show whether more is on the way.
        self.settling = True
        self.app.call_later(self._settled, 0, 0)

    def _settled(self, rounds: int, quiet: int) -> None:
        # Two quiet rounds in a row: a callback a widget queued just after the first is run too.
        quiet = quiet + 1 if screen_settled(self.app, reads=False) else 0
        if quiet < 2 and rounds < SETTLE_ROUNDS:
            self.app.call_later(self._settled, rounds + 1, quiet)
            return
        self.settling = False

    def _poll(self) -> None:
        if self.timer is None:
            self.timer = self.app.set_interval(POLL, self._drain, name="typeahead")

    async def _drain(self) -> None:
        while self.held:
            overdue = self.first_held_at is not None and time.monotonic() - self.first_held_at > MAX_HOLD
            if self._busy() and not overdue:
                return
            event = self.held.popleft()
            self.first_held_at = time.monotonic() if self.held else None
            self._settle_after()
            self.delivered += 1
            await self.deliver(event)
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
