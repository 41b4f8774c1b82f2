"""Scorecards (HH 26, JM 19, BH 23): units, grid workers, grids and villages, seat operators.

A unit is scored on the tickets received in the period that it leads now (an approved return
takes a ticket off the unit that returned it; the return itself is counted against that unit
from the timeline). The three hotline rates:
- 响应率 response: sign-for steps within the sign-for limit ÷ sign-for steps (the signer's
  account names the unit);
- 解决率 resolution: closed tickets whose last return visit was not "dissatisfied" ÷ closed;
- 满意率 satisfaction: return visits "satisfied" or "basically satisfied" ÷ return visits;
each marked when below the floor `Settings.floor_*`. Overdue count and worst overdue multiple
(超时倍数) are of open tickets now, from the overdue view's one rule (`store.overdue`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from griddesk.store import overdue
from griddesk.store.actor import Actor
from griddesk.store.analytics import rollups, scoping
from griddesk.store.analytics.period import Period
from griddesk.store.analytics.sqltime import epoch_seconds
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, ClockState, Role, Satisfaction, Source, Status
from griddesk.store.models import Area, Grid, Operator, Ticket, TimelineEntry, Unit

GOOD = (Satisfaction.SATISFIED, Satisfaction.BASIC)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class UnitCard:
    code: str
    name: str
    received: int
    signed_on_time: int
    signed_late: int
    closed: int
    closed_on_time: int
    overdue: int
    worst_multiple: float
    returns: int
    extensions: int
    suspensions: int
    reopens: int
    visited: int  # return visits recorded (a reopened ticket's earlier visit too)
    satisfied: int  # of which satisfied or basically satisfied
    resolved: int  # closed, last visit not dissatisfied

    @property
    def response_rate(self) -> float | None:
        return rate(self.signed_on_time, self.signed_on_time + self.signed_late)

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.resolved, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.visited)


@dataclass(frozen=True)
class WorkerCard:
    login: str
    name: str
    reports: int  # tickets registered from patrol
    on_spot: int  # of which resolved on the spot (HH 21)
    verifications: int
    verified_in_time: int  # within the verification limit (24 h, HH 21)
    visits: int  # return visits recorded


@dataclass(frozen=True)
class PlaceCard:
    kind: str  # "grid" or "village"
    code: str
    name: str
    tickets: int
    population: int | None

    @property
    def per_thousand(self) -> float | None:
        return self.tickets * 1000 / self.population if self.population else None


@dataclass(frozen=True)
class OperatorCard:
    login: str
    name: str
    registered: int
    dispatched: int
    dispatched_in_time: int
    wrong_dispatches: int  # returns approved of tickets this operator dispatched


@dataclass(frozen=True)
class Floors:
    response: float
    resolution: float
    satisfaction: float


@dataclass(frozen=True)
class Scorecards:
    period: Period
    floors: Floors
    units: tuple[UnitCard, ...]
    workers: tuple[WorkerCard, ...]
    places: tuple[PlaceCard, ...]
    operators: tuple[OperatorCard, ...]


async def scorecards(store: Store, actor: Actor, period: Period) -> Scorecards:
    scoped = scoping.tickets(actor)
    got = and_(scoped, Ticket.received_at >= period.start, Ticket.received_at < period.end)
    st = store.settings
    floors = Floors(st.floor_response, st.floor_resolution, st.floor_satisfaction)
    late = await overdue.rows(store, actor, only_overdue=True)
    async with store.db.session() as s:
        units = {i: (c, n) for i, c, n in (await s.execute(select(Unit.id, Unit.code, Unit.name))).all()}
        ops = (await s.execute(select(Operator.login, Operator.name, Operator.role, Operator.unit_id))).all()
        # -- units
        base: dict[int, list[int]] = defaultdict(lambda: [0] * 16)
        unit_of = {_label(lg, nm): uid for lg, nm, _, uid in ops if uid is not None}
        by_code = {c: i for i, (c, _) in units.items()}
        days = await rollups.days_for(store, s, actor, period.start, period.end)
        if days is not None:
            await _rolled_units(s, actor, days, base, unit_of, by_code)
        else:
            await _units(s, got, base, unit_of, by_code)
        worst: dict[str, tuple[int, float]] = {}
        for r in late:
            if r.unit_code:
                n, w = worst.get(r.unit_code, (0, 0.0))
                worst[r.unit_code] = (n + 1, max(w, r.multiple))
        for code in worst:
            if code in by_code:  # a unit with only older overdue work still gets a card
                _ = base[by_code[code]]
        cards = []
        for uid, b in base.items():
            code, name = units.get(uid, (str(uid), str(uid)))
            n_late, w = worst.get(code, (0, 0.0))
            cards.append(UnitCard(code, name, received=b[0], signed_on_time=b[5], signed_late=b[6], closed=b[1],
                                  closed_on_time=b[7], overdue=n_late, worst_multiple=round(w, 2), returns=b[11],
                                  extensions=b[8], suspensions=b[9], reopens=b[10], visited=b[2], satisfied=b[3],
                                  resolved=b[4]))
        cards.sort(key=lambda c: (-c.received, c.code))
        if days is not None:
            workers = await _rolled_workers(s, actor, days, ops)
            places = await _rolled_places(s, actor, days)
            operators = await _rolled_operators(s, actor, days, ops, store.settings.dispatch_limit_minutes)
        else:
            workers = await _workers(s, got, scoped, period, ops)
            places = await _places(s, got)
            operators = await _operators(s, got, period, ops, store.settings.dispatch_limit_minutes)
    return Scorecards(period, floors, tuple(cards), workers, places, operators)


async def _units(s: Any, got: Any, base: dict[int, list[int]], unit_of: dict[str, int],
                 by_code: dict[str, int]) -> None:
    """The unit cards' counts from the tickets received in the period and their timeline."""
    q: Any
    q = (select(Ticket.lead_unit_id, func.count(),
                func.sum(case((Ticket.status == Status.CLOSED, 1), else_=0)),
                func.sum(case((and_(Ticket.status == Status.CLOSED,
                                    func.coalesce(Ticket.satisfaction, "") != Satisfaction.DISSATISFIED), 1),
                              else_=0)))
         .where(got, Ticket.lead_unit_id.is_not(None)).group_by(Ticket.lead_unit_id))
    for uid, n, closed, resolved in (await s.execute(q)).all():
        b = base[uid]
        b[0], b[1], b[4] = int(n), int(closed or 0), int(resolved or 0)
    # sign-for steps, each on time when the sign-for clock it stopped was met; the signer's
    # account names the unit
    e = TimelineEntry
    met = rollups.clock_is(e.ticket_id, ClockName.SIGN, ClockState.MET, e.at)
    q = (select(e.actor, func.count(), func.sum(case((met, 1), else_=0))).select_from(e)
         .join(Ticket, Ticket.id == e.ticket_id).where(got, e.action == "sign").group_by(e.actor))
    for who, n, ok in (await s.execute(q)).all():
        if who in unit_of:
            base[unit_of[who]][5] += int(ok or 0)
            base[unit_of[who]][6] += int(n) - int(ok or 0)
    # every return visit counts, also one a reopening later cleared from the ticket
    sat = e.data["satisfaction"].as_string()
    q = (select(Ticket.lead_unit_id, func.count(), func.sum(case((sat.in_(GOOD), 1), else_=0)))
         .select_from(e).join(Ticket, Ticket.id == e.ticket_id)
         .where(got, e.action == "visit", Ticket.lead_unit_id.is_not(None)).group_by(Ticket.lead_unit_id))
    for uid, n, good in (await s.execute(q)).all():
        base[uid][2], base[uid][3] = int(n), int(good or 0)
    missed = rollups.clock_is(Ticket.id, ClockName.HANDLE, ClockState.MISSED)
    q = (select(Ticket.lead_unit_id, func.count()).where(
        got, Ticket.status == Status.CLOSED, Ticket.lead_unit_id.is_not(None), ~missed)
        .group_by(Ticket.lead_unit_id))
    for uid, n in (await s.execute(q)).all():
        base[uid][7] = int(n)
    acts = {"extend": 8, "suspend": 9, "reopen": 10}
    q = (select(Ticket.lead_unit_id, TimelineEntry.action, func.count())
         .join(Ticket, Ticket.id == TimelineEntry.ticket_id)
         .where(got, Ticket.lead_unit_id.is_not(None), TimelineEntry.action.in_(tuple(acts)))
         .group_by(Ticket.lead_unit_id, TimelineEntry.action))
    for uid, action, n in (await s.execute(q)).all():
        base[uid][acts[action]] += int(n)
    unit_col = TimelineEntry.data["unit"].as_string()
    q = (select(unit_col, func.count()).join(Ticket, Ticket.id == TimelineEntry.ticket_id)
         .where(got, TimelineEntry.action == "return").group_by(unit_col))
    for code, n in (await s.execute(q)).all():
        if code in by_code:
            base[by_code[code]][11] += int(n)


