"""The one validation layer for every way data comes in (JSON intake, `ticket act` options,
imports, console forms, the config file), and the one sanitiser for every way it goes out to a
terminal.

In: each checker takes the raw value as it arrived (a JSON value, an argument, a cell, an input
box) and either returns it typed and bounded or raises `Invalid` naming the field and the reason
(a `validation.*` or `error.*` key, read in the user's language). Wrong JSON types are refused,
never coerced (`"false"` is not a boolean, `[]` is not a time); control characters are refused
(tab and newline only where a field is multi-line), because a stored ESC sequence would later
clear or retitle an operator's terminal.

Out: `printable` makes any text safe to write to a terminal, so rows stored before these checks
existed cannot reach the screen raw either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from griddesk.store.errors import Invalid

# C0 (but tab/newline, decided per field), DEL, C1, the bidi embeddings/overrides/isolates that
# reorder what a reader sees, and lone surrogates (no character at all; they cannot be encoded)
_REFUSED = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_BAD_LINE = re.compile(f"[{_REFUSED}\t\n]")  # single-line: tab and newline refused too
_BAD_MULTI = re.compile(f"[{_REFUSED}]")
_BAD_OUT = re.compile(f"[{_REFUSED}]")
_BAD_OUT_LINE = re.compile(f"[{_REFUSED}\t\n]")

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no ticket of these systems predates this
FUTURE_SLACK = timedelta(days=1)  # a caller's clock may run a little ahead; a year is a typo
MAX_DEPTH = 8  # a ticket is an object holding one object (reporter); far deeper is an attack
MAX_VALUE_SHOWN = 60  # a bad value quoted in a message is cut to this many characters


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for "must be text, not a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _wrong_type(fld: str, expected: str, value: Any) -> Invalid:
    return Invalid("validation.wrong_type", field=fld, expected=expected, got=json_type(value))


def _char_problem(fld: str, match: re.Match[str]) -> Invalid:
    ch = match.group()
    return Invalid("validation.control_char", field=fld, char=f"U+{ord(ch):04X}", at=match.start() + 1)


def text(value: Any, fld: str, *, required: bool = False, max_len: int = 120, multiline: bool = False,
         min_len: int = 0) -> str | None:
    """A string, stripped; None when empty and not required. Refuses non-strings, control
    characters (tab and newline are allowed only when `multiline`) and over-long text."""
    if value is None:
        if required:
            raise Invalid("error.required", field=fld)
        return None
    if not isinstance(value, str):
        raise _wrong_type(fld, "text", value)
    if multiline:
        value = value.replace("\r\n", "\n")
    bad = (_BAD_MULTI if multiline else _BAD_LINE).search(value)
    if bad:
        raise _char_problem(fld, bad)
    value = value.strip()
    if not value:
        if required:
            raise Invalid("error.required", field=fld)
        return None
    if len(value) > max_len:
        raise Invalid("error.too_long", field=fld, max=max_len)
    if len(value) < min_len:
        raise Invalid("validation.too_short", field=fld, min=min_len)
    return value


def code(value: Any, fld: str, *, required: bool = True, max_len: int = 32) -> str | None:
    """A code (grid, matter, unit): text on one line, no spaces inside."""
    got = text(value, fld, required=required, max_len=max_len)
    if got is not None and any(ch.isspace() for ch in got):
        raise Invalid("validation.not_code", field=fld, value=shown(got))
    return got


def boolean(value: Any, fld: str, default: bool | None = None) -> bool:
    """A JSON boolean; "false", 0 or "yes" are refused (a string "false" is truthy in Python)."""
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise _wrong_type(fld, "true | false", value)
    return value


def integer(value: Any, fld: str, *, low: int | None = None, high: int | None = None) -> int:
    """An int in [low, high]; booleans and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(fld, "integer", value)
    _in_range(value, fld, low, high)
    return value


