"""`griddesk info [--format text|json]`: where GridDesk keeps its files and what it would use —
the config file, the data directory, the database (as --db, GRIDDESK_DB and config.toml choose
it; the password hidden), the log file, the theme folders and the years the holiday calendars
know. Nothing is opened or written but the folders themselves (as any command makes them).

The JSON keys are a stable interface: `version`, `config_file`, `config_exists`, `data_dir`,
`database` (`url`, `source`: option|env|config|default, `file`, `exists`), `demo_db`, `log_file`,
`log_level`, `themes_dirs`, `calendar` (`library`, `library_version`, `library_years`, `file`,
`file_years`).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from griddesk import themes
from griddesk.console import logs
from griddesk.console.cli.tickets import global_options, stdout
from griddesk.console.theming import user_dir as user_themes_dir
from griddesk.store import config, paths
from griddesk.store.calendar import WorkCalendar
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t

FORMATS = ("text", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help=t("cli.info.help"), description=t("cli.info.description"))
    p.add_argument("--format", choices=FORMATS, default="text", help=t("cli.info.opt_format"))
    global_options(p)
    p.set_defaults(handler=run_info)


def library_years() -> list[int]:
    """The years chinesecalendar has the State Council's holiday schedule for."""
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays})


def spans(years: list[int]) -> str:
    """[2004, 2005, 2006, 2009] → "2004–2006, 2009"."""
    out: list[str] = []
    i = 0
    while i < len(years):
        j = i
        while j + 1 < len(years) and years[j + 1] == years[j] + 1:
            j += 1
        out.append(str(years[i]) if i == j else f"{years[i]}–{years[j]}")
        i = j + 1
    return ", ".join(out)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect(ctx: Any) -> dict[str, Any]:
    """Everything `info` shows, as the JSON it prints. `StoreError` for a bad database URL or a
    broken calendar file."""
    settings: config.Settings = ctx.settings
    db = config.database(ctx.args.db, settings)
    cal_file = settings.calendar_file
    file_years = sorted(WorkCalendar.from_settings(settings).file_years) if cal_file else []
    conf = paths.config_file()
    log = logs.log_file() or paths.log_file()
    return {
        "version": _version("griddesk"),
        "config_file": str(conf),
        "config_exists": conf.exists(),
        "data_dir": str(paths.data_dir()),
        "database": {"url": db.url, "source": db.source, "file": str(db.file) if db.file else None,
                     "exists": db.file.exists() if db.file else None},
        "demo_db": str(paths.demo_db()),
        "log_file": str(log),
        "log_level": logs.level_name(),
        "themes_dirs": [str(themes.DIR), str(user_themes_dir())],  # the package's, then the user's own
        "calendar": {"library": "chinesecalendar", "library_version": _version("chinesecalendar"),
                     "library_years": library_years(), "file": cal_file, "file_years": file_years},
    }


def _exists(flag: bool) -> str:
    return t("cli.info.exists") if flag else t("cli.info.missing")


def lines(info: dict[str, Any]) -> list[tuple[str, str]]:
    db = info["database"]
    db_text = db["file"] or db["url"]
    db_text += "  " + t("cli.info.source", source=t(f"cli.info.source_{db['source']}"))
    if db["exists"] is not None:
        db_text += "  " + _exists(db["exists"])
    cal = info["calendar"]
    cal_text = t("cli.info.calendar_library", years=spans(cal["library_years"]),
                 version=cal["library_version"] or "?")
    rows = [
        (t("cli.info.version"), info["version"] or t("cli.version_unknown")),
        (t("cli.info.config_file"), f"{info['config_file']}  {_exists(info['config_exists'])}"),
        (t("cli.info.data_dir"), info["data_dir"]),
        (t("cli.info.database"), db_text),
        (t("cli.info.demo_db"), f"{info['demo_db']}  {_exists(Path(info['demo_db']).exists())}"),
        (t("cli.info.log_file"), f"{info['log_file']}  {t('cli.info.log_level', level=info['log_level'])}"),
        (t("cli.info.themes_dirs"), "\n".join(info["themes_dirs"])),
        (t("cli.info.calendar"), cal_text),
    ]
    if cal["file"]:
        rows.append(("", t("cli.info.calendar_file", file=cal["file"], years=spans(cal["file_years"]) or "—")))
    return rows


async def run_info(ctx: Any, args: argparse.Namespace) -> int:
    try:
        info = collect(ctx)
    except StoreError as e:  # a --db that is no database URL, a broken calendar file: bad input
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    with stdout() as out:
        if args.format == "json":
            out.write(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
            return 0
        rows = lines(info)
        width = max(cell_len(k) for k, _ in rows)
        for key, value in rows:
            for i, part in enumerate(value.split("\n")):
                label = key if i == 0 else ""
                out.write(f"{label}{' ' * (width - cell_len(label))}  {part}\n")
    return 0
