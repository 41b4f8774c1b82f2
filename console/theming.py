"""The theme files (`griddesk.themes`, plain TOML data) as Textual themes, for both apps.

`GridDeskApp` and the wall's `WallApp` register the same themes, so the wall has the console's
look; neither imports the other for it.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from griddesk import themes
from griddesk.store import paths

if TYPE_CHECKING:  # `griddesk info` reads user_dir without loading Textual
    from textual.app import App
    from textual.theme import Theme

log = logging.getLogger(__name__)


def make_theme(data: dict[str, Any]) -> Theme:
    from textual.theme import Theme

    return Theme(**{k: v for k, v in data.items() if k in {f.name for f in fields(Theme)}})


def user_dir() -> Path:
    """The operator's own themes: `<config dir>/themes/*.toml` (same format as griddesk/themes)."""
    return paths.config_dir() / "themes"


def install_themes(app: App[Any], chosen: str | None = None) -> None:
    """Register every theme file (the package's, then the user's own, which may replace one of
    the same name) with `app` and switch to `chosen` if it exists, else the default one.
    A broken user theme is logged and skipped: the console still opens."""
    for data in themes.load_themes():
        app.register_theme(make_theme(data))
    folder = user_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                for data in themes.load_themes(folder, only=path):
                    app.register_theme(make_theme(data))
            except (ValueError, TypeError) as e:
                log.warning("user theme skipped: %s", e)
    app.theme = chosen if chosen and chosen in app.available_themes else themes.DEFAULT
