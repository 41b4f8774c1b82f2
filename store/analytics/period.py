"""The period a figure covers: the last 7, 30 or 90 days or a chosen range of local dates, and
the previous period of the same length that its trend compares against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from griddesk.store.calendar import WorkCalendar
from griddesk.store.errors import Invalid

PRESETS = (7, 30, 90)
MAX_DAYS = 731
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)  # what a ticket's date can be


@dataclass(frozen=True)
class Period:
    """Local dates `first` … `last` inclusive, as aware UTC bounds `start` ≤ t < `end`."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    def previous(self, cal: WorkCalendar) -> Period:
        """The period of the same length just before this one. Derived, not asked for: it may
        reach before EARLIEST (and then holds nothing), so it is not checked as input is."""
        first, last = self.first - timedelta(days=self.days), self.first - timedelta(days=1)
        return Period(first, last, _midnight(cal, first).astimezone(UTC),
                      _midnight(cal, last + timedelta(days=1)).astimezone(UTC))

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def _midnight(cal: WorkCalendar, d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=cal.tz)


def of_dates(cal: WorkCalendar, first: date, last: date) -> Period:
    for d in (first, last):
        if not EARLIEST <= d <= LATEST:
            raise Invalid("analytics.error.date_range", value=d.isoformat(), first=EARLIEST.isoformat(),
                          last=LATEST.isoformat())
    if last < first:
        raise Invalid("analytics.error.range", first=first.isoformat(), last=last.isoformat())
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid("analytics.error.too_long", max=MAX_DAYS)
    return Period(first, last, _midnight(cal, first).astimezone(UTC),
                  _midnight(cal, last + timedelta(days=1)).astimezone(UTC))


def last_days(cal: WorkCalendar, now: datetime, days: int) -> Period:
    """The last `days` local days up to and including today."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("analytics.error.days", max=MAX_DAYS)
    today = cal.local(now).date()
    return of_dates(cal, today - timedelta(days=days - 1), today)


def choose(cal: WorkCalendar, now: datetime, days: int | None = None, first: date | None = None,
           last: date | None = None) -> Period:
    """A range when dates are given (a missing end is today), else the last `days` (30)."""
    if first is not None or last is not None:
        today = cal.local(now).date()
        last = last or today
        if first is None:
            if not EARLIEST <= last <= LATEST:
                return of_dates(cal, last, last)  # refused, naming the date
            if days is not None and not 1 <= days <= MAX_DAYS:
                raise Invalid("analytics.error.days", max=MAX_DAYS)
            first = max(EARLIEST, last - timedelta(days=(days or 30) - 1))
        return of_dates(cal, first, last)
    return last_days(cal, now, days or 30)
