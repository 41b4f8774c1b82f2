"""The formal notice (催办通知书): its facts, deadlines, timeline, number, and escaping."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from griddesk.store import formal_notice, supervision, tickets, workflow
from griddesk.store.context import Store
from griddesk.store.errors import NotAllowed
from tests.fixtures_town import seed

BJ = ZoneInfo("Asia/Shanghai")
NASTY = "路口<script>alert('x')</script> *堆放* | 垃圾 & 杂物\n# 第二行 [链接](http://x)"


def local(y: int, mo: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, mo, d, hh, mm, tzinfo=BJ)


@pytest.fixture
async def late(tmp_path):  # type: ignore[no-untyped-def]
    """A rubbish ticket dispatched to URBAN, signed, 2 working hours late, with a formal notice."""
    now = [local(2026, 3, 2, 9, 0)]
    s = await Store.open(str(tmp_path / "f.db"), now=lambda: now[0])
    town = await seed(s)
    number = await tickets.create(s, town.operator, tickets.parse(town.ticket(
        description=NASTY, address="海角路12号 <b>&</b>")))
    await workflow.dispatch(s, town.operator, number, "URBAN", note="请尽快清运")
    await workflow.sign(s, town.actors["u-urban"], number)
    now[0] = local(2026, 3, 2, 16, 0)  # due 15:00 → 1 working hour late: ×0.25
    step = await supervision.supervise(s, town.actors["sup01"], number, "notice", "超期未清运 *严重*")
    yield town, number, now, step
    await s.close()


async def test_markdown_has_the_facts_deadlines_and_timeline(late) -> None:  # type: ignore[no-untyped-def]
    town, number, _, _ = late
    text = await formal_notice.render(town.store, town.operator, number, "md", "zh")
    assert text.startswith("# 催办通知书\n")
    assert "地角街道督〔2026〕00001号" in text
    assert "海城区综合行政执法局地角中队：" in text  # addressed to the lead unit
    for fact in (number, "暴露垃圾（A001）", "地角社区第一网格", "12345热线", "2026-03-02 09:00", "已签收"):
        assert fact in text, fact
    assert "已超期 1小时（按工作时间计），超时倍数 0.25" in text
    assert "| 办理 | 4工作小时 | 2026-03-02 15:00 | 已超期 |" in text
    for action in ("受理", "签收", "督办"):
        assert action in text, action
    assert "请尽快清运" in text and "超期未清运 \\*严重\\*" in text
    assert "地角街道网格化服务管理中心" in text and "0779-3200000" in text and "2026年03月02日" in text
    assert "13807790001" not in text and "李明" not in text  # no personal data for a department


async def test_markdown_escapes_what_people_typed(late) -> None:  # type: ignore[no-untyped-def]
    town, number, _, _ = late
    text = await formal_notice.render(town.store, town.operator, number, "md", "zh")
    assert "\\<script\\>" in text and "<script>" not in text
    assert "\\*堆放\\*" in text and "\\| 垃圾" in text
    assert "> \\# 第二行 \\[链接\\](http://x)  \n" in text  # the description's second line, quoted
    assert "海角路12号 \\<b\\>&\\</b\\>" in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


async def test_html_is_self_contained_and_escaped(late) -> None:  # type: ignore[no-untyped-def]
    town, number, _, _ = late
    page = await formal_notice.render(town.store, town.operator, number, "html", "zh")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<style>" in page and "@page" in page and "<link" not in page and "<script" not in page
    p = _Collect()
    p.feed(page)
    assert "script" not in p.tags and "b" in p.tags  # <b> only from the document's own markup
    body = "".join(p.text)
    assert "路口<script>alert('x')</script> *堆放* | 垃圾 & 杂物" in body  # shown as typed
    assert "海角路12号 <b>&</b>" in body
    assert "地角街道督〔2026〕00001号" in body and "超时倍数 0.25" in body


async def test_english_and_the_draft_without_a_notice_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [local(2026, 3, 2, 9, 0)]
    s = await Store.open(str(tmp_path / "d.db"), now=lambda: now[0])
    town = await seed(s)
    number = await tickets.create(s, town.operator, tickets.parse(town.ticket()))
    # no unit holds it yet: a formal notice has nobody to go to, refused with the reason
    with pytest.raises(NotAllowed) as no_unit:
        await formal_notice.render(s, town.operator, number, "md", "en")
    assert no_unit.value.key == "supervise.error.notice_no_unit" and "dispatch it first" in no_unit.value.message("en")
    with pytest.raises(NotAllowed):
        await supervision.supervise(s, town.actors["sup01"], number, "notice", "超期")
    await supervision.supervise(s, town.actors["sup01"], number, "reminder", "催一下")  # a reminder needs no unit
    await workflow.dispatch(s, town.operator, number, "URBAN")
    now[0] = local(2026, 3, 2, 11, 0)  # not late yet: the notice says it is nearly due
    text = await formal_notice.render(s, town.operator, number, "md", "en")
    assert text.startswith("# Formal Notice of Supervision")
    assert "Draft" in text and "(no unit dispatched yet)" not in text
    assert "is nearly due" in text and "| Handling | 4 working hours |" in text
    zh = await formal_notice.render(s, town.operator, number, "md", "zh")
    assert "草稿" in zh and "即将到期" in zh
    await s.close()


async def test_the_number_is_stable_and_follows_the_latest_notice(late) -> None:  # type: ignore[no-untyped-def]
    town, number, _, step = late
    a = await formal_notice.build(town.store, town.operator, number)
    b = await formal_notice.build(town.store, town.operator, number)
    assert a.number == b.number == "地角街道督〔2026〕00001号"
    await supervision.supervise(town.store, town.operator, number, "notice", "再次发出")
    c = await formal_notice.build(town.store, town.operator, number)
    assert c.number == "地角街道督〔2026〕00002号"


@pytest.mark.parametrize("login", ["u-urban", "wall", "gw01"])
async def test_only_the_centre_exports(late, login: str) -> None:  # type: ignore[no-untyped-def]
    town, number, _, _ = late
    with pytest.raises(NotAllowed):
        await formal_notice.render(town.store, town.actors[login], number, "html")


async def test_markdown_escape_helper() -> None:
    assert formal_notice.md("a*b_c|d") == "a\\*b\\_c\\|d"
    assert formal_notice.md("- item\n 12. first") == "\\- item\n 12\\. first"
    assert formal_notice.md("") == ""
