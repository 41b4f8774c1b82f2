"""The overdue view, the supervision, escalation and export dialogs, unit warnings and the county's
list, driven by the keyboard (Pilot) on a known data set with a fixed clock.

Monday 2 March 2026 in Beihai, read at 17:10 (the same hand-worked data as tests/store/test_overdue.py):

    A rubbish, comp1, URBAN, signed 09:30   handle due 15:00 → ×0.54
    B rubbish urgent, comp2, URBAN, signed   handle due 11:00 → ×2.08
    C dispute, port, POLICE, not signed      sign due 11:30 → ×1.83
    E dispute emergency, school, pending     escalate due 09:30 → ×15.33; handle due 13:00 → ×1.04
    F rubbish, comp1, received 14:00         handle due Tue 09:00: due soon (50 working minutes)
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from griddesk.console.app import GridDeskApp
from griddesk.console.messages import MinuteTick
from griddesk.console.screens.county import EscalationsScreen
from griddesk.console.screens.overdue import OverdueScreen
from griddesk.console.screens.supervise import EscalateDialog, ExportDialog, SuperviseDialog, WarnDialog
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.screens.warnings import WarningsScreen
from griddesk.console.widgets.choice_bar import ChoiceBar
from griddesk.console.widgets.dialogs import ConfirmDialog
from griddesk.store import escalation, supervision, tickets, views, workflow
from griddesk.store.context import Store
from griddesk.store.i18n import t
from tests.conftest import run_apart
from tests.console.pilot import header_text, until
from tests.fixtures_town import Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beihai


def at(hh: int, mm: int = 0) -> datetime:
    return MON + timedelta(hours=hh - 9, minutes=mm)


class Known:
    def __init__(self, store: Store, town: Town, n: dict[str, str], now: list[datetime]) -> None:
        self.store, self.town, self.n, self.now = store, town, n, now

    def app(self, login: str = "sup01", lang: str = "zh") -> GridDeskApp:
        return GridDeskApp(self.store, self.town.actors[login], lang=lang, poll_interval=0.2)


async def _build_known(path: Path) -> tuple[Town, dict[str, str]]:
    now = [at(9)]
    s = await Store.open(str(path), now=lambda: now[0])
    town = await seed(s)
    op, urban = town.operator, town.actors["u-urban"]

    async def add(**over) -> str:  # type: ignore[no-untyped-def]
        return await tickets.create(s, op, tickets.parse(town.ticket(**over)))

    n: dict[str, str] = {}
    n["A"] = await add(grid=town.grids["comp1"], title="A")
    n["B"] = await add(grid=town.grids["comp2"], urgency="urgent", title="B")
    n["C"] = await add(grid=town.grids["port"], matter=town.matters["dispute"], title="C")
    n["E"] = await add(grid=town.grids["school"], matter=town.matters["dispute"], urgency="emergency", title="E")
    await workflow.dispatch(s, op, n["A"], "URBAN")
    await workflow.dispatch(s, op, n["B"], "URBAN")
    now[0] = at(9, 30)
    await workflow.dispatch(s, op, n["C"], "POLICE")
    await workflow.sign(s, urban, n["A"])
    await workflow.sign(s, urban, n["B"])
    now[0] = at(14)
    n["F"] = await add(grid=town.grids["comp1"], title="F")
    now[0] = at(17, 10)
    # the ladder's steps due by now (F's reminder), written before any console starts: the
    # consoles' own ladder runs then find nothing to do and cannot race the assertions
    await supervision.run_ladder(s)
    await s.close()
    return town, n


@pytest.fixture(scope="session")
def _known_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Town, dict[str, str]]:
    """The known state built once (per xdist worker); each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("overdue") / "o.db"
    town, n = run_apart(_build_known(path))
    return path, town, n


