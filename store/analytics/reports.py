"""The shift report (交班报告) and the daily, weekly and monthly reports (日报/周报/月报).

A shift runs from `Settings.shift_start_hour` local time for `shift_hours`, then the next; the
shift report covers the current shift up to now (what the outgoing shift hands over). A daily
report covers yesterday, a weekly one last Monday–Sunday, a monthly one last calendar month;
any of them takes a chosen range instead.

"New" counts tickets received in the period; "dispatched" and "closed" the dispatch and close
steps taken in it; "still open", "overdue" and the pending escalations are as of now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import overdue
from griddesk.store.actor import Actor
from griddesk.store.analytics import focus, rollups, scoping
from griddesk.store.analytics.period import Period, of_dates
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, Escalation, Role, Satisfaction, SuperviseLevel, Urgency
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t
from griddesk.store.matters import shown_name
from griddesk.store.models import Area, Grid, Matter, Supervision, Ticket, TimelineEntry, Unit
from griddesk.store.scope import under

KINDS = ("shift", "daily", "weekly", "monthly")
EVENTS = 30  # notable events listed at most
NOTICES = 50
ESCALATION_STEPS = ("flag", "report_up", "hand_to_county", "hand_back")
TOWN_DIGITS = 9  # tickets.town_code


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # emergency | reopen | dissatisfied | to_county | key_supervision | criticism
    number: str
    title: str


@dataclass(frozen=True)
class OpenNotice:
    at: datetime
    level: str
    number: str
    title: str
    unit: str | None


@dataclass(frozen=True)
class MatterCount:
    code: str
    name: str
    count: int
    name_en: str | None = None

    def shown(self, lang: str | None = None) -> str:
        return shown_name(self.name, self.name_en, lang)


@dataclass(frozen=True)
class Report:
    kind: str
    start: datetime
    end: datetime
    at: datetime  # when it was made
    new: int
    dispatched: int
    closed: int
    still_open: int
    overdue: int  # tickets with a limit passed, now
    escalations: int  # escalation steps taken in the period
    pending_escalations: int  # flagged and not yet reported, now
    top_matters: tuple[MatterCount, ...]
    events: tuple[Event, ...]
    notices: tuple[OpenNotice, ...]
    focus: tuple[focus.FocusRow, ...]


async def _towns(s: AsyncSession, actor: Actor, scoped: ColumnElement[bool]) -> ColumnElement[bool]:
    """A centre's tickets as its towns one by one (a county's: every town code under it that an
    area or a grid has, which is every town a ticket can be in), so that the open tickets are
    found per town and status by ix_tickets_queue rather than by reading every ticket of a range
    of town codes. `scoped` as it is for a town's account, a unit's and the whole database's."""
    j = actor.jurisdiction
    if actor.role == Role.UNIT or not j or len(j) >= TOWN_DIGITS:
        return scoped
    towns = set((await s.execute(select(Area.code).where(
        under(Area.code, j), func.length(Area.code) == TOWN_DIGITS))).scalars())
    towns |= set((await s.execute(select(Grid.town_code).where(under(Grid.town_code, j)).distinct())).scalars())
    return Ticket.town_code.in_(sorted(towns))


def shift_bounds(store: Store, now: datetime) -> tuple[datetime, datetime]:
    """The current shift: from its local start to now."""
    st, cal = store.settings, store.calendar
    hours = min(max(st.shift_hours, 1), 24)
    local = cal.local(now)
    first = datetime.combine(local.date(), time(st.shift_start_hour % 24), tzinfo=cal.tz)
    if first > local:
        first -= timedelta(days=1)
    start = first
    while start + timedelta(hours=hours) <= local:
        start += timedelta(hours=hours)
    return start.astimezone(UTC), now


def default_period(store: Store, kind: str, now: datetime) -> Period:
    """The period a daily, weekly or monthly report covers by default (the last whole one)."""
    today = store.calendar.local(now).date()
    if kind == "daily":
        d = today - timedelta(days=1)
        return of_dates(store.calendar, d, d)
    if kind == "weekly":
        monday = today - timedelta(days=today.weekday() + 7)
        return of_dates(store.calendar, monday, monday + timedelta(days=6))
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return of_dates(store.calendar, last.replace(day=1), last)
    raise Invalid("error.unknown_value", field="kind", value=kind, choices=" | ".join(KINDS))


