"""One timeline entry shown whole: who, when, what, the status change, the decision and every
line of the reason and note, wrapped by cells. Esc, Enter or q closes it."""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.dialogs import DIALOG_CSS, hint
from griddesk.store.i18n import t


class EntryDialog(ModalScreen[None]):
    DEFAULT_CSS = DIALOG_CSS + """
    EntryDialog #entry-body { height: auto; max-height: 18; }
    EntryDialog #entry-text { height: auto; width: 1fr; }
    """
    SCOPED_CSS = False
    BINDINGS = [
        Binding("escape", "close", "decisions.close"),
        Binding("enter", "close", "decisions.close", show=False),
        Binding("q", "close", "decisions.close", show=False),
    ]

    def __init__(self, title: str, body: RenderableType) -> None:
        super().__init__(classes="desk-modal")
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="gd-dialog-box", id="entry-body") as box:
            box.border_title = self.title_text
            yield Static(self.body, id="entry-text")
            yield Static(hint(("Esc / Enter", t("decisions.close"))), classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        self.query_one("#entry-body").focus()

    def plain_text(self, width: int = 76) -> str:
        """The entry as the operator reads it (tests)."""
        import io

        from rich.console import Console

        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(self.body)
        return console.export_text()

    def action_close(self) -> None:
        self.dismiss(None)
