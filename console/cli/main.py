"""Entry point: global options, then one subcommand module per area.

Each module in `AREAS` exposes `register(subparsers)`; a subcommand's handler is
`async def handler(ctx: Ctx, args) -> int` (the exit code). Handlers never touch SQL: they call
store functions with `ctx.store` and `await ctx.actor()`.

A call imports only what its command needs (issue 13): `COMMANDS` names the areas each command
comes from, and only those register; every other command is a one-line entry for `--help`. An
area module imports at the top only what its parser needs (argparse, the catalogue, constants
from light modules such as `store.enums`); its handlers import the store modules they use. A
new command goes into `COMMANDS` too (tests/cli/test_lazy_imports.py says when it is missing).

Start-up order: config, language, parser; then shell completion (argcomplete answers and exits
when the shell's Tab asked, `_ARGCOMPLETE` set); then the log file (`console/logs.py`), so that
nothing a command or the console logs reaches the terminal; then the command. Around all of it,
stdout and stderr write through the one terminal sanitiser (console/cli/output.py), and an
argument holding bytes that are not UTF-8 exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from griddesk.console import logs
from griddesk.console.cli import argparse_text, output
from griddesk.store import config, i18n
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import t

if TYPE_CHECKING:  # the store (SQLAlchemy, the models) loads when a command first opens it
    from griddesk.store.actor import Actor
    from griddesk.store.context import Store

AREAS = [f"griddesk.console.cli.{name}" for name in
         ("demo", "tickets", "act", "roster", "supervise", "report", "wall", "info", "worker", "audit",
          "init", "backup", "user", "login", "ssh", "serve", "completion")]

# Every command, in the order `griddesk --help` lists them: its one-line help and the areas that
# add to it. A call imports only its command's areas; the others appear as these one-liners
# (tests/cli/test_lazy_imports.py checks this table against the areas' own registrations).
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "demo": ("demo.cli.help", ("demo",)),
    "ticket": ("cli_tickets.ticket_help", ("tickets", "act", "audit")),
    "tickets": ("cli_tickets.tickets_help", ("tickets",)),
    "units": ("cli_tickets.units_help", ("tickets",)),
    "matters": ("cli_tickets.matters_help", ("tickets",)),
    "import": ("roster.cli.import_help", ("roster",)),
    "export": ("roster.cli.export_help", ("roster",)),
    "findings": ("roster.cli.findings_help", ("roster",)),
    "notice-card": ("roster.cli.card_help", ("roster",)),
    "grids": ("roster.cli.grids_help", ("roster",)),
    "search": ("roster.cli.search_help", ("roster",)),
    "overdue": ("supervise.cli.overdue_help", ("supervise",)),
    "supervise": ("supervise.cli.supervise_help", ("supervise",)),
    "ladder": ("supervise.cli.ladder_help", ("supervise",)),
    "notice": ("supervise.cli.notice_help", ("supervise",)),
    "warnings": ("supervise.cli.warnings_help", ("supervise",)),
    "warn": ("supervise.cli.warn_help", ("supervise",)),
    "escalate": ("supervise.cli.escalate_help", ("supervise",)),
    "escalations": ("supervise.cli.escalations_help", ("supervise",)),
    "criticism": ("supervise.cli.criticism_help", ("supervise",)),
    "report": ("analytics.cli.report_help", ("report",)),
    "focus": ("analytics.cli.focus_help", ("report",)),
    "wall": ("console_supervise.cli.wall_help", ("wall",)),
    "info": ("cli.info.help", ("info",)),
    "worker": ("worker.help", ("worker",)),
    "audit": ("audit.cli.help", ("audit",)),
    "init": ("validation.init_help", ("init",)),
    "backup": ("backup.cli.help", ("backup",)),
    "restore": ("backup.cli.restore_help", ("backup",)),
    "user": ("accounts.cli.help", ("user",)),
    "login": ("accounts.cli.login_help", ("login",)),
    "logout": ("accounts.cli.logout_help", ("login",)),
    "ssh-config": ("accounts.ssh.help", ("ssh",)),
    "ssh-session": ("accounts.ssh.session_help", ("ssh",)),
    "serve": ("accounts.serve.help", ("serve",)),
    "serve-session": ("accounts.serve.session_help", ("serve",)),
    "completion": ("cli.completion.help", ("completion",)),
}
GLOBAL_VALUES = ("--db", "--lang", "--as")  # the global options that take a value

Handler = Callable[["Ctx", argparse.Namespace], Awaitable[int]]


@dataclass
class Ctx:
    args: argparse.Namespace
    settings: config.Settings
    lang: str
    _store: Store | None = None
    _actor: Actor | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_url(self) -> str | None:
        return self.args.db

    async def store(self) -> Store:
        if self._store is None:
            from griddesk.store.context import Store

            self._check_exists()
            self._store = await Store.open(self.args.db, self.settings)
            if self._store.read_only:  # said once, on stderr: scripts' output stays clean
                eprint(t("cli.note", message=t("fault.opened_read_only", where=self._store.db.where)))
        return self._store

    def _check_exists(self) -> None:
        """A named SQLite file that is not there is a typo, not a wish for a new database: only
        `griddesk init` and the demo's builders (handlers marked `creates_database`) make one."""
        if getattr(getattr(self.args, "handler", None), "creates_database", False):
            return
        choice = config.database(self.args.db, self.settings)
        if choice.source != "default" and choice.file is not None and not choice.file.exists():
            raise Invalid("validation.db_missing", path=str(choice.file))

    async def actor(self) -> Actor:
        if self._actor is None:
            from griddesk.store import identity

            self._actor = await identity.cli_actor(await self.store(), self.args.as_operator)
        return self._actor

    async def close(self) -> None:
        if self._store is not None:
            years = self._store.calendar_warning()
            if years:
                eprint(t("error.calendar_unknown_year", years=", ".join(map(str, sorted(years)))))
            await self._store.close()


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