def _label(login: str, name: str) -> str:
    return f"{name}({login})"  # Actor.label: how timelines and tickets name an account


async def _workers(s: Any, got: Any, scoped: Any, period: Period, ops: Sequence[Any]) -> tuple[WorkerCard, ...]:
    people = {_label(lg, nm): (lg, nm) for lg, nm, role, _ in ops if role == Role.GRID_WORKER}
    if not people:
        return ()
    c: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    q: Any = (select(Ticket.created_by, func.count(), func.sum(case((Ticket.resolved_on_spot.is_(True), 1), else_=0)))
         .where(got, Ticket.source == Source.PATROL, Ticket.created_by.in_(tuple(people)))
         .group_by(Ticket.created_by))
    for who, n, spot in (await s.execute(q)).all():
        c[who][0], c[who][1] = int(n), int(spot or 0)
    e = TimelineEntry
    in_time = rollups.clock_is(e.ticket_id, ClockName.VERIFY, ClockState.MET, e.at)
    q = (select(e.actor, e.action, func.count(), func.sum(case((in_time, 1), else_=0)))
         .join(Ticket, Ticket.id == e.ticket_id)
         .where(scoped, e.at >= period.start, e.at < period.end, e.action.in_(("verify", "visit")),
                e.actor.in_(tuple(people)))
         .group_by(e.actor, e.action))
    for who, action, n, ok in (await s.execute(q)).all():
        if action == "verify":
            c[who][2], c[who][3] = int(n), int(ok or 0)
        else:
            c[who][4] = int(n)
    out = [WorkerCard(people[w][0], people[w][1], *v) for w, v in c.items()]
    out.sort(key=lambda w: (-w.reports, -w.verifications, w.login))
    return tuple(out)


