"""The intake form (受理登记): a new ticket by keyboard, then straight into dispatch.

Field order is the order of a hotline call: the source is preset (12345 hotline for the centre,
patrol for a grid worker) and the cursor starts on the matter; then grid, address, description,
reporter's name and phone; urgency, "resolved on the spot" and the title come last because they
are usually left as they are (the title, when blank, is made from the address and the matter).

    Enter      next field (in a grid or matter box: take the highlighted suggestion, then next)
    ↑ ↓        move in the suggestions under a grid or matter box
    ← → 1–5    change a choice (source, urgency); space ticks "resolved on the spot"
    ctrl+s     register (also Enter on the last field)
    ctrl+r     take the grid suggested for the address
    ctrl+o     register as a repeat of the open ticket flagged as a likely duplicate (工单合并)
    Esc        leave (asks first when something was typed)

A grid or a matter is found by its code, a part of its name or its pinyin initials
(store.pickers). Withdrawn matters are listed greyed and cannot be taken; "out of list"
(清单外, HH 16, BH 13) is always the last suggestion and is marked in red once taken.

Beside the fields, after a short pause in typing, a worker reads store.callers: under the
address, the grid it most likely lies in and an open ticket at the same address about the same
matter in the last 30 days (a likely duplicate); under the phone or name, the caller's earlier
tickets (count, the last five). These reads never hold typed keys (they are not typeahead groups).

Errors come from the store (`tickets.parse`, `tickets.create`) and are shown beside the field
they name, in the console's language. After registering, the form gives way to the new
ticket's detail with the dispatch dialog open over it (when this operator may dispatch).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console import actions
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.choice_bar import ChoiceBar
from griddesk.console.widgets.dialogs import HINT_KEY, ChoiceDialog, ConfirmDialog, error_reason
from griddesk.store import callers, phrases, pickers, tickets, workflow
from griddesk.store.checks import PHONE
from griddesk.store.enums import Role, Source, Urgency
from griddesk.store.errors import StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import code_name, current, has, t
from griddesk.store.numbers import short_number
from griddesk.store.timefmt import local

log = logging.getLogger(__name__)

OUT_OF_LIST = "__out_of_list__"
PAUSE = 0.3  # seconds of no typing before the caller's history and the address are looked up
MIN_NAME = 2
TITLE_MAX = 60

# form row → the store's field name (tickets.parse / create name fields this way)
FIELDS = ("source", "matter", "grid", "address", "description", "reporter.name", "reporter.phone",
          "urgency", "resolved_on_spot", "title")
ALIASES = {"reporter": "reporter.name"}


def wid(field: str) -> str:
    return field.replace(".", "-").replace("_", "-")


class PickerInput(Input):
    """A text box with a suggestion list under it: ↑/↓ move in the list, Enter takes."""

    BINDINGS = [
        Binding("down", "suggest(1)", "desk.intake.next_suggestion", show=False),
        Binding("up", "suggest(-1)", "desk.intake.prev_suggestion", show=False),
    ]

    def __init__(self, kind: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind = kind

    def action_suggest(self, delta: int) -> None:
        screen = self.screen
        if isinstance(screen, IntakeScreen):  # the only screen with picker boxes
            screen.move_suggestion(self.kind, delta)


class SpotBox(Checkbox, inherit_bindings=False):
    """"Resolved on the spot": space ticks it; Enter goes on to the next field like everywhere."""

    BINDINGS = [Binding("space", "toggle_button", "desk.intake.toggle", show=False)]


@dataclass
class Picked:
    code: str  # a grid or matter code, or OUT_OF_LIST
    shown: str  # what the box shows once taken (editing it drops the pick)
    name: str = ""


class IntakeScreen(GridScreen):
    # the suggestions too: a letter waits until the list of the letters before it is shown, so
    # an Enter typed in the same burst picks from the list the operator would have seen, and no
    # read of an older text lands after it (a burst lost letters and picks under load)
    TYPEAHEAD_GROUPS = frozenset({"picker-enter", "settle-matter", "settle-grid", "intake-submit",
                                  "suggest-matter", "suggest-grid"})
    # focus is on the matter when the screen resumes (an event the typeahead waits for), not
    # later through the app's queue from on_mount, where a first letter could go elsewhere
    AUTO_FOCUS = "#f-matter"
    ENTRY = "intake"
    TITLE_KEY = "desk.intake.title"
    BINDINGS = [
        Binding("ctrl+s", "submit", "desk.intake.submit"),
        Binding("ctrl+r", "take_grid_guess", "callers.key_take_grid", show=False),
        Binding("ctrl+o", "merge_duplicate", "callers.key_merge", show=False),
        Binding("enter", "next_field", "desk.dialog.next", show=False),
        Binding("escape", "back", "console.key.back"),
        Binding("f6", "toggle_hotline", "desk.hotline.key", id="intake.hotline"),
        Binding("ctrl+o", "phrase", "desk.phrase.key", id="intake.phrase"),
    ]
    DEFAULT_CSS = """
    IntakeScreen #intake-body { padding: 0 1; }
    IntakeScreen .gd-row { height: auto; min-height: 1; margin: 0; }
    IntakeScreen .gd-label { width: 16; height: auto; color: $text-muted; }
    IntakeScreen .gd-label.-required { color: $foreground; }
    IntakeScreen .gd-row Input { border: none; height: 1; padding: 0 1; width: 1fr; background: $boost; }
    IntakeScreen .gd-row Input:focus { background: $primary 30%; }
    IntakeScreen .gd-mark { width: auto; max-width: 40%; height: 1; padding: 0 0 0 1; color: $text-muted; }
    IntakeScreen .gd-mark.-out { color: $error; text-style: bold; }
    IntakeScreen .gd-field-error { width: auto; max-width: 45%; height: auto; padding: 0 0 0 1;
                                   color: $error; text-style: bold; }
    IntakeScreen .gd-suggest { height: auto; max-height: 8; margin: 0 0 0 16; border: none;
                               background: $surface; display: none; }
    IntakeScreen .gd-suggest.-open { display: block; }
    IntakeScreen SpotBox { border: none; height: 1; padding: 0 1; background: $boost; width: 1fr; }
    IntakeScreen SpotBox:focus { border: none; background: $primary 30%; }
    IntakeScreen #intake-error { height: auto; margin: 1 0 0 0; color: $error; text-style: bold; }
    IntakeScreen #intake-hint { height: auto; color: $text-muted; }
    IntakeScreen .gd-aside { height: auto; margin: 0 0 0 16; color: $text-muted; }
    IntakeScreen #intake-duplicate { color: $warning; text-style: bold; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.picked: dict[str, Picked | None] = {"matter": None, "grid": None}
        self.suggestions: dict[str, list[pickers.Pick]] = {"matter": [], "grid": []}
        self.suggested_for: dict[str, str | None] = {"matter": None, "grid": None}
        self.busy = False
        self.created: str | None = None  # the number registered (for tests and the toast)
        self.history: callers.CallerHistory | None = None
        self.duplicate: callers.PastTicket | None = None
        self.grid_guess: callers.GridGuess | None = None
        self._pauses: dict[str, Any] = {}  # look-up kind → its pending timer

    # --- layout ----------------------------------------------------------------------------

    def _source_default(self) -> str:
        return Source.PATROL if self.gd.actor.role == Role.GRID_WORKER else Source.HOTLINE

    def _label(self, field: str, required: bool = False) -> Label:
        label = Label(self._label_text(field, required), id=f"l-{wid(field)}", classes="gd-label")
        if required:
            label.add_class("-required")
        return label

    @staticmethod
    def _label_text(field: str, required: bool) -> str:
        """The field's name, or the form's shorter label where the name would not fit the label
        column (16 cells: "resolved on the spot" wrapped at 80×24)."""
        short = f"desk.intake.label.{wid(field).replace('-', '_')}"
        text = t(short) if has(short) else t(f"field.{field}")
        return text[:1].upper() + text[1:] + ("*" if required else "")

    def _error(self, field: str) -> Static:
        return Static("", id=f"e-{wid(field)}", classes="gd-field-error")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="intake-body"):
            with Horizontal(classes="gd-row"):
                yield self._label("source", True)
                yield ChoiceBar(self._source_choices(), self._source_default(), id="f-source")
                yield self._error("source")
            with Horizontal(classes="gd-row"):
                yield self._label("matter", True)
                yield PickerInput("matter", placeholder=t("desk.intake.matter_placeholder"), id="f-matter")
                yield Static("", id="m-matter", classes="gd-mark")
                yield self._error("matter")
            yield OptionList(id="s-matter", classes="gd-suggest")
            with Horizontal(classes="gd-row"):
                yield self._label("grid", True)
                yield PickerInput("grid", placeholder=t("desk.intake.grid_placeholder"), id="f-grid")
                yield Static("", id="m-grid", classes="gd-mark")
                yield self._error("grid")
            yield OptionList(id="s-grid", classes="gd-suggest")
            for field, key in (("address", "address"), ("description", "description"),
                               ("reporter.name", "reporter_name"), ("reporter.phone", "reporter_phone")):
                with Horizontal(classes="gd-row"):
                    yield self._label(field)
                    yield Input(placeholder=t(f"desk.intake.{key}_placeholder"), id=f"f-{wid(field)}")
                    yield self._error(field)
                if field == "address":
                    yield Static("", id="intake-grid-guess", classes="gd-aside")
                    yield Static("", id="intake-duplicate", classes="gd-aside")
                elif field == "reporter.phone":
                    yield Static("", id="intake-caller", classes="gd-aside")
            with Horizontal(classes="gd-row"):
                yield self._label("urgency", True)
                yield ChoiceBar(self._urgency_choices(), Urgency.NORMAL, id="f-urgency")
                yield self._error("urgency")
            with Horizontal(classes="gd-row"):
                yield self._label("resolved_on_spot")
                yield SpotBox(t("desk.intake.on_spot_label"), id="f-resolved-on-spot")
                yield self._error("resolved_on_spot")
            with Horizontal(classes="gd-row"):
                yield self._label("title")
                yield Input(placeholder=t("desk.intake.title_placeholder"), id="f-title")
                yield self._error("title")
            yield Static("", id="intake-error")
            yield Static(self._hint(), id="intake-hint")

    @staticmethod
    def _hint() -> str:
        # the one dialog rule's line, worded as in every dialog, then this form's own keys
        return f"{t(HINT_KEY)}\n{t('desk.intake.hint')}"

    def _source_choices(self) -> list[tuple[str, str]]:
        return [(s.value, code_name("source", s.value)) for s in Source]

    def _urgency_choices(self) -> list[tuple[str, str]]:
        return [(u.value, code_name("urgency", u.value)) for u in Urgency]

    def on_mount(self) -> None:
        try:
            tickets.check_can_create(self.gd.actor)
        except StoreError as e:  # a unit or a wall screen: nothing to register here
            self.gd.notify(e.message(), severity="error", timeout=8, markup=False)
            self.app.call_later(self.gd.go_back)
            return
        for kind in ("matter", "grid"):
            self.query_one(f"#s-{kind}", OptionList).can_focus = False
        self.field("matter").focus()
        self._query("matter", "")

    def relabel(self) -> None:
        required = {"source", "matter", "grid", "urgency"}
        for field in FIELDS:
            self.query_one(f"#l-{wid(field)}", Label).update(self._label_text(field, field in required))
        self.query_one("#f-source", ChoiceBar).set_choices(self._source_choices())
        self.query_one("#f-urgency", ChoiceBar).set_choices(self._urgency_choices())
        for field, key in (("matter", "matter"), ("grid", "grid"), ("address", "address"),
                           ("description", "description"), ("reporter.name", "reporter_name"),
                           ("reporter.phone", "reporter_phone"), ("title", "title")):
            self.field(field).placeholder = t(f"desk.intake.{key}_placeholder")
        self.query_one("#f-resolved-on-spot", SpotBox).label = t("desk.intake.on_spot_label")
        self.query_one("#intake-hint", Static).update(self._hint())
        for kind in ("matter", "grid"):
            self._show_suggestions(kind)
            self._show_mark(kind)

    def field(self, name: str) -> Input:
        """A text box (matter, grid, address …); the choice bars and the tick box are not."""
        return self.query_one(f"#f-{wid(name)}", Input)

    def value(self, name: str) -> str:
        try:
            return self.field(name).value.strip()
        except NoMatches:  # asked before the form is composed (a burst of keys, a timer): nothing typed yet
            return ""

    def error_of(self, name: str) -> str:
        """The error beside a field ("" when none)."""
        return str(self.query_one(f"#e-{wid(ALIASES.get(name, name))}", Static).render())

    def form_error(self) -> str:
        return str(self.query_one("#intake-error", Static).render())

    # --- suggestions -------------------------------------------------------------------------

    def _query(self, kind: str, text: str) -> None:
        self.run_worker(self._fetch_and_show(kind, text), group=f"suggest-{kind}", exclusive=True,
                        exit_on_error=False)

    async def _fetch(self, kind: str, text: str) -> list[pickers.Pick]:
        find = pickers.matters if kind == "matter" else pickers.grids
        got = await find(self.gd.store, self.gd.actor, text)
        self.suggestions[kind] = got
        self.suggested_for[kind] = text
        return got

    async def _fetch_and_show(self, kind: str, text: str) -> None:
        try:
            await self._fetch(kind, text)
        except Exception:
            log.exception("suggestions failed")
            return
        self._show_suggestions(kind)

    def _pick_label(self, p: pickers.Pick) -> Text:
        text = Text()
        if not p.selectable:
            text.append(f"{p.code}  {p.name}", style="strike dim")
            text.append("  " + t(f"desk.intake.matter_{p.unavailable}", on=p.on or ""), style="dim")
            return text
        text.append(p.code, style="bold")
        text.append(f"  {p.name}")
        if p.name_en and current() == "en":
            text.append(f"  {p.name_en}")
        if p.detail:
            text.append(f"  {p.detail}", style="dim")
        return text

    def _show_suggestions(self, kind: str) -> None:
        box = self.query_one(f"#s-{kind}", OptionList)
        options = [Option(self._pick_label(p), id=p.code, disabled=not p.selectable)
                   for p in self.suggestions[kind]]
        if kind == "matter":
            if not any(p.selectable for p in self.suggestions[kind]):
                options.insert(0, Option(Text(t("desk.intake.no_match"), style="dim"), disabled=True))
            options.append(Option(Text(t("desk.intake.out_of_list_option"), style="bold"), id=OUT_OF_LIST))
        elif not options:
            options.append(Option(Text(t("desk.intake.no_match"), style="dim"), disabled=True))
        box.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        box.highlighted = first
        self._open_suggestions(kind, self.focused is self.field(kind) and self.picked[kind] is None)

    def _open_suggestions(self, kind: str, show: bool) -> None:
        self.query_one(f"#s-{kind}", OptionList).set_class(show, "-open")

    def move_suggestion(self, kind: str, delta: int) -> None:
        box = self.query_one(f"#s-{kind}", OptionList)
        self._open_suggestions(kind, True)
        if delta > 0:
            box.action_cursor_down()
        else:
            box.action_cursor_up()

    def suggestion_ids(self, kind: str, selectable_only: bool = True) -> list[str]:
        """The codes listed under a box (tests; OUT_OF_LIST for the out-of-list choice)."""
        box = self.query_one(f"#s-{kind}", OptionList)
        return [o.id for o in box.options if o.id and (not selectable_only or not o.disabled)]

    def _highlighted(self, kind: str) -> str | None:
        box = self.query_one(f"#s-{kind}", OptionList)
        option = box.highlighted_option
        return option.id if option is not None and not option.disabled else None

    def _take(self, kind: str, code: str) -> None:
        if code == OUT_OF_LIST:
            shown = t("desk.intake.out_of_list")
            picked = Picked(OUT_OF_LIST, shown)
        else:
            p = next((x for x in self.suggestions[kind] if x.code == code), None)
            if p is None or not p.selectable:
                return
            shown = f"{p.code} {p.name}" if kind == "matter" else f"{p.name} ({p.code})"
            picked = Picked(p.code, shown, p.name)
        self.picked[kind] = picked
        box = self.field(kind)
        box.value = picked.shown
        box.cursor_position = len(picked.shown)
        self._open_suggestions(kind, False)
        self._set_error(kind, "")
        self._show_mark(kind)
        if kind == "matter" and self.value("address"):
            self._after_pause("place")

    def _show_mark(self, kind: str) -> None:
        mark = self.query_one(f"#m-{kind}", Static)
        picked = self.picked[kind]
        mark.set_class(picked is not None and picked.code == OUT_OF_LIST, "-out")
        if picked is None:
            mark.update("")
        elif picked.code == OUT_OF_LIST:
            mark.update(t("desk.intake.out_of_list_mark"))
        else:
            p = next((x for x in self.suggestions[kind] if x.code == picked.code), None)
            mark.update(p.detail if p is not None and kind == "matter" else "")

    @on(Input.Changed, "PickerInput")
    def _typed(self, event: Input.Changed) -> None:
        if not isinstance(event.input, PickerInput):  # never: the handler's selector is PickerInput
            return
        kind = event.input.kind
        picked = self.picked[kind]
        if picked is not None and event.value == picked.shown:
            return
        if picked is not None:
            self.picked[kind] = None
            self._show_mark(kind)
        self._query(kind, event.value.strip())

    # --- the caller and the place (store.callers) ---------------------------------------------

    @on(Input.Changed, "#f-address, #f-reporter-name, #f-reporter-phone")
    def _typed_aside(self, event: Input.Changed) -> None:
        kind = "place" if event.input.id == "f-address" else "caller"
        self._after_pause(kind)

    def _after_pause(self, kind: str) -> None:
        """Look up once typing has paused: a burst of keys makes one read, not one per key."""
        timer = self._pauses.pop(kind, None)
        if timer is not None:
            timer.stop()
        self._pauses[kind] = self.set_timer(PAUSE, lambda: self.run_worker(
            self._look_caller() if kind == "caller" else self._look_place(), group=f"aside-{kind}",
            exclusive=True, exit_on_error=False))

    async def _look_caller(self) -> None:
        phone, name = self.value("reporter.phone"), self.value("reporter.name")
        try:
            self.history = await callers.history(
                self.gd.store, self.gd.actor, phone=phone if PHONE.match(phone) else None,
                name=name if len(name) >= MIN_NAME else None)
        except Exception:
            log.exception("caller history failed")
            return
        self._show_caller()

    async def _look_place(self) -> None:
        address = self.value("address")
        matter = self.picked["matter"]
        code = matter.code if matter is not None and matter.code != OUT_OF_LIST else None
        try:
            self.grid_guess = await callers.suggest_grid(self.gd.store, self.gd.actor, address)
            found = await callers.duplicates(self.gd.store, self.gd.actor, address, code)
        except Exception:
            log.exception("address look-up failed")
            return
        self.duplicate = found[0] if found else None
        self._show_place()

    def _when(self, at: Any) -> str:
        return local(at, ZoneInfo(self.gd.store.settings.timezone), "%m-%d")

    def _show_caller(self) -> None:
        box = self.query_one("#intake-caller", Static)
        h = self.history
        if h is None:
            box.update("")
            return
        text = Text(t("callers.history", count=h.count), style="bold")
        for p in h.last:
            text.append("\n")
            text.append(short_number(p.number, self.gd.actor.jurisdiction), style="bold")
            text.append(f"  {self._when(p.received_at)}  {p.matter or t('desk.intake.out_of_list')}  ")
            text.append(code_name("status", p.status))
        box.update(text)

    def _show_place(self) -> None:
        guess, dup = self.grid_guess, self.duplicate
        picked = self.picked["grid"]
        show_guess = guess is not None and (picked is None or picked.code != guess.code)
        self.query_one("#intake-grid-guess", Static).update(
            t("callers.grid_guess", name=guess.name, code=guess.code) if show_guess and guess else "")
        self.query_one("#intake-duplicate", Static).update(
            t("callers.duplicate", number=short_number(dup.number, self.gd.actor.jurisdiction),
              date=self._when(dup.received_at), status=code_name("status", dup.status)) if dup else "")

    def action_take_grid_guess(self) -> None:
        guess = self.grid_guess
        if guess is None:
            return
        self.picked["grid"] = Picked(guess.code, f"{guess.name} ({guess.code})", guess.name)
        box = self.field("grid")
        box.value = self.picked["grid"].shown  # type: ignore[union-attr]
        self._open_suggestions("grid", False)
        self._set_error("grid", "")
        self._show_mark("grid")
        self._show_place()

    def action_merge_duplicate(self) -> None:
        if self.duplicate is not None and not callers.may_merge(self.gd.actor):
            self.gd.notify(t("error.not_allowed", role=code_name("role", self.gd.actor.role)), severity="warning")
            return
        if self.duplicate is not None and not self.busy:
            self.busy = True
            self.run_worker(self._submit(merge_into=self.duplicate.number), group="intake-submit",
                            exit_on_error=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        for kind in ("matter", "grid"):
            self._open_suggestions(kind, event.widget is self.field(kind) and self.picked[kind] is None)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        widget = event.widget
        if isinstance(widget, PickerInput):
            self._open_suggestions(widget.kind, False)
            if self.picked[widget.kind] is None and widget.value.strip():
                self.run_worker(self._settle(widget.kind), group=f"settle-{widget.kind}", exit_on_error=False)

    async def _settle(self, kind: str) -> bool:
        """Take what was typed when it can mean only one thing; else say to choose."""
        text = self.value(kind)
        if self.picked[kind] is not None or not text:
            return self.picked[kind] is not None
        if self.suggested_for[kind] != text:
            await self._fetch(kind, text)
            self._show_suggestions(kind)
        live = [p for p in self.suggestions[kind] if p.selectable]
        exact = [p for p in live if p.code.lower() == text.lower() or p.name == text]
        if len(exact) == 1 or len(live) == 1:
            self._take(kind, (exact or live)[0].code)
            return True
        gone = [p for p in self.suggestions[kind] if not p.selectable and (p.code.lower() == text.lower()
                                                                            or p.name == text)]
        if gone:
            self._set_error(kind, t(f"desk.intake.matter_{gone[0].unavailable}", on=gone[0].on or ""))
        elif live:
            self._set_error(kind, t("desk.intake.pick_from_list"))
        else:
            self._set_error(kind, t(f"desk.intake.no_match_{kind}"))
        return False

    async def _enter_in_picker(self, kind: str) -> None:
        text = self.value(kind)
        picked = self.picked[kind]
        if picked is not None and text == picked.shown:
            self.focus_next()
            return
        if self.suggested_for[kind] != text:
            await self._fetch(kind, text)
            self._show_suggestions(kind)
        code = self._highlighted(kind)
        if code is None:
            self._set_error(kind, t(f"desk.intake.no_match_{kind}"))
            return
        self._take(kind, code)
        self.focus_next()

    # --- moving and submitting -----------------------------------------------------------------

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, PickerInput):
            self.run_worker(self._enter_in_picker(event.input.kind), group="picker-enter", exit_on_error=False)
        elif event.input.id == "f-title":
            self.action_submit()
        else:
            self.focus_next()

    def action_next_field(self) -> None:
        if self.focused is not None and self.focused.id == "f-title":
            self.action_submit()
        else:
            self.focus_next()

    def _set_error(self, field: str, text: str) -> None:
        self.query_one(f"#e-{wid(ALIASES.get(field, field))}", Static).update(text)

    def _clear_errors(self) -> None:
        for field in FIELDS:
            self._set_error(field, "")
        self.query_one("#intake-error", Static).update("")

    def show_error(self, e: StoreError) -> None:
        field = ALIASES.get(e.field or "", e.field or "")
        if field in FIELDS:
            self._set_error(field, error_reason(e))
            self.query_one(f"#f-{wid(field)}").focus()  # a text box, a choice bar or the tick box
        else:
            self.query_one("#intake-error", Static).update(Text(e.message()))

    def _title(self) -> str:
        typed = self.value("title")
        if typed:
            return typed
        matter = self.picked["matter"]
        what = matter.name if matter is not None and matter.code != OUT_OF_LIST else ""
        auto = f"{self.value('address')}{what}".strip()
        if not auto:
            auto = self.value("description")
        return auto[:TITLE_MAX]

    def data(self) -> dict[str, Any]:
        """The ticket as the store's JSON (the same shape `griddesk ticket add` reads)."""
        matter, grid = self.picked["matter"], self.picked["grid"]
        out_of_list = matter is not None and matter.code == OUT_OF_LIST
        return {
            "source": self.query_one("#f-source", ChoiceBar).value,
            "grid": grid.code if grid is not None else "",
            "matter": None if out_of_list or matter is None else matter.code,
            "out_of_list": out_of_list,
            "urgency": self.query_one("#f-urgency", ChoiceBar).value,
            "title": self._title(),
            "description": self.value("description") or None,
            "address": self.value("address") or None,
            "reporter": {"name": self.value("reporter.name") or None,
                         "phone": self.value("reporter.phone") or None},
            "resolved_on_spot": self.query_one("#f-resolved-on-spot", SpotBox).value,
        }

    def action_submit(self) -> None:
        if not self.busy:
            self.busy = True
            self.run_worker(self._submit(), group="intake-submit", exit_on_error=False)

    async def _submit(self, merge_into: str | None = None) -> None:
        merged: callers.MergeOutcome | None = None
        try:
            self._clear_errors()
            for kind in ("matter", "grid"):
                if self.picked[kind] is None and self.value(kind) and not await self._settle(kind):
                    self.field(kind).focus()
                    return
            try:
                new = tickets.parse(self.data())
                number = await tickets.create(self.gd.store, self.gd.actor, new)
            except StoreError as e:
                self.show_error(e)
                return
            except Exception as e:
                log.exception("intake failed")
                self.query_one("#intake-error", Static).update(Text(t("desk.failed", reason=short(e))))
                return
            if merge_into is not None:  # 工单合并: this call repeats an open ticket
                try:
                    merged = await callers.merge(self.gd.store, self.gd.actor, number, merge_into)
                except StoreError as e:  # registered all the same: go on as after a plain submit
                    self.gd.notify(e.message(), severity="error", timeout=8)
        finally:
            self.busy = False
        self.created = number
        self.gd.notify(t("desk.intake.created", number=number), timeout=8)
        self.gd.refresh_now()
        if merged is not None:
            self.gd.notify(t("callers.merged_closed" if merged.closed else "callers.merged",
                             duplicate=merged.duplicate, into=merged.into), timeout=8)
            self.app.call_later(self._after_merge, merged.into)
            return
        self.app.call_later(self._after_create, number, new)

    def _after_merge(self, into: str) -> None:
        """The call was a repeat: show the ticket it was merged into (nothing to dispatch)."""
        app = self.gd
        if self.app.screen is self:
            self.app.pop_screen()
        app.open_ticket(into)

    def _after_create(self, number: str, new: tickets.NewTicket) -> None:
        """Give way to the new ticket, with the dispatch dialog open when this operator may."""
        app = self.gd
        if self.app.screen is self:
            self.app.pop_screen()
        app.open_ticket(number)
        can_dispatch = any(app.actor.role in r.roles for r in workflow.rows_for("dispatch"))
        if can_dispatch and not new.resolved_on_spot:
            matter = self.picked["matter"]
            grid = self.picked["grid"]
            summary = "  ".join(x for x in (
                number, new.title, matter.shown if matter else "", grid.shown if grid else "",
                code_name("urgency", new.urgency)) if x)
            # hotline mode: once dispatched, straight on to the next call's form
            after = (lambda: app.open_screen("intake")) if app.hotline_mode else None
            actions.start(app, "dispatch", number, 1, None, summary=summary, after=after)

    def action_toggle_hotline(self) -> None:
        self.gd.set_hotline_mode(not self.gd.hotline_mode)

    PHRASE_FIELDS = {"f-description": "description", "f-title": "description"}

    def action_phrase(self) -> None:
        """常用语: pick a phrase for the matter chosen and insert it at the cursor."""
        box = self.focused
        if not isinstance(box, Input) or box.id not in self.PHRASE_FIELDS:
            self.gd.notify(t("desk.phrase.where"), severity="warning", timeout=5)
            return
        matter = self.picked["matter"]
        code = matter.code if matter is not None and matter.code != OUT_OF_LIST else None
        found = phrases.for_matter(code, self.PHRASE_FIELDS[box.id])
        self.run_worker(self._insert_phrase(box, found), group="phrase", exit_on_error=False)

    async def _insert_phrase(self, box: Input, found: list[str]) -> None:
        picked = await self.app.push_screen(ChoiceDialog(t("desk.phrase.title"), [(p, p) for p in found[:9]]),
                                            wait_for_dismiss=True)
        if picked:
            box.insert_text_at_cursor(picked)
            box.focus()

    def dirty(self) -> bool:
        return any(self.value(f) for f in ("matter", "grid", "address", "description", "reporter.name",
                                            "reporter.phone", "title"))

    def action_back(self) -> None:
        if self.dirty() and not self.busy:
            self.run_worker(self._leave(), group="intake-leave", exclusive=True, exit_on_error=False)
            return
        self.gd.go_back()

    async def _leave(self) -> None:
        if await self.app.push_screen(ConfirmDialog(t("desk.intake.title"), t("desk.intake.discard")),
                                      wait_for_dismiss=True):
            self.gd.go_back()
