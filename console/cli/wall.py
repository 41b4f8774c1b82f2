"""`griddesk wall [--cycle SECONDS]`: the read-only wall display (see `console.wall`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from griddesk.store.i18n import t

DEFAULT_CYCLE = 10.0


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(t("console_supervise.cli.bad_cycle", value=value)) from None
    if not 1 <= n <= 3600:
        raise argparse.ArgumentTypeError(t("console_supervise.cli.bad_cycle", value=value))
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wall", help=t("console_supervise.cli.wall_help"),
                       description=t("console_supervise.cli.wall_description"))
    p.add_argument("--cycle", metavar="SECONDS", type=_seconds, default=DEFAULT_CYCLE,
                   help=t("console_supervise.cli.cycle"))
    p.set_defaults(handler=run_wall)


async def run_wall(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.console.wall import WallApp

    store = await ctx.store()
    actor = await ctx.actor()
    if not sys.stdout.isatty():
        print(t("console_supervise.cli.needs_terminal"), file=sys.stderr)
        return 2
    await WallApp(store, actor, lang=ctx.lang, cycle=args.cycle).run_async()
    return 0
