"""`griddesk worker [--jurisdiction CODE] [--every SECONDS] [--once]`: run a centre's periodic
jobs (the automatic supervision ladder) on a server, so no console has to.

It holds the jobs' leases (`store.jobs`) for the jurisdiction — by default the acting
account's — renewing them every `--every` seconds; consoles of that centre (or of its towns)
then leave the jobs to it and read the results through the change feed. SIGTERM or Ctrl-C stops
it cleanly: the current batch commits, the leases are released, exit code 0.

Exit codes: 0 stopped cleanly; 1 refused (not a centre account); 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import datetime
from typing import Any

from griddesk.console.cli.tickets import global_options
from griddesk.store import jobs, permissions
from griddesk.store.errors import NotAllowed
from griddesk.store.i18n import code_name, t

MIN_EVERY = 1.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help=t("worker.help"), description=t("worker.description"))
    p.add_argument("--jurisdiction", metavar="CODE", help=t("worker.opt_jurisdiction"))
    p.add_argument("--every", metavar="SECONDS", type=float, default=5.0, help=t("worker.opt_every"))
    p.add_argument("--once", action="store_true", help=t("worker.opt_once"))
    global_options(p)
    p.set_defaults(handler=cmd_worker)


def _say(text: str) -> None:
    print(f"{datetime.now().strftime('%H:%M:%S')} {text}", flush=True)


async def cmd_worker(ctx: Any, args: argparse.Namespace) -> int:
    if args.every < MIN_EVERY:
        print(t("cli.error", message=t("worker.error.every", min=MIN_EVERY)), file=sys.stderr)
        return 2
    store, actor = await ctx.store(), await ctx.actor()
    if actor.read_only or actor.role not in permissions.CENTRE:
        raise NotAllowed("supervise.error.role", role=code_name("role", actor.role))
    area = actor.jurisdiction if args.jurisdiction is None else args.jurisdiction.strip()
    if not area.isdigit() or not area.startswith(actor.jurisdiction):
        print(t("cli.error", message=t("worker.error.jurisdiction", value=area, own=actor.jurisdiction)),
              file=sys.stderr)
        return 2
    runner = jobs.Runner(store, area)

    def report(done: dict[str, int]) -> None:
        for name, count in done.items():
            _say(t("worker.ran", job=t(f"worker.job.{name}"), count=count))

    if args.once:
        try:
            done = await runner.tick(force=True)
        finally:
            await runner.release()
        if not done:
            _say(t("worker.held_elsewhere"))
        report(done)
        return 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform
            loop.add_signal_handler(sig, stop.set)
    _say(t("worker.started", jurisdiction=area, holder=runner.holder))
    try:
        await runner.serve(stop, every=args.every, report=report)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    _say(t("worker.stopped"))
    return 0
