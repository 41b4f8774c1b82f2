"""Small rules shared by intake, the roster and the matter list (kept import-light on purpose,
so any store module can use them without import cycles)."""

from __future__ import annotations

import re
from datetime import date

PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")


def in_force(admitted_on: date, withdrawn_on: date | None, on: date) -> bool:
    """A matter-list entry classifies tickets from its admission up to (not on) its withdrawal."""
    return admitted_on <= on and (withdrawn_on is None or on < withdrawn_on)
