"""The shipped divisions (city, county, town codes and names) the demo can build a town for."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from griddesk.store.errors import Invalid

DIVISIONS = Path(__file__).parent.parent / "data" / "divisions"
DEFAULT_TOWN = "450502005"  # 北海市海城区地角街道: a fishing port, so marine grids are real
CITY_DIALLING = {"4407": "0750", "2311": "0456", "3209": "0515", "4505": "0779"}
NORTHERN_PROVINCES = ("23",)  # district heating matters only where winters need it (黑河)
HEATING_MATTERS = ("D004", "D005")
CN_DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Place:
    code: str
    name: str


# --- the divisions ---------------------------------------------------------------------------


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    with open(DIVISIONS / name, encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def towns() -> list[Place]:
    """Every town the demo can be built for (the shipped division codes)."""
    return [Place(r["code"], r["name"]) for r in _rows("towns.csv")]


def division(town: str) -> tuple[Place, Place, Place]:
    """(city, county, town) of a town code from the shipped divisions, or Invalid."""
    row = next((r for r in _rows("towns.csv") if r["code"] == town), None)
    if row is None:
        raise Invalid("demo.unknown_town", field="town", code=town)
    county = next(r for r in _rows("counties.csv") if r["code"] == row["areaCode"])
    city = next(r for r in _rows("cities.csv") if r["code"] == row["cityCode"])
    return Place(city["code"], city["name"]), Place(county["code"], county["name"]), Place(row["code"], row["name"])


def counties() -> list[Place]:
    """Every county (区/县/县级市) the demo can build whole (`demo init --county`)."""
    return [Place(r["code"], r["name"]) for r in _rows("counties.csv")]


def county_towns(county: str) -> list[str]:
    """The town codes of a county from the shipped divisions, in code order, or Invalid."""
    codes = sorted(r["code"] for r in _rows("towns.csv") if r["areaCode"] == county)
    if not codes:
        raise Invalid("demo.unknown_county", field="county", code=county)
    return codes


def _root(name: str) -> str:
    """"地角街道" → "地角", "白沙镇" → "白沙": the short name used in place names."""
    for suffix in ("街道办事处", "街道", "镇", "乡", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _cn(n: int) -> str:
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + CN_DIGITS[n - 10]
    return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")


