"""The key line fits 80 columns in cells: `?` help first, whole keys only, `…` when cut."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from griddesk.console.screens.queue import QueueScreen
from griddesk.console.widgets.footer import KeyFooter
from griddesk.store.i18n import t
from tests.console.pilot import add, app_for, numbers, until
from tests.fixtures_town import Town


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_footer_at_80_columns_keeps_help_and_whole_keys(town: Town, lang: str) -> None:
    await add(town)
    app = app_for(town, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and len(numbers(app)) == 1)
        footer = app.screen.query_one(KeyFooter)
        line = footer.render().plain
        assert line.startswith(f"? {t('console.key.help', lang)}")
        assert cell_len(line) <= 78
        shown = [f"{keys} {what}" for keys, what, _ in footer.items()]
        # the line is whole items joined, then perhaps "…": no item is split
        body = line.removesuffix("…").rstrip()
        assert body == "  ".join(shown[: body.count("  ") + 1])
        # on a wall screen more keys fit, still whole
        await pilot.resize_terminal(220, 50)
        await until(pilot, lambda: footer.size.width > 200, timeout=10)
        wide = footer.render().plain
        assert wide.startswith(line[:6]) and len(wide) > len(line) and cell_len(wide) <= 218
