"""Grid changes by key — create, adjust, split, merge, retire — and the change record (备案).

Each change asks for a reason from the regulations' list (YC 8, BH 6: administrative change,
major demolition or population movement, a department's request, other) and a note, writes
through one `store.roster` call, and then shows the change as it was recorded: what it did,
why, who, when, and its filing status. A supervisor files it (`f`) there or in the change record
(`:changes`). Retire and merge ask for a y/n confirmation first; nothing here decides a rule —
the store refuses, and its message comes back beside the field it names.

This module also holds `RosterForm`, the roster area's modal form: the text rows of
`console.screens.dialogs` (`Field`) plus choice rows (`Pick`, a `ChoiceBar` — a role, a reason,
a grid type). `dialogs.TextForm` has text rows only; everything else (the look, the key hints,
`ConfirmDialog`, `ChoiceDialog`, the bar itself) is reused from there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens import GridScreen
from griddesk.console.screens.dialogs import (
    DIALOG_CSS,
    STAY,
    ChoiceBar,
    ChoiceDialog,
    ConfirmDialog,
    Field,
    error_reason,
    hint,
)
from griddesk.console.widgets import localize_bindings
from griddesk.store import roster
from griddesk.store.compliance import cite
from griddesk.store.enums import ChangeReason, FilingStatus, GridType, Role
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.app import GridDeskApp

log = logging.getLogger(__name__)

CSS_PATH = "../styles/roster.tcss"
REASON_ARTICLES = "YC 8; BH 6"  # where the list of reasons for a grid change comes from
FILERS = (Role.SUPERVISOR, Role.ADMIN)


# --- small shared helpers ------------------------------------------------------------------------


def field_label(name: str) -> str:
    """A store field's name as a form label: "grid name" → "Grid name" (Chinese unchanged)."""
    text = t(f"field.{name}")
    return text[:1].upper() + text[1:]


def wid(name: str) -> str:
    """A store field name ("grid.name") as a widget id part ("grid-name")."""
    return name.replace(".", "-").replace("_", "-")


def may_write(app: GridDeskApp) -> bool:
    """Whether the roster's write keys show: the store decides, this only hides what it would
    refuse anyway (a wall account, a unit, a grid worker)."""
    return not app.actor.read_only and app.actor.role in roster.WRITERS


def may_file(app: GridDeskApp) -> bool:
    return not app.actor.read_only and app.actor.role in FILERS


def parse_int(value: str | None, fld: str, default: int = 0) -> int:
    if value is None or not value.strip():
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise Invalid("roster.error.not_count", field=fld, value=value) from None


