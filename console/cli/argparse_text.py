"""argparse's own words in the CLI's language: "usage:", "options:", "show this help message and
exit" and its error texts.

argparse builds these with its module-level gettext `_` (and `ngettext`) when a parser is made
and when it fails; `install()` points both at the catalogue (store/locales/*/cli_argparse.toml).
A text argparse passes through that is not one of its own (a subparser's description) comes back
unchanged. `GriddeskParser` also writes the usage line and the error line itself, so they read
the same in every language: "用法：…" and "griddesk ticket show：错误：…".
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from griddesk.store.i18n import t

# argparse's message ids (Python 3.11) → catalogue keys under `cli_argparse.`
MSGIDS = {
    "usage: ": "usage",
    "positional arguments": "positionals",
    "options": "options",
    "subcommands": "subcommands",
    "show this help message and exit": "help",
    "argument %(argument_name)s: %(message)s": "argument",
    "unrecognized arguments: %s": "unrecognized",
    "the following arguments are required: %s": "required",
    "one of the arguments %s is required": "one_of",
    "not allowed with argument %s": "not_allowed_with",
    "ignored explicit argument %r": "ignored_explicit",
    "expected one argument": "expected_one",
    "expected at most one argument": "expected_at_most_one",
    "expected at least one argument": "expected_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "invalid %(type)s value: %(value)r": "invalid_type",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "unknown_parser",
    "can't open '%(filename)s': %(error)s": "cant_open",
    "unexpected option string: %s": "unexpected_option",
}
PLURALS = {"expected %s argument": "expected_n"}


def gettext(text: Any) -> Any:
    key = MSGIDS.get(text) if isinstance(text, str) else None
    return t(f"cli_argparse.{key}") if key else text


def ngettext(singular: str, plural: str, n: int) -> str:
    key = PLURALS.get(singular)
    if key:
        return t(f"cli_argparse.{key}")
    return singular if n == 1 else plural


def install() -> None:
    """Route argparse's own texts through the catalogue (before any parser is built)."""
    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


class GriddeskParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage prefix and error line come from the catalogue."""

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, t("cli_argparse.usage"))
        return formatter.format_help()

    def format_help(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, t("cli_argparse.usage"))
        formatter.add_text(self.description)
        for group in self._action_groups:
            formatter.start_section(gettext(group.title))
            formatter.add_text(group.description)
            formatter.add_arguments(group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, t("cli_argparse.error", prog=self.prog, message=message))
