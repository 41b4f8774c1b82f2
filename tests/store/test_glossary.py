"""One word for one act across every catalogue (issue 11 point 8).

The regulation's word for the centre passing a ticket to a unit is 分拨 (JM 17: "通过…平台分拨到
相关部门"), so 派单 is used nowhere; the centre's decision clock is named for what it decides (a
return is not an extension); English puts a space between a number and its unit and does not
show bare question marks for statuses.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from griddesk.store import decisions, i18n, timefmt

# per language: words that must not appear in any text, and (key, word) pairs that must hold
FORBIDDEN = {
    "zh": ["派单"],
    "en": ["dispatch?", "return?", "extend?"],
}
REQUIRED = {
    "zh": [("action.dispatch", "分拨"), ("workflow.verb.dispatch", "分拨"), ("status.dispatched", "已分拨"),
           ("console.status_short.dispatched", "已分拨"), ("status.pending_dispatch", "待分拨"),
           ("decisions.clock_return", "退回审批"), ("decisions.clock_extension", "延期审批")],
    "en": [("decisions.clock_return", "Return decision"), ("decisions.clock_extension", "Extension decision")],
}
# English words argparse and Textual print themselves, which the Chinese catalogue must not keep
ENGLISH_UI = re.compile(r"\b(usage|options|positional arguments|No matches found|Do you want to quit)\b")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_no_forbidden_word_in_any_text(lang: str) -> None:
    bad = [(k, v) for k, v in i18n.catalogue(lang).items() for w in FORBIDDEN[lang] if w in v]
    assert bad == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_chosen_words_are_used(lang: str) -> None:
    for key, word in REQUIRED[lang]:
        assert word in i18n.t(key, lang), key


def test_chinese_texts_carry_no_english_ui_words() -> None:
    bad = [(k, v) for k, v in i18n.catalogue("zh").items() if ENGLISH_UI.search(v)]
    assert bad == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_return_and_extension_decisions_are_named_apart(lang: str) -> None:
    on_return = decisions.clock_name("extension", "return_requested", lang)
    on_extension = decisions.clock_name("extension", "extension_requested", lang)
    assert on_return != on_extension
    assert "延期" not in on_return and "xtension" not in on_return
    # the clock's own name says neither (a finished clock does not know which it was)
    assert i18n.t("clock.extension", lang) not in (on_return, on_extension)
    # and where a waiting ticket goes next is said per case, not "returns to" for all
    words = {decisions.waiting_for(s, "signed", lang) for s in ("return_requested", "extension_requested",
                                                                  "suspended")}
    assert len(words) == 3


@pytest.mark.parametrize(("lang", "want"), [("en", "4 working hours"), ("zh", "4 工作小时")])
def test_a_limit_keeps_a_space_between_number_and_unit(lang: str, want: str) -> None:
    assert timefmt.limit(4, "work_hours", lang) == want


def test_every_decision_has_words_in_both_languages() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    cases = [("visit", {"satisfaction": "dissatisfied"}), ("verify", {"passed": False}), ("verify", {"passed": True}),
             ("approve", {"request": "extension", "until": "2026-12-01T08:00:00+00:00"}),
             ("approve", {"request": "return", "unit": "URBAN"}), ("reject", {"request": "return"}),
             ("reject", {"request": "extension"}), ("extend", {"until": "2026-12-01T08:00:00+00:00", "days": 2}),
             ("dispatch", {"unit": "URBAN", "co_units": ["POLICE"]}), ("merged_into", {"ticket": "X-1"})]
    for action, data in cases:
        zh, en = decisions.decision(action, data, tz, "zh"), decisions.decision(action, data, tz, "en")
        assert zh and en and zh != en and "decisions." not in zh + en
