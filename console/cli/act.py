"""`griddesk ticket act NUMBER ACTION …`: every step of the ticket's loop for other systems.

The ACTION names and the JSON keys are a stable interface (a hotline or a department system
feeds results back with them). Exit codes: 0 done; 1 refused (role, state, jurisdiction, a
concurrent change, no such ticket); 2 bad usage (a missing reason, an option the action does
not take, a bad date or code).

`griddesk ticket act -` reads JSON lines on standard input, one step a line, with the options'
names as keys (store/action_lines.py), and answers each line with one JSON line as it goes
(console/cli/json_lines.py): each step is its own transaction, a refused line writes nothing and
does not stop the others. Exit code 0 when every line was done, 2 when any was refused.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from griddesk.console.cli import output
from griddesk.console.cli.tickets import command_group
from griddesk.store import loop
from griddesk.store.enums import Satisfaction
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:  # the workflow (SQLAlchemy, the models) loads when an action runs
    from griddesk.store import workflow

# option as typed → the workflow parameter it fills
OPTIONS = {"unit": "--unit", "co_units": "--co-unit", "reason": "--reason", "note": "--note",
           "until": "--until", "days": "--days", "passed": "--passed/--failed",
           "satisfaction": "--satisfaction"}


def register_ticket_actions(ticket_sub: argparse._SubParsersAction) -> None:
    """Add `act` to the sub-commands of a `ticket` parser, once."""
    if "act" in ticket_sub.choices:
        return
    p = ticket_sub.add_parser("act", help=t("workflow.cli.act_help"), description=t("workflow.cli.act_help"))
    p.add_argument("number", metavar="NUMBER|-", help=t("workflow.cli.number"))
    p.add_argument("action", metavar="ACTION", nargs="?", choices=loop.ACTIONS,
                   help=t("workflow.cli.action", choices=", ".join(loop.ACTIONS)))
    p.add_argument("--unit", metavar="CODE", help=t("workflow.cli.unit"))
    p.add_argument("--co-unit", dest="co_units", metavar="CODE", action="append", default=[],
                   help=t("workflow.cli.co_unit"))
    p.add_argument("--reason", metavar="TEXT", help=t("workflow.cli.reason"))
    p.add_argument("--note", metavar="TEXT", help=t("workflow.cli.note"))
    p.add_argument("--until", metavar="ISO|DATE", help=t("workflow.cli.until"))
    p.add_argument("--days", metavar="N", type=int, help=t("workflow.cli.days"))
    result = p.add_mutually_exclusive_group()
    result.add_argument("--passed", dest="passed", action="store_const", const=True, help=t("workflow.cli.passed"))
    result.add_argument("--failed", dest="passed", action="store_const", const=False, help=t("workflow.cli.failed"))
    p.add_argument("--satisfaction", choices=[s.value for s in Satisfaction], help=t("workflow.cli.satisfaction"))
    p.add_argument("--version", dest="expected_version", metavar="N", type=int, help=t("workflow.cli.version"))
    p.add_argument("--format", choices=("text", "json"), default="text", help=t("workflow.cli.format"))
    p.set_defaults(handler=handle)


def register(subparsers: argparse._SubParsersAction) -> None:
    """`griddesk ticket act`, under the `ticket` command the tickets area shares."""
    register_ticket_actions(command_group(subparsers, "ticket", t("cli_tickets.ticket_help")))


def _eprint(text: str) -> None:
    print(text, file=sys.stderr)


def _params(action: str, values: dict[str, Any], tz: ZoneInfo) -> workflow.Params:
    """The action's parameters from the options' values (typed, or read from a JSON line), or the
    `Invalid` naming the field: the one reading of both ways in."""
    from griddesk.store import workflow

    until = None
    if values.get("until") is not None:
        until = workflow.parse_until(values["until"], tz)
    params = workflow.Params(unit=values.get("unit"), co_units=tuple(values.get("co_units") or ()),
                             reason=values.get("reason"), note=values.get("note"), until=until,
                             days=values.get("days"), passed=values.get("passed"),
                             satisfaction=values.get("satisfaction"))
    problem = workflow.param_problem(action, params)
    if problem is not None:
        raise problem
    return params


def _usage(action: str, args: argparse.Namespace, tz: ZoneInfo) -> tuple[workflow.Params | None, str | None]:
    """The action's parameters from the options, or the usage error to print."""
    try:
        return _params(action, {k: getattr(args, k) for k in OPTIONS}, tz), None
    except Invalid as e:
        if e.key == "error.bad_time":  # --until: the value is the message
            return None, e.message()
        return None, f"{e.message()} ({OPTIONS.get(e.field or '', '')})".replace(" ()", "")


def _error(args: argparse.Namespace, kind: str, key: str, message: str, code: int) -> int:
    if args.format == "json":
        print(output.dumps({"error": {"kind": kind, "key": key, "message": message}}, ensure_ascii=False))
    _eprint(t("cli.error", message=message))
    return code


async def handle(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import validation, views, workflow

    if args.number == "-":
        return await handle_lines(ctx, args)
    action = args.action
    if action is None:
        return _error(args, "usage", "usage", t("workflow.cli.action_missing"), 2)
    try:
        validation.argument(args.number, "number")  # no control characters: a typing slip, not a ticket
    except Invalid as e:
        return _error(args, "usage", e.key, e.message(), 2)
    params, problem = _usage(action, args, ZoneInfo(ctx.settings.timezone))
    if params is None:
        return _error(args, "usage", "usage", problem or "", 2)
    store = await ctx.store()
    actor = await ctx.actor()
    try:
        out = await workflow.act(store, actor, args.number, action, params,
                                 expected_version=args.expected_version)
    except Invalid as e:
        return _error(args, "invalid", e.key, e.message(), 2)
    except StoreError as e:
        return _error(args, type(e).__name__.lower(), e.key, e.message(), 1)
    if args.format == "json":
        data = (await views.detail(store, actor, out.number)).json()
        data.update(out.json())
        print(output.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(t("workflow.cli.done", number=out.number, action=workflow.action_name(action),
                from_status=code_name("status", out.from_status), to_status=code_name("status", out.to_status),
                version=out.version))
    return 0


async def handle_lines(ctx: Any, args: argparse.Namespace) -> int:
    """`ticket act -`: each JSON line is one step, answered with one JSON line (see the module)."""
    from griddesk.console.cli import json_lines
    from griddesk.store import action_lines, workflow

    if args.action is not None or any(getattr(args, k) not in (None, []) for k in OPTIONS):
        return _error(args, "usage", "usage", t("workflow.cli.lines_take_no_options"), 2)
    tz = ZoneInfo(ctx.settings.timezone)
    store = actor = None

    async def one(data: Any) -> dict[str, Any]:
        nonlocal store, actor
        line = action_lines.parse(data)
        params = _params(line.action, line.values, tz)
        if store is None:
            store, actor = await ctx.store(), await ctx.actor()
        out = await workflow.act(store, actor, line.number, line.action, params,
                                 expected_version=line.expected_version)
        return out.json()

    return await json_lines.answer(sys.stdin.buffer, sys.stdout, one)
