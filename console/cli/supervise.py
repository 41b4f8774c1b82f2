"""Overdue work, supervision, warnings and escalation from the command line.

    griddesk overdue [--by unit|grid|stage] [--only-overdue] [--format table|json]
    griddesk supervise NUMBER --level reminder|notice|key --reason TEXT
    griddesk ladder run
    griddesk notice export NUMBER [--format md|html] [-o FILE]
    griddesk warnings [--format table|json]
    griddesk warn UNIT --reason TEXT
    griddesk escalate NUMBER (--report --note T | --flag --reason T | --to-county --reason T | --back --reason T)
    griddesk escalations [--county] [--format table|json]
    griddesk criticism [--all] [--format table|json]

Exit codes: 0 done; 1 refused (role, state, jurisdiction, no such ticket or unit, a concurrent
change); 2 bad usage (a missing option, bad input).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from rich.cells import cell_len

from griddesk.store import audit, escalation, formal_notice, overdue, private_files, supervision, warnings
from griddesk.store.enums import LimitUnit
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import code_name, t
from griddesk.store.workflow import action_name

TABLE_JSON = ("table", "json")


# --- output helpers -------------------------------------------------------------------------


def _width(text: str) -> int:
    # rich's cell count (CJK two cells, as the console counts them); printable ASCII (numbers,
    # times) is one cell a character without asking it. Rich caches only the last few thousand
    # strings, and a county's `griddesk overdue` has ~28,000 distinct numbers and titles.
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def table(headers: list[str], rows: list[list[str]], indent: str = "") -> str:
    """Columns aligned for a terminal, counting CJK characters as two cells (each distinct text
    measured once)."""
    seen: dict[str, int] = {}  # grid and unit names, stages, titles, late texts come back often

    def width(text: str) -> int:
        n = seen.get(text)
        if n is None:
            n = seen[text] = _width(text)
        return n

    sizes = [[width(c) for c in r] for r in rows]
    widths = [max([_width(h)] + [s[i] for s in sizes]) for i, h in enumerate(headers)]

    def line(cells: list[str], have: list[int]) -> str:
        return indent + "  ".join(c + " " * max(w - n, 0) for c, n, w in zip(cells, have, widths, strict=True)).rstrip()

    lines = [line(headers, [_width(h) for h in headers])]
    lines += [line(r, s) for r, s in zip(rows, sizes, strict=True)]
    return "\n".join(lines)


def _dump(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _eprint(text: str) -> None:
    print(text, file=sys.stderr)


def _usage(message: str) -> int:
    _eprint(t("cli.error", message=message))
    return 2


def _local(store: Any, at: Any, fmt: str = "%m-%d %H:%M") -> str:
    return store.calendar.local(at).strftime(fmt) if at else "—"


def _left(store: Any, r: overdue.OverdueRow) -> str:
    if r.overdue:
        return t("supervise.cli.late", span=overdue.basis_span(store, r.late_s, r.limit_unit),
                 multiple=f"{r.multiple:.2f}")
    return t("supervise.cli.left", span=overdue.basis_span(store, r.left_s, r.limit_unit))


# --- register -------------------------------------------------------------------------------


def _fmt(p: argparse.ArgumentParser, choices: tuple[str, ...] = TABLE_JSON) -> None:
    p.add_argument("--format", choices=choices, default=choices[0], help=t("supervise.cli.format"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("overdue", help=t("supervise.cli.overdue_help"), description=t("supervise.cli.overdue_help"))
    p.add_argument("--by", choices=overdue.BY, default="unit", help=t("supervise.cli.by"))
    p.add_argument("--only-overdue", action="store_true", help=t("supervise.cli.only_overdue"))
    _fmt(p)
    p.set_defaults(handler=cmd_overdue)

    p = sub.add_parser("supervise", help=t("supervise.cli.supervise_help"),
                       description=t("supervise.cli.supervise_help"))
    p.add_argument("number", metavar="NUMBER", help=t("supervise.cli.number"))
    p.add_argument("--level", required=True, choices=supervision.MANUAL, help=t("supervise.cli.level"))
    p.add_argument("--reason", required=True, metavar="TEXT", help=t("supervise.cli.reason"))
    _fmt(p, ("text", "json"))
    p.set_defaults(handler=cmd_supervise)

    p = sub.add_parser("ladder", help=t("supervise.cli.ladder_help"), description=t("supervise.cli.ladder_help"))
    lsub = p.add_subparsers(dest="ladder_command", metavar="COMMAND", required=True)
    run = lsub.add_parser("run", help=t("supervise.cli.ladder_run"), description=t("supervise.cli.ladder_run"))
    _fmt(run)
    run.set_defaults(handler=cmd_ladder)

    p = sub.add_parser("notice", help=t("supervise.cli.notice_help"), description=t("supervise.cli.notice_help"))
    nsub = p.add_subparsers(dest="notice_command", metavar="COMMAND", required=True)
    exp = nsub.add_parser("export", help=t("supervise.cli.export_help"), description=t("supervise.cli.export_help"))
    exp.add_argument("number", metavar="NUMBER", help=t("supervise.cli.number"))
    exp.add_argument("--format", choices=formal_notice.FORMATS, default="md", help=t("supervise.cli.export_format"))
    exp.add_argument("-o", "--output", metavar="FILE", help=t("supervise.cli.output"))
    exp.set_defaults(handler=cmd_notice_export)

    p = sub.add_parser("warnings", help=t("supervise.cli.warnings_help"),
                       description=t("supervise.cli.warnings_help"))
    _fmt(p)
    p.set_defaults(handler=cmd_warnings)

    p = sub.add_parser("warn", help=t("supervise.cli.warn_help"), description=t("supervise.cli.warn_help"))
    p.add_argument("unit", metavar="UNIT", help=t("supervise.cli.unit"))
    p.add_argument("--reason", required=True, metavar="TEXT", help=t("supervise.cli.reason"))
    _fmt(p, ("text", "json"))
    p.set_defaults(handler=cmd_warn)

    p = sub.add_parser("escalate", help=t("supervise.cli.escalate_help"),
                       description=t("supervise.cli.escalate_help"))
    p.add_argument("number", metavar="NUMBER", help=t("supervise.cli.number"))
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--report", dest="mode", action="store_const", const="report", help=t("supervise.cli.report"))
    mode.add_argument("--flag", dest="mode", action="store_const", const="flag", help=t("supervise.cli.flag"))
    mode.add_argument("--to-county", dest="mode", action="store_const", const="to_county",
                      help=t("supervise.cli.to_county"))
    mode.add_argument("--back", dest="mode", action="store_const", const="back", help=t("supervise.cli.back"))
    p.add_argument("--note", metavar="TEXT", help=t("supervise.cli.note"))
    p.add_argument("--reason", metavar="TEXT", help=t("supervise.cli.reason"))
    p.add_argument("--version", dest="expected_version", metavar="N", type=int, help=t("supervise.cli.version"))
    _fmt(p, ("text", "json"))
    p.set_defaults(handler=cmd_escalate)

    p = sub.add_parser("escalations", help=t("supervise.cli.escalations_help"),
                       description=t("supervise.cli.escalations_help"))
    p.add_argument("--county", action="store_true", help=t("supervise.cli.county"))
    _fmt(p)
    p.set_defaults(handler=cmd_escalations)

    p = sub.add_parser("criticism", help=t("supervise.cli.criticism_help"),
                       description=t("supervise.cli.criticism_help"))
    p.add_argument("--all", dest="include_closed", action="store_true", help=t("supervise.cli.include_closed"))
    _fmt(p)
    p.set_defaults(handler=cmd_criticism)


# --- handlers -------------------------------------------------------------------------------


async def cmd_overdue(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    v = await overdue.view(store, actor, args.by, only_overdue=args.only_overdue)
    if args.format == "json":
        _dump(v.json())
        return 0
    print(t("supervise.cli.overdue_total", overdue=v.overdue, due_soon=v.due_soon,
            at=_local(store, v.at, "%Y-%m-%d %H:%M")))
    other = {"unit": "grid", "grid": "unit", "stage": "unit"}[args.by]
    heads = [t("supervise.cli.col.number"), t("supervise.cli.col.stage"), t(f"supervise.cli.col.{other}"),
             t("supervise.cli.col.title"), t("supervise.cli.col.due"), t("supervise.cli.col.left")]
    for g in v.groups:
        print()
        print(t("supervise.cli.group", label=g.label, key=g.key, overdue=g.overdue, due_soon=g.due_soon))
        rows = []
        for r in g.rows:
            where = r.grid if other == "grid" else (r.unit or t("overdue.unassigned"))
            rows.append([r.number, code_name("clock", r.clock), where, _short(r.title),
                         _local(store, r.due_at), _left(store, r)])
        print(table(heads, rows, "  "))
    return 0


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


async def cmd_supervise(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    try:
        step = await supervision.supervise(store, actor, args.number, args.level, args.reason)
    except Invalid as e:
        return _usage(e.message())
    if args.format == "json":
        _dump(step.json())
    else:
        print(t("supervise.cli.supervised", number=step.number, level=code_name("supervise_level", step.level)))
    return 0


async def cmd_ladder(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    steps = await supervision.run_ladder_as(store, actor)
    if args.format == "json":
        _dump([s.json() for s in steps])
        return 0
    if not steps:
        print(t("supervise.cli.ladder_none"))
        return 0
    heads = [t("supervise.cli.col.number"), t("supervise.cli.col.level"), t("supervise.cli.col.unit"),
             t("supervise.cli.col.deadline"), t("supervise.cli.col.scheduled")]
    print(table(heads, [[s.number, code_name("supervise_level", s.level), s.unit_code or "—",
                         _local(store, s.due_at), _local(store, s.scheduled)] for s in steps]))
    print(t("supervise.cli.ladder_done", count=len(steps)))
    return 0


async def cmd_notice_export(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    text = await formal_notice.render(store, actor, args.number, args.format, ctx.lang)
    if args.output:
        try:
            await asyncio.to_thread(private_files.write_text, args.output, text)  # 0600, as every export
        except OSError as e:
            _eprint(t("cli.error", message=t("supervise.cli.cannot_write", path=args.output, reason=e.strerror or e)))
            return 1
        await audit.record_export(store, actor, "formal_notice", 1, {"format": args.format}, key=args.number)
        _eprint(t("supervise.cli.written", path=args.output))
    else:
        sys.stdout.write(text)
    return 0


async def cmd_warnings(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    units = await warnings.units_with_overdue(store, actor)
    if args.format == "json":
        _dump([u.json() for u in units])
        return 0
    if not units:
        print(t("supervise.cli.no_late_units"))
        return 0
    heads = [t("supervise.cli.col.unit"), t("supervise.cli.col.overdue"), t("supervise.cli.col.due_soon"),
             t("supervise.cli.col.worst"), t("supervise.cli.col.warned")]
    rows = []
    for u in units:
        worst = ", ".join(f"{r.number}×{r.multiple:.2f}" for r in u.worst)
        warned = f"{u.warnings} ({_local(store, u.last_warned_at)})" if u.warnings else "—"
        rows.append([f"{u.unit}（{u.unit_code}）", str(u.overdue), str(u.due_soon), worst, warned])
    print(table(heads, rows))
    return 0


async def cmd_warn(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    try:
        w = await warnings.warn_unit(store, actor, args.unit, args.reason)
    except Invalid as e:
        return _usage(e.message())
    if args.format == "json":
        _dump(w.json())
    else:
        print(t("supervise.cli.warned", unit=w.unit, code=w.unit_code, overdue=w.overdue_count))
    return 0


NEEDS = {"report": "note", "flag": "reason", "to_county": "reason", "back": "reason"}


async def cmd_escalate(ctx: Any, args: argparse.Namespace) -> int:
    need = NEEDS[args.mode]
    text = getattr(args, need)
    if not (text or "").strip():
        return _usage(t("supervise.cli.needs", option=f"--{need}"))
    store, actor = await ctx.store(), await ctx.actor()
    try:
        if args.mode == "report":
            out = await escalation.report_up(store, actor, args.number, text)
        elif args.mode == "flag":
            out = await escalation.flag(store, actor, args.number, text)
        elif args.mode == "to_county":
            out = await escalation.hand_to_county(store, actor, args.number, text, args.expected_version)
        else:
            out = await escalation.hand_back(store, actor, args.number, text, args.expected_version)
    except Invalid as e:
        return _usage(e.message()) if e.field else _refused(e)
    if args.format == "json":
        _dump(out.json())
    else:
        print(t("supervise.cli.escalated", number=out.number, action=action_name(out.action),
                state=code_name("escalation", out.escalation), held_by=out.held_by or "—"))
    return 0


def _refused(e: StoreError) -> int:
    # a ticket in the wrong escalation state: refused, not a usage error
    _eprint(t("cli.error", message=e.message()))
    return 1


async def cmd_escalations(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    rows = await (escalation.county_queue(store, actor) if args.county else
                  escalation.pending_escalations(store, actor))
    if args.format == "json":
        _dump([r.json() for r in rows])
        return 0
    if not rows:
        print(t("supervise.cli.no_escalations"))
        return 0
    heads = [t("supervise.cli.col.number"), t("supervise.cli.col.urgency"), t("supervise.cli.col.title"),
             t("supervise.cli.col.escalation"), t("supervise.cli.col.held_by"), t("supervise.cli.col.report_by")]
    out = []
    for r in rows:
        left = "—"
        if r.left_s is not None:
            took = overdue.basis_span(store, r.left_s, LimitUnit.NATURAL_MINUTES)
            left = t("supervise.cli.late_plain", span=took) if r.left_s < 0 else t("supervise.cli.left", span=took)
        out.append([r.number, code_name("urgency", r.urgency), _short(r.title),
                    code_name("escalation", r.escalation), r.held_by or "—", left])
    print(table(heads, out))
    return 0


async def cmd_criticism(ctx: Any, args: argparse.Namespace) -> int:
    store, actor = await ctx.store(), await ctx.actor()
    rows = await supervision.criticism_list(store, actor, include_closed=args.include_closed)
    if args.format == "json":
        _dump([r.json() for r in rows])
        return 0
    if not rows:
        print(t("supervise.cli.no_criticism"))
        return 0
    heads = [t("supervise.cli.col.number"), t("supervise.cli.col.unit"), t("supervise.cli.col.title"),
             t("supervise.cli.col.deadline"), t("supervise.cli.col.days_late"), t("supervise.cli.col.listed")]
    print(table(heads, [[r.number, r.unit or "—", _short(r.title), _local(store, r.due_at), str(r.days_late),
                         _local(store, r.listed_at)] for r in rows]))
    return 0