@pytest.fixture
async def known(_known_built: tuple[Path, Town, dict[str, str]], tmp_path: Path) -> AsyncIterator[Known]:
    built, town, n = _known_built
    shutil.copyfile(built, tmp_path / "o.db")
    now = [at(17, 10)]
    s = await Store.open(str(tmp_path / "o.db"), now=lambda: now[0])
    yield Known(s, town.on(s), dict(n), now)
    await s.close()


async def open_overdue(app: GridDeskApp, pilot) -> OverdueScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.header_state.counts is not None)
    await pilot.press("f4")
    await until(pilot, lambda: isinstance(app.screen, OverdueScreen) and app.screen.view is not None)
    screen = app.screen
    assert isinstance(screen, OverdueScreen)
    return screen


async def test_grouped_by_unit_grid_and_stage_worst_first_and_enter_opens(known: Known) -> None:
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        # by unit: most late clocks first, then the worst multiple; in a group, worst first
        assert screen.shown_groups() == [
            ("unassigned", [n["E"], n["E"], n["F"]]),  # E's report ×15.33, E's handling ×1.04, F due soon
            ("URBAN", [n["B"], n["A"]]),
            ("POLICE", [n["C"]]),
        ]
        lines = screen.plain_lines()
        assert lines[0].startswith("■ 未分拨  超期 2 · 将超期 1 · 最重 ×15.33")
        assert "上报" in lines[1] and "×15.33" in lines[1] and "超 7小时40分钟" in lines[1]
        assert "剩 50分钟" in lines[3] and "×" not in lines[3]
        assert lines[4].startswith("■ 海城区综合行政执法局地角中队（URBAN）  超期 2 · 最重 ×2.08")
        b_row = lines[5]
        assert "20260302-0002" in b_row and "办理" in b_row and "×2.08" in b_row and "超 4小时10分钟" in b_row
        assert all(len(line) <= 80 for line in lines)
        assert t("console_supervise.by.unit") in header_text(app)

        await pilot.press("g")  # by grid
        await until(pilot, lambda: screen.by == "grid" and screen.shown_groups()[0][0] == known.town.grids["school"])
        assert [g for g, _ in screen.shown_groups()] == [
            known.town.grids[x] for x in ("school", "comp2", "port", "comp1")]
        await pilot.press("g")  # by stage
        await until(pilot, lambda: screen.by == "stage" and screen.shown_groups()[0][0] == "escalate")
        assert screen.shown_groups() == [  # worst first (×15.33, ×2.08, ×1.83), not most rows first
            ("escalate", [n["E"]]),
            ("handle", [n["B"], n["E"], n["A"], n["F"]]),
            ("sign", [n["C"]]),
        ]
        assert screen.plain_lines()[0].startswith("■ 上报  超期 1 · 最重 ×15.33")
        await pilot.press("g")
        await until(pilot, lambda: screen.by == "unit" and screen.shown_groups()[0][0] == "unassigned")

        # the cursor moves over tickets only; `]` jumps to the next group; enter opens the ticket
        await pilot.press("home")
        assert screen.selected_number() == n["E"]
        await pilot.press("right_square_bracket")
        assert screen.selected_number() == n["B"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        assert app.screen.number == n["B"]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


async def test_the_list_is_reconciled_not_rebuilt(known: Known) -> None:
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        listing = screen.listing
        rebuilds, loads = listing.stats.rebuilds, screen.loads
        screen.reload()  # the same data: nothing is touched
        await until(pilot, lambda: screen.loads > loads)
        assert listing.stats.rebuilds == rebuilds and listing.stats.replaced == 0
        known.now[0] = at(17, 11)  # a minute later: the late texts change, the rows stay put
        screen.reload()
        await until(pilot, lambda: listing.stats.replaced > 0)
        assert listing.stats.rebuilds == rebuilds
        assert "超 7小时41分钟" in screen.plain_lines()[1]
        # a ticket leaving the view (C is signed: its sign-for clock stops) is a change of rows
        await workflow.sign(known.store, known.town.actors["u-police"], n["C"])
        await until(pilot, lambda: "POLICE" not in [g for g, _ in screen.shown_groups()])
        assert listing.stats.rebuilds == rebuilds + 1


async def test_a_minute_tick_makes_the_rows_off_the_event_loop_and_keeps_the_cursor(
        known: Known, monkeypatch: pytest.MonkeyPatch) -> None:
    """A county's 25,000 rows are made (working-time arithmetic, grouping, the list's rows) in a
    thread on every refresh; the view still refreshes and the cursor stays on its ticket."""
    import threading

    from griddesk.console.screens import overdue as screen_module

    threads: list[threading.Thread] = []
    prepare = screen_module.prepare

    def watched(*args, **kw):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return prepare(*args, **kw)

    monkeypatch.setattr(screen_module, "prepare", watched)
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        await pilot.press("home", "right_square_bracket")  # B, the first row of the second group
        assert screen.selected_number() == n["B"]
        row_on_screen = screen.listing.cursor - screen.listing.scroll_offset.y  # type: ignore[operator]
        loads = screen.loads
        known.now[0] = at(17, 12)  # two minutes on: the late texts change
        app.broadcast(lambda: MinuteTick(known.now[0]))
        await until(pilot, lambda: screen.loads > loads)
        assert "超 7小时42分钟" in screen.plain_lines()[1]
        assert screen.selected_number() == n["B"]
        assert screen.listing.cursor - screen.listing.scroll_offset.y == row_on_screen  # type: ignore[operator]
        assert threads and all(th is not threading.main_thread() for th in threads)


@pytest.mark.slow
async def test_supervise_dialog_refuses_an_empty_reason_and_records(known: Known) -> None:
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        await pilot.press("home", "right_square_bracket")
        assert screen.selected_number() == n["B"]
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        dialog = app.screen
        await pilot.press("enter")  # no reason: refused beside the field, nothing written
        await until(pilot, lambda: dialog.error == t("supervise.error.reason_required"))
        assert app.screen is dialog
        assert [s for s in await supervision.history(known.store, known.town.actors["sup01"], n["B"])
                if not s.auto] == []
        # choose key supervision (arrows on the level choice), then give the reason
        dialog.query_one(ChoiceBar).focus()
        await pilot.press("right", "right")
        await until(pilot, lambda: dialog.level == "key")  # type: ignore[attr-defined]
        dialog.query_one("#sv-reason", Input).focus()
        await pilot.press(*"两次催办未果")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        steps = [s for s in await supervision.history(known.store, known.town.actors["sup01"], n["B"]) if not s.auto]
        assert [(s.level, s.reason, s.actor) for s in steps] == [("key", "两次催办未果", "赵刚(sup01)")]
        d = await views.detail(known.store, known.town.actors["sup01"], n["B"])
        assert any(e.action == "supervise" and e.note == "两次催办未果" for e in d.timeline)
        await until(pilot, lambda: " 重 B" in screen.plain_lines()[5])  # the row shows its level


@pytest.mark.slow
async def test_export_writes_markdown_and_html_and_shows_where(known: Known, tmp_path: Path) -> None:
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        await pilot.press("home", "right_square_bracket")
        assert screen.selected_number() == n["B"]
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        box = dialog.query_one("#ex-path", Input)
        assert box.value.endswith(f"催办通知书-{n['B']}.md")  # the default: the current directory
        target = tmp_path / "out" / "notice.md"
        target.parent.mkdir()
        box.value = str(target)
        await pilot.press("enter")
        # written: the dialog closes by itself and the path is a notice (header line, `!` list)
        await until(pilot, lambda: app.screen is screen)
        assert dialog.written == target  # type: ignore[attr-defined]
        text = target.read_text(encoding="utf-8")
        assert text.startswith("# 催办通知书")
        assert n["B"] in text and "海城区综合行政执法局地角中队" in text and "超时倍数" in text
        assert any(str(target) in m for m in app.notice_log.messages)

        # HTML: the format choice follows the file name
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        box = dialog.query_one("#ex-path", Input)
        box.value = str(tmp_path / "notice.md")
        dialog.query_one(ChoiceBar).focus()
        await pilot.press("right")
        await until(pilot, lambda: box.value == str(tmp_path / "notice.html"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        html = (tmp_path / "notice.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "<h1>催办通知书</h1>" in html and n["B"] in html

        # a path that cannot be written: said beside the field, the dialog stays
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        dialog.query_one("#ex-path", Input).value = str(tmp_path / "missing" / "x.md")
        await pilot.press("enter")
        await until(pilot, lambda: dialog.error is not None)  # type: ignore[attr-defined]
        assert "missing" in dialog.error and app.screen is dialog  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_supervise_dialog_follows_the_one_dialog_rule(known: Known) -> None:
    """Enter moves on and submits on the last field, Tab keeps what was typed, a failed submit
    focuses the field in error, Esc asks before dropping typed text, one hint line."""
    n = known.n
    app = known.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_overdue(app, pilot)
        await pilot.press("home", "right_square_bracket")
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        dialog = app.screen
        reason = dialog.query_one("#sv-reason", Input)
        assert str(dialog.query_one("#dlg-hint").render()) == t("desk.dialog.hint")
        # a failed submit (ctrl+s from the level bar) focuses the reason, the field in error
        dialog.query_one(ChoiceBar).focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: dialog.error == t("supervise.error.reason_required"))
        assert app.focused is reason
        # Tab away and back: the typed text stays
        await pilot.press(*"已电话催办")
        await pilot.press("tab")
        assert app.focused is not reason and reason.value == "已电话催办"
        await pilot.press("tab")
        assert reason.value == "已电话催办"
        # Esc with text typed asks first; "n" keeps the dialog and the text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is dialog)
        assert reason.value == "已电话催办"
        # Enter on the last field submits
        reason.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        steps = [s for s in await supervision.history(known.store, known.town.actors["sup01"], n["B"]) if not s.auto]
        assert [s.reason for s in steps] == ["已电话催办"]
        # Esc on an untouched dialog closes at once
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


@pytest.mark.slow
async def test_unit_warnings_refused_for_an_operator_recorded_for_a_supervisor(known: Known) -> None:
    for login, refused in (("op01", True), ("sup01", False)):
        app = known.app(login)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_overdue(app, pilot)
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, WarningsScreen) and app.screen.loads > 0)
            warn_screen = app.screen
            assert [u.unit_code for u in warn_screen.units] == ["URBAN", "POLICE"]  # type: ignore[attr-defined]
            assert warn_screen.selected_code() == "URBAN"  # type: ignore[attr-defined]
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, WarnDialog))
            dialog = app.screen
            await pilot.press(*"超期两件未办")
            await pilot.press("enter")
            if refused:
                await until(pilot, lambda: dialog.error is not None)  # type: ignore[attr-defined]
                assert "不能向单位发出警示" in dialog.error  # type: ignore[attr-defined]
                await pilot.press("escape")
            else:
                await until(pilot, lambda: app.screen is warn_screen)
                await until(pilot, lambda: warn_screen.units[0].warnings == 1)  # type: ignore[attr-defined]
            assert screen is not None


