"""Command palette (ctrl+p) providers: every screen and every action, in the current language.

- `ScreenCommands` is built from the screen registry (`console.screens.SCREENS`): one entry per
  screen; a screen that needs an argument (a ticket) is offered for what you type ("0007",
  "ticket 20260301-0007") and for the tickets on the queue page that match it.
- `ActionCommands` is built from the live key bindings of the screen the palette was opened
  on (its focused widget, the screen, the app), plus the languages and themes: so anything a
  key does, the palette does too, and a new binding needs no palette code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from griddesk.console import screens
from griddesk.console.widgets import describe
from griddesk.store.i18n import LANGS, t

if TYPE_CHECKING:
    from griddesk.console.app import GridDeskApp

HAS_DIGIT = re.compile(r"\d")


class ScreenCommands(Provider):
    @property
    def gd(self) -> GridDeskApp:
        return self.app  # type: ignore[return-value]  # the app is a GridDeskApp; Textual types .app as App[object]

    def _plain(self) -> list[tuple[list[str], str, Callable[[], object], str | None]]:
        out: list[tuple[list[str], str, Callable[[], object], str | None]] = []
        for e in screens.entries():
            if e.arg or not e.offered_to(self.gd.actor):
                continue
            title = t("console.palette.go", screen=t(e.title_key))
            names = [title, t(e.title_key), e.name, f":{e.name}", *e.aliases]
            out.append((names, title, partial(self.gd.open_screen, e.name), t(e.help_key) if e.help_key else None))
        return out

    async def discover(self) -> Hits:
        for _names, title, callback, help_text in self._plain():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for names, title, callback, help_text in self._plain():
            score = max(matcher.match(n) for n in names)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
        token = next((w for w in reversed(query.split()) if HAS_DIGIT.search(w)), None)
        for e in screens.entries():
            if not e.arg:
                continue
            if token is None:
                # "ticket" / "工单" alone: say what to type
                score = max(matcher.match(n) for n in (t(e.title_key), e.name, *e.aliases))
                if score > 0:
                    hint = t("console.palette.needs_arg", screen=t(e.title_key), arg=t(e.arg))
                    yield Hit(score * 0.5, hint, partial(self.gd.open_command_line, f"{e.name} "), text=hint)
                continue
            shown = 0
            for number in self.gd.matching_numbers(token, limit=8):
                title = t("console.palette.open", screen=t(e.title_key), arg=number)
                yield Hit(0.9 - shown * 0.01, title, partial(self.gd.open_screen, e.name, number), text=title)
                shown += 1
            if not shown:
                title = t("console.palette.open", screen=t(e.title_key), arg=token)
                yield Hit(0.8, title, partial(self.gd.open_screen, e.name, token), text=title)


class ActionCommands(Provider):
    @property
    def gd(self) -> GridDeskApp:
        return self.app  # type: ignore[return-value]  # the app is a GridDeskApp; Textual types .app as App[object]

    def _commands(self) -> list[tuple[str, Callable[[], object], str | None]]:
        app = self.gd
        out: list[tuple[str, Callable[[], object], str | None]] = []
        seen: set[str] = set()
        for node, bindings in self.screen._binding_chain:
            for _key, binding in bindings:
                if binding.system or not binding.description or binding.action in seen:
                    continue
                if binding.action in ("command_palette", "app.command_palette"):
                    continue
                if binding.action.startswith(("cursor_", "scroll_", "page_", "select_cursor", "focus_")):
                    continue  # moving around is what the keys are for
                if node.check_action(binding.action, ()) is False:
                    continue  # not allowed now (e.g. a workflow step this account may not take)
                seen.add(binding.action)
                out.append((describe(binding), partial(app.run_action, binding.action, node),
                            app.get_key_display(binding)))
        for lang in LANGS:
            out.append((t("console.palette.language", name=t(f"console.lang.{lang}")),
                        partial(app.set_language, lang), f":lang {lang}"))
        for name in sorted(app.available_themes):
            if name.startswith("griddesk") or name in ("textual-dark", "textual-light"):
                out.append((t("console.palette.theme", name=name), partial(setattr, app, "theme", name),
                            f":theme {name}"))
        out.append((t("console.key.command"), app.open_command_line, ":"))
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = max(matcher.match(title), matcher.match(help_text or "") * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
