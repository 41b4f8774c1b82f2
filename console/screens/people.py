"""People (F8): grid leaders, full-time, part-time and professional workers, instructors, seat
operators — and the forms that change them.

The list (a `LineList`: only the rows on screen are painted) shows name, role, phone, the
grids each holds (with the role held there), training date and status; under it, everything
about the highlighted person. `/` filters (name, pinyin, initials, phone tail —
`store.search`'s rules), `o` cycles the role shown, `l` shows those who left too.

Writer keys: `n` new person, `e` / Enter edit (role, contact, sending unit for a professional,
training and certificate dates), `a` put on a grid with a role, `u` release from a grid, `v`
record an annual review (two failures in a row mean exit, YC 17), `x` leaves (with the reason;
it ends every assignment — asks first). The store checks every rule; its message comes back
beside the field.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static

from griddesk.console.coalesce import Coalesced
from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.dialogs import STAY, ChoiceDialog, Field, ask, confirm, wrote
from griddesk.console.widgets.form import Pick, RosterForm, Row, field_label, parse_date
from griddesk.console.widgets.hit_picker import HitPicker
from griddesk.console.widgets.line_list import Cell, Column, LineList, LineRow
from griddesk.store import permissions, roster, search
from griddesk.store.compliance import cite
from griddesk.store.enums import MANDATORY_EXIT, LeaveReason, PersonRole, PersonStatus
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

WIDE = 100  # below this many columns roles are named in short
SAMPLE = 500  # rows measured for the name and phone columns (never every person of a county)
NAME_MOST, PHONE_MOST = 12, 15
ROLE_CYCLE: tuple[str | None, ...] = (None, *(r.value for r in PersonRole))


def role_pick(name: str, roles: tuple[str, ...], value: str | None) -> Pick:
    return Pick(name, field_label(name), tuple((r, t(f"console_roster.role_short.{r}")) for r in roles),
                value if value in roles else roles[0], notes={r: code_name("person_role", r) for r in roles})


# --- flows shared with the tree ------------------------------------------------------------------


async def _unit_code(app: Shell, text: str | None) -> str | None:
    """A unit typed by code or by (part of) its name: the one unit it names, else as typed (the
    store then says it does not know it)."""
    if not text:
        return None
    hits = await search.search(app.store, app.actor, text, limit=5, kinds=("unit",))
    exact = [h for h in hits if h.key.lower() == text.lower() or h.name == text]
    if exact:
        return exact[0].key
    return hits[0].key if len(hits) == 1 else text


def _default_role(grid: roster.GridRow | None, person_role: str | None) -> str:
    """What the grid lacks first (a leader, then a full-time worker), else the person's role."""
    if grid is not None:
        for role in (PersonRole.LEADER, PersonRole.FULL_TIME):
            if not grid.holding(role):
                return role
    return person_role if person_role in roster.GRID_ROLES else PersonRole.FULL_TIME


async def assign_flow(app: Shell, grid: roster.GridRow | None = None,
                      person: roster.PersonRow | None = None) -> str | None:
    """Put a person on a grid with the role held there; returns the grid's code when done."""
    if person is None:
        assert grid is not None
        hit = await ask(app, HitPicker(t("console_roster.assign.pick_person", grid=grid.name), "person",
                                       t("console_roster.assign.person_intro")))
        if hit is None:
            return None
        person = await roster.person(app.store, app.actor, int(hit.key))
    if grid is None:
        hit = await ask(app, HitPicker(t("console_roster.assign.pick_grid", name=person.name), "grid"))
        if hit is None:
            return None
        found = await roster.grids(app.store, app.actor, hit.key[:12])
        grid = next((g for g in found if g.code == hit.key), None)
        if grid is None:
            return None
    g, p = grid, person

    async def submit(v: dict[str, str | None]) -> Any:
        await roster.assign(app.store, app.actor, p.id, g.code, v["assignment.role"] or "",
                            since=parse_date(v.get("since"), "since"))

    role = role_pick("assignment.role", tuple(r.value for r in roster.GRID_ROLES), _default_role(g, p.role))
    rows: list[Row] = [
        role,
        Field("since", t("console_roster.assign.since"), required=False,
              placeholder=t("console_roster.form.date_hint"))]
    intro = t("console_roster.assign.intro", name=p.name, role=code_name("person_role", p.role), grid=g.name)
    if not await ask(app, RosterForm(t("console_roster.assign.title", grid=g.name), rows, submit, intro)):
        return None
    wrote(app, t("console_roster.assign.done", name=p.name, grid=g.name))
    return g.code


