"""Reusable modal dialogs and the inline choice bar, all driven by the keyboard.

- `TextForm`: one or more text fields (a reason, a result, a new deadline). Enter moves to the
  next field and submits on the last one; ctrl+s submits from anywhere; esc cancels. The form
  hands its values to a `submit` coroutine: an `Invalid` naming one of its fields comes back
  beside that field and the form stays open (so a reason the store requires cannot be left
  empty); any other outcome closes it.
- `ConfirmDialog`: y confirms, n or esc cancels. Enter does nothing, so a stray Enter never
  closes a case.
- `ChoiceDialog`: a short list (pass / fail, satisfaction): arrows and Enter, or the digit.
(`ChoiceBar`, the inline choice row, is in `widgets.choice_bar`; `RosterForm`, a form of text and
choice rows, in `widgets.form`.)

Dialogs that wait for an answer are opened with `await ask(app, dialog)` (that is,
`app.push_screen(d, wait_for_dismiss=True)`) from a worker, so a flow (choose → reason → confirm
→ write) reads top to bottom.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console.widgets import localize_bindings
from griddesk.store import phrases
from griddesk.store.errors import StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

# Dialog screens set SCOPED_CSS = False: a screen's scoped rules would only reach its children,
# and the centring is the screen's own. (Not `.gd-dialog`: overdue.tcss styles that as a box.)
DIALOG_CSS = """
.desk-modal {
    align: center middle;
    background: $background 60%;
}
.gd-dialog-box {
    width: 80%;
    max-width: 96;
    height: auto;
    max-height: 90%;
    border: round $accent;
    border-title-color: $accent;
    border-title-style: bold;
    background: $surface;
    padding: 0 1;
}
.gd-dialog-intro {
    height: auto;
    margin: 0 0 1 0;
}
.gd-dialog-hint {
    height: auto;
    color: $text-muted;
    margin: 1 0 0 0;
}
.gd-dialog-error {
    height: auto;
    color: $error;
    text-style: bold;
}
.gd-row {
    height: auto;
    min-height: 1;
}
.gd-label {
    width: 14;
    height: 1;
    color: $text-muted;
}
.gd-label.-required {
    color: $foreground;
}
.gd-row Input {
    border: none;
    height: 1;
    padding: 0 1;
    width: 1fr;
    background: $boost;
}
.gd-row Input:focus {
    background: $primary 30%;
}
.gd-field-error {
    width: auto;
    max-width: 45%;
    height: auto;
    padding: 0 0 0 1;
    color: $error;
    text-style: bold;
}
"""


def hint(*pairs: tuple[str, str]) -> str:
    """A key-hint line: ("ctrl+s", "提交"), ("esc", "取消") → "ctrl+s 提交 · esc 取消"."""
    return "  ·  ".join(f"{k} {what}" for k, what in pairs)


def error_reason(e: StoreError) -> str:
    """What goes beside a field: the reason alone (the field's name is right there)."""
    return t(e.key, **e.params)


# --- text form ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str  # the store's name for it (reason, note, until): errors come back by this name
    label: str  # already translated
    required: bool = True  # marks the label; the store's rule decides what is refused
    placeholder: str = ""
    value: str = ""


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# What a dialog's submit coroutine may answer besides None (done: close) and a StoreError (show
# it in the dialog and stay open):
CLOSE = _Sentinel("CLOSE")  # close the dialog; the caller has already said why
STAY = _Sentinel("STAY")  # stay open and say nothing (the operator declined a confirmation)

Submit = Callable[[dict[str, str | None]], Awaitable["StoreError | _Sentinel | None"]]


HINT_KEY = "desk.dialog.hint"  # one wording of the dialog rule for every dialog and form


def leave(screen: ModalScreen[Any], typed: bool, close: Callable[[], object]) -> None:
    """Esc on a dialog: close at once when nothing was typed, else ask first (typed text is
    never dropped by a stray key)."""
    if not typed:
        close()
        return

    def answered(yes: bool | None) -> None:
        if yes:
            close()

    screen.app.push_screen(ConfirmDialog(t("desk.dialog.cancel"), t("desk.dialog.discard")), answered)


class TextForm(ModalScreen[bool]):
    """Text fields and a submit coroutine; dismissed True when the submit succeeded."""

    DEFAULT_CSS = DIALOG_CSS
    SCOPED_CSS = False
    BINDINGS = [
        Binding("ctrl+s", "submit", "desk.dialog.submit"),
        Binding("escape", "cancel", "desk.dialog.cancel"),
        Binding("ctrl+o", "phrase", "desk.phrase.key", show=False, id="form.phrase"),
    ]
    matter: str | None = None  # the ticket's matter code, for its own 常用语 (store.phrases)

    def __init__(self, title: str, fields: Sequence[Field], submit: Submit, intro: str = "") -> None:
        super().__init__(classes="desk-modal")
        self.title_text = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box") as box:
            box.border_title = self.title_text
            if self.intro:
                yield Static(self.intro, classes="gd-dialog-intro")
            for f in self.fields:
                with Horizontal(classes="gd-row"):
                    label = Label(f.label + ("*" if f.required else ""), classes="gd-label")
                    if f.required:
                        label.add_class("-required")
                    yield label
                    yield Input(value=f.value, placeholder=f.placeholder, id=f"f-{f.name}")
                    yield Static("", id=f"e-{f.name}", classes="gd-field-error")
            yield Static("", id="form-error", classes="gd-dialog-error")
            yield Static(t(HINT_KEY), classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        if self.fields:
            self.query_one(f"#f-{self.fields[0].name}", Input).focus()

    def input(self, name: str) -> Input:
        return self.query_one(f"#f-{name}", Input)

    def error_of(self, name: str) -> str:
        """The error shown beside a field ("" when none): for tests and screen readers."""
        return str(self.query_one(f"#e-{name}", Static).render())

    def values(self) -> dict[str, str | None]:
        return {f.name: (self.input(f.name).value.strip() or None) for f in self.fields}

    def show_error(self, e: StoreError | None) -> None:
        for f in self.fields:
            self.query_one(f"#e-{f.name}", Static).update("")
        self.query_one("#form-error", Static).update("")
        if e is None:
            return
        if e.field in {f.name for f in self.fields}:
            self.query_one(f"#e-{e.field}", Static).update(Text(error_reason(e)))
            self.input(e.field).focus()
        else:
            self.query_one("#form-error", Static).update(Text(e.message()))

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f.name for f in self.fields]
        at = names.index(event.input.id[2:]) if event.input.id else len(names) - 1
        if at + 1 < len(names):
            self.input(names[at + 1]).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        if not self.busy:
            self.busy = True
            self.run_worker(self._submit(), group="form-submit", exit_on_error=False)

    async def _submit(self) -> None:
        try:
            problem = await self.submit(self.values())
        except Exception as e:  # a bug or a lost database: say so, keep what was typed
            log.exception("form submit failed")
            self.query_one("#form-error", Static).update(Text(short(e)))
            return
        finally:
            self.busy = False
        if problem is STAY:
            return
        if isinstance(problem, StoreError):
            self.show_error(problem)
            return
        self.dismiss(problem is None)

    def action_phrase(self) -> None:
        """常用语 into a reason or note field: pick one, inserted at the cursor."""
        box = self.focused
        name = box.id[2:] if isinstance(box, Input) and box.id else ""
        kind = next((k for k in phrases.KINDS if k in name), None)
        if not isinstance(box, Input) or kind is None:
            self.app.notify(t("desk.phrase.where_form"), severity="warning", timeout=5)
            return
        found = phrases.for_matter(self.matter, kind)

        async def pick() -> None:
            chosen = await self.app.push_screen(ChoiceDialog(t("desk.phrase.title"), [(p, p) for p in found[:9]]),
                                                wait_for_dismiss=True)
            if chosen:
                box.insert_text_at_cursor(chosen)
                box.focus()

        self.run_worker(pick(), group="phrase", exit_on_error=False)

    def action_cancel(self) -> None:
        typed = any((self.input(f.name).value or "").strip() != (f.value or "").strip() for f in self.fields)
        leave(self, typed, lambda: self.dismiss(False))


# --- confirmation --------------------------------------------------------------------------------


class ConfirmDialog(ModalScreen[bool]):
    """Ask before an irreversible step: y confirms, n or esc cancels."""

    DEFAULT_CSS = DIALOG_CSS
    SCOPED_CSS = False
    BINDINGS = [
        Binding("y", "answer(True)", "desk.dialog.yes"),
        Binding("n", "answer(False)", "desk.dialog.no"),
        Binding("escape", "answer(False)", "desk.dialog.cancel"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="desk-modal")
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box", id="confirm-box") as box:
            box.border_title = self.title_text
            yield Static(self.message, id="confirm-message", classes="gd-dialog-intro")
            yield Static(hint(("y", t("desk.dialog.yes")), ("n / Esc", t("desk.dialog.no"))),
                         classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


# --- choice list ---------------------------------------------------------------------------------


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few values: arrows and Enter, or its digit; esc cancels."""

    DEFAULT_CSS = DIALOG_CSS + """
    ChoiceDialog OptionList { height: auto; max-height: 12; border: none; background: $surface; }
    ChoiceDialog OptionList:focus { border: none; }
    """
    SCOPED_CSS = False
    BINDINGS = [Binding("escape", "cancel", "desk.dialog.cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], intro: str = "") -> None:
        super().__init__(classes="desk-modal")
        self.title_text = title
        self.choices = list(choices)
        self.intro = intro

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box") as box:
            box.border_title = self.title_text
            if self.intro:
                yield Static(self.intro, classes="gd-dialog-intro")
            yield OptionList(*(Option(f"{i}  {label}", id=value)
                               for i, (value, label) in enumerate(self.choices, start=1)), id="choice-list")
            yield Static(hint(("↑↓ Enter", t("desk.dialog.pick")), ("1–9", t("desk.dialog.pick")),
                              ("Esc", t("desk.dialog.cancel"))), classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        options = self.query_one("#choice-list", OptionList)
        options.highlighted = 0
        options.focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self.choices):
                event.stop()
                self.dismiss(self.choices[i][0])

    @on(OptionList.OptionSelected, "#choice-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


async def ask(app: Shell, dialog: ModalScreen[Any]) -> Any:
    """Open a dialog and wait for its answer (call from a worker)."""
    return await app.push_screen(dialog, wait_for_dismiss=True)


async def confirm(app: Shell, title: str, message: str) -> bool:
    return bool(await ask(app, ConfirmDialog(title, message)))


def wrote(app: Shell, message: str) -> None:
    """After this console wrote: say what happened and read the feed at once."""
    app.notify(message, timeout=8, markup=False)
    refresh = getattr(app, "refresh_now", None)  # an app without the live feed has nothing to read
    if refresh is not None:
        refresh()
