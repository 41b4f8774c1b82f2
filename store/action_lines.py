"""One step of the loop as a JSON object: what `griddesk ticket act -` reads, a line at a time.

The keys are the options of `griddesk ticket act NUMBER ACTION [options]`, a stable interface:

    {"number": "…", "action": "dispatch", "unit": "URBAN", "co_units": ["POLICE"], "reason": "…",
     "note": "…", "until": "2026-12-01", "days": 2, "passed": true, "satisfaction": "satisfied",
     "version": 3}

Only `number` and `action` are always needed; which others an action needs or takes is the
loop's (store/workflow.py `param_problem`). This checks the JSON types only, through the one
validation layer (store/validation.py), and hands the values on as the command line would: the
same words then go through the same checks, so a line and the single command answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from griddesk.store import validation as v
from griddesk.store.errors import Invalid
from griddesk.store.loop import ACTIONS

KEYS = ("number", "action", "unit", "co_units", "reason", "note", "until", "days", "passed", "satisfaction",
        "version")
TEXTS = ("unit", "reason", "note", "until", "satisfaction")
MAX_TEXT = 10_000  # the workflow bounds reasons and notes (2,000); this only stops a runaway line early


@dataclass(frozen=True)
class ActionLine:
    number: str
    action: str
    values: dict[str, Any]  # unit, co_units, reason, note, until, days, passed, satisfaction as given
    expected_version: int | None = None


def _text(value: Any, fld: str) -> str | None:
    """A string as typed (the workflow strips and bounds it), or None; other types refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("validation.wrong_type", field=fld, expected="text", got=v.json_type(value))
    if len(value) > MAX_TEXT:
        raise Invalid("error.too_long", field=fld, max=MAX_TEXT)
    return value


def parse(data: Any) -> ActionLine:
    """Check one object's keys and types; raises `Invalid` naming the field and the reason."""
    data = v.mapping(data)
    v.refuse_unknown(v.unknown_keys(data, KEYS))
    number = _text(data.get("number"), "number")
    if number is None:
        raise Invalid("error.required", field="number")
    v.argument(number, "number")  # as the command line checks its NUMBER
    action = v.choice(data.get("action"), "action", ACTIONS)
    values: dict[str, Any] = {name: _text(data.get(name), name) for name in TEXTS}
    co = data.get("co_units")
    if co is None:
        co = []
    if not isinstance(co, list):
        raise Invalid("validation.wrong_type", field="co_units", expected="array", got=v.json_type(co))
    values["co_units"] = [_text(c, "co_units") or "" for c in co]
    days = data.get("days")
    values["days"] = None if days is None else v.integer(days, "days")
    passed = data.get("passed")
    values["passed"] = None if passed is None else v.boolean(passed, "passed")
    version = data.get("version")
    expected = None if version is None else v.integer(version, "version")
    return ActionLine(number, action, values, expected)
