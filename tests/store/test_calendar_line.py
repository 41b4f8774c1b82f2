"""The working calendar's fast path (positions on a line, a bisect) gives exactly what walking
day by day through the working periods gives: the walk is kept here as the reference.

This was the demo's check of its own twin calendar (`_WorkLine`); the calendar now has the fast
path itself, so the check is against the plain walk it replaced."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from griddesk.store import clocks, config, sla
from griddesk.store.calendar import WorkCalendar
from griddesk.store.context import Store


def _windows(cal: WorkCalendar, d: date) -> list[tuple[datetime, datetime]]:
    if not cal.is_workday(d):
        return []
    return [(datetime.combine(d, a, cal.tz), datetime.combine(d, b, cal.tz)) for a, b in cal.periods]


def walk_add(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    if seconds < 0:
        return walk_sub(cal, start, -seconds)
    cur, left = cal.local(start), float(seconds)
    d = cur.date()
    while True:
        for a, b in _windows(cal, d):
            if cur >= b:
                continue
            s = max(cur, a)
            room = (b - s).total_seconds()
            if left <= room:
                return s + timedelta(seconds=left)
            left -= room
            cur = b
        d += timedelta(days=1)
        cur = datetime.combine(d, time(0, 0), cal.tz)


def walk_sub(cal: WorkCalendar, end: datetime, seconds: float) -> datetime:
    cur, left = cal.local(end), float(seconds)
    d = cur.date()
    while True:
        for a, b in reversed(_windows(cal, d)):
            if cur <= a:
                continue
            e = min(cur, b)
            room = (e - a).total_seconds()
            if left <= room:
                return e - timedelta(seconds=left)
            left -= room
            cur = a
        cur = datetime.combine(d, time(0, 0), cal.tz)
        d -= timedelta(days=1)


def walk_between(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    if b < a:
        return -walk_between(cal, b, a)
    a, b = cal.local(a), cal.local(b)
    total, d = 0.0, a.date()
    while d <= b.date():
        for s, e in _windows(cal, d):
            lo, hi = max(s, a), min(e, b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        d += timedelta(days=1)
    return total


async def test_the_fast_calendar_agrees_with_walking_day_by_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = await Store.open(str(tmp_path / "c.db"), config.Settings())
    try:
        cal = WorkCalendar()
        ref = WorkCalendar()
        rng = random.Random(3)
        start0 = datetime(2025, 9, 15, tzinfo=UTC)  # over National Day 2025 and into 2026
        limits = [(2, "work_hours"), (4, "work_hours"), (1, "work_days"), (3, "work_days"), (20, "work_days"),
                  (24, "natural_hours"), (30, "natural_minutes"), (0, "work_days")]
        for _ in range(1500):
            # some starts exactly on the opening, lunch and closing boundaries, some with microseconds
            t = start0 + timedelta(seconds=rng.randrange(120 * 86400), microseconds=rng.choice([0, 0, 417]))
            if rng.random() < 0.2:
                hh, mm = rng.choice([(8, 30), (12, 0), (14, 0), (17, 30)])
                t = cal.local(t).replace(hour=hh, minute=mm, second=0, microsecond=0)
            secs = rng.choice([0, 1, 1800, 12600, 25200, 100000, -3600, -30000, 0.5])
            assert cal.add_work_seconds(t, secs) == walk_add(ref, t, secs), (t, secs)
            other = t + timedelta(seconds=rng.randrange(-10 * 86400, 10 * 86400))
            assert cal.work_seconds_between(t, other) == walk_between(ref, t, other), (t, other)
            value, unit = rng.choice(limits)
            due = sla.due_at(cal, t, value, unit)
            if unit == "work_hours":
                assert due == walk_add(ref, t, value * 3600)
            # the due-soon moment is inside the clock's span
            assert t <= clocks.warn_at(store, value, unit, t, due) <= due
    finally:
        await store.close()


def test_counting_back_before_the_first_year_loaded() -> None:
    cal, ref = WorkCalendar(), WorkCalendar()
    t = datetime(2026, 1, 5, 9, 0, tzinfo=cal.tz)
    assert cal.add_work_seconds(t, 5) == walk_add(ref, t, 5)
    for secs in (-3600, -30 * 3600, -400 * 3600):  # back into 2025 after 2026 was loaded
        assert cal.add_work_seconds(t, secs) == walk_add(ref, t, secs)
    assert cal.work_seconds_between(datetime(2024, 12, 30, tzinfo=UTC), t) == \
        walk_between(ref, datetime(2024, 12, 30, tzinfo=UTC), t)
