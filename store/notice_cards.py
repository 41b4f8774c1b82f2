"""Public notice cards (公示牌) for grids: what HH 12, YC 22 and BH 14 say must be posted.

A card shows the grid's name and range, the names and phone numbers of its leader and
full-time workers (YC 22), the complaint hotline and the platform that takes demands (BH 14).
Those phone numbers are published by law, so cards are never masked. Rendered as plain text,
Markdown, or printable HTML (self-contained, every value escaped); one grid or a whole village.

`mark_published` records that the cards were posted: it stamps `notice_updated_at`, which the
compliance rule compares with `roster_changed_at`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import GridStatus, Level, PersonRole, PersonStatus
from griddesk.store.errors import Invalid, NotFound
from griddesk.store.i18n import code_name, current, t
from griddesk.store.models import Area, Grid, GridAssignment, Person
from griddesk.store.roster.common import check_covers, check_writer, today
from griddesk.store.roster.rules import CARD_ROLES, current_clause, notice_stale
from griddesk.store.timefmt import DEFAULT_TZ

FORMATS = ("text", "md", "html")


@dataclass
class Contact:
    role: str
    name: str
    phone: str | None


@dataclass
class NoticeCard:
    grid_code: str
    grid_name: str
    grid_type: str
    subtype: str | None
    boundary: str | None
    households: int
    village_name: str
    town_name: str | None
    county_name: str | None
    contacts: list[Contact] = field(default_factory=list)
    hotline: str = ""
    platform: str = ""
    centre_phone: str | None = None
    notice_updated_at: datetime | None = None
    stale: bool = False

    @property
    def area_path(self) -> str:
        return "".join(p for p in (self.county_name, self.town_name, self.village_name) if p)

    def leaders(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == PersonRole.LEADER]

    def workers(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == PersonRole.FULL_TIME]


async def _cards(store: Store, actor: Actor, grids: list[Grid]) -> list[NoticeCard]:
    on = today(store)
    area_codes = {c for g in grids for c in (g.area_code, g.town_code, g.town_code[:6])}
    async with store.db.session() as s:
        areas = {a.code: a for a in (await s.execute(select(Area).where(Area.code.in_(area_codes)))).scalars()}
        rows = (await s.execute(
            select(GridAssignment.grid_id, GridAssignment.role, Person.name, Person.phone)
            .join(Person, Person.id == GridAssignment.person_id)
            .where(GridAssignment.grid_id.in_([g.id for g in grids]), GridAssignment.role.in_(CARD_ROLES),
                   current_clause(on), Person.status == PersonStatus.ACTIVE)
            .order_by(GridAssignment.id))).all()
    contacts: dict[int, list[Contact]] = {}
    for gid, role, name, phone in rows:
        contacts.setdefault(gid, []).append(Contact(role, name, phone))
    out = []
    for g in grids:
        village, town, county = areas.get(g.area_code), areas.get(g.town_code), areas.get(g.town_code[:6])
        # the platform: the most local one set, else the configured default
        platform = next((a.platform for a in (village, town, county) if a is not None and a.platform),
                        store.settings.platform)
        people = sorted(contacts.get(g.id, []), key=lambda c: CARD_ROLES.index(c.role))
        out.append(NoticeCard(
            g.code, g.name, g.type, g.subtype, g.boundary, g.households,
            village.name if village else g.area_code, town.name if town else None,
            county.name if county else None, people, store.settings.hotline, platform,
            (village.centre_phone if village and village.centre_phone else None)
            or (town.centre_phone if town else None),
            g.notice_updated_at, notice_stale(g.roster_changed_at, g.notice_updated_at),
        ))
    return out


async def card(store: Store, actor: Actor, grid_code: str) -> NoticeCard:
    async with store.db.session() as s:
        g = (await s.execute(select(Grid).where(Grid.code == grid_code))).scalar_one_or_none()
    # a grid outside the jurisdiction answers as one that does not exist (store.visibility)
    if g is None or g.status != GridStatus.ACTIVE or not actor.covers(g.area_code):
        raise NotFound("roster.error.unknown_grid", field="grid.code", code=grid_code)
    return (await _cards(store, actor, [g]))[0]


async def village_cards(store: Store, actor: Actor, village_code: str) -> list[NoticeCard]:
    """Cards for every active grid of a village/community, in code order."""
    async with store.db.session() as s:
        v = await s.get(Area, village_code)
        if v is None or v.level != Level.VILLAGE or not actor.covers(village_code):
            raise NotFound("roster.error.unknown_village", field="area.code", code=village_code)
        grids = list((await s.execute(select(Grid).where(
            Grid.area_code == village_code, Grid.status == GridStatus.ACTIVE).order_by(Grid.code))).scalars())
    return await _cards(store, actor, grids) if grids else []


async def mark_published(store: Store, actor: Actor, grid_codes: list[str]) -> int:
    """Record that these grids' cards were posted now; returns how many grids were stamped."""
    check_writer(actor)
    now = store.now()
    async with store.db.session(write=True) as s:
        grids = list((await s.execute(select(Grid).where(Grid.code.in_(grid_codes)))).scalars())
        found = {g.code for g in grids}
        missing = [c for c in grid_codes if c not in found]
        if missing:
            raise NotFound("roster.error.unknown_grid", field="grid.code", code=missing[0])
        for g in grids:
            check_covers(actor, g.area_code)
        await s.execute(update(Grid).where(Grid.id.in_([g.id for g in grids])).values(notice_updated_at=now))
        for g in grids:
            await records.feed(s, "grid", g.id, "notice_published", now, g.area_code)
        await records.audit(s, actor, "grid.notice_published", "grid", ",".join(sorted(found))[:64], now,
                            {"grids": sorted(found)})
        return len(grids)


