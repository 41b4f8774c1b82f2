"""`griddesk login [LOGIN]` / `griddesk logout`, and `start_console`: how the console begins.

`login` asks the password and keeps a short-lived token (config `[accounts] token_hours`,
default 12) in the user's data directory, mode 0600; the database keeps only the token's hash.
Later commands on the same database act as that account (store.identity.resolve).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from griddesk.console.cli.tickets import global_options
from griddesk.console.cli.user import Passwords
from griddesk.store import accounts, identity, timefmt
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("login", help=t("accounts.cli.login_help"), description=t("accounts.cli.login_help"))
    p.add_argument("login", metavar="LOGIN", nargs="?")
    p.add_argument("--password-stdin", action="store_true", help=t("accounts.cli.opt_password_stdin"))
    global_options(p)
    p.set_defaults(handler=run_login)
    out = sub.add_parser("logout", help=t("accounts.cli.logout_help"), description=t("accounts.cli.logout_help"))
    global_options(out)
    out.set_defaults(handler=run_logout)


async def run_login(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    name = args.login
    if not name:
        if not sys.stdin.isatty() or args.password_stdin:
            print(t("cli.error", message=t("accounts.error.login_missing")), file=sys.stderr)
            return 2
        name = (await asyncio.to_thread(input, t("accounts.cli.prompt_login"))).strip()
    try:
        password = Passwords(args.password_stdin).ask(t("accounts.cli.prompt_password"))
    except Invalid as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    try:
        actor, until = await identity.login(store, name, password, via="cli")
    except (accounts.LoginFailed, accounts.AccountLocked) as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 1
    print(t("accounts.cli.logged_in", who=actor.label,
            until=timefmt.local(until, ZoneInfo(store.settings.timezone))))
    return 0


async def run_logout(ctx: Ctx, args: argparse.Namespace) -> int:
    gone = await identity.logout(await ctx.store())
    print(t("accounts.cli.logged_out", login=gone) if gone else t("accounts.cli.not_logged_in"))
    return 0


async def start_console(ctx: Any, *, served: bool = False,
                        watch: Callable[[Any], Coroutine[Any, Any, None]] | None = None) -> int:
    """Open the console: straight in when the account is known (a token, an OS or SSH key
    mapping, `--as` on the demo), else on its login screen. `served` (a browser session of
    `griddesk serve`, which runs as the server's OS user) always asks the password, except on
    the demo database. `watch(app)`, if given, runs beside the console (the demo feed's watch)."""
    store = await ctx.store()
    try:
        if served:
            found = (identity.Identity(await store.actor(), "demo") if await identity.is_demo(store)
                     else identity.Identity(None, "none", True))
        else:
            found = await identity.console_identity(store, ctx.args.as_operator)
    except identity.AsRefused as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    except StoreError as e:
        if e.key not in ("error.db_not_initialised", "accounts.first_run"):
            raise
        print(e.message(), file=sys.stderr)
        return 1
    from griddesk.console.app import GridDeskApp

    app = GridDeskApp(store=store, actor=found.actor, lang=ctx.lang, login_hint=found.hint)
    task = asyncio.create_task(watch(app)) if watch is not None else None
    try:
        await app.run_async()
    finally:
        if task is not None:
            task.cancel()
    return 0
