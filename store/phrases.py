"""常用语: the phrase templates a desk inserts into a description, a note or a reason, per matter.

Read from `store/data/phrases.toml` (shipped with the package). A matter's own phrases come
first (its code, then its category letter), then the common ones; a kind with none is empty.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).parent / "data" / "phrases.toml"
KINDS = ("description", "note", "reason")


@cache
def _table() -> dict[str, Any]:
    with open(FILE, "rb") as f:
        return tomllib.load(f)


def for_matter(matter: str | None, kind: str) -> list[str]:
    """The phrases of `kind` ("description", "note" or "reason") for `matter` (a code or None)."""
    if kind not in KINDS:
        raise ValueError(kind)
    table = _table()
    sections = [matter, matter[:1]] if matter else []
    out: list[str] = []
    for name in [*sections, "common"]:
        for text in table.get(name, {}).get(kind, []) if name else []:
            if text not in out:
                out.append(str(text))
    return out
