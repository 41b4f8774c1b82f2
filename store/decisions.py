"""What a timeline entry decided, in words: one place for the console's ticket screen and
`griddesk ticket show`.

Each workflow action keeps its decision in the entry's `data` (store.loop.apply): the unit a
dispatch chose, the deadline an extension asked for and its staged progress (BH 18-19), whether
a return or an extension was approved and the new deadline, a verification's result (HH 21), a
return visit's satisfaction (BH 20), the link of a merge (store.callers). The entry's note holds
the reason and the note as typed; `lines` gives the decision first, then the note's lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from griddesk.store.i18n import code_name, t
from griddesk.store.timefmt import local


def _when(value: Any, tz: ZoneInfo) -> str:
    if not value:
        return "—"
    try:
        return local(datetime.fromisoformat(str(value)), tz, "%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def decision(action: str, data: dict[str, Any] | None, tz: ZoneInfo, lang: str | None = None,
             names: Mapping[str, str] | None = None) -> str | None:
    """The decision an entry records, as one line; None when the action decides nothing more
    than its name says. `names` turns unit codes into names (views.TicketDetail.unit_names)."""
    d = dict(data or {})
    if names:
        if isinstance(d.get("unit"), str):
            d["unit"] = names.get(d["unit"], d["unit"])
        d["co_units"] = [names.get(c, c) for c in d.get("co_units") or []]
    if action == "visit" and d.get("satisfaction"):
        return t("decisions.satisfaction", lang, value=code_name("satisfaction", d["satisfaction"], lang))
    if action == "verify" and "passed" in d:
        return t("decisions.verify_passed" if d["passed"] else "decisions.verify_failed", lang)
    if action == "dispatch" and d.get("unit"):
        co = "、".join(d.get("co_units") or [])
        return t("decisions.dispatch_co" if co else "decisions.dispatch", lang, unit=d["unit"], co=co)
    if action == "return" and d.get("unit"):
        return t("decisions.return", lang, unit=d["unit"])
    if action == "extend":
        text = t("decisions.extend", lang, until=_when(d.get("until"), tz))
        if d.get("days"):
            text += t("decisions.days", lang, days=d["days"])
        return text
    if action == "approve":
        if d.get("request") == "return":
            return t("decisions.return_approved", lang, unit=d.get("unit") or "—")
        if d.get("request") == "extension":
            return t("decisions.extension_approved", lang, until=_when(d.get("until"), tz))
    if action == "reject" and d.get("request") in ("return", "extension"):
        return t(f"decisions.{d['request']}_rejected", lang)
    if action == "reopen" and d.get("satisfaction"):
        return t("decisions.reopen_after", lang, value=code_name("satisfaction", d["satisfaction"], lang))
    if action in ("merged_into", "merged_from") and d.get("ticket"):
        return t(f"decisions.{action}", lang, number=d["ticket"])
    return None


def progress(action: str, data: dict[str, Any] | None, lang: str | None = None) -> str | None:
    """An extension request's staged progress (阶段性工作情况, BH 18-19)."""
    d = data or {}
    if action == "extend" and d.get("progress"):
        return t("decisions.progress", lang, text=d["progress"])
    return None


def lines(action: str, data: dict[str, Any] | None, note: str | None, tz: ZoneInfo,
          lang: str | None = None, names: Mapping[str, str] | None = None) -> list[str]:
    """Everything an entry says beyond who, when and the status: the decision, the staged
    progress, then the reason and note as typed."""
    out = [x for x in (decision(action, data, tz, lang, names), progress(action, data, lang)) if x]
    if note:
        head = "decisions.reason" if action in REASONED else None
        parts = note.splitlines()
        if head and parts:
            parts[0] = t(head, lang, text=parts[0])
        out.extend(parts)
    return out


# actions whose note starts with the reason the operator gave (loop.apply puts the reason first)
REASONED = frozenset({"return", "extend", "reject", "suspend", "reopen"})


def clock_name(name: str, status: str | None = None, lang: str | None = None) -> str:
    """A running clock's name: the centre's decision clock is one clock in the loop (store.loop:
    EXTENSION, started by a return request and an extension request alike), so it is named by
    what it decides while the ticket waits on it: 退回审批 on a return, 延期审批 on an extension."""
    if name == "extension" and status in DECISION_CLOCK:
        return t(DECISION_CLOCK[status], lang)
    return code_name("clock", name, lang)


def waiting_for(status: str, resume: str, lang: str | None = None) -> str:
    """Where a ticket waiting on a decision or suspended goes next, said for its case: a refused
    return goes back to the unit, an extension returns to handling whichever way it is decided,
    a suspension on resuming."""
    key = RESUME_WORDING.get(status, "decisions.resume_to")
    return t(key, lang, status=code_name("status", resume, lang))


DECISION_CLOCK = {"return_requested": "decisions.clock_return", "extension_requested": "decisions.clock_extension"}
RESUME_WORDING = {"return_requested": "decisions.resume_return", "extension_requested": "decisions.resume_extension",
                  "suspended": "decisions.resume_suspended"}
