"""Public notice cards (公示牌): content (HH 12, YC 22, BH 14), formats, a whole village, publishing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from griddesk.store import compliance, notice_cards, roster
from griddesk.store.enums import ChangeReason, PersonRole
from griddesk.store.errors import Invalid, NotAllowed, NotFound
from tests.fixtures_town import COMMUNITY, Town

PRINTED = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


async def test_card_carries_what_the_regulations_ask(town: Town) -> None:
    c = await notice_cards.card(town.store, town.operator, town.grids["comp1"])
    assert (c.grid_name, c.grid_code) == ("地角社区第一网格", town.grids["comp1"])
    assert c.area_path == "海城区地角街道地角社区"
    assert [(p.role, p.name, p.phone) for p in c.contacts] == [
        ("leader", "王建国", "13807790001"), ("full_time", "陈丽", "13807790002")]
    assert c.hotline == "12345"  # Settings.hotline
    assert c.platform == "i-北海"  # the town's own platform beats the configured default
    assert c.centre_phone == "0779-3200000"
    text = notice_cards.render_text([c], "zh", PRINTED)
    for expected in ("网格公示牌", "网格名称：地角社区第一网格", "网格长：王建国 13807790001",
                     "专职网格员：陈丽 13807790002", "监督举报电话：12345", "诉求受理平台：i-北海",
                     "所属区域：海城区地角街道地角社区", "制作日期：2025-03-01"):
        assert expected in text


async def test_cards_are_public_so_phones_are_not_masked(town: Town) -> None:
    c = await notice_cards.card(town.store, town.actors["wall"], town.grids["comp1"])
    assert c.contacts[0].phone == "13807790001"


async def test_vacancy_and_range_show_plainly(town: Town) -> None:
    store, op = town.store, town.operator
    leader = (await roster.grid(store, op, town.grids["port"])).grid.leader
    assert leader is not None
    await roster.unassign(store, op, leader.assignment_id)
    await roster.adjust_grid(store, op, town.grids["port"], ChangeReason.OTHER, boundary="冠头岭渔港及外侧养殖海域")
    text = notice_cards.render_text([await notice_cards.card(store, op, town.grids["port"])], "zh")
    assert "网格长：（暂缺）" in text
    assert "区域范围：冠头岭渔港及外侧养殖海域" in text
    assert "网格类型：涉海专属网格（port）" in text
    en = notice_cards.render_text([await notice_cards.card(store, op, town.grids["port"])], "en")
    assert "Grid leader: (vacant)" in en and "Complaint hotline: 12345" in en


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


async def test_html_is_printable_self_contained_and_escaped(town: Town) -> None:
    store, op = town.store, town.operator
    await roster.adjust_grid(store, op, town.grids["comp2"], ChangeReason.OTHER,
                             name="<script>alert(1)</script>&网格")
    cards = await notice_cards.village_cards(store, op, COMMUNITY)
    assert [c.grid_code for c in cards] == [town.grids["comp1"], town.grids["comp2"], town.grids["school"]]
    out = notice_cards.render_html(cards, "zh", PRINTED)
    assert out.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in out
    assert "<style>" in out and "@media print" in out and "page-break-after" in out
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;网格" in out
    assert not re.search(r"<link|src=|https?://", out)  # nothing fetched from elsewhere
    parsed = _Collect()
    parsed.feed(out)
    assert parsed.tags.count("section") == 3
    assert "<script>alert(1)</script>&网格" in "".join(parsed.text)


async def test_markdown_escapes_markup(town: Town) -> None:
    store, op = town.store, town.operator
    await roster.adjust_grid(store, op, town.grids["comp2"], ChangeReason.OTHER, name="*第二*|网格")
    md = notice_cards.render_markdown([await notice_cards.card(store, op, town.grids["comp2"])], "zh")
    assert "## 网格公示牌：\\*第二\\*\\|网格" in md
    assert "| 网格长 | 王建国 13807790001 |" in md
    assert md.count("| --- | --- |") == 1


async def test_render_formats_and_unknown_format(town: Town) -> None:
    cards = [await notice_cards.card(town.store, town.operator, town.grids["comp1"])]
    assert notice_cards.render(cards, "md").startswith("## ")
    with pytest.raises(Invalid):
        notice_cards.render(cards, "pdf")


async def test_publishing_clears_the_stale_notice_finding(town: Town) -> None:
    store, op = town.store, town.operator
    pid = await roster.create_person(store, op, roster.PersonSpec("冯新", PersonRole.FULL_TIME, "13907790300"))
    await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.FULL_TIME)
    c = await notice_cards.card(store, op, town.grids["comp1"])
    assert c.stale and "冯新" in [p.name for p in c.workers()]
    stale = {f.subject_key for f in await compliance.findings(store, op, ["notice_stale"])}
    assert stale == {town.grids["comp1"]}
    with pytest.raises(NotAllowed):
        await notice_cards.mark_published(store, town.actors["wall"], [town.grids["comp1"]])
    assert await notice_cards.mark_published(store, op, [town.grids["comp1"]]) == 1
    assert not (await notice_cards.card(store, op, town.grids["comp1"])).stale
    assert await compliance.findings(store, op, ["notice_stale"]) == []


async def test_unknown_and_retired_grids_have_no_card(town: Town) -> None:
    store, op = town.store, town.operator
    await roster.retire_grid(store, op, town.grids["school"], ChangeReason.OTHER)
    with pytest.raises(NotFound):
        await notice_cards.card(store, op, town.grids["school"])
    with pytest.raises(NotFound):
        await notice_cards.village_cards(store, op, "450502005009")
    assert len(await notice_cards.village_cards(store, op, COMMUNITY)) == 2
