"""`griddesk serve [--host 127.0.0.1] [--port 8000]`: the console in a web browser (textual-serve).

Each browser tab runs its own console process (`griddesk serve-session`), which always starts
on the login screen (the demo database excepted): the server's OS user and its login token
are the server's, never a browser user's. Bound to anything but a loopback address, the server
says so on stderr — put it behind TLS (a reverse proxy) before exposing it.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import shlex
import signal
import sys
from typing import TYPE_CHECKING

from griddesk.console.cli.tickets import global_options
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _port(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(t("accounts.serve.bad_port", value=value)) from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(t("accounts.serve.bad_port", value=value))
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help=t("accounts.serve.help"), description=t("accounts.serve.description"))
    p.add_argument("--host", default=DEFAULT_HOST, help=t("accounts.serve.opt_host"))
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=t("accounts.serve.opt_port"))
    p.add_argument("--public-url", metavar="URL", help=t("accounts.serve.opt_public_url"))
    global_options(p)
    p.set_defaults(handler=run_serve)
    s = sub.add_parser("serve-session", help=t("accounts.serve.session_help"),
                       description=t("accounts.serve.session_help"))
    global_options(s)
    s.set_defaults(handler=run_session)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def session_command(db: str | None, lang: str) -> str:
    argv = [sys.executable, "-m", "griddesk.console.cli", "--lang", lang]
    if db:
        argv += ["--db", db]
    return shlex.join([*argv, "serve-session"])


async def run_serve(ctx: Ctx, args: argparse.Namespace) -> int:
    from aiohttp import web
    from textual_serve.server import Server

    await ctx.store()  # the database opens (and migrates) once here, not in every tab
    if not is_loopback(args.host):
        print(t("accounts.serve.exposed", host=args.host), file=sys.stderr, flush=True)
    server = Server(session_command(args.db, ctx.lang), host=args.host, port=args.port, title="GridDesk",
                    public_url=args.public_url)
    # Server.serve() runs its own event loop; inside ours the same application runs on a runner
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as e:
        await runner.cleanup()
        print(t("cli.error", message=t("accounts.serve.cannot_bind", host=args.host, port=args.port,
                                       reason=e.strerror or str(e))), file=sys.stderr)
        return 1
    print(t("accounts.serve.serving", url=server.public_url), file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


async def run_session(ctx: Ctx, args: argparse.Namespace) -> int:
    from griddesk.console.cli.login import start_console

    return await start_console(ctx, served=True)
