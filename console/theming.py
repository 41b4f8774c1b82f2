"""The theme files (`griddesk.themes`, plain TOML data) as Textual themes, for both apps.

`GridDeskApp` and the wall's `WallApp` register the same themes, so the wall has the console's
look; neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from textual.app import App
from textual.theme import Theme

from griddesk import themes

THEME_FIELDS = {f.name for f in fields(Theme)}


def make_theme(data: dict[str, Any]) -> Theme:
    return Theme(**{k: v for k, v in data.items() if k in THEME_FIELDS})


def install_themes(app: App[Any]) -> None:
    """Register every theme file with `app` and switch to the default one."""
    for data in themes.load_themes():
        app.register_theme(make_theme(data))
    app.theme = themes.DEFAULT
