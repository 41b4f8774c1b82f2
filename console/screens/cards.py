"""Public notice cards (公示牌, HH 12, YC 22, BH 14): preview, export, mark as posted.

`:card GRID` (or `c` on a grid in the tree) shows a grid's card; `:card VILLAGE` (or `c` on a
village) every active grid's card of the village; `:card` alone asks which village. `v`
switches between the grid and its whole village. The preview is the text export itself.

`x` exports as text, Markdown or printable HTML to a file (the current directory unless told)
and shows the path; `p` records that the cards were posted, which clears the "notice not
updated" finding for those grids (`store.notice_cards.mark_published`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.choice_bar import ChoiceBar
from griddesk.console.widgets.dialogs import ChoiceDialog, Field, ask, confirm, wrote
from griddesk.console.widgets.form import Pick, RosterForm, Row
from griddesk.store import audit, notice_cards, permissions, private_files, roster
from griddesk.store.enums import Level
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import current, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

EXTENSIONS = {"text": "txt", "md": "md", "html": "html"}


def default_dir() -> Path:
    """The current directory when it can be written, else the documents folder."""
    cwd = Path.cwd()
    return cwd if os.access(cwd, os.W_OK) else Path(platformdirs.user_documents_dir())


def default_path(code: str, fmt: str) -> Path:
    return default_dir() / f"{t('console_roster.cards.stem')}-{code}.{EXTENSIONS[fmt]}"


class ExportForm(RosterForm):
    """The export form: the path follows the format until the operator names the file."""

    @on(ChoiceBar.Changed, "#f-format")
    def _format(self, event: ChoiceBar.Changed) -> None:
        box = self.query_one("#f-path", Input)
        for old in EXTENSIONS.values():
            if box.value.endswith(f".{old}"):
                box.value = box.value[: -len(old)] + EXTENSIONS[event.value]
                break


async def export_flow(app: Shell, cards: list[notice_cards.NoticeCard], code: str) -> Path | None:
    async def submit(v: dict[str, str | None]) -> Any:
        fmt = v.get("format") or "text"
        raw = (v.get("path") or "").strip()
        if not raw:
            raise Invalid("error.required", field="path")
        path = Path(raw).expanduser()  # noqa: ASYNC240  (no disk read: $HOME and the cwd)
        if not path.is_absolute():
            path = Path.cwd() / path
        text = notice_cards.render(cards, fmt, current(), printed=app.store.now())
        try:
            await asyncio.to_thread(private_files.write_text, path, text)  # 0600, as every export
        except OSError as e:
            raise Invalid("roster.io.cannot_write", field="path", path=str(path), reason=e.strerror or str(e)) from None
        await audit.record_export(app.store, app.actor, "notice_card", len(cards), {"format": fmt}, key=path.name)
        return path

    rows: list[Row] = [Pick("format", t("console_roster.cards.format"),
                 tuple((f, t(f"console_roster.cards.fmt_{f}")) for f in notice_cards.FORMATS), "html"),
            Field("path", t("console_roster.cards.path"), value=str(default_path(code, "html")))]
    intro = t("console_roster.cards.export_intro", n=len(cards))
    return await ask(app, ExportForm(t("console_roster.cards.export_title"), rows, submit, intro))


class CardsScreen(GridScreen):
    ENTRY = "card"
    TITLE_KEY = "console_roster.screen.cards"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("x", "export", "console_roster.key.export"),
        Binding("p", "publish", "console_roster.key.publish"),
        Binding("v", "scope", "console_roster.key.scope"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, code: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        code = code.strip()
        self.grid_code = code if len(code) == 15 else ""
        self.village_code = code[:12] if len(code) >= 12 else ""
        self.whole_village = len(code) == 12
        self.cards: list[notice_cards.NoticeCard] = []
        self.exported: Path | None = None
        self.error: str | None = None
        self.loads = 0

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="cards-preview", can_focus=True):
            yield Static(id="cards-text")
        yield Static(id="cards-status", classes="roster-status")

    @property
    def code(self) -> str:
        return self.village_code if self.whole_village or not self.grid_code else self.grid_code

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.cards:
            parts.append(self.cards[0].village_name if self.whole_village else self.cards[0].grid_name)
        return " › ".join(parts)

    def on_mount(self) -> None:
        self.query_one("#cards-preview").focus()
        if not self.code:
            self.run_worker(self._pick_village(), group="cards-pick", exit_on_error=False)
        else:
            self.reload()

    def relabel(self) -> None:
        self._show()

    def set_arg(self, arg: str) -> None:
        code = arg.strip()
        if len(code) in (12, 15):
            self.grid_code = code if len(code) == 15 else ""
            self.village_code = code[:12]
            self.whole_village = len(code) == 12
            self.reload()

    async def _pick_village(self) -> None:
        roots = await roster.tree(self.gd.store, self.gd.actor, grids_too=False)
        villages = [n for r in roots for n in r.walk() if n.level == Level.VILLAGE and n.in_scope]
        if not villages:
            self.error = t("console_roster.cards.no_villages")
            self._show()
            return
        if len(villages) == 1:
            picked: str | None = villages[0].code
        else:
            picked = await ask(self.gd, ChoiceDialog(t("console_roster.cards.pick_village"),
                                                     [(v.code, v.name) for v in villages[:9]],
                                                     t("console_roster.cards.pick_intro")))
        if picked is None:
            self.gd.go_back()
            return
        self.village_code, self.whole_village = picked, True
        self.reload()

    def reload(self) -> None:
        self.run_worker(self._load(), group="cards-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        store, actor = self.gd.store, self.gd.actor
        try:
            if self.whole_village or not self.grid_code:
                self.cards = await notice_cards.village_cards(store, actor, self.village_code)
            else:
                self.cards = [await notice_cards.card(store, actor, self.grid_code)]
            self.error = None if self.cards else t("roster.cli.no_grids", code=self.village_code)
        except StoreError as e:
            self.cards, self.error = [], e.message()
        self.loads += 1
        self._show()
        self.update_where()
        self.refresh_bindings()

    def _show(self) -> None:
        preview = notice_cards.render_text(self.cards, current(), printed=self.gd.store.now()) if self.cards else ""
        self.query_one("#cards-text", Static).update(Text(preview.replace("\f", "")))
        status = self.query_one("#cards-status", Static)
        if self.error:
            status.update(Text(self.error, style="bold red"))
            return
        stale = [c.grid_name for c in self.cards if c.stale]
        parts = [t("console_roster.cards.count", n=len(self.cards))]
        if stale:
            parts.append(t("console_roster.cards.stale", grids="、".join(stale[:3]) + ("…" if len(stale) > 3 else "")))
        if self.exported is not None:
            parts.append(t("console_roster.cards.written", path=str(self.exported)))
        status.update(Text(" · ".join(parts), style="yellow" if stale else "dim"))

    # --- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "publish":
            return (permissions.may_write(self.gd.actor, permissions.CENTRE)
                    and (not self.is_mounted or bool(self.cards)))
        if action == "export":
            return not self.is_mounted or bool(self.cards)
        if action == "scope":
            return bool(self.grid_code)
        return True

    def action_export(self) -> None:
        if self.cards:
            self.run_worker(self._export(), group="cards-export", exclusive=True, exit_on_error=False)

    async def _export(self) -> None:
        path = await export_flow(self.gd, self.cards, self.code)
        if path:
            self.exported = path
            self._show()
            self.app.notify(t("console_roster.cards.written", path=str(path)), timeout=15, markup=False)

    def action_publish(self) -> None:
        if self.cards and permissions.may_write(self.gd.actor, permissions.CENTRE):
            self.run_worker(self._publish(), group="cards-publish", exclusive=True, exit_on_error=False)

    async def _publish(self) -> None:
        names = "、".join(c.grid_name for c in self.cards[:3]) + ("…" if len(self.cards) > 3 else "")
        if not await confirm(self.gd, t("console_roster.cards.publish_title"),
                             t("console_roster.cards.publish_confirm", n=len(self.cards), grids=names)):
            return
        try:
            n = await notice_cards.mark_published(self.gd.store, self.gd.actor, [c.grid_code for c in self.cards])
        except StoreError as e:
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        wrote(self.gd, t("roster.cli.cards_published", n=n))
        await self._load()

    def action_scope(self) -> None:
        if self.grid_code:
            self.whole_village = not self.whole_village
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if {"grid", "person", "area"} & message.entities.keys():
            self.reload()