@pytest.mark.slow
async def test_escalation_report_up_hand_to_county_and_the_county_sees_it(known: Known) -> None:
    n = known.n
    town_app = known.app("op01")
    async with town_app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: town_app.header_state.counts is not None)
        assert town_app.header_state.counts.escalations == 1  # type: ignore[union-attr]
        assert f"{t('console.header.escalations')} 1" in header_text(town_app)
        await pilot.press("colon", *"escalations", "enter")
        await until(pilot, lambda: isinstance(town_app.screen, EscalationsScreen) and town_app.screen.loads > 0)
        esc = town_app.screen
        assert [r.number for r in esc.rows] == [n["E"]]  # type: ignore[attr-defined]
        await pilot.press("E")
        await until(pilot, lambda: isinstance(town_app.screen, EscalateDialog) and town_app.screen.allowed)
        dialog = town_app.screen
        assert dialog.allowed == ["report", "to_county"] and dialog.mode == "report"  # type: ignore[attr-defined]
        await pilot.press(*"17:20 电话报区综治中心值班室")
        await pilot.press("enter")
        await until(pilot, lambda: town_app.screen is esc)
        await until(pilot, lambda: esc.rows == [])  # type: ignore[attr-defined]
        await until(pilot, lambda: town_app.header_state.counts.escalations == 0)  # type: ignore[union-attr]

        # C cannot be settled in the town: hand it to the county from the overdue view
        screen = await open_overdue(town_app, pilot)
        index = next(i for i, oid in enumerate(screen.listing.ids) if oid.startswith(f"r:{n['C']}:"))
        screen.listing.highlighted = index
        await pilot.press("E")
        await until(pilot, lambda: isinstance(town_app.screen, EscalateDialog) and town_app.screen.allowed)
        dialog = town_app.screen
        assert dialog.allowed == ["flag", "to_county"]  # type: ignore[attr-defined]
        dialog.query_one(ChoiceBar).focus()
        await pilot.press("right")
        await until(pilot, lambda: dialog.mode == "to_county")  # type: ignore[attr-defined]
        dialog.query_one("#es-text", Input).focus()
        await pilot.press(*"跨街道纠纷")
        await pilot.press("enter")
        await until(pilot, lambda: town_app.screen is screen)

    county_app = known.app("county01")
    async with county_app.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: county_app.header_state.counts is not None)
        # a county counts what arrived there (E reported up, C handed over), under its own word
        assert county_app.header_state.counts.escalations == 2  # type: ignore[union-attr]
        assert f"{t('console_supervise.header.arrived')} 2" in header_text(county_app)
        await pilot.press("colon", *"county", "enter")
        await until(pilot, lambda: isinstance(county_app.screen, EscalationsScreen) and county_app.screen.loads > 0)
        esc = county_app.screen
        assert [r.number for r in esc.rows] == [n["C"], n["E"]]  # type: ignore[attr-defined]
        assert esc.selected_number() == n["C"]  # type: ignore[attr-defined]
        await pilot.press("E")
        await until(pilot, lambda: isinstance(county_app.screen, EscalateDialog) and county_app.screen.allowed)
        dialog = county_app.screen
        assert dialog.allowed == ["back"] and dialog.mode == "back"  # type: ignore[attr-defined]
        dialog.query_one("#es-text", Input).focus()
        await pilot.press(*"属镇街职责")
        await pilot.press("enter")
        await until(pilot, lambda: county_app.screen is esc)
        rows = await escalation.county_queue(known.store, known.town.actors["county01"])
        assert [r.number for r in rows] == [n["E"]]


async def test_the_ticket_detail_offers_supervise_escalate_and_export(known: Known) -> None:
    # registered in console.actions' table, so the detail and the queue offer them as keys
    from griddesk.console import actions

    assert {a.name: a.key for a in actions.ACTIONS if a.key in "SEX"} == {
        "supervise": "S", "escalate": "E", "export_notice": "X"}
    n = known.n
    app = known.app("op01")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.header_state.counts is not None)
        app.open_ticket(n["E"])
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        detail = app.screen
        assert {"supervise", "escalate", "export_notice"} <= detail.allowed_actions  # type: ignore[attr-defined]
        detail.action_ticket_act("supervise")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        await pilot.press(*"请尽快分拨", "enter")
        await until(pilot, lambda: app.screen is detail)
        await until(pilot, lambda: "请尽快分拨" in detail.plain_text())  # type: ignore[attr-defined]
        detail.action_ticket_act("escalate")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, EscalateDialog) and app.screen.allowed)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is detail)

    # a unit account neither supervises nor escalates nor exports
    d = await views.detail(known.store, known.town.actors["u-urban"], n["B"])
    assert actions.allowed_names(known.town.actors["u-urban"], d.ticket) & {
        "supervise", "escalate", "export_notice"} == set()
