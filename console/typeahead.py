"""Typeahead: keys typed while a screen opens, a dialog mounts or a read runs wait, in order.

Textual hands a key to whatever has focus when the app takes it from its queue. A burst such as
`/0056⏎` is queued whole before `/` has had its effect: the filter box is shown at once, but its
focus is set through `call_later`, which queues *behind* the digits, so the digits reached the
queue table as queue keys and `⏎` opened the wrong ticket. The same happened to the first keys
after `:` or after closing a dialog, and to keys pressed while a screen was still reading.

So after each key the app delivers, later keys are held until that key has settled: every widget
of the current screen has emptied its message queue and is mounted, the app has run the
callbacks the key queued (focus changes), the key itself has finished its way (see below), and
the screen is not in the middle of a read (a screen says so with `typeahead_busy`).

A key's way: the app forwards it to the focused widget, it bubbles up through its parents and,
unless one of them stops it, comes back to the app, which only then runs the focus chain's
bindings (Enter → OptionList's select). While it is in the app's own queue every widget of the
screen is idle, so the screen looked settled: the second ⏎ of `d ⏎ ⏎` went to the unit list
before the first had picked the lead and moved on to the note, and the dispatch never came.
So a delivered key is *in flight* until a widget stops it, it has come back to the app and its
bindings have run (`returned`), or the widget it went to is gone. Then the held keys go out one at a time, each settling
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
FLIGHT_MAX = 5.0  # seconds a key may stay in flight before it is taken to have landed (a lost
# message must not hold the keyboard for MAX_HOLD)
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


def _queued(node: Any, message: Any) -> bool:
    """Whether `message` waits in `node`'s queue (Textual's own Queue keeps them in `values`)."""
    queue: Any = node._message_queue
    held: Any = getattr(queue, "values", None)
    if held is None:
        held = getattr(queue, "_queue", ())
    return any(m is message for m in held)


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
        self.in_flight: events.Event | None = None  # the last key sent, on its way (see above)
        self._flight: tuple[Any, float] | None = None  # the widget it went to, when it left

    def _busy(self) -> bool:
        return self.settling or self._flying() or not screen_settled(self.app)

    def aim(self) -> Any:
        """Where the app is about to send a key (Textual's own rule): the focused widget, else
        the screen. Taken before the key goes out."""
        try:
            return self.app.focused or self.app.screen
        except Exception:  # no screen yet
            return None

    def sent(self, event: events.Event, target: Any) -> None:
        """The app has dispatched a fresh key: forwarded to `target`, it is in flight until it
        comes back or stops; not forwarded (a priority binding took it), it has landed."""
        if event.is_forwarded and target is not None:
            self.in_flight, self._flight = event, (target, time.monotonic())

    def returned(self, event: events.Event) -> None:
        """A key came back to the app and its bindings have run."""
        if event is self.in_flight:
            self.in_flight, self._flight = None, None

    def _flying(self) -> bool:
        event, flight = self.in_flight, self._flight
        if event is None or flight is None:
            return False
        target, since = flight
        # Stopped by a widget, it goes no further. (The screen stops it too, when its next hop is
        # the app that sent it — and still passes it up: then it waits in the app's queue.)
        stopped = event._stop_propagation and not _queued(self.app, event)
        if stopped or not target.is_attached or time.monotonic() - since > FLIGHT_MAX:
            self.in_flight, self._flight = None, None
            return False
        return True

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
            target = self.aim()
            await self.deliver(event)
            self.sent(event, target)
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
