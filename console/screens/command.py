"""`:` the k9s-style command line: `:queue`, `:ticket NUMBER`, `:lang en`, `:theme NAME`, `:q`.

Commands come from the same screen registry as the palette (`console.screens.SCREENS`, handed in by
the app), plus
the app's own (`lang`, `theme`, `quit`). A command that does not parse keeps the line open with
the reason beside it; a good one closes the line and the app runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from griddesk.console.screens.base import ScreenEntry
from griddesk.console.widgets import localize_bindings
from griddesk.store.i18n import LANGS, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

APP_COMMANDS = ("lang", "theme", "quit", "q")


def command_words(entries: Iterable[ScreenEntry], themes: list[str]) -> list[str]:
    words = []
    for e in entries:
        words.append(e.name + (" " if e.arg else ""))
    words += [f"lang {lang}" for lang in LANGS]
    words += [f"theme {name}" for name in themes]
    words += ["bell on", "bell off", "quit"]
    return words


class CommandLine(ModalScreen[str | None]):
    CSS_PATH = "../styles/command.tcss"  # parsed when first shown, not before the queue's first paint
    BINDINGS = [Binding("escape", "cancel", "console.key.close")]

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

    def __init__(self, entries: Iterable[ScreenEntry]) -> None:
        super().__init__()
        self.entries = list(entries)  # the registry's screens, for completion

    def compose(self) -> ComposeResult:
        with Vertical(id="cmd-box"):
            yield Static(id="cmd-error")
            with Horizontal(id="cmd-line"):
                yield Label(":", id="cmd-prompt")
                themes = sorted(self.app.available_themes)
                yield Input(id="cmd-input", placeholder=t("console.cmd.placeholder"),
                            suggester=SuggestFromList(command_words(self.entries, themes), case_sensitive=False))

    def on_mount(self) -> None:
        localize_bindings(self)
        self.query_one("#cmd-error", Static).display = False
        self.query_one("#cmd-input", Input).focus()

    @on(Input.Submitted, "#cmd-input")
    def _run(self, event: Input.Submitted) -> None:
        text = event.value.strip().lstrip(":").strip()
        if not text:
            self.dismiss(None)
            return
        problem = self.gd.check_command(text)
        if problem:
            err = self.query_one("#cmd-error", Static)
            err.update(problem)
            err.display = True
            return
        self.dismiss(text)

    @on(Input.Changed, "#cmd-input")
    def _typing(self, event: Input.Changed) -> None:
        self.query_one("#cmd-error", Static).display = False

    def action_cancel(self) -> None:
        self.dismiss(None)
