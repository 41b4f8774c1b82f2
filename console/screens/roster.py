"""The area tree (F5): county → town → village/community → grid → micro-grid, by keys.

Left, the tree (↑↓ move, → / Enter open, ← close or go up); right, what the cursor is on: an
area's code, kind, population and households; a grid's code, type, households, population, range,
notice card state and the people on it with their roles and phones (then its micro-grids, ticket
counts and pending changes, read in a worker).

On a grid the writer keys act (`console.screens.grid_change`, `people`): `n` new grid (on a
village too), `e` adjust, `s` split, `m` merge, `x` retire, `a` assign a person, `u` release one,
`c` its notice card, `h` its change record; `t` shows retired grids. The footer shows only what
this operator may do on the node under the cursor. The tree re-reads when the change feed reports
a grid, person or area change, keeping what was open and where the cursor was.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens import grid_change as gc
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.changes import ChangesScreen
from griddesk.console.widgets import run_latest
from griddesk.console.widgets.plain import plain
from griddesk.store import permissions, roster
from griddesk.store.enums import FilingStatus, GridStatus, Level, PersonRole
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t

Key = tuple[str, str]  # ("area" | "grid" | "micro", code)
GRID_WRITES = ("adjust", "split", "merge", "retire", "assign", "unassign")


def seq(code: str) -> str:
    return code[-3:]


class AreaTree(Tree[Key]):
    """The tree with file-manager arrows: → opens (or steps in), ← closes (or steps up)."""

    BINDINGS = [
        Binding("right", "open_node", "console_roster.key.open_node", show=False),
        Binding("left", "close_node", "console_roster.key.close_node", show=False),
    ]

    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is None or not node.children:
            return
        if not node.is_expanded:
            node.expand()
        else:
            self.move_cursor(node.children[0])

    def action_close_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)


class RosterScreen(GridScreen):
    ENTRY = "roster"
    READ_FAILED_KEY = "console_roster.read_failed"
    TITLE_KEY = "console_roster.screen.roster"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("n", "create", "console_roster.key.create"),
        Binding("e", "adjust", "console_roster.key.adjust"),
        Binding("s", "split", "console_roster.key.split"),
        Binding("m", "merge", "console_roster.key.merge"),
        Binding("x", "retire", "console_roster.key.retire"),
        Binding("a", "assign", "console_roster.key.assign"),
        Binding("u", "unassign", "console_roster.key.unassign"),
        Binding("c", "card", "console_roster.key.card"),
        Binding("h", "changes", "console_roster.key.changes"),
        Binding("t", "retired", "console_roster.key.retired"),
        Binding("slash", "search", "console_roster.key.search"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, focus: str = "", retired: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.focus_code = focus.strip()
        self.show_retired = retired
        self.roots: list[roster.AreaNode] = []
        self.areas: dict[str, roster.AreaNode] = {}
        self.grid_rows: dict[str, roster.GridRow] = {}
        self.micro: dict[str, tuple[roster.MicroGridRow, str]] = {}
        self.nodes: dict[Key, TreeNode[Key]] = {}
        self.detail_of: roster.GridDetail | None = None

    # --- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="roster-body"):
            tree = AreaTree(t("console_roster.tree.root"), id="roster-tree")
            tree.show_root = False
            tree.guide_depth = 2
            yield tree
            with VerticalScroll(id="roster-detail"):
                yield Static(id="roster-info")
                yield Static(id="roster-more")
        yield Static(id="roster-status", classes="roster-status")

    @property
    def area_tree(self) -> AreaTree:
        return self.query_one("#roster-tree", AreaTree)

    def on_mount(self) -> None:
        self.area_tree.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.show_retired:
            parts.append(t("console_roster.tree.with_retired"))
        return " › ".join(parts)

    def relabel(self) -> None:
        self._build()

    def set_arg(self, arg: str) -> None:
        """`:roster CODE` while the tree is open: go to that area or grid."""
        if arg.strip():
            self.focus_code = arg.strip()
            self.reload()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> None:
        roots = await roster.tree(self.gd.store, self.gd.actor, include_retired=self.show_retired)
        # a town operator's tree comes with its city above the county: start at the county
        while len(roots) == 1 and not roots[0].in_scope and roots[0].level == Level.CITY:
            roots = roots[0].children
        self.roots = roots

    def show(self) -> None:
        if not self.error:
            self._build()
        self._status()

    def _build(self) -> None:
        """(Re)fill the tree from `self.roots`, keeping what was open and the cursor's node."""
        tree = self.area_tree
        was_open = {k for k, n in self.nodes.items() if n.is_expanded}
        first = not self.nodes
        at: Key | None = tree.cursor_node.data if tree.cursor_node is not None else None
        if self.focus_code:
            at = self._key_for(self.focus_code)
        # where to go when the node under the cursor is gone (a grid split, merged or retired)
        fallback = self._parent_code(at) if at is not None else None
        self.areas, self.grid_rows, self.micro, self.nodes = {}, {}, {}, {}
        tree.clear()
        for r in self.roots:
            self._add_area(tree.root, r)
        if at is not None and at not in self.nodes:
            at = fallback if fallback in self.nodes else None
        if first or self.focus_code:
            # open the operator's own area down to its villages
            for code in self.nodes:
                if code[0] == "area" and self.gd.actor.jurisdiction.startswith(code[1]):
                    was_open.add(code)
        if at is not None:
            parent = self._parent_code(at)
            while parent is not None:
                was_open.add(parent)
                parent = self._parent_code(parent)
        for key in was_open:
            node = self.nodes.get(key)
            if node is not None and node.children:
                node.expand()
        target = self.nodes.get(at) if at is not None else None
        if target is None and tree.root.children:
            target = tree.root.children[0]
        self.focus_code = ""
        if target is not None:
            tree.call_after_refresh(tree.move_cursor, target)
        self.show_detail(target.data if target is not None else None)

    def _key_for(self, code: str) -> Key | None:
        """The tree key of a code: an area, a grid, or a micro-grid (whichever it is)."""
        for kind in ("grid", "micro", "area"):
            if (kind, code) in self.nodes:
                return (kind, code)
        if len(code) == 15:
            return ("grid", code)
        if len(code) == 18:
            return ("micro", code)
        return ("area", code)

    def _parent_code(self, key: Key) -> Key | None:
        kind, code = key
        if kind == "micro":
            found = self.micro.get(code)
            return ("grid", found[1]) if found else None
        if kind == "grid":
            g = self.grid_rows.get(code)
            return ("area", g.area_code) if g else None
        a = self.areas.get(code)
        return ("area", a.parent_code) if a and a.parent_code and a.parent_code in self.areas else None

    def _add_area(self, parent: TreeNode[Key], a: roster.AreaNode) -> None:
        self.areas[a.code] = a
        node = parent.add(self._area_label(a), data=("area", a.code), expand=False)
        self.nodes[("area", a.code)] = node
        for child in a.children:
            self._add_area(node, child)
        for g in a.grids:
            self.grid_rows[g.code] = g
            gnode = node.add(self._grid_label(g), data=("grid", g.code), expand=False,
                             allow_expand=bool(g.micro_grids))
            self.nodes[("grid", g.code)] = gnode
            for m in g.micro_grids:
                self.micro[m.code] = (m, g.code)
                self.nodes[("micro", m.code)] = gnode.add_leaf(self._micro_label(m), data=("micro", m.code))
        if not node.children:
            node.allow_expand = False

    def _area_label(self, a: roster.AreaNode) -> Text:
        text = Text(a.name, style="" if a.in_scope else "dim")
        if a.level in (Level.TOWN, Level.VILLAGE):
            count = a.grid_count
            if count:
                text.append(f" {t('console_roster.tree.grids', n=count)}", style="dim")
        return text

    def _grid_label(self, g: roster.GridRow) -> Text:
        retired = g.status != GridStatus.ACTIVE
        text = Text(g.name, style="dim strike" if retired else "")
        text.append(f" {seq(g.code)}", style="dim")
        if retired:
            text.append(f" {code_name('roster.grid_status', g.status)}", style="dim")
        elif not g.holding(PersonRole.LEADER) or not g.holding(PersonRole.FULL_TIME):
            text.append(" !", style="bold red")
        return text

    def _micro_label(self, m: roster.MicroGridRow) -> Text:
        text = Text(m.name)
        text.append(f" {code_name('roster.micro_kind', m.kind)}", style="dim")
        return text

    # --- the detail pane -------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#roster-tree")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.show_detail(event.node.data)

    def current(self) -> Key | None:
        node = self.area_tree.cursor_node
        return node.data if node is not None else None

    def current_grid(self) -> roster.GridRow | None:
        key = self.current()
        if key is None:
            return None
        if key[0] == "grid":
            return self.grid_rows.get(key[1])
        if key[0] == "micro":
            found = self.micro.get(key[1])
            return self.grid_rows.get(found[1]) if found else None
        return None

    def current_village(self) -> roster.AreaNode | None:
        key = self.current()
        if key is None:
            return None
        if key[0] == "area":
            a = self.areas.get(key[1])
            return a if a is not None and a.level == Level.VILLAGE else None
        g = self.current_grid()
        return self.areas.get(g.area_code) if g is not None else None

    def show_detail(self, key: Key | None) -> None:
        info = self.query_one("#roster-info", Static)
        more = self.query_one("#roster-more", Static)
        more.update("")
        self.detail_of = None
        if key is None:
            info.update(Text(t("console_roster.tree.empty"), style="dim"))
        elif key[0] == "area" and key[1] in self.areas:
            info.update(self._area_detail(self.areas[key[1]]))
        elif key[0] == "grid" and key[1] in self.grid_rows:
            info.update(self._grid_detail(self.grid_rows[key[1]]))
            code = key[1]

            async def work() -> None:
                await self._more(code)

            run_latest(self, work, "roster-more")
        elif key[0] == "micro" and key[1] in self.micro:
            info.update(self._micro_detail(*self.micro[key[1]]))
        self.refresh_bindings()

    @staticmethod
    def _fields(rows: list[tuple[str, str | Text]]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in rows:
            table.add_row(label, value if isinstance(value, Text) else Text(value))
        return table

    def _area_detail(self, a: roster.AreaNode) -> Group:
        kind = code_name("level", a.level)
        if a.kind:
            kind = f"{kind} · {code_name('roster.village_kind', a.kind)}"
        if a.urban:
            kind = f"{kind} · {t('console_roster.detail.urban')}"
        rows: list[tuple[str, str | Text]] = [
            (t("console_roster.detail.code"), a.code), (t("console_roster.detail.level"), kind),
            (t("console_roster.detail.population"), self._num(a.population)),
            (t("console_roster.detail.households"), self._num(a.households)),
            (t("console_roster.detail.grids"), str(a.grid_count)),
        ]
        if a.centre_phone:
            rows.append((t("console_roster.detail.centre_phone"), a.centre_phone))
        if a.platform:
            rows.append((t("console_roster.detail.platform"), a.platform))
        parts: list[Any] = [Text(a.name, style="bold"), self._fields(rows)]
        if a.grids:
            grids = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
            for col in ("seq", "grid", "households", "leader"):
                grids.add_column(t(f"console_roster.detail.col_{col}"), no_wrap=col != "grid")
            for g in a.grids:
                leader = plain(g.leader.name) if g.leader else Text(t("console_roster.detail.none"), style="red")
                grids.add_row(seq(g.code), plain(g.name), str(g.households), leader)
            parts += [Text(""), grids]
        return Group(*parts)

    @staticmethod
    def _num(value: int | None) -> str:
        return "—" if value is None else f"{value:,}"

    def _grid_detail(self, g: roster.GridRow) -> Group:
        kind = code_name("grid_type", g.type)
        if g.subtype:
            kind = f"{kind}（{g.subtype}）"
        status = code_name("roster.grid_status", g.status)
        notice = (Text(t("console_roster.detail.notice_stale"), style="bold yellow") if g.notice_stale
                  else Text(t("console_roster.detail.notice_ok"), style="green"))
        rows: list[tuple[str, str | Text]] = [
            (t("console_roster.detail.code"), g.code), (t("console_roster.detail.type"), kind),
            (t("console_roster.detail.village"), g.area_name),
            (t("console_roster.detail.households"), self._num(g.households)),
            (t("console_roster.detail.population"), self._num(g.population)),
            (t("console_roster.detail.status"), status),
            (t("console_roster.detail.boundary"), g.boundary or "—"),
            (t("console_roster.detail.notice"), notice),
        ]
        return Group(Text(g.name, style="bold"), self._fields(rows), Text(""), self._people(g))

    def _people(self, g: roster.GridRow) -> Table | Text:
        if not g.members:
            return Text(t("console_roster.detail.no_people"), style="red")
        people = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim",
                       title=t("console_roster.detail.people"), title_justify="left", title_style="bold")
        # role, name and phone keep their width; the sending unit gives way (…) on a narrow pane
        rows = [(code_name("person_role", m.role), m.name, m.phone or "—") for m in g.members]
        for i, col in enumerate(("role", "name", "phone")):
            title = t(f"console_roster.detail.col_{col}")
            people.add_column(title, no_wrap=True, min_width=max([cell_len(title), *(cell_len(r[i]) for r in rows)]))
        people.add_column(t("console_roster.detail.col_note"), no_wrap=True, overflow="ellipsis")
        for m in g.members:
            note = plain(m.unit or "", style="dim")
            if m.role == PersonRole.FULL_TIME and m.trained_on is None:
                note = Text(t("console_roster.detail.untrained"), style="yellow")
            people.add_row(code_name("person_role", m.role), plain(m.name), plain(m.phone or "—"), note)
        for role in (PersonRole.LEADER, PersonRole.FULL_TIME):
            if g.status == GridStatus.ACTIVE and not g.holding(role):
                people.add_row(Text(code_name("person_role", role), style="red"),
                               Text(t("console_roster.detail.none"), style="red"), "", "")
        return people

    def _micro_detail(self, m: roster.MicroGridRow, grid_code: str) -> Group:
        g = self.grid_rows.get(grid_code)
        rows: list[tuple[str, str | Text]] = [
            (t("console_roster.detail.code"), m.code),
            (t("console_roster.detail.type"), code_name("roster.micro_kind", m.kind)),
            (t("console_roster.detail.grid"), g.name if g else grid_code),
            (t("console_roster.detail.households"), self._num(m.households)),
            (t("console_roster.detail.head"), m.head or t("console_roster.detail.none")),
        ]
        return Group(Text(m.name, style="bold"), self._fields(rows))

    async def _more(self, code: str) -> None:
        """Micro-grids, ticket counts and the change record of the grid under the cursor."""
        try:
            d = await roster.grid(self.gd.store, self.gd.actor, code)
        except StoreError as e:
            self.query_one("#roster-more", Static).update(Text(e.message(), style="red"))
            return
        if self.current() != ("grid", code):
            return
        self.detail_of = d
        parts: list[Any] = [Text("")]
        rows: list[tuple[str, str | Text]] = [
            (t("console_roster.detail.tickets"),
             t("console_roster.detail.tickets_n", open=d.open_tickets, total=d.tickets)),
            (t("console_roster.detail.micro"), str(len(d.grid.micro_grids)) if d.grid.micro_grids else "—"),
        ]
        pending = [c for c in d.changes if c.filing_status == FilingStatus.PENDING]
        if d.changes:
            last = d.changes[0]
            rows.append((t("console_roster.detail.last_change"),
                         t("console_roster.detail.change_line", kind=code_name("roster.change_kind", last.kind),
                           at=gc.local_time(self.gd, last.at), filing=code_name("roster.filing", last.filing_status))))
        if pending:
            rows.append((t("console_roster.detail.pending"), Text(str(len(pending)), style="yellow")))
        if d.past_members:
            rows.append((t("console_roster.detail.past"), "、".join(
                f"{m.name}（{code_name('person_role', m.role)}）" for m in d.past_members[-4:])))
        parts.append(self._fields(rows))
        self.query_one("#roster-more", Static).update(Group(*parts))

    def _status(self) -> None:
        status = self.query_one("#roster-status", Static)
        if self.error:
            status.update(Text(self.error, style="bold red"))
            return
        grids = sum(1 for g in self.grid_rows.values() if g.status == GridStatus.ACTIVE)
        status.update(Text(t("console_roster.tree.status", areas=len(self.areas), grids=grids), style="dim"))

    # --- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # the store decides; this hides what it would refuse anyway (a wall account, a unit)
        writes = permissions.may_write(self.gd.actor, permissions.CENTRE)
        if action in GRID_WRITES:
            g = self.current_grid() if self.is_mounted else None
            return writes and g is not None and g.status == GridStatus.ACTIVE
        if action == "create":
            return writes and (not self.is_mounted or self.current_village() is not None)
        if action == "card":
            return not self.is_mounted or self.current_grid() is not None or self.current_village() is not None
        if action == "changes":
            return not self.is_mounted or self.current_grid() is not None
        return True

    def _flow(self, coro: Any) -> None:
        self.run_worker(self._run(coro), group="roster-write", exclusive=True, exit_on_error=False)

    async def _run(self, coro: Any) -> None:
        try:
            shown = await coro
        except StoreError as e:  # refused before a form opened (a read failed, a rule at once)
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        if isinstance(shown, str) and shown:
            self.focus_code = shown
        self.reload()

    def action_create(self) -> None:
        v = self.current_village()
        if v is not None and permissions.may_write(self.gd.actor, permissions.CENTRE):
            self._flow(gc.create_flow(self.gd, v.code, v.name))

    def _grid_action(self, make: Any) -> None:
        g = self.current_grid()
        if g is not None and g.status == GridStatus.ACTIVE and permissions.may_write(self.gd.actor, permissions.CENTRE):
            self._flow(make(g))

    def action_adjust(self) -> None:
        self._grid_action(lambda g: gc.adjust_flow(self.gd, g))

    def action_split(self) -> None:
        self._grid_action(lambda g: gc.split_flow(self.gd, g))

    def action_merge(self) -> None:
        def make(g: roster.GridRow) -> Any:
            village = self.areas.get(g.area_code)
            siblings = [s for s in (village.grids if village else []) if s.status == GridStatus.ACTIVE]
            return gc.merge_flow(self.gd, g, siblings)
        self._grid_action(make)

    def action_retire(self) -> None:
        async def retire(g: roster.GridRow) -> str | None:
            done = await gc.retire_flow(self.gd, g)
            return g.area_code if done else None
        self._grid_action(retire)

    def action_assign(self) -> None:
        from griddesk.console.screens.people import assign_flow

        self._grid_action(lambda g: assign_flow(self.gd, grid=g))

    def action_unassign(self) -> None:
        from griddesk.console.screens.people import unassign_flow

        self._grid_action(lambda g: unassign_flow(self.gd, g))

    def action_card(self) -> None:
        from griddesk.console.screens.cards import CardsScreen

        g = self.current_grid()
        if g is not None and g.status == GridStatus.ACTIVE:
            self.app.push_screen(CardsScreen(g.code))
            return
        v = self.current_village()
        if v is not None:
            self.app.push_screen(CardsScreen(v.code))

    def action_changes(self) -> None:
        g = self.current_grid()
        if g is not None:
            self.app.push_screen(ChangesScreen(g.code))

    def action_retired(self) -> None:
        self.show_retired = not self.show_retired
        self.update_where()
        self.reload()

    def action_search(self) -> None:
        self.gd.open_screen("search")

    def action_reload(self) -> None:
        self.reload()

    def go_to(self, code: str) -> None:
        """Put the cursor on an area, grid or micro-grid (opening the branches above it)."""
        self.focus_code = code
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if {"grid", "person", "area"} & message.entities.keys():
            self.reload()
