"""The login screen: what the console shows first when nobody is known yet (store.identity).

Login and password; Enter in the login field moves to the password, Enter there submits. A wrong
login or password gives one message beside the password (the store never says which was wrong);
a locked account says until when. Ctrl+L switches Chinese / English here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from griddesk.console.messages import LanguageChanged
from griddesk.store import accounts
from griddesk.store.accounts import AccountLocked, LoginFailed
from griddesk.store.actor import Actor
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell


class LoginScreen(Screen[Actor | None]):
    BINDINGS = [Binding("enter", "enter", show=False, priority=True)]
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen #login-box { width: 60; height: auto; border: round $primary; padding: 1 2; }
    LoginScreen #login-title { text-style: bold; width: 100%; content-align: center middle; margin-bottom: 1; }
    LoginScreen .login-label { margin-top: 1; }
    LoginScreen #login-error { color: $error; height: auto; min-height: 1; }
    LoginScreen #login-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, hint: str | None = None) -> None:
        super().__init__()
        self.hint = hint
        self.busy = False
        self.error = ""  # the message shown (tests read it)

    @property
    def gd(self) -> Shell:
        return cast("Shell", self.app)

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Static(t("accounts.login.title"), id="login-title")
            yield Label(t("accounts.login.login"), classes="login-label", id="login-label")
            yield Input(id="login-name", max_length=32)
            yield Label(t("accounts.login.password"), classes="login-label", id="password-label")
            yield Input(password=True, id="login-password", max_length=256)
            yield Static("", id="login-error")
            yield Static(t("accounts.login.keys"), id="login-hint")

    def on_mount(self) -> None:
        if self.hint:  # set here, not in compose: an Input's value wants the screen on the stack
            self.query_one("#login-name", Input).value = self.hint
        self.query_one("#login-password" if self.hint else "#login-name", Input).focus()

    def on_language_changed(self, message: LanguageChanged) -> None:
        self.query_one("#login-title", Static).update(t("accounts.login.title"))
        self.query_one("#login-label", Label).update(t("accounts.login.login"))
        self.query_one("#password-label", Label).update(t("accounts.login.password"))
        self.query_one("#login-hint", Static).update(t("accounts.login.keys"))
        self._show("")

    def _show(self, text: str) -> None:
        self.error = text
        self.query_one("#login-error", Static).update(text)

    def action_enter(self) -> None:
        # a priority binding, run in the app's own turn: keys typed (or pasted) right after Enter
        # already go to the field it moved to
        if self.focused is self.query_one("#login-name", Input):
            self.query_one("#login-password", Input).focus()
        else:
            self._submit()

    def _submit(self) -> None:
        name = self.query_one("#login-name", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not name:
            self._show(t("accounts.login.login_missing"))
            self.query_one("#login-name", Input).focus()
            return
        if self.busy:
            return
        self.busy = True
        self.run_worker(self._check(name, password), group="login", exclusive=True, exit_on_error=False)

    async def _check(self, name: str, password: str) -> None:
        try:
            actor = await accounts.authenticate(self.gd.store, name, password, via="console")
        except (LoginFailed, AccountLocked) as e:
            self._show(e.message())
            box = self.query_one("#login-password", Input)
            box.value = ""
            box.focus()
            return
        finally:
            self.busy = False
        self.dismiss(actor)  # the app's sign_in takes it from here
