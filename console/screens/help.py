"""`?`: every key of the screen you came from, the global keys and the `:` commands.

Generated from the live bindings (the focused widget, its screen, the app) and the screen
registry, never from a hand-kept list, so a key added anywhere shows up here by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from griddesk.console.screens.base import ScreenEntry
from griddesk.console.widgets import describe, localize_bindings
from griddesk.store.i18n import t

# modifier keys a terminal never passes to the program (the Cmd/Windows key)
NO_TERMINAL_SENDS = ("super+", "meta+", "hyper+")


def key_rows(app: App[Any], chain: Sequence[tuple[DOMNode, BindingsMap]],
             include_app: bool) -> list[tuple[str, str]]:
    """(key, what it does) for each binding in a binding chain: the screen's own keys first,
    then the focused widget's (moving around); a key bound twice shows what it does, i.e. the
    innermost binding."""
    winner: dict[str, object] = {}
    for node, bindings in chain:  # innermost (focused widget) first
        for key, _ in bindings:
            winner.setdefault(key, node)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node, bindings in reversed(chain):
        if (node is app) != include_app:
            continue
        # the keys the footer shows first, then the rest (tab, copy, …) in their order
        for key, binding in sorted(bindings, key=lambda kb: not kb[1].show):
            if binding.system or key in seen or winner.get(key) is not node or not usable(node, binding):
                continue
            if key.startswith(NO_TERMINAL_SENDS):  # Textual's copy on super+c: no terminal sends it
                continue
            seen.add(key)
            out.append((app.get_key_display(binding), describe(binding)))
    return out


def usable(node: DOMNode, binding: Binding) -> bool:
    """Whether this account may use the key here: the same `check_action` that lets the key run
    (the ticket actions ask `workflow.permit`, `n` asks whether this role may register). The
    fallback keys that only say why a key does not apply are never listed."""
    _ns, name, params = parse_action(binding.action)
    if name == "not_here":
        return False
    try:
        return node.check_action(name, params) is not False
    except Exception:  # a screen not ready to answer: list the key rather than hide it
        return True


def command_rows(entries: Iterable[ScreenEntry]) -> list[tuple[str, str]]:
    rows = []
    for e in entries:
        name = f":{e.name}" + (f" <{t(e.arg)}>" if e.arg else "")
        rows.append((name, t(e.title_key)))
    rows += [(":lang zh|en", t("console.cmd.lang")), (":theme <name>", t("console.cmd.theme")),
             (":bell on|off", t("console_supervise.cmd.bell")),
             (":hotline on|off", t("desk.hotline.cmd")), (":q", t("console.cmd.quit"))]
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "../styles/help.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "help"
    BINDINGS = [
        Binding("escape", "dismiss_help", "console.key.close"),
        Binding("question_mark", "dismiss_help", "console.key.close", show=False),
        Binding("q", "dismiss_help", "console.key.close", show=False),
    ]

    def __init__(self, entries: Iterable[ScreenEntry], under: Screen[Any] | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.entries = list(entries)  # the registry's screens (given: the registry imports this module)
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", can_focus=True):
            yield Static(id="help-text")

    def on_mount(self) -> None:
        localize_bindings(self)
        if self.under is None:
            stack = self.app.screen_stack
            self.under = stack[-2] if len(stack) >= 2 else None
        self.query_one("#help-box").border_title = t("console.help.title")
        self.query_one("#help-text", Static).update(self.render_help())
        self.query_one("#help-box").focus()

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        app = self.app
        under = self.under
        chain = under._binding_chain if under is not None else [(app, app._bindings)]
        title = t(getattr(under, "TITLE_KEY", "console.app_title"))
        return [
            (t("console.help.screen_keys", screen=title), key_rows(app, chain, include_app=False)),
            (t("console.help.global_keys"), key_rows(app, chain, include_app=True)),
            (t("console.help.commands"), command_rows(self.entries)),
        ]

    def render_help(self) -> Group:
        parts: list[RenderableType] = []
        accent = self.app.current_theme.accent or ""
        for title, rows in self.sections():
            parts.append(Text(title, style=f"bold {accent}".strip()))
            table = Table.grid(padding=(0, 3))
            table.add_column(style="bold", no_wrap=True)
            table.add_column()
            for key, what in rows:
                table.add_row(key, what)
            parts += [table, Text("")]
        return Group(*parts)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
