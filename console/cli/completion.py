"""`griddesk completion bash|zsh|fish`: the shell code that makes Tab complete griddesk's
commands and options (argcomplete's `shellcode`). Source it from the shell's start-up file:

    eval "$(griddesk completion bash)"                  # ~/.bashrc
    eval "$(griddesk completion zsh)"                   # ~/.zshrc
    griddesk completion fish | source                   # ~/.config/fish/config.fish

On Tab the shell runs `griddesk` with `_ARGCOMPLETE` set; `main()` hands the parser to
argcomplete before anything else runs, which prints the candidates and exits.
"""

from __future__ import annotations

import argparse
from typing import Any

from griddesk.console.cli.tickets import stdout
from griddesk.store.i18n import t

SHELLS = ("bash", "zsh", "fish")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("completion", help=t("cli.completion.help"), description=t("cli.completion.description"))
    p.add_argument("shell", choices=SHELLS, help=t("cli.completion.opt_shell"))
    p.set_defaults(handler=run_completion)


async def run_completion(ctx: Any, args: argparse.Namespace) -> int:
    import argcomplete

    with stdout() as out:
        out.write(argcomplete.shellcode(["griddesk"], shell=args.shell))
    return 0
