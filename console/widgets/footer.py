"""The key line at the bottom, measured in terminal cells.

Textual's Footer lays keys out in a grid that scrolls sideways; at 80 columns in Chinese its
right-docked palette key was drawn over the others, splitting wide characters ("命令  板") and
hiding `? 帮助` and the last keys. This footer writes one line: `?` help first (so the way to
every other key is always in sight), then the screen's keys in their order (a key group such as
`1`–`5` `0` as one item), then the app's; it stops before the first item that would not fit
whole and ends with `…` when it did. `?` lists them all.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

from griddesk.console.widgets import describe

HELP_KEY = "question_mark"
MORE = "…"
GAP = "  "


class KeyFooter(Widget):
    DEFAULT_CSS = """
    KeyFooter { dock: bottom; height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen: Screen[Any]) -> None:
        self.refresh()

    def items(self) -> list[tuple[str, str, bool]]:
        """(keys as shown, what they do, enabled) in footer order."""
        app = self.app
        active = list(self.screen.active_bindings.values())
        shown = [(node is app, b, enabled) for node, b, enabled, _ in active if b.show]
        helps = [x for x in shown if x[1].key == HELP_KEY]
        rest = [x for x in shown if x[1].key != HELP_KEY]
        rest.sort(key=lambda x: x[0])  # the screen's (and focused widget's) keys before the app's
        out: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for _, b, enabled in helps:
            out.append((app.get_key_display(b), describe(b), enabled))
        for group, members in groupby(rest, key=lambda x: x[1].group):
            bs = [(b, enabled) for _, b, enabled in members if b.action not in seen]
            seen.update(b.action for b, _ in bs)
            if not bs:
                continue
            if group is not None and len(bs) > 1:
                keys = "".join(app.get_key_display(b) for b, _ in bs)
                out.append((keys, str(group.description), any(e for _, e in bs)))
            else:
                out += [(app.get_key_display(b), describe(b), e) for b, e in bs]
        return out

    def render(self) -> Text:
        width = max(self.size.width - 2, 0)  # the padding
        line = Text(no_wrap=True, overflow="crop")
        used = 0
        items = self.items()
        for i, (keys, what, enabled) in enumerate(items):
            piece = f"{keys} {what}"
            need = cell_len(piece) + (cell_len(GAP) if used else 0)
            room = width - used - (cell_len(GAP + MORE) if i < len(items) - 1 else 0)
            if need > room:
                line.append((GAP if used else "") + MORE, style="dim")
                break
            if used:
                line.append(GAP)
            line.append(keys, style="bold reverse" if enabled else "dim reverse")
            line.append(f" {what}", style="" if enabled else "dim")
            used += need
        return line
