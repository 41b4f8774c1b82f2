"""`griddesk backup FILE` and `griddesk restore FILE [--yes]`: the whole database to a file and
back (store/backup.py: SQLite's online backup, PostgreSQL's pg_dump / pg_restore).

Both work on the files (or the server) directly, not as an operator account: whoever may read
the database file may copy it, and a damaged database must be restorable without reading it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from griddesk.console.cli.tickets import global_options
from griddesk.store import backup
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help=t("backup.cli.help"), description=t("backup.cli.description"))
    p.add_argument("file", metavar="FILE", help=t("backup.cli.opt_file"))
    global_options(p)
    p.set_defaults(handler=run_backup)
    r = sub.add_parser("restore", help=t("backup.cli.restore_help"), description=t("backup.cli.restore_description"))
    r.add_argument("file", metavar="FILE", help=t("backup.cli.restore_opt_file"))
    r.add_argument("--yes", action="store_true", help=t("backup.cli.opt_yes"))
    global_options(r)
    r.set_defaults(handler=run_restore)


def _path(arg: str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(arg)))


async def run_backup(ctx: Ctx, args: argparse.Namespace) -> int:
    target = _path(args.file)
    try:
        made = await backup.backup_to(ctx.db_url, target)
    except Invalid as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    print(t("backup.cli.written", path=str(made)))
    return 0


async def run_restore(ctx: Ctx, args: argparse.Namespace) -> int:
    source = _path(args.file)
    where = backup.describe(ctx.db_url)
    if not await asyncio.to_thread(os.path.isfile, source):  # before asking anything
        print(t("cli.error", message=t("backup.no_file", path=str(source))), file=sys.stderr)
        return 2
    if not args.yes:
        if not sys.stdin.isatty():
            print(t("cli.error", message=t("backup.cli.need_yes")), file=sys.stderr)
            return 2
        question = t("backup.cli.confirm", path=str(source), db=where) + " "
        answer = (await asyncio.to_thread(input, question)).strip().lower()
        if answer not in ("y", "yes", "是"):
            print(t("backup.cli.cancelled"))
            return 1
    try:
        kept = await backup.restore_from(ctx.db_url, source)
    except Invalid as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    print(t("backup.cli.restored", path=str(source), db=where))
    if kept is not None:
        print(t("backup.cli.kept", path=str(kept)))
    return 0