async def report(store: Store, actor: Actor, kind: str, start: datetime | None = None,
                 end: datetime | None = None, first: date | None = None, last: date | None = None) -> Report:
    """A report of `kind`; `first`/`last` (local dates) or `start`/`end` choose the period."""
    if kind not in KINDS:
        raise Invalid("error.unknown_value", field="kind", value=kind, choices=" | ".join(KINDS))
    now = store.now()
    if first is not None or last is not None:
        today = store.calendar.local(now).date()
        p = of_dates(store.calendar, first or last or today, last or today)
        start, end = p.start, p.end
    elif start is None or end is None:
        if kind == "shift":
            start, end = shift_bounds(store, now)
        else:
            p = default_period(store, kind, now)
            start, end = p.start, p.end
    scoped = scoping.tickets(actor)
    e = TimelineEntry
    in_steps = and_(scoped, e.at >= start, e.at < end)
    late = await overdue.rows(store, actor, only_overdue=True)
    async with store.db.session() as s:
        days = await rollups.days_for(store, s, actor, start, end)
        if days is not None:  # whole local days: summed from the rollups
            per_matter = {k: int(n) for k, _, n in await rollups.sums(s, actor, "m", days)}
            new = sum(per_matter.values())
            steps = {k: int(n) for k, _, n in await rollups.sums(s, actor, "steps", days)}
        else:
            new = (await s.execute(select(func.count()).select_from(Ticket).where(
                scoped, Ticket.received_at >= start, Ticket.received_at < end))).scalar_one()
            steps = dict((await s.execute(
                select(e.action, func.count()).join(Ticket, Ticket.id == e.ticket_id)
                .where(in_steps, e.action.in_(("dispatch", "close", "resolve_on_spot", *ESCALATION_STEPS)))
                .group_by(e.action))).all())
        is_open = and_(await _towns(s, actor, scoped), Ticket.status.in_(OPEN_STATUSES))
        still_open = (await s.execute(select(func.count()).select_from(Ticket).where(is_open))).scalar_one()
        pending = (await s.execute(select(func.count()).select_from(Ticket).where(
            is_open, Ticket.escalation == Escalation.FLAGGED))).scalar_one()
        if days is not None:
            names = {str(i): (c, n, ne) for i, c, n, ne in (await s.execute(
                select(Matter.id, Matter.code, Matter.name, Matter.name_en))).all()}
            counted = [(*names.get(k, (None, None, None)), n) for k, n in per_matter.items()]
            # as the grouped query orders them on SQLite: most first, then by code (none first)
            counted.sort(key=lambda r: (-r[3], r[0] is not None, r[0] or ""))
            found = counted[:5]
        else:
            found = list((await s.execute(
                select(Matter.code, Matter.name, Matter.name_en, func.count()).select_from(Ticket)
                .outerjoin(Matter, Matter.id == Ticket.matter_id)
                .where(scoped, Ticket.received_at >= start, Ticket.received_at < end)
                .group_by(Matter.code, Matter.name, Matter.name_en)
                .order_by(func.count().desc(), Matter.code).limit(5))).all())
        top = [MatterCount(c or "-", n or t("analytics.out_of_list"), int(k), ne) for c, n, ne, k in found]
        events: list[Event] = []
        for at, num, title in (await s.execute(
                select(Ticket.received_at, Ticket.number, Ticket.title)
                .where(scoped, Ticket.received_at >= start, Ticket.received_at < end,
                       Ticket.urgency == Urgency.EMERGENCY).limit(EVENTS))).all():
            events.append(Event(at, "emergency", num, title))
        notable = or_(e.action.in_(("reopen", "hand_to_county")),
                      and_(e.action == "visit", e.data["satisfaction"].as_string() == Satisfaction.DISSATISFIED))
        for at, action, num, title in (await s.execute(
                select(e.at, e.action, Ticket.number, Ticket.title).join(Ticket, Ticket.id == e.ticket_id)
                .where(in_steps, e.action.in_(("reopen", "hand_to_county", "visit")), notable)
                .order_by(e.at).limit(EVENTS))).all():
            events.append(Event(at, {"visit": "dissatisfied", "hand_to_county": "to_county"}.get(action, action),
                                num, title))
        sv = Supervision
        for at, level, num, title in (await s.execute(
                select(sv.at, sv.level, Ticket.number, Ticket.title).join(Ticket, Ticket.id == sv.ticket_id)
                .where(scoped, sv.at >= start, sv.at < end,
                       sv.level.in_((SuperviseLevel.KEY, SuperviseLevel.CRITICISM)))
                .order_by(sv.at).limit(EVENTS))).all():
            events.append(Event(at, "key_supervision" if level == SuperviseLevel.KEY else "criticism", num, title))
        events.sort(key=lambda ev: (ev.at, ev.number))
        notices = [OpenNotice(at, level, num, title, unit) for at, level, num, title, unit in (await s.execute(
            select(sv.at, sv.level, Ticket.number, Ticket.title, Unit.name).join(Ticket, Ticket.id == sv.ticket_id)
            .outerjoin(Unit, Unit.id == sv.unit_id)
            .where(is_open, sv.level != SuperviseLevel.REMINDER)
            .order_by(sv.at.desc()).limit(NOTICES))).all()]
    items = await focus.items(store, actor)
    return Report(kind, start, end, now, int(new), int(steps.get("dispatch", 0)),
                  int(steps.get("close", 0)) + int(steps.get("resolve_on_spot", 0)), int(still_open),
                  len({r.ticket_id for r in late}),
                  sum(int(steps.get(a, 0)) for a in ESCALATION_STEPS), int(pending), tuple(top),
                  tuple(events[:EVENTS]), tuple(notices), tuple(items))
