"""Grid changes by key — create, adjust, split, merge, retire — and the change record (备案).

Each change asks for a reason from the regulations' list (YC 8, BH 6: administrative change,
major demolition or population movement, a department's request, other) and a note, writes
through one `store.roster` call, and then shows the change as it was recorded: what it did,
why, who, when, and its filing status. A supervisor files it (`f`) there or in the change record
(`:changes`). Retire and merge ask for a y/n confirmation first; nothing here decides a rule —
the store refuses, and its message comes back beside the field it names.

The flows are built from `widgets.form.RosterForm` and `widgets.dialogs`; the change record
screen (`:changes`) is `screens.changes`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.dialogs import DIALOG_CSS, STAY, ChoiceDialog, Field, ask, confirm, hint, wrote
from griddesk.console.widgets.form import FORM_CSS, Pick, RosterForm, Row, field_label, parse_int
from griddesk.store import permissions, roster
from griddesk.store.compliance import cite
from griddesk.store.enums import ChangeReason, FilingStatus, GridChangeKind, GridType
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

REASON_ARTICLES = "YC 8; BH 6"  # where the list of reasons for a grid change comes from


def may_file(app: Shell) -> bool:
    """Whether a recorded change may be filed (备案): the store decides, this hides the key."""
    return permissions.may_write(app.actor, permissions.SUPERVISORS)


def local_time(app: Shell, at: Any) -> str:
    return at.astimezone(app.tz).strftime("%Y-%m-%d %H:%M") if at else ""


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


# --- the change as recorded ------------------------------------------------------------------------


def change_table(app: Shell, c: roster.ChangeRow) -> Table:
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
    CSS_PATH = FORM_CSS
    BINDINGS = [
        Binding("f", "file", "console_roster.key.file"),
        Binding("escape,enter", "close", "console_roster.form.close"),
    ]

    def __init__(self, change: roster.ChangeRow) -> None:
        super().__init__(classes="gd-dialog roster-dialog")
        self.change = change

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

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


async def show_change(app: Shell, code: str, kind: GridChangeKind) -> roster.ChangeRow | None:
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


async def create_flow(app: Shell, village_code: str, village_name: str) -> str | None:
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
    await show_change(app, made[0], GridChangeKind.CREATE)
    return made[0]


async def adjust_flow(app: Shell, g: roster.GridRow) -> str | None:
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
    await show_change(app, g.code, GridChangeKind.ADJUST)
    return g.code


def _share(total: int, parts: int, i: int) -> int:
    return total // parts + (1 if i < total % parts else 0)


async def split_flow(app: Shell, g: roster.GridRow) -> str | None:
    made: list[str] = []
    detail = await roster.grid(app.store, app.actor, g.code)
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
        to = int(v.get("grid.tickets_to") or "1") - 1
        if not 0 <= to < len(parts):  # the third part was chosen but left unnamed
            raise Invalid("roster.error.split_tickets_to", field="grid.tickets_to", n=len(parts))
        # confirm like merge and retire do: what is retired, where the open tickets go
        text = t("console_roster.split.confirm", grid=g.name, parts="、".join(p.name for p in parts),
                 tickets=detail.open_tickets, to=parts[to].name, people=len(detail.grid.members))
        if not await confirm(app, t("console_roster.split.title", grid=g.name), text):
            return STAY
        made.extend(await roster.split_grid(app.store, app.actor, g.code, parts,
                                            v["grid_change.reason"] or "", v.get("note"), tickets_to=to))

    rows: list[Row] = [reason_pick()]
    for i in (1, 2, 3):
        hh = _share(g.households, 2, i - 1) if i < 3 else 0
        rows.append(Field(f"part{i}.name", t("console_roster.split.name", n=t(f"console_roster.split.n{i}")),
                          required=i < 3, value=names[i - 1] if i < 3 else ""))
        households = t("console_roster.split.households", n=t(f"console_roster.split.n{i}"))
        rows.append(Field(f"part{i}.households", households,
                          required=False, value=str(hh) if i < 3 else ""))
    heirs = tuple((str(i), t("console_roster.split.name", n=t(f"console_roster.split.n{i}"))) for i in (1, 2, 3))
    rows.append(Pick("grid.tickets_to", t("console_roster.split.tickets_to"), heirs, "1"))
    rows.append(_note())
    intro = t("console_roster.split.intro", grid=g.name, code=g.code, households=g.households)
    if not await ask(app, RosterForm(t("console_roster.split.title", grid=g.name), rows, submit, intro,
                                     alias={"grid.parts": "part1.name"})):
        return None
    wrote(app, t("console_roster.split.done", grid=g.name, codes="、".join(made)))
    await show_change(app, made[0], GridChangeKind.SPLIT)
    return made[0]


async def merge_flow(app: Shell, g: roster.GridRow, siblings: list[roster.GridRow]) -> str | None:
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
    rows: list[Row] = [reason_pick(), keep,
            Field("grid.name", t("console_roster.merge.new_name"), required=False, value=g.name), _note()]
    intro = t("console_roster.merge.intro", a=g.name, b=other.name)
    if not await ask(app, RosterForm(t("console_roster.merge.title", grid=g.name), rows, submit, intro)):
        return None
    wrote(app, t("console_roster.merge.done", code=made[0]))
    await show_change(app, made[0], GridChangeKind.MERGE)
    return made[0]


async def retire_flow(app: Shell, g: roster.GridRow) -> bool:
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
    await show_change(app, g.code, GridChangeKind.RETIRE)
    return True
