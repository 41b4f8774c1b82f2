"""The ticket history: every ticket lived through `store.loop`, cut at now."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from griddesk.store import loop, sla
from griddesk.store.actor import Actor
from griddesk.store.calendar import WorkCalendar
from griddesk.store.demo import catalog as cat
from griddesk.store.demo.bulk import Out
from griddesk.store.demo.draws import _cumulative, _phone, _pick
from griddesk.store.demo.town import FEED_LOGIN, _GridInfo, _MatterInfo, _Town, _UnitInfo
from griddesk.store.enums import (
    ClockName,
    ClockState,
    Escalation,
    LimitUnit,
    Satisfaction,
    Source,
    Status,
    UnitKind,
    Urgency,
)
from griddesk.store.errors import Invalid
from griddesk.store.models import (
    Ticket,
    TicketClock,
    TicketCoUnit,
    TimelineEntry,
)

REPORT_UP = "report_up"  # store.escalation's record of the report upward (YC 35, BH 21)
# Relative ticket volume by grid category and matter class.
CLASS_WEIGHTS: dict[str, dict[str, float]] = {
    "urban": {"A": 30, "B": 10, "C": 13, "D": 16, "E": 6, "F": 8, "G": 0.5, "H": 9, "J": 5, "K": 4},
    "rural": {"A": 20, "B": 14, "C": 10, "D": 10, "E": 3, "F": 13, "G": 3, "H": 9, "J": 6, "K": 4},
    "exclusive": {"A": 10, "B": 6, "C": 24, "D": 14, "E": 14, "F": 8, "G": 0, "H": 8, "J": 3, "K": 6},
    "marine": {"A": 6, "B": 6, "C": 12, "D": 4, "E": 3, "F": 10, "G": 50, "H": 4, "J": 2, "K": 2},
}
MATTER_BOOST = {"A001": 3.0, "A002": 2.0, "A004": 1.5, "A005": 1.5, "C003": 1.5, "D007": 1.5,
                "F001": 1.5, "H001": 2.0, "H002": 1.5}
# tickets per local hour of day (night shifts take few, mornings most)
HOUR_WEIGHTS = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.6, 1.8, 1.7, 1.4, 0.9, 0.8, 1.4,
                1.6, 1.5, 1.3, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25)
OUT_OF_LIST_TITLES = ("咨询个人所得税汇算清缴办理流程", "反映小区宠物犬夜间吠叫扰民", "反映快递柜超时收费",
                      "咨询新能源汽车充电桩报装", "反映外卖骑手逆行", "咨询养老保险跨省转移")
DESCRIPTIONS: dict[str, str] = {
    Source.PATROL: "网格员巡查发现：{title}。",
    Source.HOTLINE: "市民来电反映：{title}，希望尽快处理。",
    Source.PLATFORM: "群众通过{platform}反映：{title}。",
    Source.WALK_IN: "群众来访反映：{title}。",
    Source.REFERRAL: "上级转办：{title}，请按期办结并反馈。",
}
RETURN_REASONS = ("不属于本单位职责范围，请重新分拨", "事发地点不在本单位辖区", "该事项已由其他部门立案处理")
REJECT_RETURN = ("经核实属于本单位职责，请继续办理", "按属地管理原则由本单位牵头办理")
EXTEND_REASONS = ("需协调多个部门共同处置", "需等待检测结果", "涉及产权人较多，需逐户沟通")
EXTEND_PROGRESS = ("已现场查看并制定处置方案", "已约谈相关责任人，正在整改", "已完成部分整改，剩余部分正在推进")
REJECT_EXTENSION = ("延期理由不充分，请按原时限办结",)
SUSPEND_REASONS = ("涉及历史遗留问题，需待上级政策明确", "需等待专项资金到位后处理", "涉法涉诉，待司法程序结束")
FEEDBACK_NOTES = ("已处理完毕，现场已恢复正常", "已联系当事人并妥善处理", "已完成整改并留存现场照片",
                  "已协调相关单位处置到位")
FAILED_CHECK = ("现场核实发现问题未整改到位",)
SATISFACTION_NAMES = {Satisfaction.SATISFIED: "满意", Satisfaction.BASIC: "基本满意",
                      Satisfaction.DISSATISFIED: "不满意"}


# What the hot spots and scorecards must find in the demo (store.analytics): one slow unit that
# signs and feeds back late far more often than the others, and a few trouble spots — the same
# address in three urban grids, reported again and again, mostly by the same caller.
SLOW_UNIT = "HOUSING"
SPOT_SHARE = 0.3  # of the tickets in a trouble spot's grid that come from the spot itself
SPOT_CALLERS = (("张桂兰", "13977900101"), ("刘建华", "13977900102"), ("陈志强", "13977900103"))


class _Stop(Exception):
    """The next step would happen after now (or past the status this ticket is kept at)."""


class _Live:
    """One ticket being lived through: its loop state and what the loop wrote for it."""

    __slots__ = ("force", "state", "timeline", "updated_at", "updated_by", "escalation", "handle_due")

    def __init__(self, state: loop.LoopTicket, force: str | None, at: datetime, by: str):
        self.force, self.state = force, state
        self.timeline: list[tuple[Any, ...]] = []
        self.updated_at, self.updated_by = at, by
        self.escalation: Escalation | None = None
        self.handle_due: datetime | None = None  # sticky, like the ticket row's handle_due_at

    def handle(self) -> loop.LoopClock:
        c = self.state.live(ClockName.HANDLE)
        assert c is not None
        return c

    def seen(self) -> None:
        """What the ticket row keeps of its handling clock (clocks.set_nearest's rule: a running
        handling clock's deadline, else the last one seen)."""
        for c in self.state.clocks:
            if c.name == ClockName.HANDLE and c.state == ClockState.RUNNING:
                self.handle_due = c.due_at
                return


class _Rows:
    """The rows made and not yet written, in the column order of bulk.TICKET_COLS, CLOCK_COLS,
    TIMELINE_COLS, CO_UNIT_COLS: one for all the towns of a build."""

    def __init__(self) -> None:
        self.tickets: list[tuple[Any, ...]] = []
        self.clocks: list[tuple[Any, ...]] = []
        self.timeline: list[tuple[Any, ...]] = []
        self.co: list[tuple[Any, ...]] = []

    def take(self) -> list[tuple[Any, list[tuple[Any, ...]]]]:
        """The rows made so far, handed over for writing; new lists start for the next chunk."""
        batch = [(Ticket, self.tickets), (TicketClock, self.clocks), (TimelineEntry, self.timeline),
                 (TicketCoUnit, self.co)]
        self.tickets, self.clocks, self.timeline, self.co = [], [], [], []
        return batch


class _History:
    """One town's tickets lived through the loop; the towns of a county build share `rows`,
    `out` and the random source."""

    def __init__(self, town: _Town, rng: random.Random, now: datetime, rows: _Rows | None = None,
                 out: Out | None = None):
        self.t = town
        self.store = town.store
        self.cal: WorkCalendar = town.store.calendar
        self.rng = rng
        self.now = now
        # the history's moments are UTC (from the schedule) or in the calendar's zone (from the
        # calendar), and stay so (an extension's "until" is written as it is); comparing two
        # moments of one zone is cheap, of two zones each asks its zone for the offset
        self.tz = self.cal.tz
        self.now_local = now.astimezone(self.tz)
        self.s = town.store.settings
        self.grids = town.grids
        self.grid_cum = _cumulative([g.weight for g in self.grids])
        self.units = {u.id: u for u in town.units.values()}
        self.unit_ids = {u.code: u.id for u in town.units.values()}
        self.departments = [u for u in town.units.values() if u.kind == UnitKind.DEPARTMENT]
        self.ops = [town.actors[town.login("op01")], town.actors[town.login("op02")]]
        self.sup = town.actors[town.login("sup01")]
        self.feed = town.labels[town.login(FEED_LOGIN)]
        self.county = town.labels["county01"]
        self.sources = [s for s, _w in cat.SOURCES]
        self.source_cum = _cumulative([w for _s, w in cat.SOURCES])
        self.matter_cache: dict[tuple[str, date, bool], tuple[list[_MatterInfo], list[float]]] = {}
        self.village_gw: dict[str, Actor] = {}
        for g in self.grids:
            if g.worker in town.gw_actor:
                self.village_gw.setdefault(g.area, town.gw_actor[g.worker])
        self.any_gw = next(iter(town.gw_actor.values()))
        # the trouble spots: the first three urban grids, each one address and one frequent caller
        urban = [g for g in self.grids if g.category == "urban" and g.roads][:len(SPOT_CALLERS)]
        self.spots = {g.id: (f"{g.roads[0]}8号", *SPOT_CALLERS[i]) for i, g in enumerate(urban)}
        self.platform = town.town_row["platform"]
        self.by_status: dict[str, int] = {}
        self._labels: dict[int, tuple[Actor, str]] = {}
        self.rows = rows or _Rows()
        self.us = self.cal.epoch_us
        self.out = out or Out(town.store.db.backend, self.us)
        self.latest = now  # the latest deadline written (for the calendar's unknown-year warning)
        offset = self.cal.local(now).utcoffset()
        self.utc_offset = offset.total_seconds() if offset else 0.0
        self.day_s = self.cal.day_seconds

    # --- choices ---

    def matters_on(self, category: str, day: date, emergency: bool = False) -> tuple[list[_MatterInfo], list[float]]:
        """The matters in force on `day`, weighted for the grid's category; for an emergency only
        those that have an emergency limit or are reported upward."""
        key = (category, day, emergency)
        got = self.matter_cache.get(key)
        if got is None:
            live = [m for m in self.t.matters if m.admitted <= day and (m.withdrawn is None or day < m.withdrawn)]
            if emergency:
                live = [m for m in live if Urgency.EMERGENCY in m.variants or m.escalate]
            weights = CLASS_WEIGHTS[category]
            per_class: dict[str, int] = {}
            for m in live:
                per_class[m.cls] = per_class.get(m.cls, 0) + 1
            ws = []
            for m in live:
                w = weights.get(m.cls, 1) / per_class[m.cls] * MATTER_BOOST.get(m.code, 1.0)
                if m.escalate and not emergency:
                    w *= 0.15
                if m.code == "A010" and category == "urban":
                    w = 0.0
                ws.append(w)
            if live and not sum(ws):
                ws = [1.0] * len(live)
            got = self.matter_cache[key] = (live, _cumulative(ws))
        return got

    def op(self, at: datetime) -> Actor:
        """The seat operator on duty: op01 works the day (08:00–20:00), op02 the night."""
        hour = int((self.us(at) // 1_000_000 + self.utc_offset) // 3600) % 24
        return self.ops[not 8 <= hour < 20]

    def later(self, t: datetime, lo_min: float, hi_min: float, fast: bool, work: bool = True) -> datetime:
        r = self.rng
        if fast:
            return t + timedelta(seconds=r.randint(60, 900))
        s = r.randint(int(lo_min * 60), int(hi_min * 60))
        return self.cal.add_work_seconds(t, s) if work else t + timedelta(seconds=s)

    def address(self, g: _GridInfo) -> tuple[str, str, str]:
        """(road, building, address) in the grid's own streets."""
        r = self.rng
        road = r.choice(g.roads)
        if g.category == "urban":
            building = f"{r.choice(g.estates)}{r.randint(1, 12)}栋" if r.random() < 0.6 else \
                f"{road}{r.randint(1, 188)}号{r.randint(1, 9)}{r.choice(cat.BUILDING_KINDS)}"
            return road, building, building if "号" in building else f"{road}{r.randint(1, 188)}号{building}"
        if g.category == "rural":
            building = f"{g.village_name}{r.randint(1, 9)}组{r.randint(1, 60)}号"
            return road, building, building
        return road, g.place, f"{road}{r.randint(1, 88)}号{g.place}"

    # --- the loop, as store.workflow takes it ---

    def act(self, tk: _Live, at: datetime, actor: Actor, action: loop.Action, **params: Any) -> loop.Step:
        """One step of the real loop (`store.loop.apply`), unless it would happen after now or
        past the status this ticket is kept at."""
        if at > (self.now_local if at.tzinfo is self.tz else self.now) or tk.state.status == tk.force:
            raise _Stop
        # the actor is the one the rule names (op, unit, grid worker); permit() is not asked again
        # here: it would cost a tenth of the build, and tests/store/test_demo.py checks the steps
        step = loop.apply(tk.state, action, loop.Params(**params), at, self.store, units=self.unit_ids,
                          in_place=True)
        label = self.label(actor)
        tk.timeline.append((at, label, action._value_, step.from_status, step.to_status, step.note,
                            step.data or None))
        tk.updated_at, tk.updated_by = at, label
        tk.seen()
        return step

    def label(self, actor: Actor) -> str:
        """actor.label, made once per actor (the town's actors live as long as the history)."""
        got = self._labels.get(id(actor))
        if got is None or got[0] is not actor:
            got = self._labels[id(actor)] = (actor, actor.label)
        return got[1]

    def annotate(self, tk: _Live, at: datetime, actor: Actor, action: str, note: str, data: dict[str, Any]) -> None:
        """An entry that moves nothing (store.escalation's report upward): no version, no status."""
        if at > (self.now_local if at.tzinfo is self.tz else self.now) or tk.state.status == tk.force:
            raise _Stop
        tk.timeline.append((at, actor.label, action, None, None, note, data))

    # --- one ticket ---

    def ticket(self, tid: int, t0: datetime, day: date, daystr: str, seq: int, force: str | None) -> None:
        r, t = self.rng, self.t
        g = self.grids[_pick(r, self.grid_cum)]
        source = self.sources[_pick(r, self.source_cum)] if force is None else Source.HOTLINE
        u = r.random()
        urgency = Urgency.NORMAL if force or u < 0.85 else Urgency.URGENT if u < 0.97 else Urgency.EMERGENCY
        if force == Status.PENDING_DISPATCH:
            urgency = Urgency.EMERGENCY  # kept waiting, not yet reported upward: an escalation to chase
        # an emergency is a fire or a gas leak, not an illegal extension
        live, cum = self.matters_on(g.category, day, urgency == Urgency.EMERGENCY)
        out_of_list = r.random() < 0.015 or not live
        m = None if out_of_list else live[_pick(r, cum)]
        road, building, address = self.address(g)
        spot = self.spots.get(g.id) if force is None and g.id in self.spots and r.random() < SPOT_SHARE else None
        if spot is not None:
            building = address = spot[0]
        if m is None:
            title = r.choice(OUT_OF_LIST_TITLES)
        else:
            title = r.choice(cat.TICKET_PHRASES.get(m.code) or [m.name]).format(road=road, building=building)
        description = DESCRIPTIONS[source].format(title=title, platform=self.platform)
        if source == Source.PATROL:
            reporter_name = reporter_phone = None  # found on patrol: nobody to call back
            creator = t.gw_label.get(g.worker or 0) or self.op(t0).label
        else:
            reporter_name, reporter_phone = t.names.any(), _phone(r)
            if spot is not None and r.random() < 0.7:
                reporter_name, reporter_phone = spot[1], spot[2]  # the same caller, once more
            by: dict[str, str] = {Source.HOTLINE: self.feed, Source.REFERRAL: self.county}
            creator = by.get(source) or self.op(t0).label
        limit = (3, LimitUnit.WORK_DAYS) if m is None else m.limits[urgency]
        emergency = urgency == Urgency.EMERGENCY or (m is not None and m.escalate)
        fast = force is not None
        state = loop.LoopTicket(Status.PENDING_DISPATCH, reporter_name=reporter_name, reporter_phone=reporter_phone,
                                handle_limit=(limit[0], LimitUnit(limit[1])))
        tk = _Live(state, force, t0, creator)
        on_spot = not fast and r.random() < (0.2 if source == Source.PATROL else 0.03)
        receive_data = {"source": source, "out_of_list": out_of_list}
        if on_spot:
            # first-ask responsibility (HH 21): solved on the spot, recorded and closed
            done = t0 + timedelta(seconds=r.randint(120, 1800))
            if done > self.now:
                done = t0
            tk.timeline.append((t0, creator, "receive", None, Status.PENDING_DISPATCH, None, receive_data))
            tk.timeline.append((done, creator, "resolve_on_spot", Status.PENDING_DISPATCH, Status.CLOSED,
                                "网格员现场处置完毕，录入备案", None))
            state.status, state.closed_at, tk.updated_at = Status.CLOSED, done, done
        else:
            # intake (store.tickets): the handling clock, and the report-upward clock of an emergency
            first = Status.RECEIVED if force == Status.RECEIVED or (
                not fast and source == Source.PLATFORM and r.random() < 0.3) else Status.PENDING_DISPATCH
            state.status = first
            tk.timeline.append((t0, creator, "receive", None, first, None, receive_data))
            loop.start_clock(state, self.store, ClockName.HANDLE, t0, *state.handle_limit)
            if emergency:
                loop.start_clock(state, self.store, ClockName.ESCALATE, t0, self.s.escalate_limit_minutes,
                                 LimitUnit.NATURAL_MINUTES)
                tk.escalation = Escalation.FLAGGED
            tk.seen()
            try:
                self.loop(tk, g, m, urgency, t0, emergency, fast, reporter_name)
            except _Stop:
                pass
        self.emit(tk, tid, g, m, source, urgency, t0, daystr, seq, out_of_list, title, description, address,
                  reporter_name, reporter_phone, creator, on_spot)

    def loop(self, tk: _Live, g: _GridInfo, m: _MatterInfo | None, urgency: str, t0: datetime,
             emergency: bool, fast: bool, reporter: str | None) -> None:
        r, cal, force, A = self.rng, self.cal, tk.force, loop.Action
        t = t0
        x = r.random()
        if emergency and (fast or x >= 0.08):
            # reported upward within 30 minutes (YC 35, BH 21), a few late; the report of the rest
            # was never recorded: the pending escalations a supervisor finds
            t += timedelta(seconds=r.randint(240, 1500) if x < 0.94 else r.randint(2100, 5400))
            self.annotate(tk, t, self.op(t), REPORT_UP, f"已电话报告{self.t.county.name}网格化服务管理中心值班室",
                          {"escalation": Escalation.REPORTED})
            report = tk.state.live(ClockName.ESCALATE)
            if report is not None:
                loop.finish(report, t)
            tk.escalation = Escalation.REPORTED

        def dispatch(t: datetime, unit: _UnitInfo) -> datetime:
            if emergency:
                t = t + timedelta(seconds=r.randint(120, 900))
            else:
                t = self.later(t, 5, 90, fast)
                if not fast and r.random() < 0.015:
                    t = cal.add_work_seconds(t, r.randint(1, 5) * self.day_s)  # left in the queue
            co = [] if fast or r.random() > 0.08 else r.sample([d for d in self.departments if d is not unit],
                                                               r.randint(1, 2))
            note = f"派至{unit.name}" + (f"，协办：{'、'.join(c.name for c in co)}" if co else "")
            self.act(tk, t, self.op(t), A.DISPATCH, unit=unit.code, co_units=tuple(c.code for c in co), note=note)
            return t

        default = self.units.get(m.unit_id) if m and m.unit_id else None
        lead = default if default and r.random() < 0.9 else r.choice(self.departments)
        t = dispatch(t, lead)

        # a unit that disputes its duty asks to return it (JM 17, BH 18)
        if force == Status.RETURN_REQUESTED or (not fast and not emergency and r.random() < 0.05):
            t = self.later(t, 10, 120, fast)
            self.act(tk, t, lead.actor, A.RETURN, reason=r.choice(RETURN_REASONS))  # type: ignore[arg-type]
            t = self.later(t, 15, 240, fast)
            if r.random() < 0.75:
                self.act(tk, t, self.op(t), A.APPROVE, note="同意退回，重新分拨")
                lead = r.choice([d for d in self.departments if d is not lead])
                t = dispatch(t, lead)
            else:
                self.act(tk, t, self.op(t), A.REJECT, reason=r.choice(REJECT_RETURN))

        # sign-for (2 working hours by default); some late, a few left lying
        if emergency:
            t += timedelta(seconds=r.randint(300, 2400))
        else:
            x = r.random()
            on_time = 0.55 if lead.code == SLOW_UNIT else 0.93  # the slow unit signs late often
            t = self.later(t, 5, 100, fast) if fast or x < on_time else self.later(t, 130, 480, fast) if x < 0.99 \
                else cal.add_work_seconds(t, r.randint(2, 10) * self.day_s)
        unit = lead.actor
        assert unit is not None
        self.act(tk, t, unit, A.SIGN)

        def point(t: datetime, lo: float, hi: float) -> datetime:
            """A moment a share of the way from t to the handling deadline."""
            handle = tk.handle()
            left = sla.basis_seconds(cal, handle.limit_unit, t, handle.due_at)
            if fast or left < 1200:
                return self.later(t, 10, 60, fast)
            return max(t + timedelta(seconds=60),
                       sla.add_basis(cal, handle.limit_unit, t, int(left * r.uniform(lo, hi))))

        # an extension with a reason and the staged progress (BH 18, BH 19)
        if force == Status.EXTENSION_REQUESTED or (not fast and not emergency and r.random() < 0.07):
            t = point(t, 0.3, 0.85)
            days = r.choice((2, 3, 3, 5, 5, 7, 10))
            try:
                self.act(tk, t, unit, A.EXTEND, reason=r.choice(EXTEND_REASONS), note=r.choice(EXTEND_PROGRESS),
                         days=days)
            except Invalid:
                pass  # so late that N more days are already past: the loop refuses it, the unit goes on
            else:
                t = self.later(t, 30, 300, fast)
                if r.random() < 0.8:
                    who = self.sup if r.random() < 0.5 else self.op(t)
                    self.act(tk, t, who, A.APPROVE, note=f"同意延期{days}个工作日")
                else:
                    self.act(tk, t, self.op(t), A.REJECT, reason=r.choice(REJECT_EXTENSION))

        # suspension (挂账): every clock but the report upward stands still
        if force == Status.SUSPENDED or (not fast and not emergency and r.random() < 0.025):
            t = point(t, 0.2, 0.8)
            self.act(tk, t, self.op(t), A.SUSPEND, reason=r.choice(SUSPEND_REASONS))
            t = cal.add_work_seconds(t + timedelta(days=r.randint(2, 30)), r.randint(0, 7200))
            self.act(tk, t, self.op(t), A.RESUME, note="挂账原因已消除，恢复办理")

        def feedback(t: datetime) -> datetime:
            x = r.random()
            slow = lead.code == SLOW_UNIT  # late about half the time, and by more
            if fast or x < (0.45 if slow else 0.88):
                t = point(t, 0.15, 0.95)
            else:  # late: past the deadline by part of, or several times, the limit
                handle = tk.handle()
                times = r.uniform(0.05, 1.0) if x < (0.8 if slow else 0.97) else r.uniform(1.0, 4.0)
                limit = sla.limit_seconds(cal, handle.limit_value, handle.limit_unit)
                late = sla.add_basis(cal, handle.limit_unit, handle.due_at, int(limit * times))
                t = max(t + timedelta(seconds=60), late)
            self.act(tk, t, unit, A.FEEDBACK, note=r.choice(FEEDBACK_NOTES))
            return t

        t = feedback(t)
        checker = self.t.gw_actor.get(g.worker or 0) or self.village_gw.get(g.area) or self.any_gw
        verify = reporter is None or force == Status.VERIFIED or (force is None and r.random() < 0.75)
        if verify and not fast and r.random() < 0.03:
            # the check fails: back to the unit, whose clock continues from what it had left
            t += timedelta(seconds=r.randint(3600, 20 * 3600))
            self.act(tk, t, checker, A.VERIFY, passed=False, reason=r.choice(FAILED_CHECK))
            t = feedback(t)
        if verify:
            x = r.random()
            t += timedelta(seconds=r.randint(600, 1200) if fast else r.randint(3600, 20 * 3600) if x < 0.94 else
                           r.randint(25 * 3600, 40 * 3600) if x < 0.99 else r.randint(3, 10) * 86400)
            self.act(tk, t, checker, A.VERIFY, passed=True, note=f"现场核实：{g.name}，已处理到位")
        if reporter is not None:
            # return visit to whoever asked (BH 20)
            if verify:
                t = self.later(t, 10, 360, fast) if fast or r.random() < 0.96 else self.later(t, 500, 900, fast)
            else:
                t = self.later(t, 60, 600, fast)
            x = r.random()
            sat = Satisfaction.SATISFIED if x < 0.85 else Satisfaction.BASIC if x < 0.96 else Satisfaction.DISSATISFIED
            self.act(tk, t, self.op(t), A.VISIT, satisfaction=sat,
                     note=f"回访{reporter}，评价：{SATISFACTION_NAMES[sat]}")
        t = self.later(t, 2, 90, fast)
        who = self.op(t) if r.random() < 0.85 else self.sup
        if tk.state.satisfaction == Satisfaction.DISSATISFIED:
            # BH 20: closing over a dissatisfied visit takes a reason
            self.act(tk, t, who, A.CLOSE, reason="回访不满意：已向反映人解释处理依据，依规结案")
        else:
            self.act(tk, t, who, A.CLOSE, note="办结归档")

    def emit(self, tk: _Live, tid: int, g: _GridInfo, m: _MatterInfo | None, source: str, urgency: str, t0: datetime,
             daystr: str, seq: int, out_of_list: bool, title: str, description: str, address: str,
             reporter_name: str | None, reporter_phone: str | None, creator: str, on_spot: bool) -> None:
        # rows are tuples in the column order of TICKET_COLS, CLOCK_COLS, TIMELINE_COLS, CO_UNIT_COLS;
        # the drivers take the enums as the strings they are
        js = self.out.json
        memo: dict[int, Any] = {}  # the same moment is a step's time and its clocks' start or stop

        def dt(at: datetime | None, time: Callable[[datetime | None], Any] = self.out.time) -> Any:
            if at is None:
                return None
            got = memo.get(id(at))
            if got is None:
                got = memo[id(at)] = time(at)
            return got

        st = tk.state
        near = loop.nearest(st.clocks)
        town = g.code[:9]
        rows = self.rows
        rows.tickets.append((
            tid, f"{town}-{daystr}-{seq:04d}", source, reporter_name, reporter_phone, g.id, town, address,
            m.id if m else None, out_of_list, urgency, title, description, st.status,
            st.lead_unit_id, dt(t0), dt(near.due_at), near.due_clock, dt(near.warn_at), dt(tk.handle_due),
            dt(st.closed_at), on_spot, st.satisfaction, None,
            tk.escalation, town,
            st.resume_status, creator, dt(tk.updated_at), tk.updated_by,
            st.version))
        self.by_status[st.status] = self.by_status.get(st.status, 0) + 1
        for c in st.clocks:
            if c.due_at > self.latest:
                self.latest = c.due_at
            rows.clocks.append((
                tid, c.name, c.limit_value, c.limit_unit, dt(c.started_at), dt(c.due_at), dt(c.warn_at),
                c.state, dt(c.paused_at), c.remaining_s, dt(c.stopped_at)))
        for at, actor, action, frm, to, note, data in tk.timeline:
            rows.timeline.append((tid, dt(at), actor, action, frm, to, note,
                                       js(data) if data is not None else None))
        for u in st.co_unit_ids:
            rows.co.append((tid, u))


def _schedule(cal: WorkCalendar, n: int, start: int, now: int) -> list[tuple[int, int, int, date, str]]:
    """Local hours from start to now as (begin, seconds, tickets, day, YYYYMMDD), n tickets in all.

    Tickets follow the hour of day and fewer come on rest days; the counts are the largest-
    remainder rounding of the expected ones, so they add up to n exactly.
    """
    tz = cal.tz
    loc = datetime.fromtimestamp(start, tz).replace(minute=0, second=0, microsecond=0)
    hours: list[list[Any]] = []
    while True:
        h = int(loc.timestamp())
        if h >= now:
            break
        lo, hi = max(h, start), min(h + 3600, now)
        if hi > lo:
            w = HOUR_WEIGHTS[loc.hour] * (1.0 if cal.is_workday(loc.date()) else 0.65) * (hi - lo) / 3600
            hours.append([lo, hi - lo, w, loc.date(), loc.strftime("%Y%m%d")])
        loc = datetime.fromtimestamp(h + 3600, tz)
    total = sum(h[2] for h in hours) or 1.0
    expected = [n * h[2] / total for h in hours]
    counts = [int(e) for e in expected]
    short = n - sum(counts)
    for i in sorted(range(len(hours)), key=lambda i: (counts[i] - expected[i], i))[:short]:
        counts[i] += 1
    return [(h[0], h[1], c, h[3], h[4]) for h, c in zip(hours, counts, strict=True)]



def _forced(plan: list[tuple[int, int, int, date, str]], n: int, now: int) -> dict[int, str]:
    """Tickets kept at each open status, so every state shows even in a small demo.

    Two per status, taken just before eight hours ago: old enough for the steps to fit, recent
    enough to be a realistic queue.
    """
    states = [s for s in Status if s != Status.CLOSED] * 2
    k = min(n, len(states))
    before = 0
    for begin, span, count, _d, _s in plan:
        if begin + span <= now - 8 * 3600:
            before += count
    first = max(0, min(before, n) - k)
    return {first + i + 1: states[i] for i in range(k)}


