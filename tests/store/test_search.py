"""Roster search: codes, names, full pinyin, pinyin initials, the last digits of a phone."""

from __future__ import annotations

from griddesk.store import roster, search
from griddesk.store.actor import Actor
from griddesk.store.enums import PersonRole, Role
from tests.fixtures_town import COMMUNITY, TOWN, Town


def _keys(hits: list[search.Hit]) -> list[tuple[str, str]]:
    return [(h.kind, h.key) for h in hits]


async def test_by_code_exact_first_then_prefix(town: Town) -> None:
    hits = await search.search(town.store, town.operator, COMMUNITY)
    assert _keys(hits)[0] == ("area", COMMUNITY) and hits[0].match == "code"
    assert {("grid", town.grids[k]) for k in ("comp1", "comp2", "school")} <= set(_keys(hits))
    hits = await search.search(town.store, town.operator, town.grids["port"])
    assert _keys(hits) == [("grid", town.grids["port"])]


async def test_by_name(town: Town) -> None:
    hits = await search.search(town.store, town.operator, "地角")
    kinds = {h.kind for h in hits}
    assert {"area", "grid", "unit"} <= kinds
    assert _keys(hits)[0] == ("area", TOWN) or hits[0].name.startswith("地角")
    hits = await search.search(town.store, town.operator, "陈丽")
    assert _keys(hits) == [("person", "2")] and hits[0].match == "name"


async def test_by_full_pinyin_and_initials(town: Town) -> None:
    op = town.operator
    assert _keys(await search.search(town.store, op, "wangjianguo")) == [("person", "1")]
    assert _keys(await search.search(town.store, op, "wang jian guo")) == [("person", "1")]
    hits = await search.search(town.store, op, "wjg")
    assert _keys(hits) == [("person", "1")] and hits[0].match == "initials"
    assert ("person", "1") in _keys(await search.search(town.store, op, "jianguo"))  # from a syllable start
    assert ("person", "1") not in _keys(await search.search(town.store, op, "anguo"))
    grid_hits = await search.search(town.store, op, "djsq")  # 地角社区 by initials
    assert ("area", COMMUNITY) in _keys(grid_hits) and ("grid", town.grids["comp1"]) in _keys(grid_hits)
    matter = await search.search(town.store, op, "laji")  # 暴露垃圾 bao lu la ji
    assert ("matter", "A001") in _keys(matter)


async def test_pinyin_columns_are_used_and_v_reads_as_u(town: Town) -> None:
    pid = await roster.create_person(town.store, town.operator, roster.PersonSpec(
        "吕长安", PersonRole.FULL_TIME, "13907790555"))
    for query in ("lvchangan", "luchangan", "lca", "chang"):
        assert ("person", str(pid)) in _keys(await search.search(town.store, town.operator, query)), query


async def test_by_last_digits_of_a_phone(town: Town) -> None:
    hits = await search.search(town.store, town.operator, "0002")
    assert _keys(hits) == [("person", "2")] and hits[0].match == "phone"
    assert (hits[0].role, hits[0].phone) == ("full_time", "13807790002")
    assert await search.search(town.store, town.operator, "99") == []  # too short for a phone ending
    masked = await search.search(town.store, town.actors["wall"], "0002")
    assert (masked[0].role, masked[0].phone) == ("full_time", "138****0002")


async def test_codes_of_units_and_matters_and_withdrawn_entries(town: Town) -> None:
    assert _keys(await search.search(town.store, town.operator, "police"))[0] == ("unit", "POLICE")
    assert _keys(await search.search(town.store, town.operator, "A001"))[0] == ("matter", "A001")
    # A009 was withdrawn on 2026-06-30; it is found only when asked for inactive entries too
    assert ("matter", "A009") not in _keys(await search.search(town.store, town.operator, "共享单车"))
    found = await search.search(town.store, town.operator, "共享单车", include_inactive=True)
    assert [(h.key, h.active) for h in found] == [("A009", False)]


async def test_scope_limits_what_is_found(town: Town) -> None:
    other = Actor("op-x", "外镇", Role.OPERATOR, "450502006")
    assert [h for h in await search.search(town.store, other, "陈丽")] == []
    assert await search.search(town.store, other, "地角") == []  # not even 地角's own units
    assert await search.search(town.store, town.operator, "   ") == []