async def unassign_flow(app: Shell, grid: roster.GridRow, person_id: int | None = None) -> str | None:
    """Release one person (or the chosen one of several) from a grid."""
    d = await roster.grid(app.store, app.actor, grid.code)
    members = [m for m in d.grid.members if person_id is None or m.person_id == person_id]
    if not members:
        app.notify(t("console_roster.unassign.nobody", grid=grid.name), severity="warning", timeout=6)
        return None
    choices = [(str(m.assignment_id), f"{code_name('person_role', m.role)}  {m.name}") for m in members[:9]]
    picked = await ask(app, ChoiceDialog(t("console_roster.unassign.title", grid=grid.name), choices,
                                         t("console_roster.unassign.intro")))
    if picked is None:
        return None
    m = next(m for m in members if str(m.assignment_id) == picked)
    if not await confirm(app, t("console_roster.unassign.title", grid=grid.name),
                         t("console_roster.unassign.confirm", name=m.name, role=code_name("person_role", m.role),
                           grid=grid.name)):
        return None
    try:
        await roster.unassign(app.store, app.actor, m.assignment_id)
    except StoreError as e:
        app.notify(e.message(), severity="error", timeout=10, markup=False)
        return None
    wrote(app, t("console_roster.unassign.done", name=m.name, grid=grid.name))
    return grid.code


def _person_rows(p: roster.PersonRow | None) -> list[Any]:
    def date_field(name: str, value: Any) -> Field:
        return Field(name, field_label(name), required=False, value=value.isoformat() if value else "",
                     placeholder=t("console_roster.form.date_hint"))

    return [
        Field("person.name", field_label("person.name"), value=p.name if p else ""),
        role_pick("person.role", tuple(r.value for r in PersonRole), p.role if p else PersonRole.FULL_TIME),
        Field("person.phone", field_label("person.phone"), required=False, value=(p.phone or "") if p else ""),
        Field("person.unit_code", field_label("person.unit_code"), required=False,
              value=(p.unit_code or "") if p else "", placeholder=t("console_roster.person.unit_hint")),
        Field("person.area_code", field_label("person.area_code"), required=False,
              value=(p.area_code or "") if p else "", placeholder=t("console_roster.person.area_hint")),
        date_field("person.trained_on", p.trained_on if p else None),
        date_field("person.certificate_on", p.certificate_on if p else None),
    ]


async def _values(app: Shell, v: dict[str, str | None]) -> dict[str, Any]:
    return dict(name=v.get("person.name") or "", role=v.get("person.role") or "", phone=v.get("person.phone"),
                unit_code=await _unit_code(app, v.get("person.unit_code")),
                area_code=v.get("person.area_code"),
                trained_on=parse_date(v.get("person.trained_on"), "person.trained_on"),
                certificate_on=parse_date(v.get("person.certificate_on"), "person.certificate_on"))


async def create_person_flow(app: Shell) -> int | None:
    made: list[int] = []

    async def submit(v: dict[str, str | None]) -> Any:
        made.append(await roster.create_person(app.store, app.actor, roster.PersonSpec(**await _values(app, v))))

    if not await ask(app, RosterForm(t("console_roster.person.new_title"), _person_rows(None), submit)):
        return None
    wrote(app, t("console_roster.person.created"))
    return made[0]


async def edit_person_flow(app: Shell, p: roster.PersonRow) -> int | None:
    diff: dict[str, Any] = {}

    async def submit(v: dict[str, str | None]) -> Any:
        values = await _values(app, v)
        if not values["area_code"]:
            values.pop("area_code")  # blank keeps the area it has
        diff.update(await roster.update_person(app.store, app.actor, p.id, **values))

    if not await ask(app, RosterForm(t("console_roster.person.edit_title", name=p.name), _person_rows(p), submit)):
        return None
    if not diff:
        app.notify(t("console_roster.person.nothing"), timeout=5)
        return None
    wrote(app, t("console_roster.person.saved", name=p.name,
                 fields="、".join(t(f"field.person.{'unit_code' if k == 'unit_id' else k}") for k in diff)))
    return p.id