def number(value: Any, fld: str, *, low: float | None = None, high: float | None = None,
           open_low: bool = False, open_high: bool = False) -> float:
    """A finite number in the range (ends open when asked: `due_soon_fraction` is in (0, 1))."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(fld, "number", value)
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise _wrong_type(fld, "number", value)
    too_low = low is not None and (value <= low if open_low else value < low)
    too_high = high is not None and (value >= high if open_high else value > high)
    if too_low or too_high:
        raise Invalid("validation.out_of_range", field=fld, value=value,
                      range=f"{'(' if open_low else '['}{'' if low is None else low}, "
                            f"{'' if high is None else high}{')' if open_high else ']'}")
    return value


def _in_range(value: int, fld: str, low: int | None, high: int | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid("validation.out_of_range", field=fld, value=value,
                      range=f"[{'' if low is None else low}, {'' if high is None else high}]")


def choice(value: Any, fld: str, choices: type[StrEnum] | Iterable[str], default: str | None = None) -> str:
    """One of a few stable codes."""
    options = [str(c) for c in choices]
    if value is None and default is not None:
        return default
    if value is None or value == "":
        raise Invalid("error.required", field=fld)
    if not isinstance(value, str):
        raise _wrong_type(fld, "text", value)
    if value not in options:
        raise Invalid("error.unknown_value", field=fld, value=shown(value), choices=" | ".join(options))
    return value


def mapping(value: Any, fld: str | None = None) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise Invalid("error.not_object", field=fld)
    return value


def unknown_keys(data: Mapping[str, Any], known: Iterable[str], prefix: str = "") -> list[str]:
    """The keys of `data` that are not in `known` (with `prefix.` for a nested object)."""
    allowed = set(known)
    return [f"{prefix}{k}" for k in data if k not in allowed]


def refuse_unknown(names: list[str]) -> None:
    if names:
        raise Invalid("validation.unknown_key", key=shown(names[0]))


def moment(value: Any, fld: str, *, now: datetime | None = None, earliest: datetime = EARLIEST,
           future: timedelta | None = FUTURE_SLACK) -> datetime | None:
    """An ISO 8601 time with a zone, not before 2000 and at most `future` after now (None: no
    upper bound but year 9000). Refuses a non-string (`[]` is not "now"). None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong_type(fld, "ISO 8601", value)
    raw = value.strip()
    bad = _BAD_LINE.search(raw)
    if bad or not raw or len(raw) > 40:
        raise Invalid("error.bad_time", field=fld, value=shown(raw))
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid("error.bad_time", field=fld, value=shown(raw)) from None
    if at.tzinfo is None:
        raise Invalid("validation.time_without_zone", field=fld, value=shown(raw))
    # years 1 and 9999 overflow when moved to UTC: bound by the naive year first
    if not 1990 <= at.year <= 9000:
        raise Invalid("validation.time_out_of_window", field=fld, value=shown(raw),
                      earliest=earliest.date().isoformat())
    try:
        at_utc = at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid("validation.time_out_of_window", field=fld, value=shown(raw),
                      earliest=earliest.date().isoformat()) from None
    if at_utc < earliest:
        raise Invalid("validation.time_out_of_window", field=fld, value=shown(raw),
                      earliest=earliest.date().isoformat())
    if future is not None:
        now = now or datetime.now(UTC)
        if at_utc > now + future:
            raise Invalid("validation.time_in_future", field=fld, value=shown(raw))
    return at


EARLIEST_DAY = EARLIEST.date()


def day(value: Any, fld: str, *, earliest: date = EARLIEST_DAY, latest: date | None = None) -> date | None:
    """A YYYY-MM-DD date within [earliest, latest]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _wrong_type(fld, "YYYY-MM-DD", value)
    raw = value.strip()
    try:
        got = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        got = None
    if got is None:
        raise Invalid("roster.error.bad_date", field=fld, value=shown(raw))
    if got < earliest or (latest is not None and got > latest):
        raise Invalid("validation.time_out_of_window", field=fld, value=shown(raw), earliest=earliest.isoformat())
    return got


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def load_json(raw: str, fld: str | None = None) -> Any:
    """One JSON value; deep nesting, NaN and bad JSON are refused with a reason, never a
    RecursionError."""

    def no_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(raw, parse_constant=no_constant)
    except RecursionError:
        raise Invalid("validation.too_deep", field=fld, max=MAX_DEPTH) from None
    except json.JSONDecodeError as e:
        raise Invalid("error.bad_json", field=fld, reason=f"{e.msg} ({e.colno})") from None
    except ValueError as e:
        raise Invalid("error.bad_json", field=fld, reason=str(e)) from None
    if depth(value) > MAX_DEPTH:
        raise Invalid("validation.too_deep", field=fld, max=MAX_DEPTH)
    return value


def argument(value: str | None, fld: str) -> str | None:
    """A command-line argument: bytes that were not UTF-8 arrive as lone surrogates
    (surrogateescape); refuse them and control characters."""
    if value is None:
        return None
    bad = _BAD_LINE.search(value)
    if bad:
        raise _char_problem(fld, bad)
    return value


# --- out: the terminal sanitiser ------------------------------------------------------------------

_VISIBLE = {0x1B: "␛", 0x7F: "␡", 0x0A: "␤", 0x09: "␉", 0x0D: "␍"}


def _visible(match: re.Match[str]) -> str:
    o = ord(match.group())
    if o in _VISIBLE:
        return _VISIBLE[o]
    if o < 0x20:
        return chr(0x2400 + o)  # the Control Pictures block: ␀ ␁ … ␟
    return "\ufffd"


def printable(value: Any, multiline: bool = False) -> str:
    """`value` as text that is safe to write to a terminal: every control character (tab and
    newline too unless `multiline`), bidi override and lone surrogate becomes a visible sign
    (ESC → ␛) or U+FFFD. Apply it to every string from the database or from a user before it
    is printed or shown."""
    s = value if isinstance(value, str) else ("" if value is None else str(value))
    pattern = _BAD_OUT if multiline else _BAD_OUT_LINE
    return pattern.sub(_visible, s) if pattern.search(s) else s


def is_printable(value: str, multiline: bool = False) -> bool:
    return (_BAD_OUT if multiline else _BAD_OUT_LINE).search(value) is None


def shown(value: Any) -> str:
    """A bad value as quoted in an error message: printable and short."""
    s = printable(value)
    return s if len(s) <= MAX_VALUE_SHOWN else s[: MAX_VALUE_SHOWN - 1] + "…"


def json_text(value: Any, ascii_only: bool = False, **kw: Any) -> str:
    """`json.dumps` whose output is safe on a terminal and exact for a script: the characters
    JSON itself leaves raw (DEL, C1, bidi overrides, lone surrogates) are written as \\uXXXX
    escapes, which decode to the same string."""
    kw.pop("ensure_ascii", None)
    out = json.dumps(value, ensure_ascii=ascii_only, **kw)
    return out if ascii_only else _BAD_OUT.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
