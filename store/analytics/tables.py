"""Figures as tables: columns with their name and definition, rows of plain values.

The console's screens, the CLI's text/CSV/JSON and the exports (`export`) all read these, so a
figure is named, defined and formatted once. A column's `kind` says how a value reads: "text",
"int", "rate" (0–1, shown as a percentage, marked below the column's floor), "multiple",
"duration" (seconds) and "series" (a per-day sparkline).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from griddesk.store.analytics.focus import FocusRow, kind_name
from griddesk.store.analytics.hotspots import Hotspots
from griddesk.store.analytics.period import Period
from griddesk.store.analytics.reports import Report
from griddesk.store.analytics.scorecards import Scorecards
from griddesk.store.calendar import WorkCalendar
from griddesk.store.i18n import code_name, t

SPARK = "▁▂▃▄▅▆▇█"
BELOW = "▼"  # marks a rate under its floor (text stays legible without colour)


@dataclass(frozen=True)
class Column:
    key: str
    kind: str = "int"
    floor: float | None = None  # for rates: the floor a centre set

    def label(self, lang: str | None = None) -> str:
        return t(f"analytics.col.{self.key}", lang)

    def definition(self, lang: str | None = None) -> str:
        return t(f"analytics.def.{self.key}", lang)


@dataclass(frozen=True)
class Table:
    key: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str | None = None
    # per row, what `focus.add` takes to put it on the focus list: (kind, key), or None
    focus: tuple[tuple[str, str] | None, ...] = ()

    def title(self, lang: str | None = None) -> str:
        return t(f"analytics.table.{self.key}", lang)

    def below_floor(self, row: int, col: int) -> bool:
        c, v = self.columns[col], self.rows[row][col]
        return c.kind == "rate" and c.floor is not None and v is not None and v < c.floor

    def text(self, row: int, col: int, lang: str | None = None) -> str:
        """A cell as a person reads it (a rate under its floor ends in ▼)."""
        out = fmt(self.columns[col].kind, self.rows[row][col], lang)
        return out + BELOW if self.below_floor(row, col) else out


@dataclass(frozen=True)
class Document:
    key: str  # hotspots | scorecard | shift | daily | weekly | monthly | focus
    subtitle: str  # the period, in local time
    tables: tuple[Table, ...] = field(default_factory=tuple)

    def title(self, lang: str | None = None) -> str:
        return t(f"analytics.doc.{self.key}", lang)


def sparkline(values: tuple[int, ...] | list[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, (v * (len(SPARK) - 1) + top - 1) // top)] for v in values)


def duration(seconds: float, lang: str | None = None) -> str:
    h = seconds / 3600
    if h >= 48:
        return t("analytics.fmt.days", lang, n=f"{h / 24:.1f}")
    return t("analytics.fmt.hours", lang, n=f"{h:.1f}")


def fmt(kind: str, v: Any, lang: str | None = None) -> str:
    if v is None:
        return "—"
    if kind == "rate":
        return f"{v * 100:.1f}%"
    if kind == "multiple":
        return f"{v:.2f}"
    if kind == "float":
        return f"{v:.1f}"
    if kind == "duration":
        return duration(v, lang)
    if kind == "series":
        return sparkline(v)
    if kind == "trend":
        return f"+{v}" if v > 0 else str(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def period_text(cal: WorkCalendar, p: Period) -> str:
    return f"{p.first.isoformat()} – {p.last.isoformat()}"


def span_text(cal: WorkCalendar, start: datetime, end: datetime) -> str:
    return f"{cal.local(start):%Y-%m-%d %H:%M} – {cal.local(end):%Y-%m-%d %H:%M}"


# --- hot spots ------------------------------------------------------------------------------

COUNT_COLS = (Column("name", "text"), Column("count"), Column("previous"), Column("trend", "trend"),
              Column("series", "series"))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hotspot_tables(h: Hotspots, cal: WorkCalendar, lang: str | None = None) -> Document:
    def counts(key: str, rows: Any, kind: str) -> Table:
        return Table(key, COUNT_COLS, tuple((r.label, r.count, r.previous, r.trend, r.series) for r in rows),
                     focus=tuple((kind, r.code) if r.code else None for r in rows))

    overview = Table("overview", (Column("figure", "text"), Column("count"), Column("previous"),
                                  Column("trend", "trend"), Column("series", "series")),
                     ((t("analytics.col.total", lang), h.total, h.previous_total, h.total - h.previous_total,
                       h.series),))
    longest = Table("longest", (Column("name", "text"), Column("closed"), Column("median", "duration"),
                                Column("p90", "duration")),
                    tuple((r.label, r.closed, r.median_s, r.p90_s) for r in h.longest))
    hard_cols = ("tickets", "returns", "extensions", "reopens", "failed_verifications", "dissatisfied", "score")
    hardest = Table("hardest", (Column("name", "text"), *(Column(k) for k in hard_cols)),
                    tuple((r.label, r.tickets, r.returns, r.extensions, r.reopens, r.failed_verifications,
                           r.dissatisfied, r.score) for r in h.hardest))
    repeats = Table("repeats", (Column("repeat_kind", "text"), Column("repeat", "text"), Column("count"),
                                Column("grid", "text"), Column("last_number", "text")),
                    tuple((t(f"analytics.repeat_kind.{r.kind}", lang), r.label, r.count, r.grid, r.last_number)
                          for r in h.repeats), focus=tuple((r.kind, r.key) for r in h.repeats))
    heat = Table("heat", (Column("weekday", "text"), *(Column(f"h{i:02d}") for i in range(24))),
                 tuple((t(f"analytics.weekday.{WEEKDAYS[d]}", lang), *h.heat[d]) for d in range(7)))
    if "longest" in h.skipped:  # not read yet (the screen reads it when the table is shown)
        longest = replace(longest, note=t("analytics.screen.loading", lang))
    if "repeats" in h.skipped:
        repeats = replace(repeats, note=t("analytics.screen.loading", lang))
    return Document("hotspots", period_text(cal, h.period), (
        overview, counts("by_matter", h.by_matter, "matter"), counts("by_grid", h.by_grid, "grid"),
        counts("by_village", h.by_village, "village"), longest, hardest, repeats, heat))


# --- scorecards -----------------------------------------------------------------------------


def scorecard_tables(sc: Scorecards, cal: WorkCalendar, lang: str | None = None) -> Document:
    f = sc.floors
    # the rates first: what a supervisor reads at 80 columns without scrolling
    units = Table("units", (
        Column("unit", "text"), Column("received"), Column("response_rate", "rate", f.response),
        Column("resolution_rate", "rate", f.resolution), Column("satisfaction_rate", "rate", f.satisfaction),
        Column("overdue"), Column("worst_multiple", "multiple"), Column("signed_on_time"), Column("signed_late"),
        Column("closed"), Column("closed_on_time"), Column("returns"), Column("extensions"),
        Column("suspensions"), Column("reopens")),
        tuple((u.name, u.received, u.response_rate, u.resolution_rate, u.satisfaction_rate, u.overdue,
               u.worst_multiple, u.signed_on_time, u.signed_late, u.closed, u.closed_on_time, u.returns,
               u.extensions, u.suspensions, u.reopens) for u in sc.units),
        note=t("analytics.floors", lang, response=f"{f.response * 100:.0f}%",
               resolution=f"{f.resolution * 100:.0f}%", satisfaction=f"{f.satisfaction * 100:.0f}%"))
    workers = Table("workers", (Column("person", "text"), Column("reports"), Column("on_spot"),
                                Column("verifications"), Column("verified_in_time"), Column("visits")),
                    tuple((w.name, w.reports, w.on_spot, w.verifications, w.verified_in_time, w.visits)
                          for w in sc.workers))
    places = Table("places", (Column("place_kind", "text"), Column("name", "text"), Column("tickets"),
                              Column("population"), Column("per_thousand", "float")),
                   tuple((t(f"analytics.place_kind.{p.kind}", lang), p.name, p.tickets, p.population,
                          p.per_thousand) for p in sc.places))
    operators = Table("operators", (Column("person", "text"), Column("registered"), Column("dispatched"),
                                    Column("dispatched_in_time"), Column("wrong_dispatches")),
                      tuple((o.name, o.registered, o.dispatched, o.dispatched_in_time, o.wrong_dispatches)
                            for o in sc.operators))
    return Document("scorecard", period_text(cal, sc.period), (units, workers, places, operators))


# --- focused governance and reports -----------------------------------------------------------


def focus_table(items: tuple[FocusRow, ...] | list[FocusRow], lang: str | None = None) -> Table:
    def verdict(r: FocusRow) -> str:
        w = r.went_down
        return t("analytics.verdict.pending" if w is None else "analytics.verdict.down" if w else
                 "analytics.verdict.not_down", lang)

    return Table("focus", (Column("id"), Column("focus_kind", "text"), Column("name", "text"),
                           Column("owner", "text"), Column("review_date", "text"), Column("before"),
                           Column("after"), Column("after_days"), Column("verdict", "text"),
                           Column("note", "text")),
                 tuple((r.id, kind_name(r.kind, lang), r.label, r.owner, r.review_date, r.before, r.after,
                        r.after_days, verdict(r), r.note or "") for r in items))


def report_tables(r: Report, cal: WorkCalendar, lang: str | None = None) -> Document:
    figures = ("new", "dispatched", "closed", "still_open", "overdue", "escalations", "pending_escalations")
    overview = Table("report_overview", (Column("figure", "text"), Column("value")),
                     tuple((t(f"analytics.col.{k}", lang), getattr(r, k)) for k in figures))
    top = Table("top_matters", (Column("name", "text"), Column("count")),
                tuple((m.shown(lang), m.count) for m in r.top_matters))
    events = Table("events", (Column("time", "text"), Column("event", "text"), Column("number", "text"),
                              Column("title", "text")),
                   tuple((f"{cal.local(e.at):%m-%d %H:%M}", t(f"analytics.event.{e.kind}", lang), e.number, e.title)
                         for e in r.events))
    notices = Table("notices", (Column("time", "text"), Column("level", "text"), Column("number", "text"),
                                Column("title", "text"), Column("unit", "text")),
                    tuple((f"{cal.local(n.at):%m-%d %H:%M}", code_name("supervise_level", n.level, lang), n.number,
                           n.title, n.unit or "") for n in r.notices))
    return Document(r.kind, span_text(cal, r.start, r.end),
                    (overview, top, events, notices, focus_table(r.focus, lang)))
