"""The audit log, the grid changes, the escalations and the roster search at 80 columns: one
fitted list (`FittedList`), measured in cells, a ticket number never cut, nothing scrolling
sideways."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from griddesk.console.app import GridDeskApp
from griddesk.console.widgets.line_list import FittedList, Want, measured, plain_line
from griddesk.store import audit, roster, workflow
from griddesk.store.enums import ChangeReason
from griddesk.store.numbers import short_number
from tests.console.pilot import add, until
from tests.fixtures_town import Town

SIZE = (80, 24)


def test_measured_columns_keep_the_whole_ones_and_cut_the_free_text_first() -> None:
    wants = [Want("n", "No.", whole=True), Want("who", "who", least=4, give=1), Want("text", "text", give=2)]
    rows = [["450502005-20260227-0001", "赵刚(sup01)", "楼上漏水引发邻里纠纷" * 3]]
    cols = measured(wants, rows, 40)
    assert [c.width for c in cols][0] == len("450502005-20260227-0001")
    assert sum(c.width for c in cols) + 2 == 40  # one space between columns, the row fills the width
    line = plain_line(rows[0], cols, 40)
    assert cell_len(line) == 40 and line.startswith("450502005-20260227-0001 ")
    assert "…" in line and "\ufffd" not in line
    # CJK counts two cells; a wide character never straddles the cut
    cols = measured([Want("a", whole=True), Want("b", least=3)], [["x", "漏水漏水漏水"]], 9)
    assert [c.width for c in cols] == [1, 7]
    assert plain_line(["x", "漏水漏水漏水"], cols, 9) == "x 漏水漏…"
    cols = measured([Want("a", whole=True), Want("b", least=3)], [["x", "漏水漏水漏水"]], 8)
    assert plain_line(["x", "漏水漏水漏水"], cols, 8) == "x 漏水 …"  # 漏 would straddle: a space


def lines_of(app: GridDeskApp, selector: str) -> list[str]:
    table = app.screen.query_one(selector, FittedList)
    return [table.line_text(i) for i in range(table.row_count)]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_ticket_numbers_show_whole_and_no_list_scrolls_sideways(town: Town, lang: str) -> None:
    sup = town.actors["sup01"]
    number = await add(town)
    other = await add(town, title="楼上漏水引发邻里纠纷" * 4, address="地角路8号")
    await workflow.dispatch(town.store, town.operator, other, town.units["police"])
    await audit.record_read(town.store, sup, number)
    await roster.adjust_grid(town.store, sup, town.grids["comp2"], ChangeReason.OTHER, "户数复核" * 10,
                             households=320)
    shown = {n: short_number(n, sup.jurisdiction) for n in (number, other)}
    app = GridDeskApp(town.store, sup, lang=lang, poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        for name, arg, selector in (("audit", "", "#audit-table"), ("changes", "", "#changes-table"),
                                    ("search", "地角路", "#search-table")):
            app.open_screen(name, arg) if arg else app.open_screen(name)
            await until(pilot, lambda s=selector: bool(app.screen.query(s)) and app.screen.query_one(
                s, FittedList).row_count > 0)
            table = app.screen.query_one(selector, FittedList)
            await until(pilot, lambda t=table: t.region.width > 0)
            width = table.scrollable_content_region.width
            assert table.max_scroll_x == 0, name
            for line in lines_of(app, selector):
                assert cell_len(line) <= width, (name, line)
            text = "\n".join(lines_of(app, selector))
            if name == "audit":
                assert all(s in text for s in shown.values()), text
            if name == "search":
                assert shown[other] in text, text
