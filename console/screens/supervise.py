"""Dialogs of supervision and escalation: supervise (督办), escalate (上报/移交), export a formal
notice (催办通知书), warn a unit (警示).

Each is a small modal form. The store decides: the dialog only refuses to send an empty reason
(the store would refuse it too) and shows whatever the store answers — a role that may not, a
ticket in the wrong state, someone else's change first — beside the field, keeping the form open
so nothing typed is lost. On success it tells the operator (a toast), asks the app to read the
change feed at once, and closes.

Reached from the overdue view (`S`, `E`, `X`), the unit warnings screen (`w`), the escalations
screen (`E`), and — through `open_supervise` / `open_escalate` / `open_export` — from any
screen that knows a ticket number (the ticket detail, the queue).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import platformdirs
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.choice_bar import ChoiceBar
from griddesk.console.widgets.dialogs import HINT_KEY, leave
from griddesk.store import audit, escalation, formal_notice, permissions, private_files, supervision, views, warnings
from griddesk.store.actor import Actor
from griddesk.store.enums import EscalationMode, Status
from griddesk.store.errors import StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import code_name, current, t
from griddesk.store.views import TicketView

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)


class Refused(Exception):
    """A dialog's action failed for a reason to show beside the field (not a store refusal)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Dialog(ModalScreen[Any]):
    """A form over the current screen: fields, one line for the store's answer, a hint line."""

    CSS_PATH = "../styles/overdue.tcss"  # parsed when first shown, not before the queue's first paint
    BINDINGS = [
        Binding("escape", "cancel", "console_supervise.key.cancel"),
        Binding("ctrl+s", "submit", "console_supervise.key.submit"),
        Binding("enter", "submit", "console_supervise.key.submit", show=False),  # from a choice bar
    ]

    HINT_KEY = HINT_KEY  # the one dialog rule's wording (widgets.dialogs)

    def __init__(self, summary: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.summary = summary  # what the form is about (a ticket's title, where it is late)
        self.busy = False
        self.error: str | None = None

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

    def compose(self) -> ComposeResult:
        with Vertical(id="dlg-box", classes="sv-dialog"):
            if self.summary:
                yield Static(self.summary, id="dlg-summary", markup=False)
            yield from self.compose_fields()
            yield Static(id="dlg-error")
            yield Static(id="dlg-result")
            yield Static(t(self.HINT_KEY), id="dlg-hint")

    def compose_fields(self) -> ComposeResult:
        return iter(())

    def title_text(self) -> str:
        return ""

    def on_mount(self) -> None:
        localize_bindings(self)
        self.query_one("#dlg-box").border_title = self.title_text()
        self.query_one("#dlg-error", Static).display = False
        self.query_one("#dlg-result", Static).display = False
        inputs = list(self.query(Input))
        if inputs:
            inputs[0].focus()

    def show_error(self, message: str | None) -> None:
        self.error = message
        box = self.query_one("#dlg-error", Static)
        box.update(Text(message or ""))  # never markup: it may quote input or the database
        box.display = bool(message)

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        if self.error:
            self.show_error(None)

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        # the one dialog rule: Enter moves to the next field and submits on the last
        event.stop()
        inputs = [w for w in self.query(Input) if w.display]
        at = inputs.index(event.input) if event.input in inputs else len(inputs) - 1
        if at + 1 < len(inputs):
            inputs[at + 1].focus()
        else:
            self.action_submit()

    def action_cancel(self) -> None:
        typed = any(w.value.strip() for w in self.query(Input) if w.id not in self.UNTYPED)
        leave(self, typed, lambda: self.dismiss(None))

    UNTYPED: frozenset[str] = frozenset()  # inputs filled in by the dialog itself (a default path)

    error_field: str | None = None  # the id of the widget `check` found wrong

    def check(self) -> str | None:
        """Why the form cannot be sent as it is (translated), or None; sets `error_field`."""
        return None

    def required(self, widget_id: str, key: str) -> str | None:
        """`key`'s message when the input `widget_id` is blank (and remember it for focus)."""
        problem = _required(self.query_one(f"#{widget_id}", Input).value, key)
        self.error_field = widget_id if problem else None
        return problem

    def action_submit(self) -> None:
        if self.busy:
            return
        problem = self.check()
        if problem:
            self.show_error(problem)
            if self.error_field is not None:  # a failed submit focuses the field in error
                self.query_one(f"#{self.error_field}").focus()
            return
        self.busy = True
        self.run_worker(self._send(), group="dialog", exit_on_error=False)

    async def _send(self) -> None:
        try:
            result = await self.perform()
        except StoreError as e:
            self.show_error(e.message())
            return
        except Refused as e:
            self.show_error(e.text)
            return
        except Exception as e:  # the database went away: say so, keep what was typed
            log.exception("dialog write failed")
            reason = short(e)
            self.show_error(t("console.queue.read_failed", reason=reason))
            return
        finally:
            self.busy = False
        self.done(result)

    async def perform(self) -> Any:
        raise NotImplementedError

    def done(self, result: Any) -> None:
        self.gd.refresh_now()
        self.dismiss(result)


def _required(value: str, key: str) -> str | None:
    return t(key) if not value.strip() else None


# --- supervise --------------------------------------------------------------------------------


class SuperviseDialog(Dialog):
    """督办: reminder, formal notice or key supervision, with a reason."""

    def __init__(self, number: str, level: str = supervision.MANUAL[0], summary: str = "", **kw: Any) -> None:
        super().__init__(summary, **kw)
        self.number = number
        self.level = level if level in supervision.MANUAL else supervision.MANUAL[0]

    def title_text(self) -> str:
        return t("console_supervise.supervise.title", number=self.number)

    def compose_fields(self) -> ComposeResult:
        yield Label(t("console_supervise.supervise.level"), classes="dlg-label")
        yield ChoiceBar([(lvl, code_name("supervise_level", lvl)) for lvl in supervision.MANUAL], self.level,
                        id="sv-level")
        yield Label(t("console_supervise.supervise.reason"), classes="dlg-label")
        yield Input(placeholder=t("console_supervise.supervise.reason_placeholder"), id="sv-reason")

    @on(ChoiceBar.Changed, "#sv-level")
    def _level(self, event: ChoiceBar.Changed) -> None:
        self.level = event.value

    def check(self) -> str | None:
        return self.required("sv-reason", "supervise.error.reason_required")

    async def perform(self) -> supervision.Step:
        reason = self.query_one("#sv-reason", Input).value
        return await supervision.supervise(self.gd.store, self.gd.actor, self.number, self.level, reason)

    def done(self, result: supervision.Step) -> None:
        self.app.notify(t("console_supervise.supervise.done", number=result.number,
                          level=code_name("supervise_level", result.level)), markup=False)
        super().done(result)


# --- escalate ---------------------------------------------------------------------------------

def held_name(actor: Actor, held: str) -> str:
    """Who holds a ticket, as this centre says it: this centre, the county centre, or a town."""
    if held == actor.jurisdiction:
        return t("console_supervise.escalations.held_here")
    if len(held) == 6:
        return t("console_supervise.escalations.held_county")
    return held  # another town of this county: its code


modes_for = permissions.escalation_modes


class EscalateDialog(Dialog):
    """上报: report up (a note: to whom, how), flag as a major event, hand to the county, hand back."""

    def __init__(self, number: str, mode: EscalationMode | None = None, summary: str = "", **kw: Any) -> None:
        super().__init__(summary, **kw)
        self.number = number
        self.mode = mode
        self.allowed: list[EscalationMode] = []
        self.version: int | None = None

    def title_text(self) -> str:
        return t("console_supervise.escalate.title", number=self.number)

    def compose_fields(self) -> ComposeResult:
        yield Static(t("console.loading"), id="es-state", classes="dlg-label")
        yield ChoiceBar([("", "…")], id="es-mode")
        yield Label(t("console_supervise.escalate.reason"), id="es-text-label", classes="dlg-label")
        yield Input(placeholder=t("console_supervise.escalate.reason_placeholder"), id="es-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.run_worker(self._load(), group="dialog-load", exit_on_error=False)

    async def _load(self) -> None:
        try:
            d = await views.detail(self.gd.store, self.gd.actor, self.number)
        except StoreError as e:
            self.show_error(e.message())
            return
        self.version = d.ticket.version
        self.allowed = modes_for(self.gd.actor, d.ticket)
        tk = d.ticket
        state = code_name("escalation", tk.escalation or "none")
        held = held_name(self.gd.actor, tk.held_by or tk.town_code)
        self.query_one("#es-state", Static).update(
            t("console_supervise.escalate.state", state=state, held_by=held))
        if not self.allowed:
            self.show_error(t("console_supervise.escalate.nothing"))
            return
        if self.mode not in self.allowed:
            self.mode = self.allowed[0]
        # only what can be done now is offered (the store re-checks when it is sent)
        bar = self.query_one("#es-mode", ChoiceBar)
        bar.set_choices([(m, t(f"console_supervise.escalate.{m}")) for m in self.allowed])
        bar.value = self.mode
        self._relabel_text()

    @on(ChoiceBar.Changed, "#es-mode")
    def _mode(self, event: ChoiceBar.Changed) -> None:
        if event.value in self.allowed:
            self.mode = EscalationMode(event.value)
            self._relabel_text()

    def _relabel_text(self) -> None:
        which = "note" if self.mode == EscalationMode.REPORT else "reason"
        self.query_one("#es-text-label", Label).update(t(f"console_supervise.escalate.{which}"))
        self.query_one("#es-text", Input).placeholder = t(f"console_supervise.escalate.{which}_placeholder")

    def check(self) -> str | None:
        if self.mode is None or self.mode not in self.allowed:
            return t("console_supervise.escalate.nothing") if not self.allowed else \
                t("console_supervise.escalate.pick")
        return self.required("es-text", "escalation.error.text_required")

    async def perform(self) -> escalation.Result:
        store, actor, text = self.gd.store, self.gd.actor, self.query_one("#es-text", Input).value
        if self.mode == EscalationMode.REPORT:
            return await escalation.report_up(store, actor, self.number, text)
        if self.mode == EscalationMode.FLAG:
            return await escalation.flag(store, actor, self.number, text)
        if self.mode == EscalationMode.TO_COUNTY:
            return await escalation.hand_to_county(store, actor, self.number, text, self.version)
        return await escalation.hand_back(store, actor, self.number, text, self.version)

    def done(self, result: escalation.Result) -> None:
        self.app.notify(t("console_supervise.escalate.done", number=result.number,
                          action=t(f"console_supervise.escalate.{self.mode}"),
                          state=code_name("escalation", result.escalation)), markup=False)
        super().done(result)


# --- export a formal notice -------------------------------------------------------------------


def default_dir() -> Path:
    """Where a notice goes unless told: the current directory, else the documents folder."""
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd
    return Path(platformdirs.user_documents_dir())


def default_path(number: str, fmt: str) -> Path:
    return default_dir() / f"{t('console_supervise.export.stem')}-{number}.{fmt}"


class ExportDialog(Dialog):
    """A formal notice to a file, Markdown or HTML; closes and shows the path as a notice."""

    UNTYPED = frozenset({"ex-path"})

    def __init__(self, number: str, fmt: str = "md", path: str | None = None, summary: str = "",
                 **kw: Any) -> None:
        super().__init__(summary, **kw)
        self.number = number
        self.fmt = fmt if fmt in formal_notice.FORMATS else "md"
        self.path = path or str(default_path(number, self.fmt))
        self.written: Path | None = None

    def title_text(self) -> str:
        return t("console_supervise.export.title", number=self.number)

    def compose_fields(self) -> ComposeResult:
        yield Label(t("console_supervise.export.format"), classes="dlg-label")
        yield ChoiceBar([(f, t(f"console_supervise.export.{f}")) for f in formal_notice.FORMATS], self.fmt,
                        id="ex-format")
        yield Label(t("console_supervise.export.path"), classes="dlg-label")
        yield Input(self.path, id="ex-path")

    @on(ChoiceBar.Changed, "#ex-format")
    def _format(self, event: ChoiceBar.Changed) -> None:
        old, self.fmt = self.fmt, event.value
        box = self.query_one("#ex-path", Input)
        if box.value.endswith(f".{old}"):  # follow the format unless the operator named the file
            box.value = box.value[: -len(old)] + self.fmt

    def check(self) -> str | None:
        return self.required("ex-path", "console_supervise.export.path_required")

    async def perform(self) -> Path:
        text = await formal_notice.render(self.gd.store, self.gd.actor, self.number, self.fmt, current())
        path = Path(self.query_one("#ex-path", Input).value.strip()).expanduser()  # noqa: ASYNC240  (no disk read)
        if not path.is_absolute():
            path = Path.cwd() / path
        try:
            await asyncio.to_thread(private_files.write_text, path, text)  # 0600, as every export
        except OSError as e:
            raise Refused(t("supervise.cli.cannot_write", path=str(path), reason=e.strerror or str(e))) from None
        await audit.record_export(self.gd.store, self.gd.actor, "formal_notice", 1, {"format": self.fmt},
                                  key=self.number)
        return path

    def done(self, result: Path) -> None:
        # the dialog closes: the path is a notice in the header line (and the `!` list), where it
        # stays readable without holding the operator in a finished form
        self.written = result
        self.app.notify(t("console_supervise.export.written", path=str(result)), timeout=15, markup=False)
        self.dismiss(result)


# --- warn a unit ------------------------------------------------------------------------------


class WarnDialog(Dialog):
    """警示 to a unit (supervisors and admins; the store refuses anyone else, and it is shown)."""


    def __init__(self, unit_code: str, unit_name: str, overdue: int = 0, **kw: Any) -> None:
        super().__init__(**kw)
        self.unit_code = unit_code
        self.unit_name = unit_name
        self.overdue = overdue

    def title_text(self) -> str:
        return t("console_supervise.warn.title", unit=self.unit_name)

    def compose_fields(self) -> ComposeResult:
        yield Static(t("console_supervise.warn.about", unit=self.unit_name, code=self.unit_code,
                       overdue=self.overdue), classes="dlg-label")
        yield Label(t("console_supervise.warn.reason"), classes="dlg-label")
        yield Input(placeholder=t("console_supervise.warn.reason_placeholder"), id="wn-reason")

    def check(self) -> str | None:
        return self.required("wn-reason", "warnings.error.reason_required")

    async def perform(self) -> warnings.IssuedWarning:
        reason = self.query_one("#wn-reason", Input).value
        return await warnings.warn_unit(self.gd.store, self.gd.actor, self.unit_code, reason)

    def done(self, result: warnings.IssuedWarning) -> None:
        self.app.notify(t("console_supervise.warn.done", unit=result.unit, code=result.unit_code,
                          overdue=result.overdue_count), markup=False)
        super().done(result)


# --- from any screen --------------------------------------------------------------------------


def open_supervise(app: Shell, number: str, summary: str = "") -> None:
    app.push_screen(SuperviseDialog(number, summary=summary))


def open_escalate(app: Shell, number: str, summary: str = "") -> None:
    app.push_screen(EscalateDialog(number, summary=summary))


def open_export(app: Shell, number: str, summary: str = "") -> None:
    app.push_screen(ExportDialog(number, summary=summary))


def may_supervise(actor: Actor, tk: TicketView) -> bool:
    return permissions.may_write(actor, permissions.CENTRE) and tk.status != Status.CLOSED


def may_escalate(actor: Actor, tk: TicketView) -> bool:
    return bool(modes_for(actor, tk))


def may_export(actor: Actor, tk: TicketView) -> bool:
    return actor.role in permissions.CENTRE  # what formal_notice.build checks


# The ticket detail's and the queue's keys for these dialogs (`console.actions` adds them to its
# table, from which the screens build their bindings and footers). Uppercase: lowercase s, e, x
# there are sign, extend, reject.
class TicketDialog(Protocol):
    """How a ticket's key (S, E, X) opens its dialog: the ticket's number and what to say about it."""

    def __call__(self, number: str, *, summary: str = "") -> Dialog: ...


# the dialog and the test of each of this area's ticket actions, by action name (their keys and
# labels are in the one key table, console.actions.ACTIONS)
TICKET_DIALOGS: dict[str, tuple[TicketDialog, Callable[[Actor, TicketView], bool]]] = {
    "supervise": (SuperviseDialog, may_supervise),
    "escalate": (EscalateDialog, may_escalate),
    "export_notice": (ExportDialog, may_export),
}


__all__ = ["Dialog", "EscalateDialog", "ExportDialog", "SuperviseDialog", "TICKET_DIALOGS", "TicketDialog",
           "WarnDialog", "default_path", "modes_for", "open_escalate", "open_export", "open_supervise"]

