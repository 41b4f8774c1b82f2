"""Hot spots, scorecards and reports from the command line (for cron), and the focus list.

    griddesk report hotspots|scorecard|shift|daily|weekly|monthly
                    [--days N | --from DATE [--to DATE]] [--format text|json|csv|xlsx|md|html] [-o FILE]
    griddesk focus add KIND KEY --owner WHO [--note TEXT] [--review DATE]
    griddesk focus list [--all] [--format ...] [-o FILE]
    griddesk focus close ID [--note TEXT]

Exit codes: 0 done; 1 refused (role, no such item); 2 bad usage (a bad date or option).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from griddesk.store.analytics import export, focus, hotspots, period, reports, scorecards, tables
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t

REPORTS = ("hotspots", "scorecard", *reports.KINDS)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(t("analytics.error.date", value=value)) from None


def _days(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= period.MAX_DAYS:
        raise argparse.ArgumentTypeError(t("analytics.error.days", max=period.MAX_DAYS))
    return n


def _out_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=export.FORMATS, default="text", help=t("analytics.cli.format"))
    p.add_argument("-o", "--output", metavar="FILE", help=t("analytics.cli.output"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help=t("analytics.cli.report_help"), description=t("analytics.cli.report_help"))
    p.add_argument("kind", choices=REPORTS, metavar="KIND", help=t("analytics.cli.kind", kinds=" | ".join(REPORTS)))
    when = p.add_mutually_exclusive_group()
    when.add_argument("--days", type=_days, metavar="N", help=t("analytics.cli.days"))
    when.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD", help=t("analytics.cli.from"))
    p.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD", help=t("analytics.cli.to"))
    _out_options(p)
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("focus", help=t("analytics.cli.focus_help"), description=t("analytics.cli.focus_help"))
    fsub = p.add_subparsers(dest="focus_command", metavar="COMMAND", required=True)
    a = fsub.add_parser("add", help=t("analytics.cli.focus_add"), description=t("analytics.cli.focus_add"))
    a.add_argument("kind", choices=focus.KINDS, metavar="KIND", help=" | ".join(focus.KINDS))
    a.add_argument("key", metavar="KEY", help=t("analytics.cli.focus_key"))
    a.add_argument("--owner", required=True, metavar="WHO", help=t("analytics.cli.owner"))
    a.add_argument("--note", metavar="TEXT", help=t("analytics.cli.note"))
    a.add_argument("--review", type=_date, metavar="YYYY-MM-DD", help=t("analytics.cli.review"))
    a.set_defaults(handler=cmd_focus_add)
    ls = fsub.add_parser("list", help=t("analytics.cli.focus_list"), description=t("analytics.cli.focus_list"))
    ls.add_argument("--all", dest="include_closed", action="store_true", help=t("analytics.cli.include_closed"))
    _out_options(ls)
    ls.set_defaults(handler=cmd_focus_list)
    c = fsub.add_parser("close", help=t("analytics.cli.focus_close"), description=t("analytics.cli.focus_close"))
    c.add_argument("id", type=int, metavar="ID", help=t("analytics.cli.focus_id"))
    c.add_argument("--note", metavar="TEXT", help=t("analytics.cli.note"))
    c.set_defaults(handler=cmd_focus_close)


def _usage(message: str) -> int:
    print(t("cli.error", message=message), file=sys.stderr)
    return 2


def _emit(doc: tables.Document, args: argparse.Namespace) -> int:
    out = export.render(doc, args.format)
    if args.output:
        path = Path(args.output)
        try:
            if isinstance(out, bytes):
                path.write_bytes(out)
            else:
                path.write_text(out if out.endswith("\n") else out + "\n", encoding="utf-8")
        except OSError as e:
            return _usage(t("analytics.cli.cannot_write", path=str(path), reason=e.strerror or str(e)))
        print(t("analytics.cli.written", path=str(path)), file=sys.stderr)
        return 0
    if isinstance(out, bytes):
        return _usage(t("analytics.cli.binary_needs_output"))
    print(out)
    return 0


async def build(store: Any, actor: Any, args: argparse.Namespace) -> tables.Document:
    """The document a `report` command asks for (the console's screens read the same)."""
    cal = store.calendar
    if args.kind in ("hotspots", "scorecard"):
        p = period.choose(cal, store.now(), args.days, args.first, args.last)
        if args.kind == "hotspots":
            return tables.hotspot_tables(await hotspots.hotspots(store, actor, p), cal)
        return tables.scorecard_tables(await scorecards.scorecards(store, actor, p), cal)
    if args.days:
        p = period.last_days(cal, store.now(), args.days)
        r = await reports.report(store, actor, args.kind, first=p.first, last=p.last)
    else:
        r = await reports.report(store, actor, args.kind, first=args.first, last=args.last)
    return tables.report_tables(r, cal)


async def cmd_report(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    try:
        doc = await build(store, actor, args)
    except Invalid as e:
        return _usage(e.message())
    return _emit(doc, args)


async def cmd_focus_add(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    try:
        fid = await focus.add(store, actor, args.kind, args.key, args.owner, args.note, args.review)
    except Invalid as e:
        return _usage(e.message())
    print(t("analytics.cli.focus_added", id=fid))
    return 0


async def cmd_focus_list(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    rows = await focus.items(store, actor, include_closed=args.include_closed)
    return _emit(tables.Document("focus", "", (tables.focus_table(rows),)), args)


async def cmd_focus_close(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    try:
        await focus.close(store, actor, args.id, args.note)
    except Invalid as e:
        return _usage(e.message())
    print(t("analytics.cli.focus_closed", id=args.id))
    return 0
