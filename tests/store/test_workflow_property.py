"""Random action sequences fired at tickets (hypothesis): whatever is tried, by whoever, at
whatever time —

- the timeline only grows (old entries never change) and its times never go back;
- the version rises by one on every step taken and stays put on every step refused;
- a step is taken only if `permit` allows it, and it lands where the table says;
- closed stays closed unless reopened;
- deadlines stay consistent with the calendar: the ticket's nearest deadline is its nearest
  running clock, a freshly started clock is due where the calendar says, and a working-time
  clock falls due inside working hours on a working day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from griddesk.store import sla, tickets, workflow
from griddesk.store.calendar import WorkCalendar
from griddesk.store.enums import ClockState, LimitUnit, Status
from griddesk.store.errors import StoreError
from griddesk.store.models import Ticket, TicketClock, TimelineEntry
from tests.fixtures_town import Town

SH = ZoneInfo("Asia/Shanghai")
LOGINS = ["op01", "op02", "sup01", "u-urban", "u-police", "gw01", "wall", "admin"]

# a few ways to call each action: good ones and bad ones
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "dispatch": [{"unit": "URBAN"}, {"unit": "URBAN", "co_units": ("POLICE",)}, {"unit": "POLICE"},
                 {}, {"unit": "NOPE"}],
    "sign": [{}, {"note": "已签收"}, {"reason": "x"}],
    "return": [{"reason": "不属本单位职责"}, {}],
    "extend": [{"reason": "r", "note": "进展", "days": 1}, {"reason": "r", "note": "p", "days": 5},
               {"reason": "r", "days": 2}, {"reason": "r", "note": "p", "days": 0}],
    "approve": [{}, {"note": "同意"}],
    "reject": [{"reason": "不同意"}, {}],
    "suspend": [{"reason": "待答复"}, {}],
    "resume": [{}],
    "feedback": [{"note": "已办结"}, {}],
    "verify": [{"passed": True}, {"passed": False, "reason": "未整改"}, {"passed": False}, {}],
    "visit": [{"satisfaction": "satisfied"}, {"satisfaction": "basic"}, {"satisfaction": "dissatisfied"}, {}],
    "close": [{}, {"reason": "已解释"}],
    "reopen": [{"reason": "复发"}, {}],
}

STARTS = [
    datetime(2025, 9, 26, 16, 0, tzinfo=SH),  # Friday before National Day (and its working Sunday)
    datetime(2025, 10, 10, 17, 0, tzinfo=SH),  # before the working Saturday 10-11
    datetime(2025, 6, 13, 11, 45, tzinfo=SH),  # Friday before lunch
    datetime(2025, 6, 14, 22, 0, tzinfo=SH),  # Saturday night
]
# how far the clock moves before each step (minutes)
GAPS = st.sampled_from([0, 1, 17, 60, 150, 60 * 8, 60 * 24, 60 * 24 * 3])


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def snapshot(town: Town, number: str) -> tuple[Ticket, list[tuple], list[TicketClock]]:
    async with town.store.db.session() as s:
        tk = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        tl = [(e.id, e.at, e.actor, e.action, e.from_status, e.to_status, e.note)
              for e in (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id)
                                        .order_by(TimelineEntry.id))).scalars()]
        cl = list((await s.execute(select(TicketClock).where(TicketClock.ticket_id == tk.id)
                                   .order_by(TicketClock.id))).scalars())
    return tk, tl, cl


def in_working_time(cal: WorkCalendar, at: datetime) -> bool:
    loc = cal.local(at)
    if not cal.is_workday(loc.date()):
        return False
    return any(a <= loc.time() <= b for a, b in cal.periods)


def check_clocks(town: Town, tk: Ticket, cl: list[TicketClock], now: datetime) -> None:
    cal = town.store.calendar
    running = [c for c in cl if c.state == ClockState.RUNNING]
    live = [c for c in cl if c.state in (ClockState.RUNNING, ClockState.PAUSED)]
    if running:
        nearest = min(running, key=lambda c: c.due_at)
        assert tk.due_at == nearest.due_at and tk.warn_at == nearest.warn_at
    else:
        assert tk.due_at is None
    assert len({c.name for c in live}) == len(live), "two live clocks of one name"
    for c in running:
        assert c.warn_at <= c.due_at
        if c.limit_unit in (LimitUnit.WORK_HOURS, LimitUnit.WORK_DAYS):
            assert in_working_time(cal, c.due_at), (c.name, cal.local(c.due_at))
        if c.started_at == now and c.name != "handle":
            # just started by this step: due exactly where the calendar puts it
            assert c.due_at == sla.due_at(cal, c.started_at, c.limit_value, c.limit_unit)
    if tk.status == Status.CLOSED:
        assert live == [] and tk.closed_at is not None
    if tk.status == Status.SUSPENDED:
        assert all(c.state == ClockState.PAUSED or c.name == "escalate" for c in live)
    names = {c.name for c in running}
    if tk.status in (Status.PENDING_DISPATCH, Status.SIGNED, Status.FEEDBACK, Status.VERIFIED):
        assert "sign" not in names
    if tk.status in (Status.FEEDBACK, Status.VERIFIED, Status.VISITED):
        assert "handle" not in names
    if tk.status == Status.PENDING_DISPATCH:
        assert tk.lead_unit_id is None or tk.resume_status is None


@pytest.mark.backends(pg_examples=15)  # the rules are the same Python on both; PostgreSQL's SQL in 15
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.sampled_from(STARTS), patrol=st.booleans(), data=st.data())
@pytest.mark.slow
async def test_random_action_sequences_keep_the_invariants(town: Town, start: datetime, patrol: bool,
                                                           data: st.DataObject) -> None:
    clock = Clock(start)
    town.store.now = clock  # type: ignore[assignment]
    over: dict[str, Any] = {"source": "patrol", "reporter": {}} if patrol else {}
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))
    tk, tl, cl = await snapshot(town, number)
    check_clocks(town, tk, cl, clock.at)
    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        clock.at = clock.at + timedelta(minutes=data.draw(GAPS, label="gap"))
        # mostly something someone may do now (so sequences get round the loop), sometimes anything
        offered = [(a, login) for login in LOGINS for a in workflow.actions_for(town.actors[login], tk)]
        if offered and data.draw(st.integers(0, 9), label="guided") < 8:
            action, login = data.draw(st.sampled_from(offered), label="offered")
        else:
            action = data.draw(st.sampled_from(workflow.ACTIONS), label="action")
            login = data.draw(st.sampled_from(LOGINS), label="login")
        params = data.draw(st.sampled_from(VARIANTS[action]), label="params")
        actor = town.actors[login]
        try:
            workflow.permit(actor, tk, action)
            permitted = True
        except StoreError:
            permitted = False
        try:
            out = await workflow.act(town.store, actor, number, action, expected_version=tk.version, **params)
        except StoreError:
            out = None
        after, tl2, cl2 = await snapshot(town, number)
        assert tl2[:len(tl)] == tl, "the timeline only grows"
        assert [e[1] for e in tl2] == sorted(e[1] for e in tl2)
        if out is None:
            assert after.version == tk.version and after.status == tk.status and len(tl2) == len(tl)
        else:
            assert permitted, (action, login, tk.status)
            row = workflow.rule_for(action, tk.status)
            assert row is not None and out.to_status in row.to
            assert after.version == tk.version + 1 == out.version and after.status == out.to_status
            assert len(tl2) == len(tl) + 1 and tl2[-1][3] == action
            event(f"took {action} from {tk.status}")
        if tk.status == Status.CLOSED and action != "reopen":
            assert after.status == Status.CLOSED
        check_clocks(town, after, cl2, clock.at)
        tk, tl, cl = after, tl2, cl2