def parse_date(value: str | None, fld: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("roster.error.bad_date", field=fld, value=value) from None


def local_time(app: GridDeskApp, at: Any) -> str:
    return at.astimezone(app.tz).strftime("%Y-%m-%d %H:%M") if at else ""


def wrote(app: GridDeskApp, message: str) -> None:
    """After this console wrote: say what happened and read the feed at once."""
    app.notify(message, timeout=8, markup=False)
    refresh = getattr(app, "refresh_now", None)
    if refresh is not None:
        refresh()


def reason_choices() -> list[tuple[str, str]]:
    return [(r.value, t(f"console_roster.reason_short.{r.value}")) for r in ChangeReason]


def reason_notes() -> dict[str, str]:
    """The reason's full name under the bar, with the articles that list it."""
    source = cite(REASON_ARTICLES, short=True)
    return {r.value: t("console_roster.form.reason_note", reason=code_name("roster.change_reason", r.value),
                       source=source) for r in ChangeReason}


def reason_pick(value: str = ChangeReason.OTHER) -> Pick:
    return Pick("grid_change.reason", field_label("grid_change.reason"), tuple(reason_choices()), value,
                notes=reason_notes())


def type_pick(value: str = GridType.COMPREHENSIVE) -> Pick:
    return Pick("grid.type", field_label("grid.type"),
                tuple((g.value, code_name("grid_type", g.value)) for g in GridType), value)


# --- the roster's form -------------------------------------------------------------------------------


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
    CSS_PATH = CSS_PATH
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
            yield Static(hint(("Enter", t("console_roster.form.next")), ("ctrl+s", t("console_roster.form.submit")),
                              ("←→ 1–9", t("console_roster.form.choose")), ("Esc", t("console_roster.form.cancel"))),
                         classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        if self.rows:
            self.widget(self.rows[0].name).focus()

    def widget(self, name: str) -> Input | ChoiceBar:
        return self.query_one(f"#f-{wid(name)}")  # type: ignore[return-value]

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
            self.query_one(f"#e-{wid(name)}", Static).update(Text(error_reason(e)))  # type: ignore[arg-type]
            self.widget(name).focus()  # type: ignore[arg-type]
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
            self.query_one("#form-error", Static).update(Text(str(e) or type(e).__name__))
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
        self.dismiss(None)


async def ask(app: GridDeskApp, dialog: ModalScreen[Any]) -> Any:
    """Open a dialog and wait for its answer (call from a worker)."""
    return await app.push_screen(dialog, wait_for_dismiss=True)


async def confirm(app: GridDeskApp, title: str, message: str) -> bool:
    return bool(await ask(app, ConfirmDialog(title, message)))


# --- the change as recorded ------------------------------------------------------------------------


def change_table(app: GridDeskApp, c: roster.ChangeRow) -> Table:
    """A recorded change as label/value lines (CJK-aligned by Rich)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    filing = code_name("roster.filing", c.filing_status)
    if c.filed_at:
        filing = t("console_roster.change.filed_at", filing=filing, at=local_time(app, c.filed_at))
    lines = [
        (t("console_roster.change.id"), str(c.id)),
        (t("console_roster.change.kind"), code_name("roster.change_kind", c.kind)),
        (t("console_roster.change.reason"), code_name("roster.change_reason", c.reason)),
        (t("console_roster.change.before"), "、".join(c.grid_codes) or "—"),
        (t("console_roster.change.after"), "、".join(c.result_codes) or "—"),
        (t("console_roster.change.who"), c.actor),
        (t("console_roster.change.at"), local_time(app, c.at)),
        (t("console_roster.change.filing"), filing),
    ]
    if c.note:
        lines.insert(3, (t("console_roster.change.note"), c.note))
    changed = (c.details or {}).get("changed")
    if changed:
        lines.append((t("console_roster.change.fields"),
                      "；".join(f"{t(f'field.grid.{k}')}: {v[0]} → {v[1]}" for k, v in changed.items())))
    released = (c.details or {}).get("released")
    if released:
        lines.append((t("console_roster.change.released"), t("console_roster.change.released_n", n=len(released))))
    for label, value in lines:
        table.add_row(label, Text(str(value)))
    return table


class ChangeDialog(ModalScreen[None]):
    """One recorded grid change; `f` files it (supervisor), Esc / Enter closes."""

    DEFAULT_CSS = DIALOG_CSS
    CSS_PATH = CSS_PATH
    BINDINGS = [
        Binding("f", "file", "console_roster.key.file"),
        Binding("escape,enter", "close", "console_roster.form.close"),
    ]

    def __init__(self, change: roster.ChangeRow) -> None:
        super().__init__(classes="gd-dialog roster-dialog")
        self.change = change

    @property
    def gd(self) -> GridDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box") as box:
            box.border_title = t("console_roster.change.title")
            yield Static(id="change-body")
            yield Static("", id="form-error", classes="gd-dialog-error")
            yield Static(id="change-hint", classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        self.show()

    def show(self) -> None:
        self.query_one("#change-body", Static).update(change_table(self.gd, self.change))
        pairs = [("Esc", t("console_roster.form.close"))]
        if self.check_action("file", ()):
            pairs.insert(0, ("f", t("console_roster.key.file")))
        self.query_one("#change-hint", Static).update(hint(*pairs))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "file":
            return may_file(self.gd) and self.change.filing_status == FilingStatus.PENDING
        return True

    def action_file(self) -> None:
        self.run_worker(self._file(), group="roster-file", exclusive=True, exit_on_error=False)

    async def _file(self) -> None:
        try:
            await roster.file_change(self.gd.store, self.gd.actor, self.change.id)
            found = [c for c in await roster.changes(self.gd.store, self.gd.actor) if c.id == self.change.id]
        except StoreError as e:
            self.query_one("#form-error", Static).update(Text(e.message()))
            return
        if found:
            self.change = found[0]
        self.show()
        self.refresh_bindings()
        wrote(self.gd, t("console_roster.change.filed", id=self.change.id))

    def action_close(self) -> None:
        self.dismiss(None)


async def show_change(app: GridDeskApp, code: str, kind: str) -> roster.ChangeRow | None:
    """Open the newest recorded change of `kind` touching grid `code` (just written)."""
    rows = [c for c in await roster.changes(app.store, app.actor, code) if c.kind == kind]
    if rows:
        await ask(app, ChangeDialog(rows[0]))
        return rows[0]
    return None


# --- the changes ---------------------------------------------------------------------------------
# Each flow runs in a worker: dialogs in order, the store call, the recorded change. They return
# the grid code to show afterwards (None when nothing was written).


def _spec_rows(g: roster.GridRow | None, village: str = "") -> list[Row]:
    return [
        Field("grid.name", field_label("grid.name"), value=g.name if g else ""),
        type_pick(g.type if g else GridType.COMPREHENSIVE),
        Field("grid.subtype", field_label("grid.subtype"), required=False, value=(g.subtype or "") if g else "",
              placeholder=t("console_roster.form.subtype_hint")),
        Field("grid.households", field_label("grid.households"), required=False, value=str(g.households) if g else "0"),
        Field("grid.population", field_label("grid.population"), required=False, value=str(g.population) if g else "0"),
        Field("grid.boundary", field_label("grid.boundary"), required=False, value=(g.boundary or "") if g else ""),
    ]


def _spec(values: dict[str, str | None]) -> roster.GridSpec:
    return roster.GridSpec(
        name=values.get("grid.name") or "", type=values.get("grid.type") or GridType.COMPREHENSIVE,
        subtype=values.get("grid.subtype"),
        households=parse_int(values.get("grid.households"), "grid.households"),
        population=parse_int(values.get("grid.population"), "grid.population"),
        boundary=values.get("grid.boundary"))


def _note() -> Field:
    return Field("note", t("console_roster.form.note"), required=False,
                 placeholder=t("console_roster.form.note_hint"))


async def create_flow(app: GridDeskApp, village_code: str, village_name: str) -> str | None:
    made: list[str] = []

    async def submit(v: dict[str, str | None]) -> Any:
        code = await roster.create_grid(app.store, app.actor, village_code, _spec(v),
                                        reason=v["grid_change.reason"] or "", note=v.get("note"),
                                        code=v.get("grid.code"))
        made.append(code)

    rows = [reason_pick(), *_spec_rows(None),
            Field("grid.code", field_label("grid.code"), required=False,
                  placeholder=t("console_roster.form.code_hint", village=village_code)), _note()]
    if not await ask(app, RosterForm(t("console_roster.create.title", village=village_name), rows, submit)):
        return None
    wrote(app, t("console_roster.create.done", code=made[0]))
    await show_change(app, made[0], "create")
    return made[0]


async def adjust_flow(app: GridDeskApp, g: roster.GridRow) -> str | None:
    diff: dict[str, Any] = {}

    async def submit(v: dict[str, str | None]) -> Any:
        spec = _spec(v)
        diff.update(await roster.adjust_grid(
            app.store, app.actor, g.code, v["grid_change.reason"] or "", v.get("note"),
            name=spec.name, type=spec.type, subtype=spec.subtype, households=spec.households,
            population=spec.population, boundary=spec.boundary))

    rows = [reason_pick(), *_spec_rows(g), _note()]
    if not await ask(app, RosterForm(t("console_roster.adjust.title", grid=g.name), rows, submit)):
        return None
    if not diff:
        app.notify(t("console_roster.adjust.nothing"), timeout=5)
        return None
    wrote(app, t("console_roster.adjust.done", grid=g.name))
    await show_change(app, g.code, "adjust")
    return g.code


def _share(total: int, parts: int, i: int) -> int:
    return total // parts + (1 if i < total % parts else 0)


async def split_flow(app: GridDeskApp, g: roster.GridRow) -> str | None:
    made: list[str] = []
    names = [t("console_roster.split.part_name", grid=g.name, n=t(f"console_roster.split.n{i}")) for i in (1, 2, 3)]

    async def submit(v: dict[str, str | None]) -> Any:
        parts: list[roster.GridSpec] = []
        for i in (1, 2, 3):
            name, hh = v.get(f"part{i}.name"), v.get(f"part{i}.households")
            if i == 3 and not name:
                continue
            households = parse_int(hh, f"part{i}.households")
            population = round(g.population * households / g.households) if g.households else 0
            spec = roster.GridSpec(name=name or "", type=g.type, subtype=g.subtype,
                                   households=households, population=population)
            try:
                parts.append(spec.checked())  # the store's rule, run per part to name the row
            except StoreError as e:
                field = {"grid.name": f"part{i}.name", "grid.households": f"part{i}.households"}.get(e.field or "")
                raise type(e)(e.key, field=field, **e.params) from None
        made.extend(await roster.split_grid(app.store, app.actor, g.code, parts,
                                            v["grid_change.reason"] or "", v.get("note")))

    rows: list[Row] = [reason_pick()]
    for i in (1, 2, 3):
        hh = _share(g.households, 2, i - 1) if i < 3 else 0
        rows.append(Field(f"part{i}.name", t("console_roster.split.name", n=t(f"console_roster.split.n{i}")),
                          required=i < 3, value=names[i - 1] if i < 3 else ""))
        rows.append(Field(f"part{i}.households", t("console_roster.split.households", n=t(f"console_roster.split.n{i}")),
                          required=False, value=str(hh) if i < 3 else ""))
    rows.append(_note())
    intro = t("console_roster.split.intro", grid=g.name, code=g.code, households=g.households)
    if not await ask(app, RosterForm(t("console_roster.split.title", grid=g.name), rows, submit, intro,
                                     alias={"grid.parts": "part1.name"})):
        return None
    wrote(app, t("console_roster.split.done", grid=g.name, codes="、".join(made)))
    await show_change(app, made[0], "split")
    return made[0]


async def merge_flow(app: GridDeskApp, g: roster.GridRow, siblings: list[roster.GridRow]) -> str | None:
    others = [s for s in siblings if s.code != g.code]
    if not others:
        app.notify(t("console_roster.merge.alone", grid=g.name), severity="warning", timeout=6)
        return None
    picked = await ask(app, ChoiceDialog(t("console_roster.merge.pick_title", grid=g.name),
                                         [(s.code, f"{s.name}（{s.code[-3:]}）") for s in others[:9]],
                                         t("console_roster.merge.pick_intro")))
    if not picked:
        return None
    other = next(s for s in others if s.code == picked)
    made: list[str] = []

    async def submit(v: dict[str, str | None]) -> Any:
        keep = v.get("grid.into")
        into = None if keep == "new" else keep
        spec = None
        if into is None:
            spec = roster.GridSpec(name=v.get("grid.name") or "", type=g.type, subtype=g.subtype,
                                   households=g.households + other.households,
                                   population=g.population + other.population)
        text = t("console_roster.merge.confirm", a=g.name, b=other.name,
                 result=(g.name if into == g.code else other.name if into else (v.get("grid.name") or "")))
        if not await confirm(app, t("console_roster.merge.title", grid=g.name), text):
            return STAY
        made.append(await roster.merge_grids(app.store, app.actor, [g.code, other.code],
                                             v["grid_change.reason"] or "", v.get("note"), into=into, spec=spec))

    keep = Pick("grid.into", field_label("grid.into"),
                ((g.code, t("console_roster.merge.keep", name=g.name)),
                 (other.code, t("console_roster.merge.keep", name=other.name)),
                 ("new", t("console_roster.merge.new"))), g.code)
    rows = [reason_pick(), keep,
            Field("grid.name", t("console_roster.merge.new_name"), required=False, value=g.name), _note()]
    intro = t("console_roster.merge.intro", a=g.name, b=other.name)
    if not await ask(app, RosterForm(t("console_roster.merge.title", grid=g.name), rows, submit, intro)):
        return None
    wrote(app, t("console_roster.merge.done", code=made[0]))
    await show_change(app, made[0], "merge")
    return made[0]


async def retire_flow(app: GridDeskApp, g: roster.GridRow) -> bool:
    detail = await roster.grid(app.store, app.actor, g.code)

    async def submit(v: dict[str, str | None]) -> Any:
        text = t("console_roster.retire.confirm", grid=g.name, code=g.code, tickets=detail.open_tickets,
                 people=len(detail.grid.members))
        if not await confirm(app, t("console_roster.retire.title", grid=g.name), text):
            return STAY
        await roster.retire_grid(app.store, app.actor, g.code, v["grid_change.reason"] or "", v.get("note"))

    intro = t("console_roster.retire.intro", grid=g.name, code=g.code)
    if not await ask(app, RosterForm(t("console_roster.retire.title", grid=g.name), [reason_pick(), _note()],
                                     submit, intro)):
        return False
    wrote(app, t("console_roster.retire.done", grid=g.name))
    await show_change(app, g.code, "retire")
    return True


# --- the change record ---------------------------------------------------------------------------


class ChangesScreen(GridScreen):
    """The grid change record, newest first (`:changes`): `p` pending only, `f` files, Enter shows."""

    ENTRY = "changes"
    TITLE_KEY = "console_roster.screen.changes"
    CSS_PATH = CSS_PATH
    BINDINGS = [
        Binding("f", "file", "console_roster.key.file"),
        Binding("p", "pending", "console_roster.key.pending"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, grid_code: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.grid_code = grid_code.strip()
        self.pending_only = not self.grid_code  # the supervisor's to-do by default
        self.rows: list[roster.ChangeRow] = []
        self.loads = 0

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="changes-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="changes-status", classes="roster-status")

    @property
    def table(self) -> DataTable:
        return self.query_one("#changes-table", DataTable)

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.grid_code:
            parts.append(self.grid_code)
        if self.pending_only:
            parts.append(code_name("roster.filing", FilingStatus.PENDING))
        return " › ".join(parts)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in ("id", "at", "kind", "reason", "before", "after", "who", "filing"):
            self.table.add_column(t(f"console_roster.change.{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self._fill()

    def reload(self) -> None:
        self.run_worker(self._load(), group="changes-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.rows = await roster.changes(self.gd.store, self.gd.actor, self.grid_code or None,
                                             pending_only=self.pending_only)
        except StoreError as e:
            self.query_one("#changes-status", Static).update(Text(e.message()))
            return
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        table = self.table
        keep = self.current()
        table.clear()
        for c in self.rows:
            table.add_row(str(c.id), local_time(self.gd, c.at), code_name("roster.change_kind", c.kind),
                          t(f"console_roster.reason_short.{c.reason}"), ",".join(c.grid_codes) or "—",
                          ",".join(c.result_codes) or "—", c.actor, code_name("roster.filing", c.filing_status),
                          key=str(c.id))
        if keep is not None:
            at = next((i for i, c in enumerate(self.rows) if c.id == keep.id), 0)
            table.move_cursor(row=at)
        pending = sum(1 for c in self.rows if c.filing_status == FilingStatus.PENDING)
        self.query_one("#changes-status", Static).update(
            Text(t("console_roster.change.count", n=len(self.rows), pending=pending), style="dim"))
        self.refresh_bindings()

    def current(self) -> roster.ChangeRow | None:
        if not self.rows or self.table.row_count == 0:
            return None
        i = self.table.cursor_row
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "file":
            c = self.current() if self.is_mounted else None
            return may_file(self.gd) and (c is None or c.filing_status == FilingStatus.PENDING)
        return True

    @on(DataTable.RowHighlighted, "#changes-table")
    def _moved(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#changes-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        c = self.current()
        if c is not None:
            self.app.push_screen(ChangeDialog(c), lambda _: self.reload())

    def action_file(self) -> None:
        c = self.current()
        if c is None or c.filing_status != FilingStatus.PENDING:
            return
        self.run_worker(self._file(c), group="roster-file", exclusive=True, exit_on_error=False)

    async def _file(self, c: roster.ChangeRow) -> None:
        try:
            await roster.file_change(self.gd.store, self.gd.actor, c.id)
        except StoreError as e:
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        wrote(self.gd, t("console_roster.change.filed", id=c.id))
        await self._load()

    def action_pending(self) -> None:
        self.pending_only = not self.pending_only
        self.update_where()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if "grid" in message.entities:
            self.reload()