log = logging.getLogger(__name__)


def version() -> str:
    """The installed distribution's version (`importlib.metadata`)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("griddesk")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return t("cli.version_unknown")


class _VersionAction(argparse.Action):
    """`--version`: like argparse's own, but reads the metadata only when asked (start-up time)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"griddesk {version()}")
        parser.exit()


def command_of(argv: list[str]) -> str | None:
    """The command word of a command line (`griddesk --db x ticket act …` → "ticket"), found
    before argparse runs; None when there is none (the console, or `--help`)."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if a.startswith("--") and len(a) > 2 and any(o.startswith(a) for o in GLOBAL_VALUES):
            i += 2  # `--db URL`, or argparse's abbreviation of it (`--la en`)
            continue
        if not a.startswith("-"):
            return a
        i += 1
    return None


def areas_for(argv: list[str] | None) -> list[str]:
    """The area modules a command line needs: none without a command (the console, `--help`),
    its command's, and every one when `argv` is None (the whole parser: shell completion, tests)
    or names a command not in `COMMANDS` (a typo, which argparse then refuses, or a command an
    area added and the table lacks: slower, still right)."""
    if argv is None:
        return AREAS
    command = command_of(argv)
    if command is None:
        return []
    entry = COMMANDS.get(command)
    if entry is None:
        return AREAS
    return [name for name in AREAS if name.rsplit(".", 1)[1] in entry[1]]


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the areas its command needs register their sub-commands (and
    import what they need); every other command is a one-line entry that is never run.
    `argv=None` builds every area's sub-commands."""
    argparse_text.install()  # argparse's own words ("usage:", its errors) in the chosen language
    p = argparse_text.GriddeskParser(prog="griddesk", description=t("cli.description"))
    p.add_argument("--version", action=_VersionAction, help=t("cli.opt_version"))
    p.add_argument("--db", metavar="URL", help=t("cli.opt_db"))
    p.add_argument("--lang", choices=i18n.LANGS, help=t("cli.opt_lang"))
    p.add_argument("--as", dest="as_operator", metavar="OPERATOR", help=t("cli.opt_as"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in areas_for(argv):
        importlib.import_module(name).register(sub)
    for command, (help_key, _areas) in COMMANDS.items():
        if command not in sub.choices:
            stub = sub.add_parser(command, help=t(help_key), add_help=False)
            stub.add_argument("rest", nargs=argparse.REMAINDER)  # never run: see `parse`
            stub.set_defaults(unloaded_command=True)
    order = list(COMMANDS)  # `--help` lists them in one order, whichever areas were loaded
    sub._choices_actions.sort(key=lambda a: order.index(a.dest) if a.dest in order else len(order))
    return p


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`argv` parsed; should argparse have found a command whose areas `command_of` did not
    foresee, the whole parser parses it again (slower, never wrong)."""
    args = parser.parse_args(argv)
    if getattr(args, "unloaded_command", False):
        args = build_parser(None).parse_args(argv)
    return args


def _pre_lang(argv: list[str], settings: config.Settings) -> str:
    """Find --lang before argparse runs, so help texts are in the chosen language."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in i18n.LANGS:
            return argv[i + 1]
        if a.startswith("--lang=") and a.split("=", 1)[1] in i18n.LANGS:
            return a.split("=", 1)[1]
    return i18n.detect(None, settings.lang)


def _usage_error(e: StoreError) -> bool:
    if isinstance(e, Invalid):
        return True
    identity = sys.modules.get("griddesk.store.identity")  # its errors exist once it is loaded
    return identity is not None and isinstance(e, (identity.AsRefused, identity.LoginRequired))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    saved = output.install()  # every string to the terminal through the one sanitiser
    try:
        return _main(argv)
    finally:
        output.restore(saved)


def _not_utf8(argv: list[str]) -> bool:
    # Python hands bytes that are not UTF-8 over as lone surrogates (surrogateescape)
    return any("\udc80" <= ch <= "\udcff" for a in argv for ch in a)


def _main(argv: list[str]) -> int:
    try:
        settings = config.load()
    except StoreError as e:
        i18n.set_lang(_pre_lang(argv, config.Settings()))
        eprint(t("cli.error", message=e.message()))
        return 2
    lang = _pre_lang(argv, settings)
    i18n.set_lang(lang)
    if _not_utf8(argv):
        eprint(t("cli.error", message=t("validation.not_utf8_argument")))
        return 2
    completing = "_ARGCOMPLETE" in os.environ  # the shell's Tab: print the candidates and exit
    parser = build_parser(None if completing else argv)
    if completing:
        import argcomplete

        argcomplete.autocomplete(parser)
    try:
        logs.setup()
    except ValueError as e:
        eprint(t("cli.error", message=t("cli.log.bad_level", env=logs.LEVEL_ENV, value=str(e),
                                        levels=", ".join(logs.LEVELS))))
        return 2
    args = parse(parser, argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from griddesk.console.cli.demo import open_console  # bare `griddesk` opens the console

        handler = open_console
    ctx = Ctx(args, settings, lang)
    from griddesk.console import loop_end  # asyncio: only a command that runs needs it

    async def run() -> int:
        try:
            return await handler(ctx, args)
        finally:
            await ctx.close()

    try:
        return loop_end.run(run(), lambda task: log.warning("left behind at exit: %r", task))
    except StoreError as e:  # bad input or who is acting: usage (2); refused (1)
        eprint(t("cli.error", message=e.message()))
        return 2 if _usage_error(e) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `griddesk tickets list | head`: the reader has gone, that is fine
        sys.stderr.close()
        return 0
    except Exception:  # a bug: the traceback goes to the terminal as before, and into the log
        log.exception("griddesk %s failed", args.command or "console")
        raise


if __name__ == "__main__":
    sys.exit(main())
