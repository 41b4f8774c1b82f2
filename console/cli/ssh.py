"""`griddesk ssh-config [--user USER]`: the OpenSSH `Match User` block that makes a system user's
SSH login the console and nothing else; and `griddesk ssh-session`, the forced command it names.

The block forces the console (ForceCommand), exposes the key the session logged in with
(ExposeAuthInfo, so store.identity maps it to an account), and allows no forwarding of any kind
and no tunnel. `ssh-session` refuses a command given on the ssh line (SSH_ORIGINAL_COMMAND) and
a session without a terminal, so `ssh host ls` or `ssh -T host` run nothing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from griddesk.console.cli.tickets import global_options
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx

DEFAULT_USER = "griddesk"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ssh-config", help=t("accounts.ssh.help"), description=t("accounts.ssh.description"))
    p.add_argument("--user", default=DEFAULT_USER, metavar="USER", help=t("accounts.ssh.opt_user"))
    global_options(p)
    p.set_defaults(handler=run_ssh_config)
    s = sub.add_parser("ssh-session", help=t("accounts.ssh.session_help"),
                       description=t("accounts.ssh.session_help"))
    global_options(s)
    s.set_defaults(handler=run_ssh_session)


def executable() -> str:
    """This installation's `griddesk` script (beside the running Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "griddesk"
    if beside.exists():
        return str(beside)
    return shutil.which("griddesk") or "griddesk"


def forced_command(db: str | None = None, lang: str | None = None) -> str:
    argv = [executable()]
    if db:
        argv += ["--db", db]
    if lang:
        argv += ["--lang", lang]
    return shlex.join([*argv, "ssh-session"])


def config_block(user: str, db: str | None = None, lang: str | None = None) -> str:
    lines = [
        f"# {t('accounts.ssh.comment')}",
        f"Match User {user}",
        f"    ForceCommand {forced_command(db, lang)}",
        "    ExposeAuthInfo yes",
        "    PermitTTY yes",
        "    PermitTunnel no",
        "    DisableForwarding yes",
        "    AllowTcpForwarding no",
        "    AllowAgentForwarding no",
        "    AllowStreamLocalForwarding no",
        "    X11Forwarding no",
        "    PermitUserRC no",
        "    GatewayPorts no",
    ]
    return "\n".join(lines) + "\n"


async def run_ssh_config(ctx: Ctx, args: argparse.Namespace) -> int:
    if not args.user or any(c.isspace() for c in args.user):
        print(t("cli.error", message=t("accounts.ssh.bad_user", user=args.user)), file=sys.stderr)
        return 2
    print(config_block(args.user, args.db, getattr(args, "lang", None)), end="")
    return 0


def refusal() -> str | None:
    """Why this SSH session may not run: a command on the ssh line, or no terminal."""
    if os.environ.get("SSH_ORIGINAL_COMMAND"):
        return t("accounts.ssh.no_commands")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return t("accounts.ssh.needs_tty")
    return None


async def run_ssh_session(ctx: Ctx, args: argparse.Namespace) -> int:
    why = refusal()
    if why:
        print(t("cli.error", message=why), file=sys.stderr)
        return 1
    from griddesk.console.cli.login import start_console

    return await start_console(ctx)