async def _places(s: Any, got: Any) -> tuple[PlaceCard, ...]:
    out = []
    q: Any = (select(Grid.code, Grid.name, Grid.population, func.count()).join(Ticket, Ticket.grid_id == Grid.id)
         .where(got).group_by(Grid.code, Grid.name, Grid.population))
    for code, name, pop, n in (await s.execute(q)).all():
        out.append(PlaceCard("grid", code, name, int(n), int(pop) if pop else None))
    q = (select(Area.code, Area.name, Area.population, func.count()).join(Grid, Grid.area_code == Area.code)
         .join(Ticket, Ticket.grid_id == Grid.id).where(got).group_by(Area.code, Area.name, Area.population))
    for code, name, pop, n in (await s.execute(q)).all():
        out.append(PlaceCard("village", code, name, int(n), int(pop) if pop else None))
    out.sort(key=lambda p: (p.kind != "village", -(p.per_thousand or 0), -p.tickets, p.code))
    return tuple(out)


async def _operators(s: Any, got: Any, period: Period, ops: Sequence[Any], limit_min: int) -> tuple[OperatorCard, ...]:
    people = {_label(lg, nm): (lg, nm) for lg, nm, role, _ in ops if role in (Role.OPERATOR, Role.SUPERVISOR)}
    if not people:
        return ()
    c: dict[str, list[int]] = defaultdict(lambda: [0] * 4)
    q: Any = select(Ticket.created_by, func.count()).where(got, Ticket.created_by.in_(tuple(people))).group_by(
        Ticket.created_by)
    for who, n in (await s.execute(q)).all():
        c[who][0] = int(n)
    e, p = TimelineEntry, aliased(TimelineEntry)
    # a dispatch is timely when made within the limit of what put the ticket in the queue: its
    # receipt, an approved return, a reopening
    since = (select(func.max(epoch_seconds(p.at))).where(p.ticket_id == e.ticket_id, p.id < e.id,
                                                          p.action.in_(("receive", "approve", "reopen")))
             .scalar_subquery())
    timely = epoch_seconds(e.at) - since <= limit_min * 60
    q = (select(e.actor, func.count(), func.sum(case((timely, 1), else_=0))).select_from(e)
         .join(Ticket, Ticket.id == e.ticket_id)
         .where(got, e.action == "dispatch", e.actor.in_(tuple(people))).group_by(e.actor))
    for who, n, ok in (await s.execute(q)).all():
        c[who][1], c[who][2] = int(n), int(ok or 0)
    who_dispatched = (select(p.actor).where(p.ticket_id == e.ticket_id, p.action == "dispatch", p.id < e.id)
                      .order_by(p.id.desc()).limit(1).scalar_subquery())
    q = (select(who_dispatched.label("who"), func.count()).select_from(e).join(Ticket, Ticket.id == e.ticket_id)
         .where(got, e.action == "approve", e.from_status == Status.RETURN_REQUESTED)
         .group_by("who"))
    for who, n in (await s.execute(q)).all():
        if who in people:
            c[who][3] = int(n)
    out = [OperatorCard(people[w][0], people[w][1], *v) for w, v in c.items()]
    out.sort(key=lambda o: (-o.registered, -o.dispatched, o.login))
    return tuple(out)


