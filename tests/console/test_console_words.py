"""Textual's own words in the Chinese console: the palette's "no matches", the quit notice and
key names go through the catalogue."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import CommandList

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.textual_words import Palette
from tests.console.pilot import until
from tests.fixtures_town import Town


def app_as(town: Town, lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.operator, lang=lang, poll_interval=0.2)


def options_text(app: GridDeskApp) -> str:
    box = app.screen.query_one(CommandList)
    return " ".join(str(o.prompt.renderable) if hasattr(o.prompt, "renderable") else str(o.prompt)
                    for o in box.options)


async def test_palette_says_no_matches_in_chinese(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, Palette))
        await pilot.press(*"qqqzzz")
        await until(pilot, lambda: "没有匹配的命令" in options_text(app))
        assert "No matches" not in options_text(app)


async def test_key_names_in_chinese_and_english(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.get_key_display(Binding("super+c", "copy", "x")) == "徽标键+c"
        assert app.get_key_display(Binding("ctrl+p", "x", "x")) == "^p"
        assert app.get_key_display(Binding("space", "x", "x")) == "空格"
        assert app.get_key_display(Binding("x", "x", "x", key_display="X!")) == "X!"
        app.action_help_quit()
        await pilot.pause(0)
        notice = app.header_state.notice
        assert "要退出吗" in notice and "^q" in notice and "Do you want" not in notice
