"""A notice is shown once: an alert's title ("特急 / 须上报") is not put before a text that already
says what it is ("特急：…"), while a text without a label of its own keeps its title."""

from __future__ import annotations

from datetime import UTC, datetime

from griddesk.console.notice_log import NoticeLog
from griddesk.store import i18n
from griddesk.store.i18n import t

AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
NUMBER = "450502005-20260303-0001"


def test_an_alert_shows_its_text_once_in_both_languages() -> None:
    for lang in ("zh", "en"):
        i18n.set_lang(lang)
        log = NoticeLog()
        for kind, key in (("emergency", "notices.emergency"), ("emergency", "notices.flagged"),
                          ("overdue", "notices.overdue"), ("escalated", "notices.escalated")):
            text = t(key, number=NUMBER, title="楼道堆放杂物", clock=t("clock.handling"))
            n = log.add(AT, text, t(f"console_supervise.alert.{kind}"), "error", 12, markup=False)
            assert n.line == text, (lang, n.line)
            assert n.shown("450502005") == text.replace(NUMBER, "20260303-0001")
    i18n.set_lang("zh")


def test_a_text_without_its_own_label_keeps_its_title() -> None:
    log = NoticeLog()
    n = log.add(AT, f"工单 {NUMBER} 已被 吴芳 于 10:00 改动", "未执行：他人已先改动", "error", markup=False)
    assert n.line == f"未执行：他人已先改动：工单 {NUMBER} 已被 吴芳 于 10:00 改动"
    n = log.add(AT, "Press ctrl+q to quit", "Do you want to quit?", markup=False)
    assert n.line == "Do you want to quit? Press ctrl+q to quit"
    assert log.add(AT, "按 ^q 退出", "要退出吗？", markup=False).line == "要退出吗？按 ^q 退出"
    n = log.add(AT, "no title here", "", markup=False)
    assert n.line == "no title here"
