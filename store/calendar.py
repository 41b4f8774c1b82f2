"""The working calendar: national holidays and 调休 make-up working days, and working hours.

Holidays come from chinesecalendar (kept up to date each year by its maintainers). A year it does
not know yet can be given in a calendar file (`calendar_file` in config.toml):

    [years.2027]
    holidays = ["2027-01-01", "2027-02-16"]   # rest days that would be working days
    workdays = ["2027-02-07"]                 # weekend days made working days (调休)

A year known to neither is computed as Monday–Friday, and recorded in `unknown_years` so the
console and CLI can show a warning instead of guessing silently.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from griddesk.store.errors import Invalid

MAX_IDLE_DAYS = 366  # a year with no working time at all means the calendar is wrong


class WorkCalendar:
    def __init__(
        self,
        periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30))),
        tz: str = "Asia/Shanghai",
        calendar_file: str | Path | None = None,
    ):
        self.periods = periods
        self.tz = ZoneInfo(tz)
        self.day_seconds = sum(_secs(b) - _secs(a) for a, b in periods)
        self.file_years: dict[int, tuple[set[date], set[date]]] = {}
        self.unknown_years: set[int] = set()
        self._cache: dict[date, bool] = {}
        if calendar_file:
            self._load_file(Path(calendar_file))

    @classmethod
    def from_settings(cls, settings) -> WorkCalendar:  # type: ignore[no-untyped-def]
        return cls(settings.work_periods, settings.timezone, settings.calendar_file)

    def _load_file(self, path: Path) -> None:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
            for year, spec in data.get("years", {}).items():
                y = int(year)
                hol = {date.fromisoformat(d) for d in spec.get("holidays", [])}
                work = {date.fromisoformat(d) for d in spec.get("workdays", [])}
                # a date filed under the wrong year, or both a holiday and a workday, is a typo
                # that would move deadlines silently
                stray = sorted(d for d in hol | work if d.year != y)
                if stray:
                    raise ValueError(f"{stray[0]} is not in {y}")
                both = sorted(hol & work)
                if both:
                    raise ValueError(f"{both[0]} is both a holiday and a workday")
                self.file_years[y] = (hol, work)
        except (OSError, tomllib.TOMLDecodeError, ValueError, AttributeError, TypeError) as e:
            raise Invalid("error.calendar_file", path=str(path), reason=str(e)) from None

    # --- days ---------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        hit = self._cache.get(d)
        if hit is None:
            hit = self._cache[d] = self._is_workday(d)
        return hit

    def _is_workday(self, d: date) -> bool:
        if d.year in self.file_years:
            hol, work = self.file_years[d.year]
            if d in work:
                return True
            if d in hol:
                return False
            return d.weekday() < 5
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            self.unknown_years.add(d.year)
            return d.weekday() < 5

    def knows(self, year: int) -> bool:
        if year in self.file_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def next_workday(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    # --- working time -------------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, self.tz)

    def _day_windows(self, d: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(d):
            return []
        return [(self._at(d, a), self._at(d, b)) for a, b in self.periods]

    def add_work_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start` (working time only counts).

        Negative `seconds` count back (a clock resumed while already overdue keeps its debt).
        Landing exactly on a period's end gives that end (12:00), not the next opening.
        """
        if seconds < 0:
            return self._sub_work_seconds(start, -seconds)
        cur = self.local(start)
        left = float(seconds)
        d = cur.date()
        idle = 0  # days in a row without working time: a guard against a calendar with none
        while idle < MAX_IDLE_DAYS:
            windows = self._day_windows(d)
            idle = 0 if windows else idle + 1
            for a, b in windows:
                if cur >= b:
                    continue
                s = max(cur, a)
                room = (b - s).total_seconds()
                if left <= room:
                    return s + timedelta(seconds=left)
                left -= room
                cur = b
            d += timedelta(days=1)
            cur = self._at(d, time(0, 0))
        raise Invalid("error.calendar_no_workdays")

    def _sub_work_seconds(self, end: datetime, seconds: float) -> datetime:
        cur = self.local(end)
        left = float(seconds)
        d = cur.date()
        idle = 0
        while idle < MAX_IDLE_DAYS:
            windows = self._day_windows(d)
            idle = 0 if windows else idle + 1
            for a, b in reversed(windows):
                if cur <= a:
                    continue
                e = min(cur, b)
                room = (e - a).total_seconds()
                if left <= room:
                    return e - timedelta(seconds=left)
                left -= room
                cur = a
            cur = self._at(d, time(0, 0))
            d -= timedelta(days=1)
        raise Invalid("error.calendar_no_workdays")

    def work_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds from a to b; negative when b is before a."""
        if b < a:
            return -self.work_seconds_between(b, a)
        a, b = self.local(a), self.local(b)
        total = 0.0
        d = a.date()
        while d <= b.date():
            for s, e in self._day_windows(d):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            d += timedelta(days=1)
        return total

    def next_work_moment(self, at: datetime) -> datetime:
        """`at` itself inside working hours, else the next opening."""
        return self.add_work_seconds(at, 0)

    def end_of_workdays(self, start: datetime, days: int) -> datetime:
        """Close of business on the `days`-th working day after the (effective) start day.

        A ticket received outside working hours counts from the next opening; 0 days means
        by the close of that day. ("3个工作日内办结" as 12345 centres count it.)
        """
        d = self.next_work_moment(start).date()
        for _ in range(days):
            d = self.next_workday(d)
        return self.close_of(d)

    def close_of(self, d: date) -> datetime:
        """Close of business on day `d` (the end of its last working period)."""
        return self._at(d, self.periods[-1][1])

    def add_workdays(self, at: datetime, days: int) -> datetime:
        """The same working moment `days` working days later (an extension of a deadline).

        A deadline at close of business moves to close of business; one at 10:00 to 10:00.
        """
        return self.add_work_seconds(at, days * self.day_seconds)

    def years_unknown(self, *moments: datetime) -> set[int]:
        """Of the years these moments fall in, those no calendar covers."""
        return {y for y in {self.local(m).year for m in moments} if not self.knows(y)}


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
