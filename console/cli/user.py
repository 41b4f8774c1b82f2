"""`griddesk user add | passwd | disable | enable | list | unlock`: accounts (store.accounts).

Only an administrator manages other accounts; anyone changes their own password with
`griddesk user passwd` (the old one first). Passwords are read with getpass from a terminal, or
one per line from standard input with `--password-stdin` (scripts). On a fresh install, while no
account has a password, `griddesk user passwd admin` gives the first administrator its password.

Exit codes: 0 done; 1 refused or not found; 2 bad input (a password too short, an unknown role).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from griddesk.console.cli.tickets import command_group, global_options
from griddesk.store import accounts, timefmt
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx


def register(sub: argparse._SubParsersAction) -> None:
    usub = command_group(sub, "user", t("accounts.cli.help"))

    add = usub.add_parser("add", help=t("accounts.cli.add_help"), description=t("accounts.cli.add_help"))
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--name", required=True, help=t("accounts.cli.opt_name"))
    add.add_argument("--role", required=True, choices=list(Role), help=t("accounts.cli.opt_role"))
    add.add_argument("--jurisdiction", metavar="CODE", help=t("accounts.cli.opt_jurisdiction"))
    add.add_argument("--unit", metavar="CODE", help=t("accounts.cli.opt_unit"))
    _password_option(add)
    global_options(add)
    add.set_defaults(handler=run_add)

    pw = usub.add_parser("passwd", help=t("accounts.cli.passwd_help"), description=t("accounts.cli.passwd_help"))
    pw.add_argument("login", metavar="LOGIN", nargs="?", help=t("accounts.cli.opt_passwd_login"))
    _password_option(pw)
    global_options(pw)
    pw.set_defaults(handler=run_passwd)

    for name, handler in (("disable", run_disable), ("enable", run_enable), ("unlock", run_unlock)):
        p = usub.add_parser(name, help=t(f"accounts.cli.{name}_help"), description=t(f"accounts.cli.{name}_help"))
        p.add_argument("login", metavar="LOGIN")
        global_options(p)
        p.set_defaults(handler=handler)

    ls = usub.add_parser("list", help=t("accounts.cli.list_help"), description=t("accounts.cli.list_help"))
    ls.add_argument("--format", choices=("table", "json"), default="table", help=t("accounts.cli.opt_format"))
    global_options(ls)
    ls.set_defaults(handler=run_list)


def _password_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--password-stdin", action="store_true", help=t("accounts.cli.opt_password_stdin"))


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


class Passwords:
    """Where passwords come from: the terminal (asked, new ones twice) or stdin lines."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self._lines: Iterator[str] | None = None

    @property
    def available(self) -> bool:
        return self.from_stdin or sys.stdin.isatty()

    def ask(self, prompt: str, confirm: bool = False) -> str:
        if self.from_stdin:
            if self._lines is None:
                self._lines = iter(sys.stdin.read().splitlines())
            value = next(self._lines, None)
            if value is None:
                raise Invalid("accounts.error.password_missing")
            return value
        if not sys.stdin.isatty():
            raise Invalid("accounts.error.no_terminal")
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass(t("accounts.cli.prompt_again")) != value:
            raise Invalid("accounts.error.password_mismatch")
        return value


async def _usage(call: Any) -> int:
    """Run a store call; bad input is exit 2 with its one-line message."""
    try:
        await call
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    return 0


async def run_add(ctx: Ctx, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    source = Passwords(args.password_stdin)
    try:
        password = source.ask(t("accounts.cli.prompt_new"), confirm=True) if source.available else None
        account = await accounts.add_account(store, actor, args.login, args.name, args.role, args.jurisdiction,
                                             unit=args.unit, password=password)
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    print(t("accounts.cli.added", login=account.login, role=t(f"role.{account.role}")))
    if not account.has_password:
        print(t("accounts.cli.no_password_yet", login=account.login))
    return 0


async def run_passwd(ctx: Ctx, args: argparse.Namespace) -> int:
    from griddesk.store import identity

    store = await ctx.store()
    source = Passwords(args.password_stdin)
    try:
        actor = await ctx.actor()
    except identity.LoginRequired:
        # a fresh install: the first password, by whoever can open the database
        if not (args.login and await accounts.bootstrap_open(store)):
            raise
        rc = await _usage(accounts.set_password(store, None, args.login,
                                                _ask(source, t("accounts.cli.prompt_new"), True)))
        if rc == 0:
            print(t("accounts.cli.password_set", login=args.login))
        return rc
    try:
        if args.login in (None, actor.login):
            old = source.ask(t("accounts.cli.prompt_old"))
            new = source.ask(t("accounts.cli.prompt_new"), confirm=True)
            await accounts.change_password(store, actor, old, new)
            print(t("accounts.cli.password_changed", login=actor.login))
        else:
            new = source.ask(t("accounts.cli.prompt_new"), confirm=True)
            await accounts.set_password(store, actor, args.login, new)
            print(t("accounts.cli.password_set", login=args.login))
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    return 0


def _ask(source: Passwords, prompt: str, confirm: bool) -> str:
    try:
        return source.ask(prompt, confirm)
    except Invalid:
        return ""  # reported by the store's check as too short


async def _simple(ctx: Ctx, args: argparse.Namespace, name: str) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    await getattr(accounts, name)(store, actor, args.login)
    print(t(f"accounts.cli.{name}d" if name.endswith("e") else f"accounts.cli.{name}ed", login=args.login))
    return 0


async def run_disable(ctx: Ctx, args: argparse.Namespace) -> int:
    return await _simple(ctx, args, "disable")


async def run_enable(ctx: Ctx, args: argparse.Namespace) -> int:
    return await _simple(ctx, args, "enable")


async def run_unlock(ctx: Ctx, args: argparse.Namespace) -> int:
    return await _simple(ctx, args, "unlock")


async def run_list(ctx: Ctx, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    rows = await accounts.list_accounts(store, actor)
    tz = ZoneInfo(store.settings.timezone)
    now = store.now()
    if args.format == "json":
        print(json.dumps([{"login": a.login, "name": a.name, "role": a.role, "jurisdiction": a.jurisdiction,
                           "unit": a.unit, "active": a.active, "has_password": a.has_password,
                           "locked_until": timefmt.iso(a.locked_until) if a.locked_until and a.locked_until > now
                           else None,
                           "password_changed_at": timefmt.iso(a.password_changed_at)}
                          for a in rows], ensure_ascii=False, indent=2))
        return 0
    header = [t("accounts.cli.col_login"), t("accounts.cli.col_name"), t("accounts.cli.col_role"),
              t("accounts.cli.col_jurisdiction"), t("accounts.cli.col_unit"), t("accounts.cli.col_state")]
    table = [header]
    for a in rows:
        state = [t("accounts.cli.state_active") if a.active else t("accounts.cli.state_disabled")]
        if not a.has_password:
            state.append(t("accounts.cli.state_no_password"))
        if a.locked_until and a.locked_until > now:
            state.append(t("accounts.cli.state_locked", until=timefmt.local(a.locked_until, tz)))
        table.append([a.login, a.name, t(f"role.{a.role}"), a.jurisdiction or "*", a.unit or "",
                      " ".join(state)])
    _print_table(table)
    return 0


def _print_table(rows: list[list[str]]) -> None:
    from rich.cells import cell_len

    widths = [max(cell_len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c + " " * (w - cell_len(c)) for c, w in zip(r, widths, strict=True)).rstrip())

