"""Settings from `config.toml` (`$GRIDDESK_HOME/config.toml`, else the XDG config directory),
checked field by field: unknown keys, wrong types and out-of-range values are refused.

A damaged or wrong file gives a `StoreError` naming the key and the reason; it never falls back
silently, because a wrong working-hours setting would move every deadline.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any

from griddesk.store import paths
from griddesk.store.errors import Invalid


@dataclass(frozen=True)
class Settings:
    lang: str | None = None
    db: str | None = None
    operator: str | None = None
    timezone: str = "Asia/Shanghai"
    # working hours of a working day, as (start, end) pairs (default 08:30–12:00, 14:00–17:30)
    work_periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
    calendar_file: str | None = None  # holidays / 调休 for years the library does not know
    sign_limit_hours: int = 2  # sign-for limit, working hours
    verify_limit_hours: int = 24  # HH 21, natural hours
    visit_limit_days: int = 1  # return visit by the next working day
    escalate_limit_minutes: int = 30  # report a major event upward
    notice_window_minutes: int = 60  # ring for overdue crossings this recent (not old backlog)
    decision_limit_days: int = 1  # the centre decides on a return/extension request by then
    due_soon_fraction: float = 0.25  # "due soon": less than this share of the limit left
    reminder_hours_before: int = 4  # the ladder's reminder, working hours before the deadline
    notice_days_after: int = 1  # formal notice the working day after the deadline
    criticism_days_after: int = 5  # 通报 list at 5 working days late
    worker_max_grids: int = 3  # roster load rule
    worker_max_households: int = 600
    hotline: str = "12345"
    platform: str = "i-网格 小程序"
    bell: bool = True
    # hotline mode: after dispatching a ticket just registered, land on a fresh intake form
    # (`:hotline on|off` and F6 in the intake form switch it for the session)
    hotline_mode: bool = False
    urgent_band_minutes: int = 30  # the queue's urgent band: clocks running out this soon
    # analytics (store.analytics): the hotline rules' floors a centre sets, marked on scorecards
    floor_response: float = 0.92  # 响应率
    floor_resolution: float = 0.85  # 解决率
    floor_satisfaction: float = 0.85  # 满意率
    dispatch_limit_minutes: int = 30  # a seat operator's dispatch counts as timely within this
    shift_start_hour: int = 8  # shifts start at this local hour and every shift_hours after
    shift_hours: int = 12
    extra: dict[str, Any] = field(default_factory=dict)  # always empty: unknown keys are refused
    # `[accounts]`: lock-out, login tokens and who the OS / SSH user is (store.identity)
    accounts: AccountSettings = field(default_factory=lambda: AccountSettings())
    # `[keymap]`: a binding's id → the keys that trigger it (Textual's keymap), e.g. "app.help" = "f1"
    keymap: dict[str, str] = field(default_factory=dict)


def _parse_time(key: str, value: Any) -> time:
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except Exception:
        raise Invalid("error.config_time", field=None, key=key, value=value) from None


# range rules of the numeric keys (store/validation.py checks them); a key not listed here is
# checked for its type only. low/high are inclusive unless `open`.
POSITIVE = {"low": 1, "high": 100_000}
RANGES: dict[str, dict[str, Any]] = {
    "sign_limit_hours": POSITIVE, "verify_limit_hours": POSITIVE, "visit_limit_days": POSITIVE,
    "escalate_limit_minutes": POSITIVE, "notice_window_minutes": POSITIVE, "decision_limit_days": POSITIVE,
    "criticism_days_after": POSITIVE, "worker_max_grids": POSITIVE, "worker_max_households": POSITIVE,
    "reminder_hours_before": {"low": 0, "high": 100_000}, "notice_days_after": {"low": 0, "high": 100_000},
    "due_soon_fraction": {"low": 0.0, "high": 1.0, "open": True},
    "urgent_band_minutes": POSITIVE, "dispatch_limit_minutes": POSITIVE,
    "floor_response": {"low": 0.0, "high": 1.0}, "floor_resolution": {"low": 0.0, "high": 1.0},
    "floor_satisfaction": {"low": 0.0, "high": 1.0},
    "shift_start_hour": {"low": 0, "high": 23}, "shift_hours": {"low": 1, "high": 24},
}
REASON = {"low": "validation.positive", "zero": "validation.non_negative", "open": "validation.fraction"}
TEXT_MAX = 512  # paths and URLs included


def _range_reason(rule: dict[str, Any]) -> str:
    if rule.get("open"):
        return REASON["open"]
    return REASON["zero"] if rule["low"] == 0 else REASON["low"]


def _checked(key: str, value: Any, expected: type, source: str) -> Any:
    from griddesk.store import validation

    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise Invalid("error.config_type", key=key, expected=expected.__name__, source=source)
    if isinstance(value, str):
        try:
            validation.text(value, key, max_len=TEXT_MAX)
        except Invalid as e:
            raise Invalid("error.config_value", key=key, reason=e.message(), source=source) from None
    rule = RANGES.get(key)
    if rule is not None:
        from griddesk.store.i18n import t

        low, high, is_open = rule["low"], rule["high"], bool(rule.get("open"))
        bad = (value <= low or value >= high) if is_open else (value < low or value > high)
        if bad:
            raise Invalid("validation.config_range", key=key, value=value, source=source,
                          reason=t(_range_reason(rule)))
    return value


def _check_timezone(value: str, source: str) -> None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for a path, …: one line, not a traceback
        raise Invalid("validation.config_timezone", key="timezone", value=value, source=source) from None


def parse(data: dict[str, Any], source: str = "config.toml") -> Settings:
    """Settings from a config file's table; an unknown key, a wrong type or an out-of-range
    value raises `Invalid` naming the key and the reason (never a silent default)."""
    known = {f.name for f in fields(Settings)} - {"work_periods", "extra", "accounts", "keymap"}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "work_hours":
            if not isinstance(value, list) or not value:
                raise Invalid("error.config_value", key=key, reason="[\"08:30-12:00\", \"14:00-17:30\"]", source=source)
            periods: list[tuple[time, time]] = []
            for item in value:
                try:
                    a, b = str(item).split("-")
                except ValueError:
                    raise Invalid("error.config_value", key=key, reason="HH:MM-HH:MM", source=source) from None
                start, end = _parse_time(key, a), _parse_time(key, b)
                if end <= start or (periods and start < periods[-1][1]):
                    raise Invalid("error.config_value", key=key, reason="HH:MM-HH:MM", source=source)
                periods.append((start, end))
            kwargs["work_periods"] = tuple(periods)
        elif key == "accounts":
            kwargs["accounts"] = parse_accounts(value, source)
        elif key == "keymap":
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                      for k, v in value.items()):
                raise Invalid("error.config_type", key=key, expected='{ "app.help" = "f1" }', source=source)
            kwargs["keymap"] = dict(value)
        elif key in known:
            default = getattr(Settings, key, None)
            expected = type(default) if default is not None else str
            kwargs[key] = _checked(key, value, expected, source)
        else:
            raise Invalid("validation.config_unknown_key", key=key, source=source)
    if "lang" in kwargs:
        from griddesk.store.i18n import LANGS

        if kwargs["lang"] not in LANGS:
            raise Invalid("error.config_value", key="lang", reason="zh | en", source=source)
    if "timezone" in kwargs:
        _check_timezone(kwargs["timezone"], source)
    return Settings(**kwargs)


def load(path: Path | None = None) -> Settings:
    path = path or paths.config_file()
    if not path.exists():
        return Settings()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise Invalid("error.config_broken", path=str(path), reason=str(e)) from None
    return parse(data, str(path))


DB_ENV = "GRIDDESK_DB"


@dataclass(frozen=True)
class DatabaseChoice:
    """The database a command would open, and what chose it (`griddesk info`)."""

    url: str  # normalized, password hidden
    source: str  # "option" (--db), "env" (GRIDDESK_DB), "config" (config.toml) or "default"
    file: Path | None  # the SQLite file, None for PostgreSQL or :memory:


def named_database(explicit: str | None, settings: Settings) -> tuple[str, str | None]:
    """Which database to open and what chose it: --db, then GRIDDESK_DB, then `db` in
    config.toml; `("default", None)` for the default file in the data directory."""
    for source, value in (("option", explicit), ("env", os.environ.get(DB_ENV)), ("config", settings.db)):
        if value:
            return source, value
    return "default", None


def database(explicit: str | None, settings: Settings) -> DatabaseChoice:
    """The database `Store.open` would open, for `griddesk info`. A URL that is not SQLite or
    PostgreSQL raises `StoreError`."""
    from sqlalchemy.engine import make_url

    from griddesk.store.db import default_url, normalize_url, sqlite_path

    source, value = named_database(explicit, settings)
    value = value or default_url()
    url = normalize_url(value)
    return DatabaseChoice(make_url(url).render_as_string(hide_password=True), source, sqlite_path(url))


# --- [accounts] ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSettings:
    """`[accounts]` in config.toml.

    max_failed_logins = 5       # wrong passwords in a row before the account locks
    lockout_minutes = 15        # how long it stays locked
    token_hours = 12            # how long a `griddesk login` lasts
    require_password = false    # true: an OS user / SSH key mapping still asks the password
    os_users = { root = "admin" }               # OS (or SSH) user -> account login
    ssh_keys = { "SHA256:..." = "county01" }    # SSH key fingerprint -> account login
    """

    max_failed_logins: int = 5
    lockout_minutes: int = 15
    token_hours: int = 12
    require_password: bool = False
    os_users: dict[str, str] = field(default_factory=dict)
    ssh_keys: dict[str, str] = field(default_factory=dict)


def parse_accounts(data: Any, source: str) -> AccountSettings:
    if not isinstance(data, dict):
        raise Invalid("error.config_type", key="accounts", expected="table", source=source)
    kwargs: dict[str, Any] = {}
    for f in fields(AccountSettings):
        if f.name not in data:
            continue
        value, key = data[f.name], f"accounts.{f.name}"
        if f.name in ("os_users", "ssh_keys"):
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                      for k, v in value.items()):
                raise Invalid("error.config_type", key=key, expected="{ name = \"login\" }", source=source)
            kwargs[f.name] = dict(value)
        elif f.name == "require_password":
            if not isinstance(value, bool):
                raise Invalid("error.config_type", key=key, expected="bool", source=source)
            kwargs[f.name] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise Invalid("error.config_type", key=key, expected="int >= 1", source=source)
            kwargs[f.name] = value
    unknown = sorted(set(data) - {f.name for f in fields(AccountSettings)})
    if unknown:
        raise Invalid("error.config_value", key=f"accounts.{unknown[0]}",
                      reason=", ".join(f.name for f in fields(AccountSettings)), source=source)
    return AccountSettings(**kwargs)
