"""`griddesk init`: create an empty database (migrated, no data) where --db, GRIDDESK_DB, the
config file or the default place says. Every other command refuses a named SQLite file that is
not there (a mistyped --db must not quietly create one); this and the demo's builders do not."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from griddesk.console.cli.tickets import global_options
from griddesk.store import accounts, config
from griddesk.store.i18n import t


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=t("validation.init_help"), description=t("validation.init_help"))
    global_options(p)
    p.set_defaults(handler=run_init)


async def run_init(ctx: Any, args: argparse.Namespace) -> int:
    choice = config.database(args.db, ctx.settings)
    if choice.file is not None and choice.file.exists() and choice.file.stat().st_size > 0:
        print(t("cli.error", message=t("validation.init_exists", path=str(choice.file))), file=sys.stderr)
        return 1
    if choice.file is not None:
        choice.file.parent.mkdir(parents=True, exist_ok=True)
    store = await ctx.store()  # opening migrates: the schema, no rows
    print(t("validation.init_done", url=choice.url))
    # the administrator, and how to go on (store.accounts: the first run of an empty database)
    if await accounts.first_run(store):
        print(t("accounts.first_run", url=choice.url, login=accounts.FIRST_ADMIN))
    return 0


run_init.creates_database = True  # type: ignore[attr-defined]
