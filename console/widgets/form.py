"""`RosterForm`: a modal form of text rows (`Field`) and choice rows (`Pick`, a `Choices` bar —
a role, a reason, a grid type), with the store's errors beside the row they name.

`widgets.dialogs.TextForm` has text rows only; the look, the key hints and the other dialogs
come from there. The roster area (grid changes, people, matters, notice cards) builds every
form of its flows from this one; the helpers below turn a store field name into a label or a
widget id and parse the few typed values (counts, dates) the way the store names their errors.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.choice_bar import ChoiceBar, Choices
from griddesk.console.widgets.dialogs import DIALOG_CSS, HINT_KEY, STAY, Field, error_reason, leave
from griddesk.store import validation
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import t

log = logging.getLogger(__name__)

# the form's own look (wide rows of choices at 80 columns); dialogs that share its backdrop
# (`roster-dialog`) load it too. A path, not a name: Textual resolves a relative CSS_PATH
# beside the module of each class that names it.
FORM_CSS = Path(__file__).parent / "form.tcss"


def field_label(name: str) -> str:
    """A store field's name as a form label: "grid name" → "Grid name" (Chinese unchanged)."""
    text = t(f"field.{name}")
    return text[:1].upper() + text[1:]


def wid(name: str) -> str:
    """A store field name ("grid.name") as a widget id part ("grid-name")."""
    return name.replace(".", "-").replace("_", "-")


MAX_COUNT = 100_000_000  # households, population: far above any town, inside a 32-bit column


def parse_int(value: str | None, fld: str, default: int = 0) -> int:
    """A count typed in a form, checked by the one validation layer (in range, not "1e9")."""
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise Invalid("roster.error.not_count", field=fld, value=validation.shown(value)) from None
    return validation.integer(number, fld, low=0, high=MAX_COUNT)


def parse_date(value: str | None, fld: str) -> date | None:
    """A YYYY-MM-DD date typed in a form, between 1950 and 2100 (a year 1 or 9999 is a typo)."""
    return validation.day(value, fld, earliest=EARLIEST_DAY, latest=LATEST_DAY)


EARLIEST_DAY, LATEST_DAY = date(1950, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Pick:
    """A choice row: one of a few stable codes, by ←/→ or its digit."""

    name: str  # the store's field name, as with `Field`
    label: str
    choices: tuple[tuple[str, str], ...]  # (code, label)
    value: str | None = None
    required: bool = True
    notes: dict[str, str] | None = None  # a line under the bar for the chosen code


Row = Field | Pick
Submit = Callable[[dict[str, str | None]], Awaitable[Any]]


class RosterForm(ModalScreen[Any]):
    """Text and choice rows and a submit coroutine.

    The coroutine returns what the form is dismissed with (None → True), `STAY` to stay open
    silently (a declined confirmation), or raises / returns a `StoreError`: shown beside the row
    it names (store field names are row names; `alias` maps others), else under the rows. Esc
    dismisses None.
    """

    DEFAULT_CSS = DIALOG_CSS
    CSS_PATH = FORM_CSS
    BINDINGS = [
        Binding("ctrl+s", "submit", "console_roster.form.submit"),
        Binding("escape", "cancel", "console_roster.form.cancel"),
        Binding("enter", "next", "console_roster.form.next", show=False),
    ]

    def __init__(self, title: str, rows: Sequence[Row], submit: Submit, intro: str = "",
                 alias: dict[str, str] | None = None) -> None:
        super().__init__(classes="gd-dialog roster-dialog roster-form")
        self.title_text = title
        self.rows = list(rows)
        self.submit = submit
        self.intro = intro
        self.alias = alias or {}
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="gd-dialog-box") as box:
            box.border_title = self.title_text
            if self.intro:
                yield Static(self.intro, classes="gd-dialog-intro", markup=False)
            for row in self.rows:
                with Horizontal(classes="gd-row"):
                    label = Label(row.label + ("*" if row.required else ""), classes="gd-label")
                    if row.required:
                        label.add_class("-required")
                    yield label
                    if isinstance(row, Pick):
                        yield Choices(row.choices, row.value, id=f"f-{wid(row.name)}")
                    else:
                        yield Input(value=row.value, placeholder=row.placeholder, id=f"f-{wid(row.name)}")
                    yield Static("", id=f"e-{wid(row.name)}", classes="gd-field-error")
                if isinstance(row, Pick) and row.notes:
                    yield Static(row.notes.get(row.value or "", ""), id=f"n-{wid(row.name)}",
                                 classes="roster-choice-note", markup=False)
            yield Static("", id="form-error", classes="gd-dialog-error")
            yield Static(t(HINT_KEY), classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        if self.rows:
            self.widget(self.rows[0].name).focus()

    def widget(self, name: str) -> Input | ChoiceBar:
        w = self.query_one(f"#f-{wid(name)}")
        if not isinstance(w, Input | ChoiceBar):  # never: compose makes every row one of these
            raise TypeError(f"row {name!r} is a {type(w).__name__}")
        return w

    def error_of(self, name: str) -> str:
        """The error beside a row ("" when none): for tests."""
        return str(self.query_one(f"#e-{wid(name)}", Static).render())

    @property
    def form_error(self) -> str:
        return str(self.query_one("#form-error", Static).render())

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for row in self.rows:
            w = self.widget(row.name)
            out[row.name] = w.value if isinstance(w, ChoiceBar) else (w.value.strip() or None)
        return out

    def show_error(self, e: StoreError | None) -> None:
        for row in self.rows:
            self.query_one(f"#e-{wid(row.name)}", Static).update("")
        self.query_one("#form-error", Static).update("")
        if e is None:
            return
        name = self.alias.get(e.field or "", e.field)
        if name in {r.name for r in self.rows}:
            self.query_one(f"#e-{wid(name)}", Static).update(Text(error_reason(e)))
            self.widget(name).focus()
        else:
            self.query_one("#form-error", Static).update(Text(e.message()))

    @on(ChoiceBar.Changed)
    def _chosen(self, event: ChoiceBar.Changed) -> None:
        row = next((r for r in self.rows if event.bar.id == f"f-{wid(r.name)}"), None)
        if isinstance(row, Pick) and row.notes:
            self.query_one(f"#n-{wid(row.name)}", Static).update(row.notes.get(event.value, ""))

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        names = [wid(r.name) for r in self.rows]
        focused = self.focused.id[2:] if self.focused is not None and self.focused.id else None
        at = names.index(focused) if focused in names else len(names) - 1
        if at + 1 < len(names):
            self.widget(self.rows[at + 1].name).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        if not self.busy:
            self.busy = True
            self.run_worker(self._submit(), group="roster-form", exit_on_error=False)

    async def _submit(self) -> None:
        try:
            result = await self.submit(self.values())
        except StoreError as e:
            result = e
        except Exception as e:  # a bug or a lost database: say so, keep what was typed
            log.exception("roster form submit failed")
            self.query_one("#form-error", Static).update(Text(short(e)))
            return
        finally:
            self.busy = False
        if result is STAY:
            return
        if isinstance(result, StoreError):
            self.show_error(result)
            return
        self.dismiss(True if result is None else result)

    def action_cancel(self) -> None:
        typed = any(isinstance(w := self.widget(r.name), Input)
                    and (w.value or "").strip() != (getattr(r, "value", "") or "").strip() for r in self.rows)
        leave(self, typed, lambda: self.dismiss(None))
