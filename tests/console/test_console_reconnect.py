"""The console when the PostgreSQL server goes away and comes back, under Pilot: it says so in
the header and the notice line, the open form keeps what was typed (sent meanwhile, it stays
open with the reason), it reconnects by itself, says so, catches up on what was written
meanwhile, and the form then goes through."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url
from textual.widgets import Static

from griddesk.console.app import GridDeskApp
from griddesk.console.widgets.dialogs import TextForm
from griddesk.console.widgets.header import GridHeader
from griddesk.store import notify, views, workflow
from griddesk.store.i18n import t
from tests.conftest import open_store
from tests.console.pilot import add, until
from tests.console.test_console_actions import SIZE, on_row
from tests.fixtures_town import Town
from tests.pg_proxy import Relay
from tests.store.test_notify import _terminate


def header_under(app: GridDeskApp) -> str:
    """The header of the queue under the open form."""
    header = app.screen_stack[0].query_one(GridHeader)
    return " ".join(str(p.render()) for p in header.query(".gd-notice, .gd-who"))


@pytest.mark.pg
async def test_server_lost_and_back_keeps_the_form(pg_town: Town, pg_url: str) -> None:
    dbname = make_url(pg_url).database
    assert dbname
    number = await add(pg_town)
    await workflow.dispatch(pg_town.store, pg_town.operator, number, pg_town.units["urban"])
    relay = Relay()
    await relay.up()
    store = await open_store(relay.url(dbname))  # the console reaches the server through the relay
    town = pg_town.on(store)
    app = GridDeskApp(store, town.operator, lang="en", poll_interval=0.2)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.poller.wakes, notify.Listener)
                        and app.poller.wakes.connections == 1 and app.poller.polls > 0)
            await on_row(pilot, app, number, "h")
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen, TextForm))
            form = app.screen
            assert isinstance(form, TextForm)
            form.input("reason").value = "停电抢修，暂停处置"

            await relay.down()  # the server is gone: reconnects are refused …
            await _terminate(dbname)  # … and the console's sessions on it are killed
            lost = t("console.live.lost")
            await until(pilot, lambda: lost in app.notice_log.messages and app.header_state.offline)
            assert t("console.header.offline") in header_under(app) and lost in header_under(app)
            await pilot.press("ctrl+s")  # sent while the server is gone: the form stays, as typed
            box = form.query_one("#form-error", Static)
            await until(pilot, lambda: str(box.render()).strip() != "")
            assert app.screen is form and form.input("reason").value == "停电抢修，暂停处置"

            later = await add(pg_town)  # another console writes meanwhile (its own connection)
            await relay.up()
            back = t("console.live.back")
            queue = app.screen_stack[0]
            await until(pilot, lambda: back in app.notice_log.messages and not app.header_state.offline)
            await until(pilot, lambda: later in queue.table.order)  # type: ignore[attr-defined]
            assert t("console.header.offline") not in header_under(app)
            assert app.notice_log.messages.count(lost) == 1  # said once, not on every retry

            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen is not form)
        assert (await views.detail(store, town.operator, number)).ticket.status == "suspended"
    finally:
        await store.close()
        await relay.down()
