"""`griddesk ticket act NUMBER ACTION …`: every step of the ticket's loop for other systems.

The ACTION names and the JSON keys are a stable interface (a hotline or a department system
feeds results back with them). Exit codes: 0 done; 1 refused (role, state, jurisdiction, a
concurrent change, no such ticket); 2 bad usage (a missing reason, an option the action does
not take, a bad date or code).
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
    p.add_argument("number", metavar="NUMBER", help=t("workflow.cli.number"))
    p.add_argument("action", metavar="ACTION", choices=loop.ACTIONS,
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


def _usage(action: str, args: argparse.Namespace, tz: ZoneInfo) -> tuple[workflow.Params | None, str | None]:
    """The action's parameters from the options, or the usage error to print."""
    from griddesk.store import workflow

    until = None
    if args.until is not None:
        try:
            until = workflow.parse_until(args.until, tz)
        except Invalid as e:
            return None, e.message()
    params = workflow.Params(unit=args.unit, co_units=tuple(args.co_units or ()), reason=args.reason,
                             note=args.note, until=until, days=args.days, passed=args.passed,
                             satisfaction=args.satisfaction)
    problem = workflow.param_problem(action, params)
    if problem is not None:
        return None, f"{problem.message()} ({OPTIONS.get(problem.field or '', '')})".replace(" ()", "")
    return params, None


def _error(args: argparse.Namespace, kind: str, key: str, message: str, code: int) -> int:
    if args.format == "json":
        print(output.dumps({"error": {"kind": kind, "key": key, "message": message}}, ensure_ascii=False))
    _eprint(t("cli.error", message=message))
    return code


async def handle(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import views, workflow

    action = args.action
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
