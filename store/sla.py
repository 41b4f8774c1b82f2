"""SLA arithmetic: deadlines, time left, pause/resume and overdue multiples, in one place.

A limit is (value, unit) with unit work_hours, work_days or natural_hours. Its "basis" is how
time is counted between start and deadline: working seconds for work_* units, wall-clock
seconds for natural hours. Pausing keeps the remaining basis seconds; resuming adds them back
from the moment of resumption, so a suspended ticket's clock does not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from griddesk.store.calendar import WorkCalendar
from griddesk.store.enums import LimitUnit


def due_at(cal: WorkCalendar, start: datetime, value: int, unit: str) -> datetime:
    if unit == LimitUnit.NATURAL_HOURS:
        return start + timedelta(hours=value)
    if unit == LimitUnit.NATURAL_MINUTES:
        return start + timedelta(minutes=value)
    if unit == LimitUnit.WORK_HOURS:
        return cal.add_work_seconds(start, value * 3600)
    if unit == LimitUnit.WORK_DAYS:
        return cal.end_of_workdays(start, value)
    raise ValueError(f"unknown limit unit {unit!r}")


NATURAL = (LimitUnit.NATURAL_HOURS, LimitUnit.NATURAL_MINUTES)


def basis_seconds(cal: WorkCalendar, unit: str, a: datetime, b: datetime) -> float:
    """Time from a to b as the limit's unit counts it (negative when b < a)."""
    if unit in NATURAL:
        return (b - a).total_seconds()
    return cal.work_seconds_between(a, b)


def add_basis(cal: WorkCalendar, unit: str, start: datetime, seconds: float) -> datetime:
    if unit in NATURAL:
        return start + timedelta(seconds=seconds)
    return cal.add_work_seconds(start, seconds)


def add_basis_short_of(cal: WorkCalendar, unit: str, start: datetime, end: datetime, seconds: float) -> datetime:
    """The moment `seconds` basis seconds short of `end`, but not before `start`:
    add_basis(start, max(basis_seconds(start, end) - seconds, 0))."""
    if unit in NATURAL:
        return add_basis(cal, unit, start, max(basis_seconds(cal, unit, start, end) - seconds, 0))
    return cal.add_work_seconds_short_of(start, end, seconds)


def extend_days(cal: WorkCalendar, deadline: datetime, days: int, unit: str = LimitUnit.WORK_DAYS) -> datetime:
    """An approved extension of N days from the current deadline.

    Working days for a working-time limit (close of business stays close of business: Monday
    17:30 + 1 is Tuesday 17:30), calendar days for a natural-hours limit.
    """
    if unit in NATURAL:
        return deadline + timedelta(days=days)
    return cal.add_workdays(deadline, days)


@dataclass(frozen=True)
class ClockView:
    """A running clock as a person reads it."""

    name: str
    due_at: datetime
    limit_s: float  # the whole limit in basis seconds
    left_s: float  # basis seconds left; negative once overdue
    state: str
    paused: bool = False

    @property
    def overdue(self) -> bool:
        return self.left_s < 0

    @property
    def multiple(self) -> float:
        """超时倍数: how late as a multiple of the limit (0 while not overdue)."""
        if self.left_s >= 0 or self.limit_s <= 0:
            return 0.0
        return -self.left_s / self.limit_s

    def due_soon(self, fraction: float) -> bool:
        return 0 <= self.left_s < self.limit_s * fraction


def limit_seconds(cal: WorkCalendar, value: int, unit: str) -> float:
    """The whole limit in basis seconds; a same-day (0 days) limit counts as one working day."""
    if unit == LimitUnit.WORK_DAYS:
        return max(value, 1) * cal.day_seconds
    if unit == LimitUnit.NATURAL_MINUTES:
        return value * 60.0
    return value * 3600.0


def view(cal: WorkCalendar, name: str, value: int, unit: str, due: datetime, state: str,
         now: datetime, remaining_s: float | None = None) -> ClockView:
    limit = max(limit_seconds(cal, value, unit), 1.0)
    if state == "paused":
        # a suspended clock stands still at what was left when it was paused
        return ClockView(name, due, limit, remaining_s or 0.0, state, paused=True)
    return ClockView(name, due, limit, basis_seconds(cal, unit, now, due), state)
