"""Personal data: how it is masked, and the one way to see a reporter unmasked (a reveal).

JM 15, HH 24, YC 36: reporters' names, phone numbers and ID numbers are masked by default in
every list, detail, export and report — for every account, the centre's too. A role that may
see them (`permissions.may_reveal`) reveals one ticket's reporter after giving a reason, and the
reveal is in the audit log. Staff phones (grid workers, units) are work contacts: the centre
sees them, other accounts see them masked (`Actor.sees_personal_data`); notice cards print them
in full because they are public by design.

Free text (descriptions, notes, reasons) is masked where it holds a phone number, an ID number
or the reporter's name. The patterns are searched overlapping, so a number glued to other
digits is still caught: every place a phone or ID number could be read gets its middle starred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from griddesk.store import permissions, records, validation
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.errors import NotAllowed, NotFound
from griddesk.store.i18n import t
from griddesk.store.models import Ticket

STAR = "*"
REASON_MAX = 200
# a mainland mobile: bare digits are searched anywhere (glued to other digits too); written in
# groups (138 1234 5678, 138-1234-5678) it stands on its own. A landline with its area code
# (0779-3351234) stands on its own, so a ticket number's "…005-20261126" is not one. An
# 18-character resident ID number (the last may be X).
_MOBILE = re.compile(r"(?=(1[3-9]\d{9}))")
_MOBILE_GROUPED = re.compile(r"(?<![\d-])(?=(1[3-9]\d[- ]\d{4}[- ]\d{4})(?!\d))")
_LANDLINE = re.compile(r"(?<![\d-])(?=(0[1-9]\d{1,2}-[2-9]\d{6,7}(?!\d)))")
_ID = re.compile(r"(?=(\d{17}[\dXx]))")
# which of a match's digits are starred: (keep in front, keep at the end)
_KEEP = ((_ID, 4, 4), (_MOBILE, 3, 4), (_MOBILE_GROUPED, 3, 4), (_LANDLINE, 4, 4))
# every pattern above needs seven digits in a row or in groups: text with fewer digits than that
# holds no number to mask (the overdue view masks 25,000 titles at county scale)
_SEVEN_DIGITS = re.compile(r"\d(?:\D*\d){6}")


def mask_phone(phone: str | None) -> str | None:
    """138****1234: the first three and last four digits stay."""
    if phone is None:
        return None
    return phone[:3] + STAR * 4 + phone[-4:] if len(phone) >= 7 else STAR * 4


def mask_name(name: str | None) -> str | None:
    """张**: the first character stays."""
    if not name:
        return name
    return name[0] + STAR * (len(name) - 1)


def mask_id(number: str | None) -> str | None:
    """4407**********1234: the first four and last four characters stay."""
    if number is None:
        return None
    return number[:4] + STAR * (len(number) - 8) + number[-4:] if len(number) > 8 else STAR * len(number)


def mask_text(text: str | None, names: tuple[str | None, ...] = (), phones: tuple[str | None, ...] = ()) -> str | None:
    """Free text with every phone number, ID number, and each of `names` / `phones` masked."""
    if not text:
        return text
    for phone in phones:
        if phone and len(phone) >= 7:
            text = text.replace(phone, mask_phone(phone) or "")
    if not names and _SEVEN_DIGITS.search(text) is None:
        return text
    chars = list(text)
    for pattern, front, back in _KEEP:
        for m in pattern.finditer(text):
            start = m.start(1)
            digits = [start + i for i, ch in enumerate(m.group(1)) if ch.isdigit() or ch in "Xx"]
            for i in digits[front:len(digits) - back]:
                chars[i] = STAR
    out = "".join(chars)
    for name in names:
        if name and len(name) >= 2:
            masked = mask_name(name) or ""
            while name in out:  # a replacement never makes a new occurrence; the loop is a guard
                out = out.replace(name, masked)
    return out


def mask_value(value: Any, names: tuple[str | None, ...] = (), phones: tuple[str | None, ...] = ()) -> Any:
    """`mask_text` through the strings of a JSON-like value (a timeline entry's data)."""
    if isinstance(value, str):
        return mask_text(value, names, phones)
    if isinstance(value, dict):
        return {k: mask_value(v, names, phones) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v, names, phones) for v in value]
    return value


def staff_phone(phone: str | None, actor: Actor) -> str | None:
    """A grid worker's or a unit's phone: the centre sees it, other accounts see it masked."""
    return phone if actor.sees_personal_data else mask_phone(phone)


def staff_name(name: str | None, actor: Actor) -> str | None:
    return name if actor.sees_personal_data else mask_name(name)


# --- reveal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """One ticket's reporter, unmasked: what a reveal hands back."""

    number: str
    name: str | None
    phone: str | None
    description: str | None


def check_reason(reason: str | None) -> str:
    """The reason given for showing unmasked details: the one validation layer's text rule."""
    text = validation.text(reason, "reason", required=True, max_len=REASON_MAX, multiline=True)
    return text or ""  # required: an empty reason was refused above


async def reveal_reporter(store: Store, actor: Actor, number: str, reason: str | None) -> Reporter:
    """The reporter of one ticket, unmasked, for an account that may see it and says why.

    The reveal is written to the audit log (with the reason) in the same transaction that read
    the data, so no one sees a reporter without a trace.
    """
    if not permissions.may_reveal(actor):
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))
    why = check_reason(reason)
    async with store.db.session(write=True) as s:
        tk = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()
        if tk is None or not actor.covers(tk.town_code):
            raise NotFound("error.not_found_ticket", field="number", number=number)
        await records.audit(s, actor, "reveal", "ticket", number, store.now(),
                            {"reason": why, "fields": ["reporter_name", "reporter_phone", "description"]})
        return Reporter(tk.number, tk.reporter_name, tk.reporter_phone, tk.description)
