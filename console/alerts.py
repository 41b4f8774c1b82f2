"""What the console watches for the operator: notices (bell + toast) and the automatic ladder.

- `Alerts.check()` claims the notices this operator has not been shown (`store.notices.claim`;
  the centre's accounts and units' accounts — `told()` — not the wall or grid workers;
  remembers them in the database, so a restart or a second console does not repeat them), rings
  the terminal bell once per batch when the operator's bell is on, and shows each as a toast.
  The app calls it when the change feed moves (an emergency arrives from another process within
  the poll interval). Every `interval` seconds `tick()` asks one index seek whether a deadline
  of this operator's tickets passed since the last check (`store.counts.crossed`) and checks
  only then: an idle console no longer reads its notices every 10 s.
- `Alerts.run_ladder()` runs the centre's periodic jobs (the supervision ladder) once a minute,
  but only while this console holds their lease (`store.jobs`): the first console of a centre
  takes it when nobody (no other console, no `griddesk worker`) holds it; the others read the
  ladder's steps through the change feed. The lease is released when the console quits.
  Holding the lease, it renews it each minute but plans the ladder (a read of every warned
  clock: most of an idle console's CPU on a big town) only when it may find something: the
  change feed moved since the last plan (`feed_moved`), or time reached the next moment a step
  can fall due (`supervision.plan_ahead`), or `LADDER_MAX_WAIT` passed.

Reads and writes run in workers; one check at a time (a check asked for while one runs is run
once more after it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

from griddesk.console.coalesce import Coalesced
from griddesk.store import permissions
from griddesk.store.actor import Actor
from griddesk.store.enums import Role, Urgency
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from textual.worker import Worker

    from griddesk.console.app import GridDeskApp
    from griddesk.store import jobs, notices
    from griddesk.store.context import Store

# The store modules of the notices and the periodic jobs (the ladder, the workflow, escalation)
# are imported where they are first used, after the queue's first paint: the app starts the
# alerts only then (console/app.py `_startup`).

log = logging.getLogger(__name__)

TOASTS = 3  # more fresh notices than this at once: the rest are summed up in one toast


def watches(actor: Actor) -> bool:
    """Whether this account runs the ladder and counts escalations (the centre's own accounts)."""
    return permissions.may_write(actor, permissions.CENTRE)


def told(actor: Actor) -> bool:
    """Whether this account is told of crossings and arrivals: the centre's accounts, and a
    unit's (the store scopes a unit to the tickets it leads). Not the wall, not grid workers."""
    return actor.operator_id is not None and (watches(actor) or actor.role == Role.UNIT)


LADDER_DELAY_S = 5.0  # first automatic ladder run after start-up
LADDER_MAX_WAIT = timedelta(minutes=15)  # plan at least this often, whatever the wake says

class Alerts:
    def __init__(self, app: GridDeskApp, interval: float = 10.0) -> None:
        self.app = app
        self.interval = interval
        self.bell: bool | None = None  # None until read from the store
        self.rung = 0  # bells rung (tests, and the `?` of a curious operator)
        self.shown: list[str] = []  # texts of notices shown, newest last
        self.checks = 0  # checks completed (tests wait on it)
        self.ticks = 0  # interval ticks that asked whether a deadline passed (tests wait on it)
        self.checked_at: datetime | None = None  # store time at the start of the last completed check
        self._checks = Coalesced(self._check_once)
        self._timer: Timer | None = None
        self._ladder_timer: Timer | None = None
        self._laddering = False
        self._jobs: jobs.Runner | None = None  # made on the first run: the actor is known by then
        self.plans = 0  # ladder plans read (tests)
        self.ladder_wake: datetime | None = None  # when time alone may bring a step (None: plan)
        self._planned_at: datetime | None = None
        self._feed_moved = True

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def actor(self) -> Actor:
        return self.app.actor

    @property
    def active(self) -> bool:
        return told(self.actor)

    def start(self) -> None:
        if self.active:
            self._timer = self.app.set_interval(self.interval, self.tick, name="griddesk-alerts")
            self.check_soon()
        # the ladder walks every running clock on the working calendar: let the queue paint
        # first (on 200,000 tickets it doubled the time to the first painted queue)
        self._ladder_timer = self.app.set_timer(LADDER_DELAY_S, self.ladder_soon, name="griddesk-ladder-first")

    def stop(self) -> None:
        if self._ladder_timer is not None:
            self._ladder_timer.stop()
            self._ladder_timer = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # --- notices ---------------------------------------------------------------------------

    def _run(self, work: Callable[[], Coroutine[Any, Any, None]], group: str = "alerts") -> Worker[None]:
        """`work` in a worker: a coroutine function, not a coroutine, so a check asked for while
        the app quits (the alerts start after the first paint) leaves none never awaited."""
        return self.app.run_worker(work, group=group, exit_on_error=False)

    def check_soon(self) -> None:
        if self.active:
            self._run(self.check)

    def tick(self) -> None:
        """The interval's turn: check only if a deadline passed since the last check (a write
        reaches `check_soon` through the change feed)."""
        if self.active:
            self._run(self._tick)

    async def _tick(self) -> None:
        from griddesk.store import counts

        try:
            since = self.checked_at
            due = since is None or await counts.crossed(
                self.store, self.actor, since, self.store.now(), warn=False)
        except Exception as e:  # the database is busy or gone: the next tick asks again
            log.warning("deadline check failed: %s", e)
            return
        finally:
            self.ticks += 1
        if due:
            await self.check()

    async def check(self) -> None:
        """Claim and show what this operator has not been told yet (never two at once)."""
        if not self.active:
            return
        try:
            await self._checks()
        except Exception as e:  # the database is busy or gone: the next tick tries again
            log.warning("notices check failed: %s", e)

    async def _check_once(self) -> None:
        from griddesk.store import notices

        if self.bell is None:
            self.bell = await notices.bell_on(self.store, self.actor)
        started = self.store.now()
        fresh = await notices.claim(self.store, self.actor)
        self.checked_at = started
        self.checks += 1
        if fresh:
            self.show(fresh)

    def show(self, fresh: list[notices.Notice]) -> None:
        from griddesk.store import notices

        if self.bell:
            self.rung += 1
            self.app.bell()
        for n in fresh[:TOASTS] if len(fresh) > TOASTS + 1 else fresh:
            text = n.text()
            self.shown.append(text)
            urgent = n.kind != notices.OVERDUE or n.urgency == Urgency.EMERGENCY
            self.app.notify(text, title=t(f"console_supervise.alert.{n.kind}"),
                            severity="error" if urgent else "warning", timeout=12 if urgent else 8,
                            markup=False)
        if len(fresh) > TOASTS + 1:
            rest = {n.kind for n in fresh[TOASTS:]}
            # where to read the rest: the overdue view for crossings, the escalations list for arrivals
            if rest == {notices.OVERDUE}:
                which = "more_overdue"
            else:
                which = "more_arrived" if notices.OVERDUE not in rest else "more"
            text = t(f"console_supervise.alert.{which}", count=len(fresh) - TOASTS)
            self.shown.append(text)
            self.app.notify(text, severity="warning", timeout=12, markup=False)

    # --- the bell --------------------------------------------------------------------------

    async def set_bell(self, on: bool) -> None:
        """Turn this operator's bell on or off, remembered in the store for the next console."""
        from griddesk.store import notices

        try:
            await notices.set_bell(self.store, self.actor, on)
        except StoreError as e:
            self.app.notify(e.message(), severity="error", markup=False)
            return
        self.bell = await notices.bell_on(self.store, self.actor)
        if on and not self.bell:
            text = t("console_supervise.bell.off_globally")
        else:
            text = t("console_supervise.bell.on" if on else "console_supervise.bell.off")
        self.app.notify(text, markup=False)

    def toggle_bell(self) -> None:
        if self.actor.operator_id is None or self.actor.read_only:
            return
        self._run(self._toggle_bell, group="bell")

    async def _toggle_bell(self) -> None:
        from griddesk.store import notices

        if self.bell is None:  # pressed before the first check read it (it runs after the first paint)
            self.bell = await notices.bell_on(self.store, self.actor)
        await self.set_bell(not self.bell)

    # --- the ladder ------------------------------------------------------------------------

    def ladder_soon(self) -> None:
        if watches(self.actor) and not self._laddering:
            self._laddering = True
            self.app.run_worker(self.run_ladder(), group="ladder", exit_on_error=False)

    def feed_moved(self) -> None:
        """The change feed brought tickets' changes: the ladder plans again on its next minute."""
        self._feed_moved = True

    async def _ladder(self, store: Store, jurisdiction: str) -> int:
        """The ladder job as this console runs it: plans only when a step may be due."""
        from griddesk.store import supervision

        now = store.now()
        if not self._feed_moved and self.ladder_wake is not None and now < self.ladder_wake \
                and self._planned_at is not None and now - self._planned_at < LADDER_MAX_WAIT:
            return 0
        self._feed_moved = False  # a write from here on marks it again
        todo, wake = await supervision.plan_ahead(store, now, jurisdiction)
        self.plans += 1
        wrote = await supervision.run_ladder(store, now, jurisdiction, todo=todo) if todo else []
        self.ladder_wake, self._planned_at = wake, now
        return len(wrote)

    async def run_ladder(self) -> dict[str, int]:
        """Run the periodic jobs if this console holds (or can take) their lease: rows written per job."""
        from griddesk.store import jobs

        try:
            if self._jobs is None:
                ladder = jobs.Job(jobs.LADDER, 60.0, self._ladder)
                self._jobs = jobs.Runner(self.store, self.actor.jurisdiction,
                                         jobs=tuple(ladder if j.name == jobs.LADDER else j for j in jobs.JOBS))
            return await self._jobs.tick(force=True)  # the app's minute timer sets the pace
        except Exception as e:
            log.warning("periodic jobs failed: %s", e)
            return {}
        finally:
            self._laddering = False

    async def release(self) -> None:
        """Give up the jobs' leases (on quit), so the next console or worker need not wait for them."""
        if self._jobs is not None:
            await self._jobs.release()


__all__ = ["Alerts", "told", "watches"]
