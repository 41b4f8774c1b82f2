"""Division codes and grid codes: what a valid one looks like, and the next free grid code.

Statistical division codes (统计用区划代码) tell their level by their length: city 4, county 6,
town 9, village/community 12 digits, each starting with its parent's code. The three digits a
village adds say what it is: 001–199 a residents' committee (社区), 200–399 a villagers'
committee (村) (shared/data/divisions/README.md).

A grid code is its village's 12-digit code plus a 3-digit sequence (HH 8, YC 9: unique). A
retired grid keeps its row, so "unique" is checked against every grid ever made and a code is
never handed out twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.enums import CODE_LENGTH, Level
from griddesk.store.errors import Invalid

LEVEL_BY_LENGTH = {n: level for level, n in CODE_LENGTH.items()}
PARENT_LENGTH = {6: 4, 9: 6, 12: 9}
GRID_CODE_LENGTH = 15
GRID_SEQ_MAX = 999
COMMUNITY = "community"  # 社区, residents' committee
VILLAGE = "village"  # 村, villagers' committee
COMMUNITY_SEQ = range(1, 200)
VILLAGE_SEQ = range(200, 400)


def _digits(code: str, field: str | None) -> str:
    code = (code or "").strip()
    if not code:
        raise Invalid("roster.error.code_empty", field=field)
    if not code.isascii() or not code.isdigit():
        raise Invalid("roster.error.code_digits", field=field, code=code)
    return code


def level_of(code: str, field: str | None = "code") -> Level:
    """The level a division code's length says; `Invalid` for any other length."""
    code = _digits(code, field)
    level = LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        raise Invalid("roster.error.code_length", field=field, code=code)
    return level


def parent_of(code: str) -> str | None:
    """The parent division's code (a city has none here: provinces are not modelled)."""
    n = PARENT_LENGTH.get(len(code))
    return code[:n] if n else None


def village_kind(code: str, field: str | None = "code") -> str:
    """`community` for 001–199, `village` for 200–399; anything else is not a village code."""
    if level_of(code, field) != Level.VILLAGE:
        raise Invalid("roster.error.not_village", field=field, code=code)
    seq = int(code[9:])
    if seq in COMMUNITY_SEQ:
        return COMMUNITY
    if seq in VILLAGE_SEQ:
        return VILLAGE
    raise Invalid("roster.error.village_seq", field=field, code=code)


def check_area(code: str, *, level: str | None = None, parent_code: str | None = None,
               kind: str | None = None, field: str | None = "code") -> Level:
    """Check a division code against the level, parent and village kind it is said to have."""
    found = level_of(code, field)
    code = code.strip()
    if level and level != found:
        raise Invalid("roster.error.code_level", field=field, code=code, level=level,
                      digits=CODE_LENGTH[Level(level)] if level in set(Level) else "?")
    own_part = code[PARENT_LENGTH.get(len(code), 0):]
    if int(own_part) == 0:  # "000" under a town, "00" under a county: the parent itself
        raise Invalid("roster.error.code_zero", field=field, code=code)
    expected_parent = parent_of(code)
    if parent_code and parent_code != expected_parent:
        raise Invalid("roster.error.code_parent", field=field, code=code, parent=parent_code)
    if found == Level.VILLAGE:
        actual = village_kind(code, field)
        if kind and kind != actual:
            raise Invalid("roster.error.village_kind", field=field, code=code, kind=kind, actual=actual)
    return found


def grid_code(village_code: str, seq: int) -> str:
    if not 1 <= seq <= GRID_SEQ_MAX:
        raise Invalid("roster.error.grid_seq_full", field="code", code=village_code)
    return f"{village_code}{seq:03d}"


def check_grid_code(code: str, village_code: str | None = None, field: str | None = "code") -> tuple[str, int]:
    """A grid code's village and sequence; `Invalid` when it is not village code + 001–999."""
    code = _digits(code, field)
    if len(code) != GRID_CODE_LENGTH:
        raise Invalid("roster.error.grid_code_length", field=field, code=code)
    village, seq = code[:12], int(code[12:])
    village_kind(village, field)
    if seq == 0:
        raise Invalid("roster.error.code_zero", field=field, code=code)
    if village_code is not None and village != village_code:
        raise Invalid("roster.error.grid_code_village", field=field, code=code, village=village_code)
    return village, seq


def next_sequence(existing: Iterable[str], village_code: str) -> int:
    """One past the highest sequence ever used under the village (retired grids included)."""
    used = [int(c[12:]) for c in existing if len(c) == GRID_CODE_LENGTH and c.startswith(village_code)]
    return max(used, default=0) + 1


async def next_grid_code(s: AsyncSession, village_code: str) -> str:
    """The next never-used grid code under a village, read inside the caller's transaction."""
    from griddesk.store.models import Grid  # models import nothing from here; keep codes.py light

    rows = (await s.execute(select(Grid.code).where(Grid.code.startswith(village_code)))).scalars()
    return grid_code(village_code, next_sequence(rows, village_code))
