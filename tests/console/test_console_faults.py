"""The console on a database it cannot write (a copy on a read-only mount), under Pilot: it says
so at start; the dispatch and suspend dialogs, sent, stay open with what was typed and show the
one-line reason as plain text (never parsed as markup); the ticket is unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input, Static

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.widgets.dialogs import ConfirmDialog, TextForm
from griddesk.store import views, workflow
from tests.conftest import open_store
from tests.console.pilot import add, until
from tests.console.test_console_actions import SIZE, on_row
from tests.fixtures_town import Town
from tests.store.test_faults import Mounts, mounts  # noqa: F401 - the fixture

MARKUP = "[SQL: 坏]"  # would break Textual's markup parser if a message were parsed


async def test_read_only_database_dialogs_keep_input_and_say_why(town: Town, mounts: Mounts) -> None:  # noqa: F811
    fresh = await add(town)
    dispatched = await add(town)
    await workflow.dispatch(town.store, town.operator, dispatched, town.units["urban"])
    await town.store.close()
    where = mounts.tmpfs("ro[b]", "20m")  # markup would take "[b]" for bold and drop it
    copy = where / "c.db"
    shutil.copyfile(town.store.db.path, copy)  # type: ignore[arg-type]
    mounts.read_only(where)
    store = await open_store(str(copy))
    t2 = town.on(store)
    app = GridDeskApp(store, t2.operator, lang="en", poll_interval=0.2)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: any("read-only" in m for m in app.notice_log.messages))

            await on_row(pilot, app, fresh, "d")
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DispatchDialog) and app.screen.loaded)
            dialog = app.screen
            note = dialog.query_one("#dispatch-note", Input)
            note.value = MARKUP
            await pilot.press("ctrl+s")
            error = dialog.query_one("#dispatch-error", Static)
            await until(pilot, lambda: "read-only" in str(error.render()))
            assert app.screen is dialog and note.value == MARKUP
            assert str(Path(copy)) in str(error.render())
            await pilot.press("escape")  # a note was typed: the one dialog rule asks first
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")

            await on_row(pilot, app, dispatched, "h")
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen, TextForm))
            form = app.screen
            assert isinstance(form, TextForm)
            form.input("reason").value = MARKUP
            await pilot.press("ctrl+s")
            box = form.query_one("#form-error", Static)
            await until(pilot, lambda: "read-only" in str(box.render()))
            assert app.screen is form and form.input("reason").value == MARKUP
            assert str(Path(copy)) in str(box.render())
        assert (await views.detail(store, t2.operator, fresh)).ticket.status == "pending_dispatch"
        assert (await views.detail(store, t2.operator, dispatched)).ticket.status == "dispatched"
    finally:
        await store.close()
