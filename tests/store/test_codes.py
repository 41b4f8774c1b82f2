"""Division and grid codes: level by length, parent prefix, village kind, grid sequence never reused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from griddesk.store import codes
from griddesk.store.enums import Level
from griddesk.store.errors import Invalid

# the real codes beside the repo (../shared), else the identical copy the product ships
# (tests/store/test_demo.py checks they are the same file for file)
_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions"
DIVISIONS = _SHARED if _SHARED.exists() else Path(__file__).resolve().parents[2] / "store" / "data" / "divisions"


@pytest.mark.parametrize(("code", "level"), [
    ("4505", Level.CITY), ("450502", Level.COUNTY), ("450502005", Level.TOWN), ("450502005001", Level.VILLAGE),
])
def test_level_by_length(code: str, level: Level) -> None:
    assert codes.level_of(code) == level
    assert codes.check_area(code) == level


@pytest.mark.parametrize(("code", "key"), [
    ("", "roster.error.code_empty"),
    ("45050200500A", "roster.error.code_digits"),
    ("４５０５", "roster.error.code_digits"),  # full-width digits are not a code
    ("45050", "roster.error.code_length"),
    ("4505020050011", "roster.error.code_length"),
    ("450502000", "roster.error.code_zero"),
    ("450502005000", "roster.error.code_zero"),
    ("450502005400", "roster.error.village_seq"),  # 400 and above: neither community nor village
])
def test_bad_division_codes(code: str, key: str) -> None:
    with pytest.raises(Invalid) as e:
        codes.check_area(code)
    assert e.value.key == key


def test_parent_prefix_level_and_village_kind() -> None:
    assert codes.parent_of("450502005001") == "450502005"
    assert codes.parent_of("450502005") == "450502"
    assert codes.parent_of("450502") == "4505"
    assert codes.parent_of("4505") is None
    assert codes.check_area("450502005201", parent_code="450502005", kind="village") == Level.VILLAGE
    with pytest.raises(Invalid) as e:
        codes.check_area("450502005201", parent_code="450502006")
    assert e.value.key == "roster.error.code_parent"
    with pytest.raises(Invalid) as e:
        codes.check_area("450502005201", kind="community")
    assert e.value.key == "roster.error.village_kind"
    with pytest.raises(Invalid) as e:
        codes.check_area("450502005", level="village")
    assert e.value.key == "roster.error.code_level"
    assert codes.village_kind("450502005199") == codes.COMMUNITY
    assert codes.village_kind("450502005200") == codes.VILLAGE
    assert codes.village_kind("450502005399") == codes.VILLAGE


def test_grid_codes() -> None:
    assert codes.grid_code("450502005001", 7) == "450502005001007"
    assert codes.check_grid_code("450502005001007") == ("450502005001", 7)
    for bad, key in [("45050200500107", "roster.error.grid_code_length"),
                     ("450502005001000", "roster.error.code_zero"),
                     ("450502005450001", "roster.error.village_seq")]:
        with pytest.raises(Invalid) as e:
            codes.check_grid_code(bad)
        assert e.value.key == key
    with pytest.raises(Invalid) as e:
        codes.check_grid_code("450502005001007", village_code="450502005002")
    assert e.value.key == "roster.error.grid_code_village"
    with pytest.raises(Invalid):
        codes.grid_code("450502005001", 1000)


def test_next_sequence_counts_every_code_ever_used() -> None:
    village = "450502005001"
    # 002 retired long ago, 005 the highest: the next is 006, never a gap like 003
    used = [f"{village}001", f"{village}002", f"{village}005", "450502005002009"]
    assert codes.next_sequence(used, village) == 6
    assert codes.next_sequence([], village) == 1


def test_every_real_code_in_the_divisions_data_validates() -> None:
    seen = 0
    for name, parent_col in (("cities.csv", None), ("counties.csv", "cityCode"), ("towns.csv", "areaCode")):
        with open(DIVISIONS / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                level = codes.check_area(row["code"], parent_code=row[parent_col] if parent_col else None)
                assert level == codes.LEVEL_BY_LENGTH[len(row["code"])]
                seen += 1
    assert seen > 400
