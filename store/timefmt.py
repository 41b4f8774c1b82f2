"""Times and durations as an operator reads them, in the console's language (arrow humanizes).

Time left is shown at a coarse grain on purpose ("3小时后超期", "已超期 2 天"): the text only
changes once a minute at most, so the console repaints a cell only when its words change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from griddesk.store.i18n import code_name, current, t

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

# the frames arrow's humanize takes as granularity (its own alias, arrow.arrow._GRANULARITY, is private)
Grain = Literal["auto", "second", "minute", "hour", "day", "week", "month", "quarter", "year"]


def _grain(seconds: float) -> list[Grain]:
    s = abs(seconds)
    if s >= 2 * 86400:
        return ["day"]
    if s >= 3600 * 3:
        return ["hour"]
    if s >= 3600:
        return ["hour", "minute"]
    return ["minute"]


def span(seconds: float, lang: str | None = None) -> str:
    """A duration like "2天" / "3小时 20分钟" / "2 days" (no direction)."""
    import arrow  # with dateutil ~0.1 s: loaded by the first duration shown, not by every command

    lang = lang or current()
    base = arrow.get(0)
    s = abs(seconds)
    if s < 60:
        return t("time.under_minute", lang)
    # arrow's humanize gives "3小时后"/"in 3 hours"; strip the direction words
    text = base.shift(seconds=s).humanize(base, locale="zh" if lang == "zh" else "en",
                                          granularity=_grain(s))
    return text.removesuffix("后").removeprefix("in ").strip()


def time_left(due: datetime | None, now: datetime, lang: str | None = None) -> str:
    if due is None:
        return "—"
    secs = (due - now).total_seconds()
    if secs >= 0:
        return t("time.due_in", lang, span=span(secs, lang))
    return t("time.overdue_by", lang, span=span(secs, lang))


def local(at: datetime | None, tz: ZoneInfo = DEFAULT_TZ, fmt: str = "%m-%d %H:%M") -> str:
    return at.astimezone(tz).strftime(fmt) if at else ""


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def limit(value: int, unit: str, lang: str | None = None) -> str:
    """A time limit as words ("4 working hours", "4 工作小时"): the one place the number and the
    unit are put together, so no screen runs them into one word."""
    one = code_name("limit_unit.one", unit, lang) if value == 1 else unit
    named = one if one != unit else code_name("limit_unit", unit, lang)  # English says "1 working day"
    return t("time.limit", lang, value=value, unit=named)