# --- from the rollups (a centre's whole local days): the same counts, summed per day ----------


async def _rolled_units(s: Any, actor: Actor, days: tuple[int, int], base: dict[int, list[int]],
                        unit_of: dict[str, int], by_code: dict[str, int]) -> None:
    slot = {"recv": 0, "closed": 1, "resolved": 4, "ontime": 7}
    for uid, what, n in await rollups.sums(s, actor, "u", days):
        base[int(uid)][slot[what]] = int(n)
    for who, met, n in await rollups.sums(s, actor, "sign", days):
        if who in unit_of:
            base[unit_of[who]][5 if met == "1" else 6] += int(n)
    for uid, what, n in await rollups.sums(s, actor, "u_visit", days):
        b = base[int(uid)]
        b[2] += int(n)
        if what == "good":
            b[3] += int(n)
    acts = {"extend": 8, "suspend": 9, "reopen": 10}
    for uid, action, n in await rollups.sums(s, actor, "u_act", days):
        base[int(uid)][acts[action]] += int(n)
    for code, _, n in await rollups.sums(s, actor, "ret", days):
        if code in by_code:
            base[by_code[code]][11] += int(n)


async def _rolled_workers(s: Any, actor: Actor, days: tuple[int, int], ops: Sequence[Any]) -> tuple[WorkerCard, ...]:
    people = {_label(lg, nm): (lg, nm) for lg, nm, role, _ in ops if role == Role.GRID_WORKER}
    if not people:
        return ()
    c: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for who, spot, n in await rollups.sums(s, actor, "w_rep", days, keys=people):
        c[who][0] += int(n)
        c[who][1] += int(n) if spot == "1" else 0
    for who, step, n in await rollups.sums(s, actor, "w_step", days, keys=people):
        if step == "visit":
            c[who][4] += int(n)
        else:
            c[who][2] += int(n)
            c[who][3] += int(n) if step == "verify:1" else 0
    out = [WorkerCard(people[w][0], people[w][1], *v) for w, v in c.items()]
    out.sort(key=lambda w: (-w.reports, -w.verifications, w.login))
    return tuple(out)


async def _rolled_places(s: Any, actor: Actor, days: tuple[int, int]) -> tuple[PlaceCard, ...]:
    per_grid = {k: int(n) for k, _, n in await rollups.sums(s, actor, "g", days)}
    grids = (await s.execute(select(Grid.id, Grid.code, Grid.name, Grid.population, Grid.area_code))).all()
    areas = {c: (n, p) for c, n, p in (await s.execute(select(Area.code, Area.name, Area.population))).all()}
    out: list[PlaceCard] = []
    villages: dict[str, int] = defaultdict(int)
    for gid, code, name, pop, area in grids:
        n = per_grid.get(str(gid), 0)
        if n:
            out.append(PlaceCard("grid", code, name, n, int(pop) if pop else None))
            if area in areas:
                villages[area] += n
    for code, n in villages.items():
        name, pop = areas[code]
        out.append(PlaceCard("village", code, name, n, int(pop) if pop else None))
    out.sort(key=lambda p: (p.kind != "village", -(p.per_thousand or 0), -p.tickets, p.code))
    return tuple(out)


async def _rolled_operators(s: Any, actor: Actor, days: tuple[int, int], ops: Sequence[Any],
                            limit_min: int) -> tuple[OperatorCard, ...]:
    people = {_label(lg, nm): (lg, nm) for lg, nm, role, _ in ops if role in (Role.OPERATOR, Role.SUPERVISOR)}
    if not people:
        return ()
    c: dict[str, list[int]] = defaultdict(lambda: [0] * 4)
    for who, _, n in await rollups.sums(s, actor, "op_reg", days, keys=people):
        c[who][0] = int(n)
    for who, wait, n in await rollups.sums(s, actor, "op_disp", days, keys=people):
        c[who][1] += int(n)
        c[who][2] += int(n) if wait != "" and int(wait) <= limit_min else 0
    for who, _, n in await rollups.sums(s, actor, "op_wrong", days, keys=people):
        c[who][3] = int(n)
    out = [OperatorCard(people[w][0], people[w][1], *v) for w, v in c.items()]
    out.sort(key=lambda o: (-o.registered, -o.dispatched, o.login))
    return tuple(out)
