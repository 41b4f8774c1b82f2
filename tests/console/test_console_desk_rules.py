"""Issue 11 points 9–11 at the desk (Pilot): a key that does not apply says why, `?` lists only
the keys this account may use, hotline mode lands on a fresh intake form, the theme persists,
user themes load, a `[keymap]` rebinds keys, and the wall's digits fit the screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.screens.help import HelpScreen
from griddesk.console.screens.intake import IntakeScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.theming import user_dir
from griddesk.console.wall import WallScreen
from griddesk.console.widgets.big_digits import BigDigits, render_big, scale_for
from griddesk.store import phrases, user_state, views, workflow
from griddesk.store.i18n import t
from tests.console.pilot import add, until
from tests.fixtures_town import Town


def app_as(town: Town, login: str, lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang=lang, poll_interval=0.2)


async def open_detail(pilot, app: GridDeskApp, number: str) -> TicketScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, QueueScreen))
    app.open_ticket(number)
    await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    return screen


async def test_a_key_that_does_not_apply_says_why(town: Town) -> None:
    number = await add(town)
    # a seat operator presses a (approve) with nothing pending
    app = app_as(town, "op01")
    async with app.run_test(size=(100, 30)) as pilot:
        detail = await open_detail(pilot, app, number)
        await until(pilot, lambda: "dispatch" in detail.allowed_actions)
        before = len(app.notice_log.messages)
        await pilot.press("a")
        await until(pilot, lambda: len(app.notice_log.messages) > before)
        said = app.notice_log.messages[0]
        assert said.startswith(t("desk.not_here.notice", key="a", action=t("desk.act.approve"), reason="")[:2])
        assert "a" in said and t("desk.act.approve") in said and app.screen is detail
    # a unit presses d (dispatch): refused with the role's reason, nothing opens
    app = app_as(town, "u-urban")
    assert (await views.detail(town.store, town.operator, number)).ticket.status == "pending_dispatch"
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        before = len(app.notice_log.messages)
        await pilot.press("d")
        await until(pilot, lambda: len(app.notice_log.messages) > before)
        assert "d" in app.notice_log.messages[0] and t("desk.act.dispatch") in app.notice_log.messages[0]
        assert not isinstance(app.screen, DispatchDialog)


async def help_keys(pilot, app: GridDeskApp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen))
    sections = app.screen.sections()  # type: ignore[attr-defined]
    keys = dict(sections[0][1])
    await pilot.press("escape")
    return keys


async def test_help_lists_only_the_keys_this_account_may_use(town: Town) -> None:
    number = await add(town)
    app = app_as(town, "op01")
    async with app.run_test(size=(100, 40)) as pilot:
        detail = await open_detail(pilot, app, number)
        await until(pilot, lambda: "dispatch" in detail.allowed_actions)
        keys = await help_keys(pilot, app)
        assert keys.get("d") == t("desk.act.dispatch") and keys.get("n") == t("desk.key.intake")
        assert "a" not in keys and "f" not in keys  # nothing to approve; feedback is a unit's
        # keys no terminal passes to a program (Textual's copy on super+c) are not offered
        assert not any(k.startswith(("super+", "⌘")) for k in keys), keys
    # a unit sees only what it leads (store/visibility.py): lead it, then look as the unit
    await workflow.dispatch(town.store, town.operator, number, town.units["urban"])
    app = app_as(town, "u-urban")
    async with app.run_test(size=(100, 40)) as pilot:
        detail = await open_detail(pilot, app, number)
        keys = await help_keys(pilot, app)
        assert "d" not in keys and "n" not in keys and "S" not in keys


async def test_hotline_mode_lands_on_a_fresh_intake_form(town: Town) -> None:
    town.store.settings = replace(town.store.settings, hotline_mode=True)
    app = app_as(town, "op01")
    async with app.run_test(size=(100, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.hotline_mode
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        form = app.screen
        assert isinstance(form, IntakeScreen)
        form.field("matter").value = "A001"
        form.field("grid").value = town.grids["comp1"]
        form.field("address").value = "海角路1号"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog))
        dialog = app.screen
        await pilot.press(*"URBAN")
        await until(pilot, lambda: "URBAN" in str(getattr(dialog, "lead", "")) or True)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen) and app.screen is not form)
        fresh = app.screen
        assert isinstance(fresh, IntakeScreen) and not fresh.dirty() and form.created
        d = await views.detail(town.store, town.operator, form.created)
        assert d.ticket.status != "pending"
        # F6 switches it off for the session
        await pilot.press("f6")
        await until(pilot, lambda: not app.hotline_mode)


def test_phrases_per_matter_then_common() -> None:
    a = phrases.for_matter("A001", "note")
    assert a[0] == "请环卫部门及时清运。" and "请按时限办理并及时反馈。" in a
    assert phrases.for_matter(None, "reason") == phrases.for_matter("Z999", "reason") != []


async def test_the_theme_persists_across_restarts(town: Town) -> None:
    app = app_as(town, "op01")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert {"griddesk-contrast", "griddesk-cvd"} <= set(app.available_themes)
        app.run_command("theme griddesk-cvd")
        await until(pilot, lambda: app.theme == "griddesk-cvd")
    assert user_state.get("op01", "theme") == "griddesk-cvd"
    again = app_as(town, "op01")
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(again.screen, QueueScreen))
        assert again.theme == "griddesk-cvd"
    other = app_as(town, "op02")  # per operator
    async with other.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(other.screen, QueueScreen))
        assert other.theme == "griddesk"


async def test_a_user_theme_loads_and_a_broken_one_is_skipped(town: Town) -> None:
    folder = user_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.toml").write_text('name = "mine"\ndark = true\nprimary = "#ff00ff"\n', encoding="utf-8")
    (folder / "broken.toml").write_text("name = \n", encoding="utf-8")
    app = app_as(town, "op01")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "mine" in app.available_themes and "broken" not in app.available_themes
        app.run_command("theme mine")
        await until(pilot, lambda: app.theme == "mine")


async def test_a_keymap_in_the_config_rebinds_a_key(town: Town) -> None:
    town.store.settings = replace(town.store.settings, keymap={"app.help": "f1"})
    app = app_as(town, "op01")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))


def test_big_digits_scale_to_the_box() -> None:
    assert scale_for("12", 18, 4) == 0  # too small for blocks: Textual's 3-row digits
    assert scale_for("12", 30, 10) == 2
    lines = render_big("7", 2)
    assert len(lines) == 10 and len(lines[0]) == 12 and set(lines[0]) == {"█"}


async def test_the_wall_fits_its_digits_and_pages_several_groups(town: Town) -> None:
    for _ in range(3):
        await add(town)
    for size, small in (((80, 24), True), ((200, 50), False)):
        app = app_as(town, "wall")
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WallScreen) and app.screen.loads > 0)
            wall = app.screen
            assert isinstance(wall, WallScreen)
            await pilot.pause()
            digits = wall.query_one("#wall-digits-open", BigDigits)
            await until(pilot, lambda: digits.value not in ("", "-"))
            await pilot.pause()
            if small:
                assert digits.scale == 0 and digits.content_size.height >= 3
            else:
                assert digits.scale >= 2  # large block digits fill the bigger boxes
                assert wall.query_one("#wall-counts").size.height >= 50 * 2 // 5


def _unused(_: Path) -> None:  # keep Path imported for type hints in helpers
    return None


async def test_a_phrase_goes_into_a_reason_field(town: Town) -> None:
    from griddesk.console.widgets.dialogs import ChoiceDialog, Field, TextForm

    async def submit(values: dict[str, str | None]) -> None:
        return None

    app = app_as(town, "op01")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        form = TextForm("t", [Field("reason", "理由")], submit)
        app.push_screen(form)
        await until(pilot, lambda: app.screen is form and app.focused is not None and app.focused.id == "f-reason")
        await pilot.press(*"因")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("1")
        await until(pilot, lambda: app.screen is form)
        assert form.input("reason").value == "因" + phrases.for_matter(None, "reason")[0]


async def test_a_grid_worker_is_told_why_and_offered_only_its_keys(town: Town) -> None:
    """The grid worker's desk: `d` and `a` flash why (a centre's acts), `?` lists neither, but the
    keys it may use (`n`: a patrol report) are there."""
    from griddesk.console import actions

    number = await add(town, grid=town.grids["comp1"])
    gw = town.actors["gw01"]
    app = app_as(town, "gw01")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        keys = await help_keys(pilot, app)
        assert keys.get("n") == t("desk.key.intake") and actions.may_create(gw)
        assert not {"d", "a", "S", "E", "X"} & set(keys), keys
        for key, name in (("d", "dispatch"), ("a", "approve")):
            before = len(app.notice_log.messages)
            await pilot.press(key)
            await until(pilot, lambda b=before: len(app.notice_log.messages) > b)
            said = app.notice_log.messages[0]
            assert key in said and t(f"desk.act.{name}") in said, said
            assert isinstance(app.screen, QueueScreen)
    assert (await views.detail(town.store, town.operator, number)).ticket.status == "pending_dispatch"
