"""A CLI call imports what its command needs and nothing else (issue 13: every call imported every
area, Textual, pypinyin and argon2 included, 38× `python -c pass`).

The parser registers only the command's areas (console/cli/main.py `COMMANDS`); the other
commands are one-liners. The first tests check that table against the areas' own registrations;
the last runs real commands in fresh processes and reads their `sys.modules`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

from griddesk.store import tickets, views
from tests.cli.script import env
from tests.fixtures_town import Town

cli_main = importlib.import_module("griddesk.console.cli.main")  # the package's `main` is the function

HEAVY = ("textual", "pypinyin", "openpyxl", "argon2", "alembic", "sqlalchemy")
PROBE = f"""
import json, sys
from griddesk.console.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
print("\\nLOADED " + json.dumps({{"code": code, "heavy": heavy}}))
"""


def _commands_of(area: str) -> dict[str, str | None]:
    """The top-level commands one area adds, with their one-line help."""
    argparse_parser = argparse.ArgumentParser(prog="griddesk")
    sub = argparse_parser.add_subparsers(dest="command")
    importlib.import_module(f"griddesk.console.cli.{area}").register(sub)
    return {a.dest: a.help for a in sub._choices_actions}


def test_the_command_table_matches_what_the_areas_register() -> None:
    seen: dict[str, set[str]] = {}
    helps: dict[str, str | None] = {}
    order: list[str] = []
    for module in cli_main.AREAS:
        area = module.rsplit(".", 1)[1]
        for command, help_text in _commands_of(area).items():
            seen.setdefault(command, set()).add(area)
            helps.setdefault(command, help_text)
            if command not in order:
                order.append(command)
    assert order == list(cli_main.COMMANDS)  # `griddesk --help` lists them as before
    for command, (help_key, areas) in cli_main.COMMANDS.items():
        assert seen[command] <= set(areas), command  # every area that adds to it is loaded with it
        assert cli_main.t(help_key) == helps[command], command


def test_a_command_line_builds_the_same_parser_for_its_command() -> None:
    full = cli_main.build_parser()
    for argv in (["--help"], ["ticket", "act", "--help"], ["--db", "x.db", "--as", "op01", "tickets", "list"],
                 ["--lang=en", "overdue"], ["no-such-command"]):
        lazy = cli_main.build_parser(argv)
        assert lazy.format_help() == full.format_help(), argv
    sub = {a.dest: a for a in full._actions if isinstance(a, argparse._SubParsersAction)}["command"]
    lazy_sub = {a.dest: a for a in cli_main.build_parser(["ticket", "act"])._actions
                if isinstance(a, argparse._SubParsersAction)}["command"]
    assert lazy_sub.choices["ticket"].format_help() == sub.choices["ticket"].format_help()
    assert cli_main.command_of(["--db", "x", "--lang", "en", "--as", "a", "ticket", "act"]) == "ticket"
    assert cli_main.command_of(["--db=x", "-h"]) is None
    assert cli_main.command_of(["--la", "en", "ticket"]) == "ticket"  # argparse's abbreviation of --lang
    # a command the pre-scan missed is parsed again by the whole parser, never run as a one-liner
    args = cli_main.parse(cli_main.build_parser([]), ["tickets", "list", "--limit", "5"])
    assert args.handler.__name__ == "tickets_list" and args.limit == "5"


def _run_all(home: Path, cases: dict[str, list[str]]) -> dict[str, dict]:
    """Each case in a process of its own, all at once (the suite's time), → code and heavy modules."""
    procs = {name: subprocess.Popen([sys.executable, "-c", PROBE, *argv], env=env(home), text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, argv in cases.items()}
    got = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=120)
        lines = [line for line in out.splitlines() if line.startswith("LOADED ")]
        assert lines, f"{name}: {err[-2000:]}"
        got[name] = json.loads(lines[-1].removeprefix("LOADED ")) | {"err": err}
    return got


async def test_commands_load_only_what_they_use(town: Town, db_path: Path, machine_admin: Path) -> None:
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    home = Path(os.environ["GRIDDESK_HOME"])
    db = ["--db", str(db_path), "--as", "op01"]
    got = _run_all(home, {
        "help": ["--help"],
        "act help": ["ticket", "act", "--help"],
        "list": [*db, "tickets", "list", "--format", "json"],
        "act": [*db, "ticket", "act", n, "dispatch", "--unit", "URBAN"],
        "info": ["info"],
    })
    for name, r in got.items():
        assert r["code"] == 0, f"{name}: {r['err']}"
    assert got["help"]["heavy"] == [] and got["act help"]["heavy"] == []  # not even SQLAlchemy
    for name in ("list", "act"):
        assert got[name]["heavy"] == ["sqlalchemy"], name  # no Textual, pypinyin, openpyxl, argon2, alembic
    assert "textual" not in got["info"]["heavy"]
    assert (await views.detail(town.store, town.operator, n)).ticket.status == "dispatched"
