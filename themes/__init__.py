"""Theme files: plain TOML data, one theme per file, loaded by the console at start.

A theme file holds the fields of Textual's `Theme` (name, primary, secondary, accent,
foreground, background, surface, panel, warning, error, success, dark) and a `[variables]` table.
GridDesk's own variables (`gd-status-*`, `gd-urgency-*`, `gd-overdue`, `gd-due-soon`) colour the
queue's status and urgency symbols; a theme may leave them out and the console falls back to the
theme's warning / error / success / primary colours.

This package holds data only: it does not import Textual, so the store, the CLI or a test can
read themes without a UI. `console.theming` turns each dict into a `textual.theme.Theme`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DIR = Path(__file__).parent
DEFAULT = "griddesk"


def load_themes(directory: Path | None = None, only: Path | None = None) -> list[dict[str, Any]]:
    """Every `*.toml` theme in `directory` (this package by default), the default theme first.

    A file without a `name` takes its file name. A broken file raises `ValueError` naming it,
    because a silently missing theme would leave the console unreadable on some terminals.
    `only`: just that one file (the console reads the user's folder file by file).
    """
    found: list[dict[str, Any]] = []
    for path in [only] if only is not None else sorted((directory or DIR).glob("*.toml")):
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"theme file {path}: {e}") from None
        data.setdefault("name", path.stem)
        if "primary" not in data:
            raise ValueError(f"theme file {path}: 'primary' is required")
        data["variables"] = {str(k): str(v) for k, v in data.get("variables", {}).items()}
        found.append(data)
    found.sort(key=lambda d: d["name"] != DEFAULT)
    return found