# --- rendering -------------------------------------------------------------------------


def _type_label(c: NoticeCard, lang: str | None) -> str:
    label = code_name("grid_type", c.grid_type, lang)
    return t("roster.card.with_code", lang, name=label, code=c.subtype) if c.subtype else label


def _lines(c: NoticeCard, lang: str | None) -> list[tuple[str, str]]:
    """The card's fields as (label, value), in the order they are posted."""
    def people(items: list[Contact]) -> str:
        return t("roster.card.none", lang) if not items else t("roster.card.sep", lang).join(
            f"{p.name} {p.phone or t('roster.card.no_phone', lang)}" for p in items)

    out = [
        (t("roster.card.grid", lang), t("roster.card.with_code", lang, name=c.grid_name, code=c.grid_code)),
        (t("roster.card.type", lang), _type_label(c, lang)),
        (t("roster.card.area", lang), c.area_path),
        (t("roster.card.range", lang), c.boundary or t("roster.card.range_unset", lang)),
        (t("roster.card.leader", lang), people(c.leaders())),
        (t("roster.card.workers", lang), people(c.workers())),
        (t("roster.card.hotline", lang), c.hotline),
        (t("roster.card.platform", lang), c.platform),
    ]
    if c.centre_phone:
        out.append((t("roster.card.centre_phone", lang), c.centre_phone))
    return out


def _stamp(lang: str | None, at: datetime | None) -> str:
    """"Printed on …" (the caller passes store.now(); no date when none is given)."""
    return t("roster.card.printed", lang, date=at.astimezone(DEFAULT_TZ).date().isoformat()) if at else ""


def render_text(cards: list[NoticeCard], lang: str | None = None, printed: datetime | None = None) -> str:
    blocks = []
    for c in cards:
        title = t("roster.card.title", lang)
        width = max(len(title) * 2, 40)
        lines = [title.center(width).rstrip(), "=" * width]
        lines += [t("roster.card.line", lang, label=label, value=value) for label, value in _lines(c, lang)]
        lines += ["-" * width, t("roster.card.footer", lang), _stamp(lang, printed)]
        blocks.append("\n".join(lines).rstrip())
    return ("\n\n\f\n".join(blocks) + "\n") if blocks else ""


def _md(value: str) -> str:
    # escape what Markdown would read as markup, so names and ranges print as written
    return "".join("\\" + ch if ch in "\\`*_[]<>|~" else ch for ch in value)


def render_markdown(cards: list[NoticeCard], lang: str | None = None, printed: datetime | None = None) -> str:
    blocks = []
    for c in cards:
        heading = t("roster.card.line", lang, label=t("roster.card.title", lang), value=c.grid_name)
        lines = [f"## {_md(heading)}", "",
                 f"| {t('roster.card.item', lang)} | {t('roster.card.value', lang)} |", "| --- | --- |"]
        lines += [f"| {_md(label)} | {_md(value)} |" for label, value in _lines(c, lang)]
        lines += ["", f"*{_md(t('roster.card.footer', lang))}*"]
        if printed:
            lines += ["", f"*{_md(_stamp(lang, printed))}*"]
        blocks.append("\n".join(lines))
    return ("\n\n---\n\n".join(blocks) + "\n") if blocks else ""


_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       color: #111; background: #fff; margin: 0; }
.card { border: 3px solid #b71c1c; border-radius: 6px; padding: 18px 24px; margin: 0 auto 24px;
        max-width: 720px; page-break-after: always; break-after: page; }
.card:last-child { page-break-after: auto; break-after: auto; }
.card h1 { text-align: center; color: #b71c1c; font-size: 28px; letter-spacing: 0.3em; margin: 0 0 4px; }
.card h2 { text-align: center; font-size: 20px; margin: 0 0 16px; }
.card table { width: 100%; border-collapse: collapse; font-size: 16px; }
.card th, .card td { border: 1px solid #999; padding: 8px 10px; vertical-align: top; text-align: left; }
.card th { width: 26%; background: #fbe9e7; white-space: nowrap; }
.card .footer { margin-top: 12px; font-size: 14px; }
.card .printed { color: #555; font-size: 12px; text-align: right; }
@media print { .card { border-color: #000; } .card h1 { color: #000; } .card th { background: #eee; } }
"""


def render_html(cards: list[NoticeCard], lang: str | None = None, printed: datetime | None = None) -> str:
    e = html.escape
    body = []
    for c in cards:
        rows = []
        for label, value in _lines(c, lang):
            rows.append(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>")
        body.append(
            f'<section class="card">\n<h1>{e(t("roster.card.title", lang))}</h1>\n'
            f"<h2>{e(c.grid_name)}</h2>\n<table>\n" + "\n".join(rows) + "\n</table>\n"
            f'<p class="footer">{e(t("roster.card.footer", lang))}</p>\n'
            + (f'<p class="printed">{e(_stamp(lang, printed))}</p>\n' if printed else "")
            + "</section>")
    html_lang = "zh-CN" if (lang or current()) == "zh" else "en"
    title = e(t("roster.card.title", lang) + (f" — {cards[0].village_name}" if cards else ""))
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def render(cards: list[NoticeCard], fmt: str = "text", lang: str | None = None,
           printed: datetime | None = None) -> str:
    if fmt not in FORMATS:
        raise Invalid("error.unknown_value", field="format", value=fmt, choices=" | ".join(FORMATS))
    return {"text": render_text, "md": render_markdown, "html": render_html}[fmt](cards, lang, printed)
