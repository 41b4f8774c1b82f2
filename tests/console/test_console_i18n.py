"""Language switch, CJK-aware column layout, themes from files, and the console's catalogue."""

from __future__ import annotations

from rich.cells import cell_len

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.queue_table import STATUS_LOOK, URGENCY_LOOK, QueueTable
from griddesk.store import i18n, workflow
from griddesk.store.enums import Status
from griddesk.themes import load_themes
from tests.console.pilot import add, app_for, header_text, idle, numbers, until
from tests.fixtures_town import Town

COLUMNS = ("urgency", "number", "received", "matter", "title", "grid", "status", "lead_unit", "time_left")


def labels(app: GridDeskApp) -> list[str]:
    table = app.screen.table  # type: ignore[attr-defined]
    return [c.label.plain for c in table.ordered_columns]


def footer_descriptions(app: GridDeskApp) -> dict[str, str]:
    return {k: b.binding.description for k, b in app.screen.active_bindings.items()}


async def test_ctrl_l_switches_to_english_and_back_live(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        await until(pilot, lambda: "地角街道" in header_text(app))
        assert "编号" in labels(app) and "状态" in labels(app)
        assert footer_descriptions(app)["slash"] == "筛选"
        table = app.screen.table  # type: ignore[attr-defined]
        status = table.get_column_index("status")
        assert table.get_row(number)[status].plain == "◉ 待分拨"

        await pilot.press("ctrl+l")
        await until(pilot, lambda: "Number" in labels(app))
        assert i18n.current() == "en"
        assert "Status" in labels(app) and "Time left" in labels(app)
        assert footer_descriptions(app)["slash"] == "Filter"
        assert footer_descriptions(app)["ctrl+l"] == "中文"
        assert table.get_row(number)[table.get_column_index("status")].plain == "◉ to dispatch"
        assert table.get_row(number)[table.get_column_index("time_left")].plain.startswith("due in ")
        text = header_text(app)
        assert "Operator" in text and "Queue › Open" in text and "Open 1" in text
        await until(pilot, lambda: "command centre" in header_text(app))
        assert numbers(app) == [number]

        await pilot.press("colon", *"lang zh", "enter")
        await until(pilot, lambda: "编号" in labels(app))
        assert footer_descriptions(app)["slash"] == "筛选"


async def test_detail_switches_language_too(town: Town) -> None:
    number = await add(town)
    await workflow.dispatch(town.store, town.operator, number, town.units["urban"])
    app = app_for(town, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_ticket(number)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert "Timeline" in screen.plain_text() and i18n.t("action.dispatch", "en") in screen.plain_text()
        await pilot.press("ctrl+l")
        await until(pilot, lambda: "全流程记录" in screen.plain_text())
        assert i18n.t("action.dispatch", "zh") in screen.plain_text()
        # the queue underneath switched as well
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and "编号" in labels(app))


def test_columns_fit_80_and_use_160_in_both_languages() -> None:
    table = QueueTable(jurisdiction="450502005")
    for lang in i18n.LANGS:
        i18n.set_lang(lang)
        narrow = table.plan(80)
        keys = [k for k, _ in narrow]
        assert {"urgency", "number", "status", "time_left", "matter"} <= set(keys), lang
        assert sum(w + 2 for _, w in narrow) <= 79, lang  # one cell for the scrollbar
        wide = dict(table.plan(160))
        assert set(wide) == set(COLUMNS), lang
        assert sum(w + 2 for w in wide.values()) <= 159
        # every status label fits its column whole, CJK counted as two cells
        assert all(cell_len(f"{s} {table_label(c)}") <= dict(narrow)["status"] for c, (s, _) in STATUS_LOOK.items())
    i18n.set_lang("zh")


def table_label(status: str) -> str:
    from griddesk.console.widgets.queue_table import status_label

    return status_label(status)


def test_status_and_urgency_symbols_are_single_width_and_distinct() -> None:
    symbols = [s for s, _ in STATUS_LOOK.values()]
    assert set(STATUS_LOOK) == set(Status)
    assert len(set(symbols)) == len(symbols)
    assert all(cell_len(s) == 1 for s in symbols + list(URGENCY_LOOK.values()))


async def test_the_queue_lines_up_at_80_columns_in_chinese(town: Town) -> None:
    await add(town, grid=town.grids["port"], address="冠头岭路3号")  # 冠头岭渔港涉海网格: cut
    await add(town, matter=town.matters["dispute"], urgency="urgent")
    await add(town, matter=town.matters["consult"])
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(numbers(app)) == 3)
        await idle(pilot)
        table = app.screen.table  # type: ignore[attr-defined]
        painted = [table.render_line(y).text for y in range(4)]  # the header line and three rows
        assert all(cell_len(line) <= 80 for line in painted)
        # the status column starts at the same screen cell on every line, whatever CJK is before it
        starts = {cell_len(line[: line.index(mark)]) for line, mark in
                  zip(painted, ["状态", "◉", "◉", "◉"], strict=True)}
        assert len(starts) == 1, painted
        before_status = table.ordered_columns[: table.get_column_index("status")]
        assert starts == {sum(c.get_render_width(table) for c in before_status) + 1}


def test_every_timeline_action_has_a_name_in_both_languages() -> None:
    codes = set(workflow.ACTIONS) | {
        "receive", "resolve_on_spot", "dispatch", "sign", "return_request", "return_approve",
        "return_reject", "extension_request", "extension_approve", "extension_reject", "suspend", "resume",
        "feedback", "verify_pass", "verify_fail", "visit", "close", "reopen", "supervise", "escalate",
        "report_up", "hand_to_county", "hand_back", "warn", "flag"}
    for lang in i18n.LANGS:
        missing = [c for c in sorted(codes) if not i18n.has(f"action.{c}", lang)]
        assert missing == [], lang


def test_themes_are_files_loaded_at_start(town: Town) -> None:
    found = {d["name"]: d for d in load_themes()}
    assert list(found)[0] == "griddesk"
    assert found["griddesk"]["dark"] is True and found["griddesk-light"]["dark"] is False
    for d in found.values():
        for key in ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
                    "warning", "error", "success"):
            assert d[key].startswith("#"), (d["name"], key)
        assert "gd-overdue" in d["variables"]
    app = GridDeskApp(town.store, town.operator)
    assert app.theme == "griddesk"
    assert {"griddesk", "griddesk-light"} <= set(app.available_themes)


async def test_a_theme_switch_recolours_cells_without_a_rebuild(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        table = app.screen.table  # type: ignore[attr-defined]
        status = table.get_column_index("status")
        dark = str(table.get_row(number)[status].style)
        assert dark == load_themes()[0]["variables"]["gd-status-pending"]
        await pilot.press("ctrl+t")  # the next of the griddesk themes (by name)
        await until(pilot, lambda: app.theme == "griddesk-contrast")
        await until(pilot, lambda: str(table.get_row(number)[status].style) != dark)
        other = {d["name"]: d for d in load_themes()}["griddesk-contrast"]
        assert str(table.get_row(number)[status].style) == other["variables"]["gd-status-pending"]
        assert table.stats.rebuilds == 0
