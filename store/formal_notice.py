"""A formal notice (催办通知书) to the lead unit, as Markdown or as printable HTML.

The document carries the ticket's facts, every deadline with how late it is, the supervision so
far and the timeline, and is signed by the town centre with its phone and the date. Its number
comes from the ticket's latest formal-notice step (`supervisions.id`), so the same notice
exports with the same number every time; a ticket that has had no formal notice yet exports as
an unnumbered draft.

The reporter's name and phone are left out: the notice goes to a department, and personal data
stays with the handling centre (JM 15, HH 24, YC 36).
Everything a person typed is escaped (HTML entities; Markdown's special characters).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from griddesk.store import permissions, sla, supervision, views
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ClockState, SuperviseLevel, UnitKind
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import code_name, current, t
from griddesk.store.matters import shown_name
from griddesk.store.models import Area, Supervision, Unit
from griddesk.store.overdue import basis_span
from griddesk.store.workflow import action_name  # the workflow names every timeline action

FORMATS = ("md", "html")
WHO = permissions.CENTRE


@dataclass
class ClockLine:
    name: str
    limit: str
    due: str
    state: str
    late: str  # how late, or how much is left; "" for a clock met in time
    overdue: bool = False


@dataclass
class EventLine:
    at: str
    actor: str
    code: str  # the stable action code
    action: str  # its name in the notice's language
    note: str


@dataclass
class FormalNotice:
    lang: str
    number: str | None  # None: a draft, no formal notice recorded yet
    addressee: str | None
    ticket: str
    facts: list[tuple[str, str]]
    description: str
    clocks: list[ClockLine]
    late: list[str]  # one sentence per late clock
    supervision: list[EventLine]
    timeline: list[EventLine]
    centre: str
    phone: str | None
    date: str


def _tr(key: str, lang: str, **kw: object) -> str:
    return t(key, lang, **kw)


def _when(store: Store, at: datetime | None, lang: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return store.calendar.local(at).strftime(fmt) if at else "—"


def _limit(value: int, unit: str, lang: str) -> str:
    return f"{value} {code_name('limit_unit', unit, lang)}" if lang == "en" else \
        f"{value}{code_name('limit_unit', unit, lang)}"


async def build(store: Store, actor: Actor, number: str, lang: str | None = None) -> FormalNotice:
    if actor.role not in WHO:
        raise NotAllowed("formal_notice.error.role", role=code_name("role", actor.role))
    lang = lang or current()
    d = await views.detail(store, actor, number)
    tk = d.ticket
    supervision.needs_unit(tk.number, tk.lead_unit_id)
    async with store.db.session() as s:
        area = await s.get(Area, tk.town_code)
        centre_unit = (await s.execute(select(Unit).where(Unit.kind == UnitKind.CENTRE, Unit.area_code == tk.town_code,
                                                          Unit.active.is_(True)).order_by(Unit.id).limit(1))
                       ).scalar_one_or_none()
        notice = (await s.execute(select(Supervision).where(Supervision.ticket_id == tk.id,
                                                            Supervision.level == SuperviseLevel.NOTICE)
                                  .order_by(Supervision.id.desc()).limit(1))).scalar_one_or_none()
    now = store.now()
    area_name = area.name if area else tk.town_code
    year = store.calendar.local(notice.at).year if notice else None
    num = _tr("formal_notice.number", lang, area=area_name, year=year, seq=f"{notice.id:05d}") if notice else None

    facts = [
        (_tr("formal_notice.fact.number", lang), tk.number),
        (_tr("formal_notice.fact.title", lang), tk.title),
        (_tr("formal_notice.fact.matter", lang),
         f"{shown_name(d.matter.name, d.matter.name_en, lang)}（{d.matter.code}）"
         if d.matter else _tr("formal_notice.out_of_list", lang)),
        (_tr("formal_notice.fact.urgency", lang), code_name("urgency", tk.urgency, lang)),
        (_tr("formal_notice.fact.grid", lang), f"{d.grid.name}（{d.grid.code}）"),
        (_tr("formal_notice.fact.address", lang), tk.address or "—"),
        (_tr("formal_notice.fact.source", lang), code_name("source", tk.source, lang)),
        (_tr("formal_notice.fact.received", lang), _when(store, tk.received_at, lang)),
        (_tr("formal_notice.fact.status", lang), code_name("status", tk.status, lang)),
        (_tr("formal_notice.fact.lead_unit", lang), d.lead_unit.name if d.lead_unit else
         _tr("formal_notice.no_unit", lang)),
    ]
    if d.co_units:
        facts.append((_tr("formal_notice.fact.co_units", lang), "、".join(u.name for u in d.co_units)))

    lines: list[ClockLine] = []
    late: list[str] = []
    for c in d.clocks:
        natural = c.limit_unit in sla.NATURAL
        basis = _tr("formal_notice.basis_natural" if natural else "formal_notice.basis_work", lang)
        late_text = ""
        overdue_now = c.state == ClockState.OVERDUE or (c.state == ClockState.RUNNING and c.due_at < now)
        if overdue_now or c.state == ClockState.MISSED:
            late_s = max(-c.left_s, 0.0)
            late_text = _tr("formal_notice.late", lang, span=basis_span(store, late_s, c.limit_unit, lang), basis=basis,
                            multiple=f"{c.multiple:.2f}")
            if overdue_now:
                late.append(_tr("formal_notice.late_line", lang, clock=code_name("clock", c.name, lang),
                                due=_when(store, c.due_at, lang), late=late_text))
        elif c.state in (ClockState.RUNNING, ClockState.PAUSED):
            late_text = _tr("formal_notice.left", lang, span=basis_span(store, c.left_s, c.limit_unit, lang),
                            basis=basis)
        lines.append(ClockLine(code_name("clock", c.name, lang), _limit(c.limit_value, c.limit_unit, lang),
                               _when(store, c.due_at, lang), _tr(f"formal_notice.state.{c.state}", lang),
                               late_text, overdue_now or c.state == ClockState.MISSED))

    events = [EventLine(_when(store, e.at, lang), e.actor, e.action, action_name(e.action, lang),
                        _event_note(e, lang)) for e in d.timeline]
    sup = [e for e in events if e.code == "supervise"]
    return FormalNotice(
        lang=lang, number=num, addressee=d.lead_unit.name if d.lead_unit else None, ticket=tk.number,
        facts=facts, description=tk.description or "", clocks=lines, late=late, supervision=sup,
        timeline=events,
        centre=centre_unit.name if centre_unit else _tr("formal_notice.centre_default", lang, area=area_name),
        phone=(area.centre_phone if area and area.centre_phone else (centre_unit.phone if centre_unit else None)),
        date=_when(store, now, lang, "%Y年%m月%d日" if lang == "zh" else "%Y-%m-%d"),
    )


def _event_note(e: views.Event, lang: str) -> str:
    parts = []
    data = e.data or {}
    if e.action == "supervise" and data.get("level"):
        parts.append(code_name("supervise_level", data["level"], lang))
        if data.get("auto"):
            parts.append(_tr("formal_notice.auto", lang))
    if e.to_status and e.to_status != e.from_status:
        parts.append("→ " + code_name("status", e.to_status, lang))
    if e.note:
        parts.append(e.note)
    return " · ".join(parts)


async def render(store: Store, actor: Actor, number: str, fmt: str = "md", lang: str | None = None) -> str:
    """The formal notice of ticket `number` as Markdown (`md`) or self-contained HTML (`html`)."""
    if fmt not in FORMATS:
        raise Invalid("error.unknown_value", field="format", value=fmt, choices=" | ".join(FORMATS))
    n = await build(store, actor, number, lang)
    return to_markdown(n) if fmt == "md" else to_html(n)


# --- Markdown -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#+|~])")
_MD_DASH = re.compile(r"^(\s*)([-=])", re.MULTILINE)  # a list item or a heading underline
_MD_ORDERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)  # "1." would start a numbered list


def md(text: str | None) -> str:
    """Escape text for Markdown so a typed `*`, `#` or `|` shows as itself."""
    if not text:
        return ""
    out = _MD_SPECIAL.sub(r"\\\1", text)
    out = _MD_DASH.sub(r"\1\\\2", out)
    return _MD_ORDERED.sub(r"\1\\.", out)


def _cell(text: str) -> str:
    return md(" / ".join(x.strip() for x in text.splitlines() if x.strip())) or "—"


def to_markdown(n: FormalNotice) -> str:
    L = n.lang
    out = [f"# {_tr('formal_notice.title', L)}", ""]
    out.append(f"**{md(n.number) if n.number else _tr('formal_notice.draft', L)}**")
    out.append("")
    out.append(f"{md(n.addressee or _tr('formal_notice.no_unit', L))}{_tr('formal_notice.colon', L)}")
    out.append("")
    out.append(md(_tr("formal_notice.intro_late" if n.late else "formal_notice.intro_soon", L, number=n.ticket)))
    out.append("")
    for line in n.late:
        out.append(f"- {md(line)}")
    if n.late:
        out.append("")
    out.append(f"## {_tr('formal_notice.section.facts', L)}")
    out.append("")
    out.append(f"| {_tr('formal_notice.col.item', L)} | {_tr('formal_notice.col.content', L)} |")
    out.append("| --- | --- |")
    for k, v in n.facts:
        out.append(f"| {_cell(k)} | {_cell(v)} |")
    out.append("")
    if n.description:
        out.append(f"**{_tr('formal_notice.fact.description', L)}**")
        out.append("")
        # two trailing spaces: a hard line break, so the lines stay as they were typed
        out += [f"> {md(line)}  " if line.strip() else ">" for line in n.description.splitlines()]
        out.append("")
    out.append(f"## {_tr('formal_notice.section.deadlines', L)}")
    out.append("")
    cols: tuple[str, ...] = ("clock", "limit", "due", "state", "late")
    out.append("| " + " | ".join(_tr(f"formal_notice.col.{c}", L) for c in cols) + " |")
    out.append("|" + " --- |" * len(cols))
    for c in n.clocks:
        out.append(f"| {_cell(c.name)} | {_cell(c.limit)} | {_cell(c.due)} | {_cell(c.state)} | {_cell(c.late)} |")
    out.append("")
    if n.supervision:
        out.append(f"## {_tr('formal_notice.section.supervision', L)}")
        out.append("")
        for e in n.supervision:
            out.append(f"- {md(e.at)} {md(e.actor)}：{md(e.note)}" if L == "zh" else
                       f"- {md(e.at)} {md(e.actor)}: {md(e.note)}")
        out.append("")
    out.append(f"## {_tr('formal_notice.section.timeline', L)}")
    out.append("")
    cols = ("at", "actor", "action", "note")
    out.append("| " + " | ".join(_tr(f"formal_notice.col.{c}", L) for c in cols) + " |")
    out.append("|" + " --- |" * len(cols))
    for e in n.timeline:
        out.append(f"| {_cell(e.at)} | {_cell(e.actor)} | {_cell(e.action)} | {_cell(e.note)} |")
    out.append("")
    out.append(md(_tr("formal_notice.request", L)))
    out.append("")
    out.append(f"{md(n.centre)}  ")
    if n.phone:
        out.append(f"{_tr('formal_notice.phone', L)}{md(n.phone)}  ")
    out.append(md(n.date))
    out.append("")
    return "\n".join(out)


# --- HTML ---------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 20mm 18mm; }
* { box-sizing: border-box; }
body { font-family: "Songti SC", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", serif;
       color: #111; max-width: 180mm; margin: 0 auto; padding: 12mm 0; line-height: 1.7;
       font-size: 11pt; }
h1 { text-align: center; font-size: 20pt; letter-spacing: 0.3em; margin: 0 0 4pt; color: #a00; }
.no { text-align: center; margin: 0 0 14pt; }
.to { font-weight: bold; margin-top: 10pt; }
h2 { font-size: 12.5pt; border-bottom: 1px solid #999; margin: 16pt 0 6pt; padding-bottom: 2pt; }
table { width: 100%; border-collapse: collapse; margin: 4pt 0 8pt; font-size: 10pt; }
th, td { border: 1px solid #777; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { background: #eee; white-space: nowrap; }
td.k { width: 22%; background: #f6f6f6; }
.late { color: #a00; font-weight: bold; }
blockquote { margin: 4pt 0 8pt; padding: 4pt 8pt; border-left: 3px solid #bbb; background: #fafafa; }
.sign { margin-top: 24pt; text-align: right; }
.draft { color: #a00; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def h(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _multiline(text: str) -> str:
    return "<br>".join(h(line) for line in text.splitlines())


def to_html(n: FormalNotice) -> str:
    L = n.lang
    title = _tr("formal_notice.title", L)
    p: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if L == "zh" else "en"}">',
        "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(title)} {h(n.ticket)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{h(title)}</h1>",
        f'<p class="no">{h(n.number)}</p>' if n.number else
        f'<p class="no draft">{h(_tr("formal_notice.draft", L))}</p>',
        f'<p class="to">{h(n.addressee or _tr("formal_notice.no_unit", L))}{h(_tr("formal_notice.colon", L))}</p>',
        f"<p>{h(_tr('formal_notice.intro_late' if n.late else 'formal_notice.intro_soon', L, number=n.ticket))}</p>",
    ]
    if n.late:
        p.append("<ul>" + "".join(f'<li class="late">{h(x)}</li>' for x in n.late) + "</ul>")
    p.append(f"<h2>{h(_tr('formal_notice.section.facts', L))}</h2><table>")
    p += [f'<tr><td class="k">{h(k)}</td><td>{h(v)}</td></tr>' for k, v in n.facts]
    p.append("</table>")
    if n.description:
        p.append(f"<p><b>{h(_tr('formal_notice.fact.description', L))}</b></p>")
        p.append(f"<blockquote>{_multiline(n.description)}</blockquote>")
    p.append(f"<h2>{h(_tr('formal_notice.section.deadlines', L))}</h2><table><tr>")
    p += [f"<th>{h(_tr(f'formal_notice.col.{c}', L))}</th>" for c in ("clock", "limit", "due", "state", "late")]
    p.append("</tr>")
    for c in n.clocks:
        cls = ' class="late"' if c.overdue else ""
        p.append(f"<tr><td>{h(c.name)}</td><td>{h(c.limit)}</td><td>{h(c.due)}</td><td>{h(c.state)}</td>"
                 f"<td{cls}>{h(c.late)}</td></tr>")
    p.append("</table>")
    if n.supervision:
        p.append(f"<h2>{h(_tr('formal_notice.section.supervision', L))}</h2><ul>")
        p += [f"<li>{h(e.at)} {h(e.actor)}{h(_tr('formal_notice.colon', L))}{h(e.note)}</li>" for e in n.supervision]
        p.append("</ul>")
    p.append(f"<h2>{h(_tr('formal_notice.section.timeline', L))}</h2><table><tr>")
    p += [f"<th>{h(_tr(f'formal_notice.col.{c}', L))}</th>" for c in ("at", "actor", "action", "note")]
    p.append("</tr>")
    for e in n.timeline:
        p.append(f"<tr><td>{h(e.at)}</td><td>{h(e.actor)}</td><td>{h(e.action)}</td>"
                 f"<td>{_multiline(e.note)}</td></tr>")
    p.append("</table>")
    p.append(f"<p>{h(_tr('formal_notice.request', L))}</p>")
    sign = [h(n.centre)]
    if n.phone:
        sign.append(h(_tr("formal_notice.phone", L)) + h(n.phone))
    sign.append(h(n.date))
    p.append('<p class="sign">' + "<br>".join(sign) + "</p>")
    p += ["</body>", "</html>", ""]
    return "\n".join(p)


__all__ = ["FORMATS", "FormalNotice", "build", "md", "render", "to_html", "to_markdown"]
