"""Textual's own words in the console's language: the command palette's "No matches found", the
"Do you want to quit?" notice after ctrl+c, and key names as the footer, help and palette show
them ("super+c", "enter"). Keys are in store/locales/*/textual.toml."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.keys import format_key
from textual.widgets.option_list import Option

from griddesk.store.i18n import has, t


class Palette(CommandPalette):
    """The command palette with its placeholder and "no matches" line from the catalogue.

    Textual writes "No matches found" inline in `_start_no_matches_countdown` (8.x); this is
    that method with the text translated."""

    def __init__(self, **kw: object) -> None:
        super().__init__(placeholder=t("console.palette.placeholder"), **kw)  # type: ignore[arg-type]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def _show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(t("textual.no_matches"), style="not bold")), disabled=True,
                    id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, _show_no_matches)


def key_display(binding: Binding) -> str:
    """A bound key as the operator reads it: ctrl as ^, other modifiers and named keys from the
    catalogue (回车, 空格, 徽标键+c), anything else as Textual formats it."""
    if binding.key_display:
        return binding.key_display
    modifiers, key = binding.parse_key()
    name = t(f"textual.key.{key}") if has(f"textual.key.{key}") else format_key(key)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        name = f"^{name}"
    words = [t(f"textual.mod.{m}") if has(f"textual.mod.{m}") else m for m in modifiers]
    return "+".join([*words, name])


def quit_hint(key: str) -> tuple[str, str]:
    """(message, title) of the notice when ctrl+c no longer quits."""
    return t("textual.quit_hint", key=key), t("textual.quit_title")
