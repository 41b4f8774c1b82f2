"""The audit log and reveals:

    griddesk audit verify                       exit 0 "intact"; exit 1 naming the first broken entry
    griddesk audit list [--since --actor --action --limit --format text|json]
    griddesk audit export FILE [--format csv|xlsx|jsonl] [--since --actor --action]
    griddesk ticket reveal NUMBER --reason TEXT [--format text|json]

`audit` is for shift leaders and administrators (others: exit 2). A reveal shows one ticket's
reporter unmasked, for a role that may, after a reason; it is written to the audit log.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from griddesk.console.cli.tickets import (
    Usage,
    _clip,
    _limit,
    _moment,
    command_group,
    eprint,
    global_options,
    print_table,
    stdout,
)
from griddesk.store import timefmt
from griddesk.store.enums import AUDIT_FORMATS
from griddesk.store.errors import Invalid, NotAllowed, StoreError
from griddesk.store.i18n import t

if TYPE_CHECKING:  # the audit log's SQL loads when an audit command runs
    from griddesk.store import audit


def register(sub: argparse._SubParsersAction) -> None:
    area = command_group(sub, "audit", t("audit.cli.help"))
    v = area.add_parser("verify", help=t("audit.cli.verify_help"), description=t("audit.cli.verify_help"))
    global_options(v)
    v.set_defaults(handler=audit_verify)
    ls = area.add_parser("list", help=t("audit.cli.list_help"), description=t("audit.cli.list_help"))
    _filters(ls)
    ls.add_argument("--limit", metavar="N", default="100", help=t("audit.cli.opt_limit"))
    ls.add_argument("--format", choices=("text", "json"), default="text", help=t("audit.cli.opt_format"))
    global_options(ls)
    ls.set_defaults(handler=audit_list)
    ex = area.add_parser("export", help=t("audit.cli.export_help"), description=t("audit.cli.export_help"))
    ex.add_argument("file", metavar="FILE", help=t("audit.cli.opt_file"))
    ex.add_argument("--format", choices=AUDIT_FORMATS, help=t("audit.cli.opt_export_format"))
    _filters(ex)
    global_options(ex)
    ex.set_defaults(handler=audit_export)

    ticket = command_group(sub, "ticket", t("cli_tickets.ticket_help"))
    rv = ticket.add_parser("reveal", help=t("privacy.cli.reveal_help"), description=t("privacy.cli.reveal_help"))
    rv.add_argument("number", metavar="NUMBER", help=t("cli_tickets.opt_number"))
    rv.add_argument("--reason", metavar="TEXT", help=t("privacy.cli.opt_reason"))
    rv.add_argument("--format", choices=("text", "json"), default="text", help=t("audit.cli.opt_format"))
    global_options(rv)
    rv.set_defaults(handler=ticket_reveal)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DATE", help=t("audit.cli.opt_since"))
    p.add_argument("--actor", metavar="LOGIN", help=t("audit.cli.opt_actor"))
    p.add_argument("--action", metavar="ACTION", help=t("audit.cli.opt_action"))


def _filter(args: argparse.Namespace, tz: Any, limit: int) -> audit.AuditFilter:
    from griddesk.store import audit

    return audit.AuditFilter(since=_moment("--since", args.since, tz, end=False), actor=args.actor,
                             action=args.action, limit=limit)


def _refused(e: StoreError) -> int:
    """Not allowed is a usage error here: the command is not for this account (exit 2)."""
    eprint(t("cli.error", message=e.message()))
    return 2 if isinstance(e, NotAllowed | Invalid) else 1


async def audit_verify(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import audit

    store = await ctx.store()
    actor = await ctx.actor()
    try:
        verdict = await audit.verify(store, actor)
    except StoreError as e:
        return _refused(e)
    with stdout() as out:
        if verdict.intact:
            out.write(t("audit.cli.intact", n=verdict.entries) + "\n")
            return 0
    eprint(t(f"audit.cli.broken_{verdict.reason}", id=verdict.broken_id))
    return 1


async def audit_list(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import audit

    store = await ctx.store()
    try:
        f = _filter(args, store.calendar.tz, _limit(args.limit))
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    actor = await ctx.actor()
    try:
        rows = await audit.entries(store, actor, f)
    except StoreError as e:
        return _refused(e)
    with stdout() as out:
        if args.format == "json":
            out.write(json.dumps([r.json() for r in rows], ensure_ascii=False, indent=2) + "\n")
            return 0
        heads = [t(f"audit.col.{k}") for k in ("id", "at", "actor", "action", "key", "detail")]
        body = [[str(r.id), timefmt.local(r.at, store.calendar.tz, "%Y-%m-%d %H:%M:%S"), r.actor, r.action,
                 r.key or "—", _clip(json.dumps(r.detail, ensure_ascii=False) if r.detail else "—", 60)]
                for r in rows]
        print_table(heads, body, out)
    return 0


async def audit_export(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import audit

    store = await ctx.store()
    try:
        f = _filter(args, store.calendar.tz, 0)
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    actor = await ctx.actor()
    try:
        n = await audit.export_file(store, actor, args.file, args.format, f)
    except OSError as e:
        eprint(t("cli.error", message=t("audit.cli.cannot_write", file=args.file, reason=e.strerror or str(e))))
        return 2
    except StoreError as e:
        return _refused(e)
    print(t("audit.cli.exported", rows=n, path=args.file))
    return 0


async def ticket_reveal(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import privacy

    try:
        reason = privacy.check_reason(args.reason)
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    store = await ctx.store()
    actor = await ctx.actor()
    try:
        r = await privacy.reveal_reporter(store, actor, args.number, reason)
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    except StoreError as e:
        eprint(t("cli.error", message=e.message()))
        return 1
    with stdout() as out:
        if args.format == "json":
            out.write(json.dumps({"number": r.number, "reporter": {"name": r.name, "phone": r.phone},
                                  "description": r.description}, ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(t("privacy.revealed", number=r.number, name=r.name or "—", phone=r.phone or "—") + "\n")
            if r.description:
                out.write(t("privacy.revealed_description", description=r.description) + "\n")
    return 0
