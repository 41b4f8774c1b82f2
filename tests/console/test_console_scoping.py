"""The console's queue for a unit and a grid worker (store/visibility.py): it opens on "mine", `m`
toggles it, `esc` goes back to it; nothing outside the account's scope ever shows (Pilot)."""

from __future__ import annotations

from griddesk.console.app import GridDeskApp
from griddesk.store import workflow
from griddesk.store.i18n import t
from tests.console.pilot import header_text, numbers, until
from tests.fixtures_scoping import build
from tests.fixtures_town import Town


async def test_a_unit_opens_on_its_own_tickets(town: Town) -> None:
    w = await build(town)
    # u-urban co-handles police_lead and leads feedback_port; the rest is not its own
    urban = w.actors["u-urban"]
    app = GridDeskApp(w.store, urban, lang="zh", poll_interval=0.2)
    mine = sorted([w.numbers["police_lead"], w.numbers["feedback_port"]])
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: sorted(numbers(app)) == mine)
        await until(pilot, lambda: t("console.queue.mine") in header_text(app))
        await pilot.press("m")
        await until(pilot, lambda: t("console.queue.mine") not in header_text(app))
        assert sorted(numbers(app)) == mine  # a unit sees nothing beyond its own anyway
        await pilot.press("escape")
        await until(pilot, lambda: t("console.queue.mine") in header_text(app))
        assert sorted(numbers(app)) == mine


async def test_a_grid_worker_sees_their_grids_and_an_operator_the_town(town: Town) -> None:
    w = await build(town)
    gw = GridDeskApp(w.store, w.actors["gw01"], lang="zh", poll_interval=0.2)
    expect = sorted(w.numbers[k] for k in ("police_lead", "pending_comp2", "gw01_report"))
    async with gw.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: sorted(numbers(gw)) == expect)
    # an operator is not narrowed by default, and `m` narrows to what it registered
    op = GridDeskApp(w.store, w.actors["op01"], lang="zh", poll_interval=0.2)
    town_a = sorted(w.numbers[k] for k in ("police_lead", "civil_lead", "pending_comp2", "gw01_report",
                                           "feedback_port"))
    async with op.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: sorted(numbers(op)) == town_a)
        assert t("console.queue.mine") not in header_text(op)
        await pilot.press("m")
        await until(pilot, lambda: sorted(numbers(op)) == sorted(set(town_a) - {w.numbers["gw01_report"]}))
    # a dispatch to the unit while its console is open reaches its queue (the change feed)
    n = w.numbers["pending_comp2"]
    app = GridDeskApp(w.store, w.actors["u-urban"], lang="zh", poll_interval=0.2)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: len(numbers(app)) == 2)
        assert n not in numbers(app)
        await workflow.dispatch(w.store, w.actors["op01"], n, "URBAN")
        await until(pilot, lambda: n in numbers(app))
