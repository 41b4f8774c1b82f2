"""The dispatch dialog (分拨/派单, BH 17–18): the lead unit first, co-units if needed.

The store proposes the candidates best first (`workflow.propose_units`: the matter's default
unit — 行业主管 — then the units covering the grid's village, town, county, city — 属地管理),
and the first is already marked as the lead. The dialog follows the one dialog rule
(console/widgets/dialogs.py) with the unit list as its first field and the note as its last:

    Enter on a unit makes it the lead and moves to the note · Enter on the note dispatches
    ctrl+s dispatches from anywhere · a digit 1–9 makes that candidate the lead (and moves on)
    ↑↓ move · space adds / removes a co-unit · Esc cancels (asking first when a note was typed)

So the usual dispatch, to the proposed lead, is `ctrl+s`, or `Enter Enter`. Keys typed while
the candidates load wait for them (`typeahead_busy`), so a fast `Enter Enter` never dispatches
to nobody. The dialog hands (lead, co-units, note) to a `submit` coroutine (console.actions),
which writes with the version the operator saw; a unit the store refuses comes back on the
error line and the dialog stays open, anything else closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
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
from griddesk.console.widgets.dialogs import DIALOG_CSS, HINT_KEY, STAY, hint, leave
from griddesk.store import places, workflow
from griddesk.store.errors import StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

MARK_CELLS = 6  # "★ 主办" / "+ lead": the column before a candidate's name
# answers like a TextForm's submit: None (done), an error to show (stay open), STAY or CLOSE
DispatchSubmit = Callable[[str, tuple[str, ...], str | None], Awaitable[Any]]


class DispatchDialog(ModalScreen[bool]):
    DEFAULT_CSS = DIALOG_CSS + """
    DispatchDialog .gd-dialog-box { width: 90%; }
    DispatchDialog #units { height: auto; max-height: 45vh; border: none; background: $surface; }
    DispatchDialog #units:focus { border: none; }
    """
    SCOPED_CSS = False
    BINDINGS = [
        Binding("space", "toggle_co", "desk.dispatch.toggle_co"),
        Binding("ctrl+s", "submit", "desk.dispatch.submit"),
        Binding("escape", "cancel", "desk.dialog.cancel"),
    ]

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

    def __init__(self, number: str, submit: DispatchSubmit, summary: str = "") -> None:
        super().__init__(classes="desk-modal")
        self.number = number
        self.submit = submit
        self.summary = summary
        self.proposals: list[workflow.Proposal] = []
        self.lead: str | None = None
        self.co: list[str] = []
        self.busy = False
        self.loaded = False
        self._failed = False  # the candidates could not be read: keys need not wait
        self._to_note = False  # Enter took a lead: the note's focus is on its way

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box") as box:
            box.border_title = t("desk.dispatch.title", number=self.number)
            if self.summary:
                yield Static(self.summary, classes="gd-dialog-intro")
            yield OptionList(id="units")
            with Horizontal(classes="gd-row"):
                yield Label(t("desk.dispatch.note"), classes="gd-label")
                yield Input(placeholder=t("desk.dispatch.note_placeholder"), id="dispatch-note")
            yield Static(t("console.loading"), id="dispatch-error", classes="gd-dialog-error")
            yield Static(self._hint(), classes="gd-dialog-hint")

    @staticmethod
    def _hint() -> str:
        # the one dialog rule's line, worded as in every dialog, then this dialog's own keys
        return "\n".join((t(HINT_KEY), hint(("↑↓", t("desk.dialog.move")), ("Enter", t("desk.dispatch.enter")),
                                             (t("desk.key_name.space"), t("desk.dispatch.toggle_co")))))

    @property
    def typeahead_busy(self) -> bool:
        """Keys typed while the candidates load wait for them, and after Enter on a candidate until
        the cursor is on the note, so `⏎ ⏎` typed at once dispatches (console/typeahead.py)."""
        if self._to_note and self.focused is self.query_one("#dispatch-note", Input):
            self._to_note = False
        return (not self.loaded and not self._failed) or self._to_note

    @property
    def units(self) -> OptionList:
        return self.query_one("#units", OptionList)

    def on_mount(self) -> None:
        localize_bindings(self)
        self.units.focus()
        self.run_worker(self._load(), group="dispatch-load", exit_on_error=False)

    async def _load(self) -> None:
        app = self.gd
        try:
            proposals = await workflow.propose_units(app.store, app.actor, self.number)
            names: dict[str, str] = {}
            for code in {p.area_code for p in proposals if p.area_code}:
                names[code] = await places.area_name(app.store, code) or code
        except StoreError as e:
            self._error(e.message())
            return
        except Exception as e:
            log.exception("unit proposals failed")
            self._error(short(e))
            return
        self.proposals = proposals
        self.area_names = names
        self.lead = proposals[0].code if proposals else None
        self.loaded = True
        self._error(t("desk.dispatch.none") if not proposals else "")
        self._render_options(0)

    def _why(self, p: workflow.Proposal) -> str:
        if p.why == "matter":
            return t("desk.dispatch.why_matter")
        return t("desk.dispatch.why_area", area=self.area_names.get(p.area_code or "", p.area_code or ""))

    def _prompt(self, p: workflow.Proposal) -> Text:
        """Two lines a candidate: its mark, name and code; under them, indented, its kind and why
        it is proposed (one line at 80 columns wrapped the why mid-phrase)."""
        text = Text()
        if p.code == self.lead:
            text.append(f"★ {t('desk.dispatch.lead')}", style="bold")
        elif p.code in self.co:
            text.append(f"+ {t('desk.dispatch.co')}", style="bold")
        mark = text.cell_len
        text.append(" " * (max(MARK_CELLS - mark, 0) + 1))
        text.append(p.name, style="bold" if p.code == self.lead else "")
        text.append(f"  {p.code}", style="dim")
        text.append("\n" + " " * (MARK_CELLS + 1))
        text.append(f"{code_name('unit_kind', p.kind)} · {self._why(p)}", style="dim")
        return text

    def _render_options(self, highlight: int | None = None) -> None:
        units = self.units
        keep = units.highlighted if highlight is None else highlight
        if units.option_count != len(self.proposals):
            units.set_options(Option(self._prompt(p), id=p.code) for p in self.proposals)
        else:
            for i, p in enumerate(self.proposals):
                units.replace_option_prompt_at_index(i, self._prompt(p))
        if self.proposals:
            units.highlighted = min(keep or 0, len(self.proposals) - 1)

    def _error(self, text: str) -> None:
        if not self.loaded:
            self._failed = self._failed or text != t("console.loading")
        self.query_one("#dispatch-error", Static).update(Text(text))  # never markup: it may quote input

    # --- keys ------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#units")
    def _enter(self, event: OptionList.OptionSelected) -> None:
        """Enter on a unit: it becomes the lead, and the cursor goes on to the note (the next
        field); Enter there dispatches."""
        event.stop()
        if event.option.id is not None:
            self._make_lead(event.option.id)

    def _make_lead(self, code: str) -> None:
        self.lead = code
        if code in self.co:
            self.co.remove(code)
        self._render_options()
        self._to_note = True
        self.query_one("#dispatch-note", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # a digit on the unit list: that candidate becomes the lead (as a digit picks a choice)
        if self.focused is not self.units or not (event.character and event.character in "123456789"):
            return
        i = int(event.character) - 1
        if i < len(self.proposals):
            event.stop()
            event.prevent_default()
            self.units.highlighted = i
            self._make_lead(self.proposals[i].code)

    def action_toggle_co(self) -> None:
        option = self.units.highlighted_option
        if option is None or option.id is None or option.id == self.lead:
            return
        if option.id in self.co:
            self.co.remove(option.id)
        else:
            self.co.append(option.id)
        self._render_options()

    @on(Input.Submitted, "#dispatch-note")
    def _note_enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy or not self.loaded:
            return
        if self.lead is None:
            self._error(t("workflow.unit_required", action=t("workflow.verb.dispatch")))
            return
        self.busy = True
        self.run_worker(self._submit(), group="dispatch-submit", exit_on_error=False)

    async def _submit(self) -> None:
        note = self.query_one("#dispatch-note", Input).value.strip() or None
        try:
            problem = await self.submit(self.lead or "", tuple(self.co), note)
        except Exception as e:
            log.exception("dispatch failed")
            self._error(short(e))
            return
        finally:
            self.busy = False
        if problem is STAY:
            return
        if isinstance(problem, StoreError):
            self._error(problem.message())
            return
        self.dismiss(problem is None)

    def action_cancel(self) -> None:
        typed = bool(self.query_one("#dispatch-note", Input).value.strip())
        leave(self, typed, lambda: self.dismiss(False))
