"""The login screen (console/screens/login.py) under Pilot: success, wrong password, lock-out,
Chinese and English."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.login import LoginScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.store import accounts
from griddesk.store.config import AccountSettings
from tests.console.pilot import until
from tests.fixtures_town import Town

GOOD = "correct horse 1"


async def _ready(town: Town, **over: int) -> GridDeskApp:
    town.store.settings = dataclasses.replace(town.store.settings, accounts=AccountSettings(**over))  # type: ignore[arg-type]
    await accounts.set_password(town.store, town.actors["admin"], "op01", GOOD)
    return GridDeskApp(town.store, None, lang="zh", poll_interval=0.2)


async def _type(pilot, app: GridDeskApp, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#login-name", Input).value = ""
    await pilot.click("#login-name")
    await pilot.press(*login, "enter")  # Enter moves on to the password
    assert screen.focused is screen.query_one("#login-password", Input)
    await pilot.press(*password, "enter")


async def test_the_right_password_opens_the_queue_of_that_account(town: Town) -> None:
    app = await _ready(town)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert "网格坐席台 登录" in str(app.screen.query_one("#login-title").render())
        assert not app.check_action("command_line", ())  # nothing to reach before logging in
        await _type(pilot, app, "op01", GOOD)
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.signed_in and app.actor.login == "op01" and app.header_state.operator == "周敏"


async def test_a_wrong_password_says_so_beside_the_field_and_stays(town: Town) -> None:
    app = await _ready(town)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        await _type(pilot, app, "op01", "not it at all")
        await until(pilot, lambda: screen.error == "账号或密码不正确")
        assert "账号或密码不正确" in str(screen.query_one("#login-error").render())
        assert screen.query_one("#login-password", Input).value == "" and not app.signed_in
        await _type(pilot, app, "nobody", GOOD)  # the same words for an unknown login
        await until(pilot, lambda: not screen.busy and screen.error == "账号或密码不正确")
        assert isinstance(app.screen, LoginScreen)


async def test_the_lock_out_is_shown_and_holds_against_the_right_password(town: Town) -> None:
    app = await _ready(town, max_failed_logins=2, lockout_minutes=15)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        await _type(pilot, app, "op01", "wrong one 1")
        await until(pilot, lambda: screen.error == "账号或密码不正确")
        await _type(pilot, app, "op01", "wrong one 2")
        await until(pilot, lambda: "已锁定" in screen.error)
        await _type(pilot, app, "op01", GOOD)
        await until(pilot, lambda: not screen.busy and "已锁定" in screen.error)
        assert isinstance(app.screen, LoginScreen) and not app.signed_in


async def test_english_on_request_and_ctrl_l_switches(town: Town) -> None:
    await accounts.set_password(town.store, town.actors["admin"], "op01", GOOD)
    app = GridDeskApp(town.store, None, lang="en", poll_interval=0.2, login_hint="op01")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        screen = app.screen
        assert "GridDesk login" in str(screen.query_one("#login-title").render())
        assert screen.focused is screen.query_one("#login-password", Input)  # the login is known
        await pilot.press("ctrl+l")
        await until(pilot, lambda: "网格坐席台 登录" in str(screen.query_one("#login-title").render()))
        await pilot.press(*"bad password", "enter")
        await until(pilot, lambda: screen.error == "账号或密码不正确")
