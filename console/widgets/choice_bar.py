"""`ChoiceBar`: an inline one-line choice for forms (source, urgency, a role): ←/→ or the digit.

`Choices` is the same bar wrapping between choices, never inside one, for long rows of choices
(roles, reasons) in the roster's forms at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoiceBar(Widget, can_focus=True):
    """One line of choices, the current one highlighted: ←/→ (or space) to change, 1–9 to pick.

    Enter is left to the form (next field), so a form reads the same on every row.
    """

    DEFAULT_CSS = """
    ChoiceBar { height: 1; width: 1fr; background: $boost; padding: 0 1; }
    ChoiceBar:focus { background: $primary 30%; }
    """
    BINDINGS = [
        Binding("left", "step(-1)", "desk.dialog.prev_choice", show=False),
        Binding("right,space", "step(1)", "desk.dialog.next_choice", show=False),
    ]

    value: reactive[str] = reactive("", layout=False)

    class Changed(Message):
        def __init__(self, bar: ChoiceBar, value: str) -> None:
            super().__init__()
            self.bar = bar
            self.value = value

        @property
        def control(self) -> ChoiceBar:
            return self.bar

    def __init__(self, choices: Sequence[tuple[str, str]], value: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices = list(choices)
        self.set_reactive(ChoiceBar.value, value if value is not None else self.choices[0][0])

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """New labels (a language switch); the value stays."""
        self.choices = list(choices)
        self.refresh()

    def render(self) -> Text:
        out = Text()
        for i, (value, label) in enumerate(self.choices, start=1):
            if i > 1:
                out.append("  ")
            if value == self.value:
                out.append(f"[{i} {label}]", style="bold reverse")
            else:
                out.append(f" {i} {label} ", style="dim")
        return out

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        values = [v for v, _ in self.choices]
        at = values.index(self.value) if self.value in values else 0
        self.value = values[(at + delta) % len(values)]

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self.choices):
                event.stop()
                self.value = self.choices[i][0]


class Choices(ChoiceBar):
    """`ChoiceBar` that wraps between choices, never inside one ("[1·网格长]  2·专职 …"), so a
    row of roles or reasons stays readable at 80 columns."""

    def render(self) -> Text:
        out = Text()
        for i, (value, label) in enumerate(self.choices, start=1):
            if i > 1:
                out.append(" ")
            item = f"{i}·{label}".replace(" ", "\u00a0")
            if value == self.value:
                out.append(f"[{item}]", style="bold reverse")
            else:
                out.append(f" {item} ", style="dim")
        return out
