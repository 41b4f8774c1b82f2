"""Ticket numbers: `<town code>-<YYYYMMDD>-<seq>`, and how a town centre shortens them."""

from __future__ import annotations

from griddesk.store.permissions import is_town


def ticket_number(town_code: str, day: str, seq: int) -> str:
    return f"{town_code}-{day}-{seq:04d}"


def short_number(number: str, jurisdiction: str) -> str:
    """A ticket number as a town centre shows it: the town's own code in front is noise there
    (a town account sees only its town's tickets)."""
    prefix = f"{jurisdiction}-"
    return number[len(prefix):] if is_town(jurisdiction) and number.startswith(prefix) else number
