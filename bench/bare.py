"""The bare Textual app the start-up, screen and idle benchmarks measure against: a header, a
one-row DataTable and a footer — the least a console shows. Made inside a function so that
importing this module imports no Textual (the start-up probe times Textual's import too);
each benchmark subclasses it for what it adds (a key that pushes a screen, a clock)."""

from __future__ import annotations

from typing import Any


def bare_app() -> Any:
    from textual.app import App, ComposeResult
    from textual.widget import Widget
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield from self.more()
            yield DataTable()
            yield Footer()

        def more(self) -> tuple[Widget, ...]:
            return ()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("a", "b", "c")
            table.add_row("1", "2", "3")

    return Bare
