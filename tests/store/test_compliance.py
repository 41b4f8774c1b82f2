"""Compliance findings, table-driven: each rule breaks, shows with its article, and a fix removes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date

import pytest

from griddesk.store import compliance, notice_cards, roster
from griddesk.store.enums import ChangeReason, PersonRole
from griddesk.store.i18n import set_lang
from griddesk.store.io import import_table
from griddesk.store.io.tabular import Table
from griddesk.store.roster import PersonSpec
from tests.fixtures_town import TOWN, VILLAGE, Town

Fix = Callable[[], Awaitable[object]]


async def _on(town: Town, rule: str) -> dict[str, compliance.Finding]:
    return {f.subject_key: f for f in await compliance.findings(town.store, town.operator, [rule])}


async def _member(town: Town, grid: str, role: str) -> roster.Member:
    g = (await roster.grid(town.store, town.operator, town.grids[grid])).grid
    return g.holding(role)[0]


# --- one breaker per rule: makes the finding appear, returns (subject key, the fix) ----------


async def break_no_leader(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.unassign(store, op, (await _member(town, "comp1", PersonRole.LEADER)).assignment_id)
    pid = await roster.create_person(store, op, PersonSpec("郑新", PersonRole.LEADER, "13907790200"))
    return town.grids["comp1"], lambda: roster.assign(store, op, pid, town.grids["comp1"], PersonRole.LEADER)


async def break_no_full_time_urban(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.unassign(store, op, (await _member(town, "comp2", PersonRole.FULL_TIME)).assignment_id)
    return town.grids["comp2"], lambda: roster.assign(store, op, 2, town.grids["comp2"], PersonRole.FULL_TIME)


async def break_no_full_time_rural(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.unassign(store, op, (await _member(town, "port", PersonRole.FULL_TIME)).assignment_id)
    return town.grids["port"], lambda: roster.assign(store, op, 3, town.grids["port"], PersonRole.FULL_TIME)


async def break_untrained(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    pid = await roster.create_person(store, op, PersonSpec("钱新", PersonRole.FULL_TIME, "13907790201"))
    await roster.assign(store, op, pid, town.grids["comp2"], PersonRole.FULL_TIME)
    return str(pid), lambda: roster.update_person(store, op, pid, trained_on=date(2025, 1, 10))


async def break_failed_reviews(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.record_review(store, op, 2, passed=False)
    await roster.record_review(store, op, 2, passed=False)
    return "2", lambda: roster.person_leaves(store, op, 2, "failed_reviews")


async def break_load_grids(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.assign(store, op, 3, town.grids["comp1"], PersonRole.FULL_TIME)
    aid = await roster.assign(store, op, 3, town.grids["comp2"], PersonRole.FULL_TIME)
    return "3", lambda: roster.unassign(store, op, aid)  # four grids, the limit is three


async def break_load_households(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    store.settings = replace(store.settings, worker_max_households=700)
    await roster.adjust_grid(store, op, town.grids["comp2"], ChangeReason.DEMOLITION, households=500)
    # 陈丽 now serves 300 + 500 = 800; a second full-time worker on comp2 halves that grid's share
    return "2", lambda: roster.assign(store, op, 3, town.grids["comp2"], PersonRole.FULL_TIME)


async def break_seat_operators(town: Town) -> tuple[str, Fix]:
    # the test town has 120,000 people and two seat operators: YC 6 asks for three
    store, op = town.store, town.operator
    return TOWN, lambda: roster.create_person(store, op, PersonSpec("孙坐席", PersonRole.SEAT_OPERATOR, "13907790202"))


async def break_village_centre(town: Town) -> tuple[str, Fix]:
    store, admin = town.store, town.actors["admin"]
    table = Table(["code", "name", "centre_phone"], [(2, [VILLAGE, "冠头岭村", "0779-3201234"])], "utf-8")
    await import_table(store, admin, "areas", table)  # the village opens a centre of its own
    return VILLAGE, lambda: roster.create_person(store, admin, PersonSpec(
        "林坐席", PersonRole.SEAT_OPERATOR, "13907790203", area_code=VILLAGE))


async def break_notice(town: Town) -> tuple[str, Fix]:
    store, op = town.store, town.operator
    await roster.update_person(store, op, 2, phone="13907790002")  # on comp1 and comp2's cards
    return town.grids["comp1"], lambda: notice_cards.mark_published(store, op, [town.grids["comp1"]])


@dataclass(frozen=True)
class Case:
    rule: str
    article: str
    citation_zh: str
    breaker: Callable[[Town], Awaitable[tuple[str, Fix]]]
    present_before: bool = False  # the test town already breaks it


CASES = [
    Case("no_leader", "HH 11; JM 7",
         "《黑河市网格化管理服务条例》第十一条；《江门市社会治理智慧网格服务管理条例》第七条", break_no_leader),
    Case("no_full_time", "HH 11; YC 15",
         "《黑河市网格化管理服务条例》第十一条；《盐城市城乡网格化服务管理实施细则》第十五条",
         break_no_full_time_urban),
    Case("no_full_time", "HH 11", "《黑河市网格化管理服务条例》第十一条", break_no_full_time_rural),
    Case("untrained_full_time", "YC 43; HH 27",
         "《盐城市城乡网格化服务管理实施细则》第四十三条；《黑河市网格化管理服务条例》第二十七条", break_untrained),
    Case("failed_reviews", "YC 17", "《盐城市城乡网格化服务管理实施细则》第十七条", break_failed_reviews),
    Case("load_grids", "local", "本地设置（config.toml）", break_load_grids),
    Case("load_households", "local", "本地设置（config.toml）", break_load_households),
    Case("seat_operators", "YC 6", "《盐城市城乡网格化服务管理实施细则》第六条", break_seat_operators,
         present_before=True),
    Case("seat_operators", "YC 6", "《盐城市城乡网格化服务管理实施细则》第六条", break_village_centre),
    Case("notice_stale", "HH 12; YC 22; BH 14",
         "《黑河市网格化管理服务条例》第十二条；《盐城市城乡网格化服务管理实施细则》第二十二条；"
         "《北海市网格化服务管理条例》第十四条", break_notice),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.breaker.__name__[6:]}" for c in CASES])
async def test_rule_shows_with_its_article_and_a_fix_removes_it(town: Town, case: Case) -> None:
    key, fix = await case.breaker(town)
    found = await _on(town, case.rule)
    assert key in found, f"{case.rule} did not fire for {key}"
    f = found[key]
    assert (f.rule, f.article) == (case.rule, case.article)
    assert f.citation("zh") == case.citation_zh
    assert f.title("zh") and f.detail("zh") and f.detail("en") and f.title("en") != f.title("zh")
    await fix()
    assert key not in await _on(town, case.rule)  # computed from the data: gone at once


async def test_the_test_town_starts_with_exactly_its_known_gaps(town: Town) -> None:
    found = await compliance.findings(town.store, town.operator)
    assert [(f.rule, f.subject_key) for f in found] == [("load_households", "2"), ("seat_operators", TOWN)]
    seats = found[1]
    assert seats.params == {"area": "地角街道", "population": 120000, "have": 2, "need": 3}
    assert seats.detail("zh") == "地角街道（人口 120000）有坐席员 2 名，至少应配备 3 名"
    assert seats.citation("en") == "Yancheng Rules art. 6"


@pytest.mark.parametrize(("population", "need"), [(99_999, 2), (100_000, 3), (250_000, 3)])
async def test_seat_operators_needed_by_population(town: Town, population: int, need: int) -> None:
    table = Table(["code", "name", "population"], [(2, [TOWN, "地角街道", str(population)])], "utf-8")
    await import_table(town.store, town.actors["admin"], "areas", table)
    found = await _on(town, "seat_operators")
    if need > 2:
        assert found[TOWN].params["need"] == need
    else:
        assert TOWN not in found  # two seat operators are enough under 100,000 people


async def test_every_rule_cites_a_known_article_and_is_translated() -> None:
    for rule in compliance.RULES:
        for lang in ("zh", "en"):
            assert rule.title(lang) != f"roster.rule.{rule.code}"
            assert "roster." not in compliance.cite(rule.article, lang)
    assert compliance.cn_number(43) == "四十三" and compliance.cn_number(10) == "十" and compliance.cn_number(6) == "六"


async def test_findings_are_scoped_and_json_ready(town: Town) -> None:
    from griddesk.store.actor import Actor
    from griddesk.store.enums import Role

    assert await compliance.findings(town.store, Actor("x", "外镇", Role.SUPERVISOR, "450502006")) == []
    set_lang("en")
    data = (await compliance.findings(town.store, town.operator))[1].json()
    assert data["rule"] == "seat_operators" and data["citation"] == "Yancheng Rules art. 6"
    assert data["subject"] == {"kind": "area", "key": TOWN, "name": "地角街道"}
