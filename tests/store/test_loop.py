"""The pure core (`store.loop.apply`) on an in-memory ticket gives what `workflow.act` gives on a
real SQLite database, step for step, for every row of the transition table: the same status,
the same clocks (started, stopped, paused, moved to the same instants) and the same timeline
entry. The in-memory ticket starts from intake's rule (a handling clock of the matter's limit)
and never reads the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from griddesk.store import clocks, loop, tickets, workflow
from griddesk.store.enums import ClockName, LimitUnit, Status
from griddesk.store.errors import NotAllowed
from griddesk.store.models import Matter, Ticket, TicketClock, TimelineEntry
from tests.fixtures_town import Town

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 9, 26, 15, 10, tzinfo=SH)  # a Friday before National Day 2025 and its 调休
GAP = timedelta(minutes=97)  # between steps: across lunch, close of business and the holiday week

Step = tuple[str, str, dict[str, Any]]  # action, login, params

DISPATCH: Step = ("dispatch", "op01", {"unit": "URBAN", "co_units": ("POLICE",), "note": "请处理"})
SIGN: Step = ("sign", "u-urban", {})
FEEDBACK: Step = ("feedback", "u-urban", {"note": "已清运"})
PASS: Step = ("verify", "gw01", {"passed": True, "note": "已核实"})
VISIT: Step = ("visit", "op01", {"satisfaction": "satisfied"})
EXTEND: Step = ("extend", "u-urban", {"reason": "需协调", "note": "已制定方案", "days": 3})
RETURN: Step = ("return", "u-urban", {"reason": "不属本单位职责"})
SUSPEND: Step = ("suspend", "op01", {"reason": "待答复"})

# (how the ticket gets to the row's source status, the row's step, a patrol ticket with nobody to visit)
CASES: list[tuple[str, list[Step], Step, bool]] = [
    ("dispatch", [], DISPATCH, False),
    ("sign", [DISPATCH], SIGN, False),
    ("return unsigned", [DISPATCH], RETURN, False),
    ("return signed", [DISPATCH, SIGN], RETURN, False),
    ("extend days", [DISPATCH, SIGN], EXTEND, False),
    ("extend until", [DISPATCH, SIGN], ("extend", "u-urban", {"reason": "r", "note": "p",
                                                              "until": datetime(2025, 10, 20).date()}), False),
    ("approve return", [DISPATCH, RETURN], ("approve", "op01", {}), False),
    ("approve extension", [DISPATCH, SIGN, EXTEND], ("approve", "sup01", {"note": "同意"}), False),
    ("reject return unsigned", [DISPATCH, RETURN], ("reject", "op01", {"reason": "属本单位"}), False),
    ("reject return signed", [DISPATCH, SIGN, RETURN], ("reject", "op01", {"reason": "属本单位"}), False),
    ("reject extension", [DISPATCH, SIGN, EXTEND], ("reject", "op01", {"reason": "理由不足"}), False),
    ("suspend pending", [], SUSPEND, False),
    ("suspend dispatched", [DISPATCH], SUSPEND, False),
    ("suspend signed", [DISPATCH, SIGN], SUSPEND, False),
    ("resume", [DISPATCH, SIGN, SUSPEND], ("resume", "op01", {}), False),
    ("feedback", [DISPATCH, SIGN], FEEDBACK, False),
    ("verify passed", [DISPATCH, SIGN, FEEDBACK], PASS, False),
    ("verify failed", [DISPATCH, SIGN, FEEDBACK], ("verify", "gw01", {"passed": False, "reason": "未整改"}), False),
    ("visit after feedback", [DISPATCH, SIGN, FEEDBACK], VISIT, False),
    ("visit again", [DISPATCH, SIGN, FEEDBACK, PASS, VISIT], ("visit", "op01", {"satisfaction": "dissatisfied"}),
     False),
    ("close after visit", [DISPATCH, SIGN, FEEDBACK, PASS, VISIT], ("close", "op01", {}), False),
    ("close patrol after feedback", [DISPATCH, SIGN, FEEDBACK], ("close", "op01", {"note": "办结"}), True),
    ("close over dissatisfied", [DISPATCH, SIGN, FEEDBACK, ("visit", "op01", {"satisfaction": "dissatisfied"})],
     ("close", "op01", {"reason": "已解释"}), False),
    ("reopen visited", [DISPATCH, SIGN, FEEDBACK, PASS, VISIT], ("reopen", "op01", {"reason": "复发"}), False),
    ("reopen closed", [DISPATCH, SIGN, FEEDBACK, PASS, VISIT, ("close", "op01", {})],
     ("reopen", "sup01", {"reason": "复发"}), False),
]


def test_every_row_of_the_table_has_a_case() -> None:
    covered = set()
    for _name, path, (action, _login, _p), _patrol in CASES:
        source = _walk_statuses(path)
        covered.add((action, source))
    for row in loop.TRANSITIONS:
        assert any((row.action, s) in covered for s in row.sources), row.action


def _walk_statuses(path: list[Step]) -> Status:
    """The status at the end of `path` by the table alone (the usual target of each row)."""
    status = Status.PENDING_DISPATCH
    for action, _login, p in path:
        row = loop.rule_for(action, status)
        assert row is not None, (action, status)
        status = row.to[0] if not (action == "verify" and p.get("passed") is False) else Status.SIGNED
    return status


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def _db(town: Town, number: str) -> tuple[Ticket, list[TicketClock], TimelineEntry]:
    async with town.store.db.session() as s:
        tk = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        cl = list((await s.execute(select(TicketClock).where(TicketClock.ticket_id == tk.id)
                                   .order_by(TicketClock.id))).scalars())
        last = (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id)
                                .order_by(TimelineEntry.id.desc()).limit(1))).scalar_one()
    return tk, cl, last


def _clocks(cs: Any) -> list[tuple[Any, ...]]:
    return [(c.name, c.state, c.limit_value, c.limit_unit, c.started_at, c.due_at, c.warn_at, c.paused_at,
             c.remaining_s, c.stopped_at) for c in cs]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_the_core_in_memory_matches_the_workflow(town: Town, case) -> None:  # type: ignore[no-untyped-def]
    _name, path, last, patrol = case
    store = town.store
    clock = Clock(START)
    store.now = clock  # type: ignore[assignment]
    over: dict[str, Any] = {"source": "patrol", "reporter": {}} if patrol else {}
    number = await tickets.create(store, town.operator, tickets.parse(town.ticket(**over)))
    tk, cl, _ = await _db(town, number)

    # the same ticket in memory, from intake's rule alone
    async with store.db.session() as s:
        matter = (await s.execute(select(Matter).where(Matter.code == town.matters["rubbish"]))).scalar_one()
        value, unit = clocks.handling_limit(matter, "normal")
    reporter = town.ticket(**over).get("reporter") or {}
    mem = loop.LoopTicket(Status(tk.status), reporter_name=reporter.get("name"), reporter_phone=reporter.get("phone"),
                          handle_limit=(value, LimitUnit(unit)))
    loop.start_clock(mem, store, ClockName.HANDLE, START, value, LimitUnit(unit))
    assert _clocks(mem.clocks) == _clocks(cl)
    units = {town.units["police"]: 1, town.units["urban"]: 2}

    for action, login, params in [*path, last]:
        clock.at += GAP
        actor = town.actors[login]
        step = loop.apply(mem, action, loop.Params(**params), clock.at, store, actor=actor, units=units)
        out = await workflow.act(store, actor, number, action, **params)
        tk, cl, entry = await _db(town, number)
        assert (out.from_status, out.to_status) == (step.from_status, step.to_status), action
        assert (tk.status, tk.version) == (step.ticket.status, step.ticket.version), action
        assert _clocks(step.ticket.clocks) == _clocks(cl), action
        assert (entry.action, entry.from_status, entry.to_status, entry.note) == \
            (step.action, step.from_status, step.to_status, step.note), action
        assert entry.data == (json.loads(json.dumps(step.data)) or None), action
        near = loop.nearest(step.ticket.clocks)
        assert (tk.due_at, tk.due_clock, tk.warn_at) == (near.due_at, near.due_clock, near.warn_at), action
        assert (tk.lead_unit_id, tk.resume_status, tk.satisfaction, tk.closed_at) == (
            step.ticket.lead_unit_id, step.ticket.resume_status, step.ticket.satisfaction,
            step.ticket.closed_at), action
        mem = step.ticket


async def test_the_core_leaves_its_input_alone_unless_told(town: Town) -> None:
    store = town.store
    mem = loop.LoopTicket(Status.PENDING_DISPATCH, handle_limit=(3, LimitUnit.WORK_DAYS))
    loop.start_clock(mem, store, ClockName.HANDLE, START, 3, LimitUnit.WORK_DAYS)
    before = _clocks(mem.clocks)
    step = loop.apply(mem, "suspend", loop.Params(reason="待答复"), START + GAP, store)
    assert mem.status == Status.PENDING_DISPATCH and _clocks(mem.clocks) == before and mem.version == 1
    assert step.ticket.status == Status.SUSPENDED and step.ticket.clocks[0].state == "paused"
    assert [c.name for c in step.touched] == ["handle"]


@dataclass
class _Shown:
    """A console-style plain view of a ticket: only the attributes `permit` reads."""

    status: str
    lead_unit_id: int | None
    reporter_name: str | None
    reporter_phone: str | None
    satisfaction: str | None = None


def test_permit_takes_a_plain_dataclass(town: Town) -> None:
    unit, op = town.actors["u-urban"], town.actors["op01"]
    signed = _Shown("signed", unit.unit_id, "李明", None)
    assert workflow.actions_for(unit, signed) == ["return", "extend", "feedback"]
    assert workflow.permit(op, _Shown("visited", 2, "李明", None), "close").action == "close"
    with pytest.raises(NotAllowed):
        workflow.permit(op, _Shown("feedback", 2, "李明", None), "close")  # visit first (BH 20)
    assert workflow.needs("close", _Shown("visited", 2, "李明", None, "dissatisfied")) == ("reason",)