async def leave_flow(app: Shell, p: roster.PersonRow) -> int | None:
    source = cite("YC 17", short=True)
    notes = {r.value: t("console_roster.leave.reason_note", reason=t(f"roster.leave_reason.{r}"),
                  source=source if r in MANDATORY_EXIT else "") for r in LeaveReason}
    choices = tuple((r.value, t(f"console_roster.leave_short.{r}")) for r in LeaveReason)
    default = LeaveReason.FAILED_REVIEWS if p.failed_reviews >= 2 else LeaveReason.RESIGNED

    async def submit(v: dict[str, str | None]) -> Any:
        on = parse_date(v.get("left_on"), "left_on")
        if not await confirm(app, t("console_roster.leave.title", name=p.name),
                             t("console_roster.leave.confirm", name=p.name, grids=len(p.grids))):
            return STAY
        await roster.person_leaves(app.store, app.actor, p.id, v.get("person.left_reason") or "", on=on,
                                   note=v.get("person.left_note"))

    rows: list[Row] = [Pick("person.left_reason", field_label("person.left_reason"), choices, default, notes=notes),
            Field("left_on", t("console_roster.leave.on"), required=False,
                  placeholder=t("console_roster.form.date_hint")),
            Field("person.left_note", field_label("person.left_note"), required=False)]
    intro = t("console_roster.leave.intro", name=p.name, grids="、".join(n for _c, n, _r in p.grids) or "—")
    if not await ask(app, RosterForm(t("console_roster.leave.title", name=p.name), rows, submit, intro)):
        return None
    wrote(app, t("console_roster.leave.done", name=p.name))
    return p.id


async def review_flow(app: Shell, p: roster.PersonRow) -> int | None:
    picked = await ask(app, ChoiceDialog(t("console_roster.review.title", name=p.name),
                                         [("pass", t("console_roster.review.pass")),
                                          ("fail", t("console_roster.review.fail"))],
                                         t("console_roster.review.intro", n=p.failed_reviews)))
    if picked is None:
        return None
    failures = await roster.record_review(app.store, app.actor, p.id, picked == "pass")
    key = "console_roster.review.exit" if failures >= 2 else "console_roster.review.done"
    wrote(app, t(key, name=p.name, n=failures, source=cite("YC 17", short=True)))
    return p.id


# --- the screen -------------------------------------------------------------------------------


