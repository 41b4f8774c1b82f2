"""SLA arithmetic on the working calendar: weekends, the lunch break, the National Day week 2025
with its 调休 working Sunday 2025-09-28 and Saturday 2025-10-11, natural hours for emergencies,
extensions, suspensions, the unknown-year warning and a calendar file.

Times are written in Shanghai local time (L(...)); every expected deadline is worked out by hand
in the comment beside it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from griddesk.store import clocks, sla, tickets, views, workflow
from griddesk.store.calendar import WorkCalendar
from griddesk.store.config import Settings
from griddesk.store.enums import ClockName, LimitUnit
from griddesk.store.errors import Invalid
from tests.conftest import open_store
from tests.fixtures_town import Town, seed

pytestmark = pytest.mark.backends  # store and town on SQLite and PostgreSQL (tests/conftest.py)

SH = ZoneInfo("Asia/Shanghai")
H = 3600


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
async def ctown(town: Town) -> Town:
    town.store.now = Clock(L(2025, 6, 9, 9))  # type: ignore[assignment]
    return town


def clk(town: Town) -> Clock:
    return town.store.now  # type: ignore[return-value]


async def new_ticket(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def running(town: Town, number: str) -> dict[str, views.Clock]:
    d = await views.detail(town.store, town.operator, number)
    return {c.name: c for c in d.running}


def local(at: datetime) -> datetime:
    return at.astimezone(SH)


# --- the calendar itself ------------------------------------------------------------------


def test_working_hours_skip_the_weekend(cal: WorkCalendar) -> None:
    # Friday 16:30 + 4h: 1h on Friday, then Monday 08:30 + 3h = 11:30
    assert cal.add_work_seconds(L(2025, 6, 13, 16, 30), 4 * H) == L(2025, 6, 16, 11, 30)
    assert cal.work_seconds_between(L(2025, 6, 13, 16, 30), L(2025, 6, 16, 11, 30)) == 4 * H
    # received on Saturday: counts from Monday's opening
    assert cal.add_work_seconds(L(2025, 6, 14, 10), 2 * H) == L(2025, 6, 16, 10, 30)


def test_the_lunch_break_does_not_count(cal: WorkCalendar) -> None:
    assert cal.add_work_seconds(L(2025, 6, 17, 11), 2 * H) == L(2025, 6, 17, 15)  # 1h + 1h after 14:00
    assert cal.add_work_seconds(L(2025, 6, 17, 12, 30), 1 * H) == L(2025, 6, 17, 15)  # from 14:00
    # a deadline that lands on 12:00 stays at 12:00, not at 14:00
    assert cal.add_work_seconds(L(2025, 6, 17, 10), 2 * H) == L(2025, 6, 17, 12)
    assert cal.work_seconds_between(L(2025, 6, 17, 11), L(2025, 6, 17, 15)) == 2 * H
    assert cal.day_seconds == 7 * H


def test_counting_back_mirrors_counting_forward(cal: WorkCalendar) -> None:
    # Monday 09:00 − 1h = Friday 17:00; Tuesday 14:30 − 1h = Tuesday 11:30
    assert cal.add_work_seconds(L(2025, 6, 16, 9), -1 * H) == L(2025, 6, 13, 17)
    assert cal.add_work_seconds(L(2025, 6, 17, 14, 30), -1 * H) == L(2025, 6, 17, 11, 30)
    assert cal.work_seconds_between(L(2025, 6, 16, 9), L(2025, 6, 13, 17)) == -1 * H


def test_national_day_2025_and_its_make_up_working_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 9, 28))  # Sunday made a working day (调休)
    assert cal.is_workday(date(2025, 10, 11))  # Saturday made a working day (调休)
    assert not any(cal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert not cal.is_workday(date(2025, 9, 27)) and not cal.is_workday(date(2025, 10, 12))
    # Saturday 09-27 10:00 + 2h → the working Sunday 09-28 10:30
    assert cal.add_work_seconds(L(2025, 9, 27, 10), 2 * H) == L(2025, 9, 28, 10, 30)
    # Tuesday 09-30 16:00 + 4h: 1.5h before the holiday, 2.5h on Thursday 10-09 → 11:00
    assert cal.add_work_seconds(L(2025, 9, 30, 16), 4 * H) == L(2025, 10, 9, 11)
    # 3 working days from 09-30: 10-09, 10-10, then the working Saturday 10-11
    assert cal.end_of_workdays(L(2025, 9, 30, 10), 3) == L(2025, 10, 11, 17, 30)
    # received during the holiday: the first working day is 10-09, +1 → 10-10
    assert cal.end_of_workdays(L(2025, 10, 3, 10), 1) == L(2025, 10, 10, 17, 30)
    assert cal.end_of_workdays(L(2025, 10, 3, 10), 0) == L(2025, 10, 9, 17, 30)
    # the whole holiday week holds exactly the working hours of 09-30 after 16:00 and 10-09
    assert cal.work_seconds_between(L(2025, 9, 30, 16), L(2025, 10, 9, 17, 30)) == 1.5 * H + 7 * H


def test_close_of_business_is_after_hours(cal: WorkCalendar) -> None:
    # received on Monday at 18:00: the first counting day is Tuesday; 1 working day → Wednesday
    assert cal.end_of_workdays(L(2025, 6, 16, 18), 1) == L(2025, 6, 18, 17, 30)
    assert cal.end_of_workdays(L(2025, 6, 16, 9), 0) == L(2025, 6, 16, 17, 30)


def test_an_extension_of_days_keeps_the_time_of_day(cal: WorkCalendar) -> None:
    # Monday close of business + 1 working day is Tuesday close of business (not Wednesday)
    assert sla.extend_days(cal, L(2025, 6, 16, 17, 30), 1) == L(2025, 6, 17, 17, 30)
    # Friday 10:00 + 1 → Monday 10:00; Tuesday 09-30 17:30 + 1 → the first day after the holiday
    assert sla.extend_days(cal, L(2025, 6, 13, 10), 1) == L(2025, 6, 16, 10)
    assert sla.extend_days(cal, L(2025, 9, 30, 17, 30), 1) == L(2025, 10, 9, 17, 30)
    # natural hours are extended by calendar days
    assert sla.extend_days(cal, L(2025, 10, 1, 10), 1, LimitUnit.NATURAL_HOURS) == L(2025, 10, 2, 10)


def test_working_hours_are_configurable() -> None:
    cal = WorkCalendar(periods=((time(9), time(12)), (time(13, 30), time(18))))
    assert cal.add_work_seconds(L(2025, 6, 17, 11), 2 * H) == L(2025, 6, 17, 14, 30)
    assert cal.end_of_workdays(L(2025, 6, 17, 11), 0) == L(2025, 6, 17, 18)
    assert cal.day_seconds == 7.5 * H


def test_emergencies_count_natural_hours_even_on_a_holiday(cal: WorkCalendar) -> None:
    assert sla.due_at(cal, L(2025, 10, 1, 22), 4, LimitUnit.NATURAL_HOURS) == L(2025, 10, 2, 2)
    assert sla.due_at(cal, L(2025, 10, 1, 22), 30, LimitUnit.NATURAL_MINUTES) == L(2025, 10, 1, 22, 30)
    v = sla.view(cal, "handle", 4, LimitUnit.NATURAL_HOURS, L(2025, 10, 2, 2), "running", L(2025, 10, 2, 4))
    assert v.overdue and v.multiple == pytest.approx(0.5)


def test_a_year_the_library_does_not_know_is_warned_about(cal: WorkCalendar) -> None:
    assert cal.knows(2025) and not cal.knows(2099)
    assert cal.unknown_years == set()
    assert cal.is_workday(date(2099, 3, 2))  # a Monday, taken as a working day …
    assert cal.unknown_years == {2099}  # … and said so
    assert cal.years_unknown(L(2099, 1, 5), L(2025, 1, 6)) == {2099}


def test_a_calendar_file_supplies_a_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-02-06"]\n', encoding="utf-8")
    cal = WorkCalendar(calendar_file=path)
    assert cal.knows(2027)
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday, New Year's Day
    assert cal.is_workday(date(2027, 2, 6))  # a Saturday made a working day
    assert cal.is_workday(date(2027, 1, 4)) and not cal.is_workday(date(2027, 1, 9))
    # Thursday 2026-12-31 17:00 + 1h: 0.5h that day, then Monday 2027-01-04 09:00
    assert cal.add_work_seconds(L(2026, 12, 31, 17), 1 * H) == L(2027, 1, 4, 9)
    assert cal.unknown_years == set()


@pytest.mark.parametrize("body", [
    '[years.2027]\nholidays = ["2028-01-01"]\n',  # filed under the wrong year
    '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-01"]\n',  # both
    '[years.2027]\nholidays = ["January"]\n',
    '[years.2027\n',
])
def test_a_wrong_calendar_file_is_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(Invalid) as e:
        WorkCalendar(calendar_file=path)
    assert str(path) in e.value.message("en")


async def test_the_store_reads_the_calendar_file_from_settings(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[years.2027]\nholidays = ["2027-01-01"]\n', encoding="utf-8")
    s = await open_store(str(tmp_path / "c.db"), settings=Settings(calendar_file=str(path)))
    try:
        assert not s.calendar.is_workday(date(2027, 1, 1))
        assert s.calendar_warning() == set()
    finally:
        await s.close()


# --- clocks on real tickets -----------------------------------------------------------------


async def test_handling_deadline_over_national_day(ctown: Town) -> None:
    clk(ctown).set(L(2025, 9, 30, 10))
    n = await new_ticket(ctown, matter=ctown.matters["dispute"])  # 3 working days
    assert local((await running(ctown, n))["handle"].due_at) == L(2025, 10, 11, 17, 30)


async def test_an_emergency_runs_in_natural_hours_with_its_report_clock(ctown: Town) -> None:
    clk(ctown).set(L(2025, 10, 1, 22))  # a holiday night
    n = await new_ticket(ctown, matter=ctown.matters["dispute"], urgency="emergency")  # 4 natural hours
    got = await running(ctown, n)
    assert local(got["handle"].due_at) == L(2025, 10, 2, 2)
    assert local(got["escalate"].due_at) == L(2025, 10, 1, 22, 30)


async def test_sign_verify_and_visit_clocks(ctown: Town) -> None:
    a = ctown.actors
    clk(ctown).set(L(2025, 9, 26, 16))  # Friday before National Day
    n = await new_ticket(ctown)
    await workflow.dispatch(ctown.store, a["op01"], n, "URBAN")
    # sign-for: 2 working hours; Friday 16:00 → 17:30 is 1.5h, then the working Sunday 09-28 09:00
    assert local((await running(ctown, n))["sign"].due_at) == L(2025, 9, 28, 9)
    await workflow.sign(ctown.store, a["u-urban"], n)
    await workflow.feedback(ctown.store, a["u-urban"], n, "已清运")
    # verification: 24 natural hours (HH 21)
    assert local((await running(ctown, n))["verify"].due_at) == L(2025, 9, 27, 16)
    await workflow.verify(ctown.store, a["gw01"], n, True)
    # return visit: by close of the next working day — the 调休 Sunday
    assert local((await running(ctown, n))["visit"].due_at) == L(2025, 9, 28, 17, 30)


async def test_an_approved_extension_moves_the_handling_deadline(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    clk(ctown).set(L(2025, 6, 9, 9))  # Monday
    n = await new_ticket(ctown, matter=ctown.matters["consult"])  # 3 working days → Thursday
    assert local((await running(ctown, n))["handle"].due_at) == L(2025, 6, 12, 17, 30)
    await workflow.dispatch(st, a["op01"], n, "CIVIL")
    await workflow.sign(st, a["u-civil"], n)
    await workflow.request_extension(st, a["u-civil"], n, "需协调产权单位", "已现场查看", days=2)
    # not moved until approved; the centre's decision clock runs
    got = await running(ctown, n)
    assert local(got["handle"].due_at) == L(2025, 6, 12, 17, 30) and "extension" in got
    await workflow.approve(st, a["op01"], n)
    got = await running(ctown, n)
    assert local(got["handle"].due_at) == L(2025, 6, 16, 17, 30)  # Thursday + Friday, Monday
    assert "extension" not in got
    d = await views.detail(st, a["op01"], n)
    assert local(d.ticket.handle_due_at) == L(2025, 6, 16, 17, 30)


async def test_an_extension_to_a_date_ends_at_close_of_business(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    n = await new_ticket(ctown, matter=ctown.matters["consult"])
    await workflow.dispatch(st, a["op01"], n, "CIVIL")
    await workflow.sign(st, a["u-civil"], n)
    with pytest.raises(Invalid) as e:  # a Saturday
        await workflow.request_extension(st, a["u-civil"], n, "r", "p", until=date(2025, 6, 14))
    assert e.value.field == "until" and "2025-06-16" in e.value.message("en")
    with pytest.raises(Invalid):  # not later than the current deadline
        await workflow.request_extension(st, a["u-civil"], n, "r", "p", until=date(2025, 6, 11))
    await workflow.request_extension(st, a["u-civil"], n, "r", "p", until=date(2025, 6, 17))
    await workflow.approve(st, a["op01"], n)
    assert local((await running(ctown, n))["handle"].due_at) == L(2025, 6, 17, 17, 30)


async def test_a_suspension_stops_the_clocks_and_resuming_gives_back_what_was_left(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    clk(ctown).set(L(2025, 6, 9, 9))
    n = await new_ticket(ctown)  # 4 working hours: 09:00–12:00, 14:00–15:00
    assert local((await running(ctown, n))["handle"].due_at) == L(2025, 6, 9, 15)
    await workflow.dispatch(st, a["op01"], n, "URBAN")
    await workflow.sign(st, a["u-urban"], n)
    clk(ctown).set(L(2025, 6, 9, 10))
    await workflow.suspend(st, a["op01"], n, "等待上级部门答复")  # 3 working hours left
    got = await running(ctown, n)
    assert got["handle"].state == "paused" and got["handle"].left_s == 3 * H
    d = await views.detail(st, a["op01"], n)
    assert d.ticket.due_at is None  # a paused clock is not the queue's nearest deadline
    clk(ctown).set(L(2025, 6, 10, 16))  # a day later: still 3 hours left
    assert (await running(ctown, n))["handle"].left_s == 3 * H
    await workflow.resume(st, a["op01"], n)
    # Tuesday 16:00–17:30 is 1.5h, then Wednesday 08:30 + 1.5h = 10:00
    got = await running(ctown, n)
    assert got["handle"].state == "running" and local(got["handle"].due_at) == L(2025, 6, 11, 10)
    d = await views.detail(st, a["op01"], n)
    assert local(d.ticket.due_at) == L(2025, 6, 11, 10)


async def test_suspending_an_overdue_ticket_keeps_its_debt(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    clk(ctown).set(L(2025, 6, 9, 9))
    n = await new_ticket(ctown)  # due 15:00
    clk(ctown).set(L(2025, 6, 9, 16))  # 1 working hour late
    await workflow.suspend(st, a["op01"], n, "r")
    clk(ctown).set(L(2025, 6, 11, 9))
    await workflow.resume(st, a["op01"], n)
    got = await running(ctown, n)
    # still one working hour late: Wednesday 09:00 counted back 1h (08:30–09:00, then 17:00–17:30)
    assert got["handle"].left_s == -1 * H
    assert local(got["handle"].due_at) == L(2025, 6, 10, 17)


async def test_suspension_does_not_hold_back_an_emergency_report(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    clk(ctown).set(L(2025, 6, 9, 9))
    n = await new_ticket(ctown, matter=ctown.matters["fire"], urgency="emergency")
    await workflow.suspend(st, a["op01"], n, "r")
    got = await running(ctown, n)
    assert got["handle"].state == "paused" and got["escalate"].state == "running"
    d = await views.detail(st, a["op01"], n)
    assert d.ticket.due_clock == "escalate"


async def test_a_failed_verification_gives_the_unit_what_it_had_left(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    clk(ctown).set(L(2025, 6, 9, 9))
    n = await new_ticket(ctown)  # due 15:00
    await workflow.dispatch(st, a["op01"], n, "URBAN")
    await workflow.sign(st, a["u-urban"], n)
    clk(ctown).set(L(2025, 6, 9, 11))
    await workflow.feedback(st, a["u-urban"], n, "已清运")  # 2h left (11–12, 14–15)
    clk(ctown).set(L(2025, 6, 10, 9))
    await workflow.verify(st, a["gw01"], n, False, reason="现场仍有垃圾")
    got = await running(ctown, n)
    assert local(got["handle"].due_at) == L(2025, 6, 10, 11)


async def test_a_deadline_in_an_unknown_year_is_reported(ctown: Town) -> None:
    clk(ctown).set(L(2099, 3, 2, 9))
    n = await new_ticket(ctown)
    out = await workflow.dispatch(ctown.store, ctown.actors["op01"], n, "URBAN")
    assert out.unknown_years == (2099,)
    assert ctown.store.calendar_warning() == {2099}


async def test_clock_helpers_restart_and_stop(ctown: Town) -> None:
    """clocks.start replaces a running clock of the same name; stop marks met or missed."""
    st = ctown.store
    n = await new_ticket(ctown)
    async with st.db.session(write=True) as s:
        from sqlalchemy import select

        from griddesk.store.models import Ticket
        tk = (await s.execute(select(Ticket).where(Ticket.number == n))).scalar_one()
        now = st.now()
        await clocks.start(s, st, tk, ClockName.SIGN, now)
        await clocks.start(s, st, tk, ClockName.SIGN, now + timedelta(minutes=5))
        assert [c.name for c in await clocks.running(s, tk.id)].count("sign") == 1
        await clocks.stop(s, st, tk, ClockName.SIGN, now + timedelta(days=30))
        assert (await clocks.last(s, tk.id, ClockName.SIGN)).state == "missed"


async def test_a_seeded_store_accepts_a_fixed_clock(tmp_path: Path) -> None:
    s = await open_store(str(tmp_path / "f.db"), now=Clock(L(2025, 10, 10, 9)))
    try:
        town = await seed(s)
        n = await new_ticket(town, matter=town.matters["dispute"])
        # Friday 10-10 + 3 working days: the working Saturday 10-11, Monday 10-13, Tuesday 10-14
        assert local((await running(town, n))["handle"].due_at) == L(2025, 10, 14, 17, 30)
    finally:
        await s.close()



async def test_an_extension_more_than_a_year_away_is_refused(ctown: Town) -> None:
    a, st = ctown.actors, ctown.store
    n = await new_ticket(ctown, matter=ctown.matters["consult"])
    await workflow.dispatch(st, a["op01"], n, "CIVIL")
    await workflow.sign(st, a["u-civil"], n)
    with pytest.raises(Invalid) as e:
        await workflow.request_extension(st, a["u-civil"], n, "r", "p", until=date(2026, 12, 31))
    assert e.value.key == "workflow.until_too_far"
