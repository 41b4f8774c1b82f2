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
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar

from griddesk.store.errors import Invalid

if TYPE_CHECKING:
    from griddesk.store.config import Settings

US = 1_000_000  # the line counts whole microseconds, as datetime does: no rounding drift
ONE_DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MOMENTS_KEPT = 100_000  # results remembered (the same closes of business come back all the time)


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
        self._years: list[int] = []  # the first and last local year the line covers
        self._lo = self._hi = 0  # the covered span in epoch microseconds
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum: list[int] = []
        self._cumend: list[int] = []
        # Local years (of those covered) whose UTC offset is `_off` all year (no DST, e.g. China
        # since 1992): a moment in one of them is read off its fields, without asking the zone.
        self._fixed: set[int] = set()
        self._off: int | None = None  # microseconds east of UTC
        self._moments: dict[int, datetime] = {}
        # the last two moments converted: a deadline and its warning start from the same moment
        self._last = self._last2 = (EPOCH, 0)
        if calendar_file:
            self._load_file(Path(calendar_file))

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkCalendar:
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

    # Working time is kept as positions on a line: window i (a working period of a working day)
    # spans [starts[i], ends[i]) in epoch microseconds and has cum[i] working microseconds before
    # it. Adding working time is then a bisect instead of a walk day by day (the demo asks this
    # millions of times). The line covers whole local years, loaded only when a moment or a
    # result falls in them, so a year no calendar knows is warned about only when it is reached.

    def _year_windows(self, y: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        d = date(y, 1, 1)
        while d.year == y:
            if self.is_workday(d):
                out.extend((_us(self._at(d, a)), _us(self._at(d, b))) for a, b in self.periods)
            d += ONE_DAY
        if not out:
            # a whole year without working time: the calendar (file) is wrong
            raise Invalid("error.calendar_no_workdays")
        self._note_offset(y)
        return out

    def _note_offset(self, y: int) -> None:
        """Record `y` as a fixed-offset year if every local midnight in it, and the next year's
        first, has the one offset (a DST period lasts months: it cannot slip between them)."""
        d, offs = date(y, 1, 1), set()
        while d.year == y:
            offs.add(self._at(d, time(0, 0)).utcoffset())
            d += ONE_DAY
        offs.add(self._at(d, time(0, 0)).utcoffset())
        if len(offs) != 1:
            return
        off = next(iter(offs))
        if off is None:
            return
        off_us = off // _ONE_US
        if self._off is None:
            self._off = off_us
        if off_us == self._off:
            self._fixed.add(y)

    def epoch_us(self, at: datetime) -> int:
        """`at` in whole microseconds since the epoch (exact, as datetime subtraction gives it);
        read off its fields when it is in this zone and in a fixed-offset local year."""
        last = self._last
        if last[0] is at:
            return last[1]
        if self._last2[0] is at:
            return self._last2[1]
        if at.tzinfo is self.tz and at.year in self._fixed:
            # _off is set whenever _fixed holds a year; no assert here, this is the hottest line
            t = ((at.toordinal() - _EPOCH_ORDINAL) * 86400 + at.hour * 3600  # type: ignore[operator]
                 + at.minute * 60 + at.second) * US + at.microsecond - self._off
        else:
            t = (at - EPOCH) // _ONE_US
        self._last2, self._last = last, (at, t)
        return t

    def _rebuild(self, windows: list[tuple[int, int]]) -> None:
        self._starts, self._ends, self._cum, self._cumend = [], [], [], []
        self._append(windows)

    def _append(self, windows: list[tuple[int, int]]) -> None:
        c = self._cumend[-1] if self._cumend else 0
        for s, e in windows:
            self._starts.append(s)
            self._ends.append(e)
            self._cum.append(c)
            c += e - s
            self._cumend.append(c)

    def _cover(self, at: datetime) -> int:
        """Make the line cover `at`'s local year (and every year between); `at` in microseconds."""
        t = self.epoch_us(at)
        if self._lo <= t < self._hi:
            return t
        y = self.local(at).year
        if not self._years:
            self._years = [y, y]
            self._rebuild(self._year_windows(y))
        while y > self._years[1]:
            self._grow_up()
        while y < self._years[0]:
            self._grow_down()
        self._lo = _us(self._at(date(self._years[0], 1, 1), time(0, 0)))
        self._hi = _us(self._at(date(self._years[1] + 1, 1, 1), time(0, 0)))
        return t

    def _grow_up(self) -> None:
        self._years[1] += 1
        self._append(self._year_windows(self._years[1]))
        self._hi = _us(self._at(date(self._years[1] + 1, 1, 1), time(0, 0)))

    def _grow_down(self) -> None:
        # positions are relative to the line's first window, so they are all worked out again
        self._years[0] -= 1
        self._rebuild(self._year_windows(self._years[0]) + list(zip(self._starts, self._ends, strict=True)))
        self._lo = _us(self._at(date(self._years[0], 1, 1), time(0, 0)))

    def _pos(self, t: int) -> int:
        """Working microseconds from the line's start to `t` (a moment on the covered years)."""
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        s = self._starts[i]
        return self._cum[i] + min(t - s, self._ends[i] - s)

    def _moment(self, t: int) -> datetime:
        got = self._moments.get(t)
        if got is None:
            if len(self._moments) >= _MOMENTS_KEPT:
                self._moments.clear()
            # exact: a double holds any epoch microsecond of these centuries to well under 0.5 µs
            got = self._moments[t] = datetime.fromtimestamp(t / US, self.tz)
        # a result is mostly asked about next (a deadline's warning is counted back from it)
        self._last2, self._last = self._last, (got, t)
        return got

    def add_work_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start` (working time only counts).

        Negative `seconds` count back (a clock resumed while already overdue keeps its debt).
        Landing exactly on a period's end gives that end (12:00), not the next opening; counting
        back, landing on a period's start gives that start.
        """
        return self._add(self._cover(start), seconds)

    def add_work_seconds_short_of(self, start: datetime, end: datetime, seconds: float) -> datetime:
        """`add_work_seconds(start, max(work_seconds_between(start, end) - seconds, 0))` in one
        pass: the moment `seconds` of working time short of `end`, but not before `start`."""
        ta, tb = self._cover(start), self._cover(end)
        pa = self._pos(ta)
        return self._add(ta, max((self._pos(tb) - pa) / US - seconds, 0), pa)

    def _add(self, t: int, seconds: float, pos: int | None = None) -> datetime:
        """add_work_seconds on a covered moment `t` (`pos`: its position, when known)."""
        if seconds == 0:  # `start` itself inside working hours, else the next opening
            i = bisect_right(self._ends, t)
            while i == len(self._ends):
                self._grow_up()
                i = bisect_right(self._ends, t)
            return self._moment(max(t, self._starts[i]))
        step = round(seconds * US)
        if step > 0:
            p = (self._pos(t) if pos is None else pos) + step
            while self._cumend[-1] < p:
                self._grow_up()
            i = bisect_left(self._cumend, p)
            return self._moment(self._starts[i] + (p - self._cum[i]))
        # counting back may load earlier years, which moves every position: read it afresh
        p = self._pos(t) + step
        while p < 0:
            self._grow_down()
            p = self._pos(t) + step
        i = bisect_right(self._cum, p) - 1
        return self._moment(self._starts[i] + (p - self._cum[i]))

    def work_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds from a to b; negative when b is before a."""
        ta, tb = self._cover(a), self._cover(b)
        # positions are read after both are covered (covering b may move the line's start)
        return (self._pos(tb) - self._pos(ta)) / US

    def next_work_moment(self, at: datetime) -> datetime:
        """`at` itself inside working hours, else the next opening."""
        return self.add_work_seconds(at, 0)

    def end_of_workdays(self, start: datetime, days: int) -> datetime:
        """Close of business on the `days`-th working day after the (effective) start day.

        A ticket received outside working hours counts from the next opening; 0 days means
        by the close of that day. ("3个工作日内办结" as 12345 centres count it.)
        """
        # every working day is len(periods) windows on the line: the day of the next opening,
        # `days` working days on, ends at its last window's end (what walking day by day gives)
        t = self._cover(start)
        i = bisect_right(self._ends, t)
        while i == len(self._ends):
            self._grow_up()
            i = bisect_right(self._ends, t)
        n = len(self.periods)
        k = (i // n + max(days, 0)) * n + n - 1
        while k >= len(self._ends):
            self._grow_up()
        return self._moment(self._ends[k])

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


def _us(at: datetime) -> int:
    return (at - EPOCH) // _ONE_US


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