class PeopleScreen(GridScreen):
    ENTRY = "people"
    TITLE_KEY = "console_roster.screen.people"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("slash", "filter", "console_roster.key.filter"),
        Binding("o", "role", "console_roster.key.role"),
        Binding("l", "left", "console_roster.key.show_left"),
        Binding("n", "create", "console_roster.key.new_person"),
        Binding("e", "edit", "console_roster.key.edit"),
        Binding("a", "assign", "console_roster.key.assign"),
        Binding("u", "unassign", "console_roster.key.unassign"),
        Binding("v", "review", "console_roster.key.review"),
        Binding("x", "leave", "console_roster.key.leave"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]
    WRITES = ("create", "edit", "assign", "unassign", "review", "leave")

    def __init__(self, focus: int | None = None, role: str | None = None, include_left: bool = False,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.focus_id = focus
        self.role = role
        self.include_left = include_left
        self.text = ""
        self.rows: list[roster.PersonRow] = []
        self.loads = 0
        self._people_reads = Coalesced(self._read_people)
        self._debounce: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("console_roster.people.filter_placeholder"), id="people-filter")
        # a LineList: a county's 30,000 people are data; only the rows on screen are painted
        yield LineList(self._describe, self._columns, id="people-table")
        with VerticalScroll(id="people-detail"):
            yield Static(id="people-info")
        yield Static(id="people-status", classes="roster-status")

    @property
    def table(self) -> LineList:
        return self.query_one("#people-table", LineList)

    @property
    def filter_box(self) -> Input:
        return self.query_one("#people-filter", Input)

    def on_mount(self) -> None:
        self.filter_box.display = False
        self.table.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.role:
            parts.append(code_name("person_role", self.role))
        if self.include_left:
            parts.append(t("console_roster.people.with_left"))
        if self.text:
            parts.append(f"/{self.text}")
        return " › ".join(parts)

    def _short(self) -> bool:
        return self.app.size.width < WIDE  # keep the training and status columns in sight

    def _role_name(self, role: str) -> str:
        return t(f"console_roster.role_short.{role}") if self._short() else code_name("person_role", role)

    def _columns(self, width: int) -> list[Column]:
        """Fixed widths from the role and status names and a sample of names and phones; the
        grids column takes the rest."""
        def label(key: str) -> str:
            return t(f"console_roster.people.col_{key}")

        sample = self.rows[:SAMPLE]
        name = min(max([cell_len(p.name) for p in sample] + [cell_len(label("name"))]), NAME_MOST)
        phone = min(max([cell_len(p.phone or "") for p in sample] + [cell_len(label("phone"))]), PHONE_MOST)
        role = max(cell_len(x) for x in [label("role"), *(self._role_name(r) for r in PersonRole)])
        trained = max(cell_len(x) for x in (label("trained"), "2000-01-01", t("console_roster.people.untrained")))
        status = max(cell_len(x) for x in [label("status"),
                                           *(code_name("roster.person_status", s) for s in PersonStatus)])
        return [Column("name", label("name"), name), Column("role", label("role"), role),
                Column("phone", label("phone"), phone), Column("grids", label("grids")),
                Column("trained", label("trained"), trained), Column("status", label("status"), status)]

    def _describe(self, p: roster.PersonRow) -> list[Cell]:
        style = "dim" if p.status != PersonStatus.ACTIVE else ""
        grids = p.grids[0][1] if p.grids else "—"
        if len(p.grids) > 1:
            grids = t("console_roster.people.more_grids", first=grids, more=len(p.grids) - 1)
        trained = p.trained_on.isoformat() if p.trained_on else ""
        trained_cell = (trained or t("console_roster.people.untrained"),
                        "yellow" if not trained and p.role == PersonRole.FULL_TIME else "dim")
        return [(p.name, style), (self._role_name(p.role), style), (p.phone or "", style), (grids, style),
                trained_cell, (code_name("roster.person_status", p.status), style)]

    def relabel(self) -> None:
        self.filter_box.placeholder = t("console_roster.people.filter_placeholder")
        self.table.relabel()
        self._fill()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.table.redraw_rows()  # short or full role names

    def set_arg(self, arg: str) -> None:
        self.text = arg.strip()
        self.update_where()
        self.reload()

    # --- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        # its own loop, not GridScreen's: a refusal goes to the status line, and the table stays
        if self._people_reads.ask():
            self.run_worker(self._load(), group="people-load", exit_on_error=False)

    async def _load(self) -> None:
        try:
            await self._people_reads.run()
        except StoreError as e:
            self.query_one("#people-status", Static).update(Text(e.message(), style="red"))

    async def _read_people(self) -> None:
        store, actor = self.gd.store, self.gd.actor
        rows = await roster.people(store, actor, role=self.role, include_left=self.include_left)
        if self.text:
            hits = await search.search(store, actor, self.text, limit=1000, kinds=("person",),
                                       include_inactive=self.include_left)
            rank = {int(h.key): i for i, h in enumerate(hits)}
            rows = sorted((r for r in rows if r.id in rank), key=lambda r: rank[r.id])
        self.rows = rows
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        """Hand the rows to the list: the cursor stays on its person (by id), or goes to the
        person a flow asked for."""
        table = self.table
        keep = self.focus_id
        self.focus_id = None
        table.set_rows([LineRow(str(p.id), p) for p in self.rows])
        table.redraw_rows()  # the name and phone widths follow the rows
        if keep is not None:
            table.move_to_key(str(keep))
        if table.cursor is None and self.rows:
            table.move_to(0)
        self.show_detail()
        self.query_one("#people-status", Static).update(
            Text(t("console_roster.people.count", n=len(self.rows)), style="dim"))

    def current(self) -> roster.PersonRow | None:
        value = self.table.cursor_value
        return value if isinstance(value, roster.PersonRow) else None

    @on(LineList.Highlighted, "#people-table")
    def _moved(self, event: LineList.Highlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        p = self.current()
        info = self.query_one("#people-info", Static)
        self.refresh_bindings()
        if p is None:
            info.update(Text(t("console_roster.people.empty"), style="dim"))
            return
        rows: list[tuple[str, str]] = [
            (field_label("person.role"), code_name("person_role", p.role)),
            (field_label("person.phone"), p.phone or "—"),
            (field_label("person.area_code"), f"{p.area_name or ''} {p.area_code or ''}".strip() or "—"),
        ]
        if p.unit:
            rows.append((field_label("person.unit_code"), f"{p.unit}（{p.unit_code}）"))
        rows += [(field_label("person.trained_on"), p.trained_on.isoformat() if p.trained_on else "—"),
                 (field_label("person.certificate_on"), p.certificate_on.isoformat() if p.certificate_on else "—"),
                 (t("console_roster.people.reviews"), t("console_roster.people.failed_n", n=p.failed_reviews)),
                 (field_label("person.status"), code_name("roster.person_status", p.status))]
        if p.status != PersonStatus.ACTIVE:
            reason = t(f"roster.leave_reason.{p.left_reason}") if p.left_reason else "—"
            if p.left_note:
                reason = f"{reason}：{p.left_note}"
            rows.append((field_label("person.left_reason"),
                         f"{p.left_on.isoformat() if p.left_on else ''} {reason}".strip()))
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="bold", no_wrap=True)
        fields.add_column()
        for label, value in rows:
            fields.add_row(label, Text(value))
        grids = Table.grid(padding=(0, 2))
        grids.add_column(no_wrap=True)
        grids.add_column()
        grids.add_column(style="dim", no_wrap=True)
        for code, name, role in p.grids:
            grids.add_row(code_name("person_role", role), Text(name), code)
        parts: list[Any] = [Text(p.name, style="bold"), fields]
        if p.grids:
            parts += [Text(t("console_roster.people.on_grids"), style="bold"), grids]
        info.update(Group(*parts))

    # --- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITES:
            if not permissions.may_write(self.gd.actor, permissions.CENTRE):
                return False
            if action == "create" or not self.is_mounted:
                return True
            p = self.current()
            if p is None or p.status != PersonStatus.ACTIVE:
                return False
            if action == "unassign":
                return bool(p.grids)
            return True
        return True

    def _flow(self, coro: Any) -> None:
        self.run_worker(self._run(coro), group="people-write", exclusive=True, exit_on_error=False)

    async def _run(self, coro: Any) -> None:
        try:
            shown = await coro
        except StoreError as e:
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        if isinstance(shown, int):
            self.focus_id = shown
        self.reload()

    def _with_person(self, make: Any) -> None:
        p = self.current()
        writes = permissions.may_write(self.gd.actor, permissions.CENTRE)
        if p is not None and p.status == PersonStatus.ACTIVE and writes:
            self._flow(make(p))

    def action_create(self) -> None:
        if permissions.may_write(self.gd.actor, permissions.CENTRE):
            self._flow(create_person_flow(self.gd))

    def action_edit(self) -> None:
        self._with_person(lambda p: edit_person_flow(self.gd, p))

    def action_assign(self) -> None:
        async def run(p: roster.PersonRow) -> int | None:
            return p.id if await assign_flow(self.gd, person=p) else None
        self._with_person(run)

    def action_unassign(self) -> None:
        async def run(p: roster.PersonRow) -> int | None:
            if len(p.grids) == 1:
                code = p.grids[0][0]
            else:
                code = await ask(self.gd, ChoiceDialog(
                    t("console_roster.unassign.pick_grid", name=p.name),
                    [(c, f"{name}（{code_name('person_role', r)}）") for c, name, r in p.grids[:9]]))
                if code is None:
                    return None
            found = [g for g in await roster.grids(self.gd.store, self.gd.actor, code[:12]) if g.code == code]
            if not found:
                return None
            return p.id if await unassign_flow(self.gd, found[0], person_id=p.id) else None
        self._with_person(run)

    def action_review(self) -> None:
        self._with_person(lambda p: review_flow(self.gd, p))

    def action_leave(self) -> None:
        self._with_person(lambda p: leave_flow(self.gd, p))

    def action_role(self) -> None:
        at = ROLE_CYCLE.index(self.role) if self.role in ROLE_CYCLE else 0
        self.role = ROLE_CYCLE[(at + 1) % len(ROLE_CYCLE)]
        self.update_where()
        self.reload()

    def action_left(self) -> None:
        self.include_left = not self.include_left
        self.update_where()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    @on(LineList.Selected, "#people-table")
    def _selected(self, event: LineList.Selected) -> None:
        if self.check_action("edit", ()):
            self.action_edit()

    # --- the filter box ----------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.filter_box
        box.value = self.text
        box.display = True
        box.focus()

    @on(Input.Changed, "#people-filter")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value.strip()
        self._debounce = self.set_timer(0.25, lambda: self._set_text(value))

    def _set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update_where()
            self.reload()

    @on(Input.Submitted, "#people-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._set_text(event.value.strip())
        self.filter_box.display = False
        self.table.focus()

    def action_back(self) -> None:
        if self.filter_box.display and self.filter_box.has_focus:
            self.filter_box.display = False
            self.table.focus()
            return
        if self.text:
            self._set_text("")
            return
        self.gd.go_back()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if {"person", "grid", "unit"} & message.entities.keys():
            self.reload()
