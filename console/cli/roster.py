"""Roster commands: import/export, compliance findings, notice cards, grid list, search.

    griddesk import KIND FILE [--encoding auto|utf-8|gbk|utf-16] [--apply]   (a dry run without --apply)
    griddesk import undo [BATCH]
    griddesk import history
    griddesk export KIND FILE [--format csv|xlsx] [--encoding utf-8|gbk]
    griddesk findings [--format table|json]
    griddesk notice-card (GRID_CODE | --village CODE) [--format text|md|html] [-o FILE]
    griddesk grids list [--area CODE] [--all] [--format table|json]
    griddesk search TEXT [--format table|json]

Exit codes: 0 done; 1 refused or not found; 2 a file or an argument with problems (an import
prints every problem as "row N, column X: reason" and writes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from griddesk.console.cli import output
from griddesk.store import audit, compliance, notice_cards, private_files, roster, search
from griddesk.store import io as roster_io
from griddesk.store.enums import ChangeReason
from griddesk.store.errors import ImportProblems, Invalid, NotFound
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.cli.main import Ctx

KIND_NAMES = tuple(roster_io.KINDS)
BAR_MIN_ROWS = 2000  # show a progress bar from this many rows (on a terminal, or with --progress)


# --- output helpers -------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def print_table(headers: list[str], rows: list[list[str]], out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up now: tests and pipes may have replaced it
    widths = [_width(h) for h in headers]
    for r in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, r, strict=True)]
    print("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


def problem_line(row: int, column: str, reason: str) -> str:
    if column:
        return t("roster.cli.problem", row=row, column=column, reason=reason)
    return t("roster.cli.problem_row", row=row, reason=reason)


class Bar:
    """A plain text progress bar on stderr: `[#####-----]  52%  52,000/100,000`."""

    def __init__(self, label: str, enabled: bool, width: int = 30, min_total: int = 0):
        self.label, self.enabled, self.width, self.min_total = label, enabled, width, min_total
        self.last = -1.0
        self.finished = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0 or total < self.min_total or self.finished:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = int(self.width * done / total)
        pct = 100 * done // total
        output.unfiltered(sys.stderr).write(f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {pct:3d}%")
        if done >= total:
            self.finished = True
            sys.stderr.write("\n")
        sys.stderr.flush()


def _bar_wanted(args: argparse.Namespace, rows: int) -> bool:
    return bool(args.progress) or (rows >= BAR_MIN_ROWS and sys.stderr.isatty())


# --- import / export ----------------------------------------------------------------------




async def cmd_import(ctx: Ctx, args: argparse.Namespace) -> int:
    if args.kind == "undo":
        return await _undo(ctx, args)
    if args.kind == "history":
        return await _history(ctx)
    if not args.file:
        print(t("cli.error", message=t("io.cli.missing_file", kind=args.kind)), file=sys.stderr)
        return 2
    try:
        table = roster_io.read_table(args.file, args.encoding, args.format, sheet=args.kind)
    except ImportProblems as e:
        return _refused(args, e)
    except Invalid as e:  # a missing or unreadable file: a bad argument
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    store = await ctx.store()
    actor = await ctx.actor()
    try:
        bar = Bar(t("roster.cli.importing", kind=args.kind), _bar_wanted(args, len(table.rows)))
        result = await roster_io.import_table(
            store, actor, args.kind, table, dry_run=not args.apply, progress=bar, reason=args.reason,
            note=args.note, source=Path(args.file).name)
    except ImportProblems as e:
        return _refused(args, e, table.encoding)
    _summary(args, result, result.dry_run and "io.cli.mode_dry" or "io.cli.mode_applied")
    if result.dry_run:
        print(t("io.cli.apply_hint"))
    elif result.batch is not None:
        print(t("io.cli.batch", id=result.batch))
    return 0


def _refused(args: argparse.Namespace, e: ImportProblems, encoding: str = "") -> int:
    result = getattr(e, "result", None)
    if result is not None:
        _summary(args, result, "io.cli.mode_refused")
    print(t("cli.error", message=e.message()), file=sys.stderr)
    print(t("io.cli.refused_head"), file=sys.stderr)
    shown = e.problems[: args.max_problems] if args.max_problems else e.problems
    for row, column, reason in shown:
        print(problem_line(row, column, reason), file=sys.stderr)
    if len(e.problems) > len(shown):
        print(t("roster.cli.more_problems", n=len(e.problems) - len(shown)), file=sys.stderr)
    return 2


def _summary(args: argparse.Namespace, r: roster_io.ImportResult, mode: str) -> None:
    print(t("io.cli.summary", mode=t(mode), kind=args.kind, file=Path(args.file).name, encoding=r.encoding,
            rows=r.rows, created=r.created, updated=r.updated, unchanged=r.unchanged, refused=r.refused_rows))
    limit = args.max_changes or None
    changed = []
    for c in r.changes:
        if c.old is not None and c.new is not None:
            fields = c.fields()
            if fields:
                changed.append((c, fields))
    if changed:
        print(t("io.cli.changed_head"))
        for c, fields in changed[:limit]:
            text = "; ".join(f"{k} {_value(old)} → {_value(new)}" for k, (old, new) in fields.items())
            print(t("io.cli.changed_row", entity=c.entity, key=c.key, fields=text))
        if limit and len(changed) > limit:
            print(t("io.cli.more", n=len(changed) - limit))
    new = [c for c in r.changes if c.old is None]
    if new:
        print(t("io.cli.new_head"))
        for c in new[:limit]:
            print(t("io.cli.new_row", entity=c.entity, key=c.key))
        if limit and len(new) > limit:
            print(t("io.cli.more", n=len(new) - limit))


def _value(v: Any) -> str:
    if v is None or v == "":
        return "∅"
    text = str(v)
    return text if len(text) <= 60 else text[:59] + "…"


async def _undo(ctx: Ctx, args: argparse.Namespace) -> int:
    batch = None
    if args.file:
        try:
            batch = int(args.file)
            if batch <= 0:
                raise ValueError
        except ValueError:
            print(t("cli.error", message=t("io.cli.bad_batch", value=args.file)), file=sys.stderr)
            return 2
    store = await ctx.store()
    actor = await ctx.actor()
    try:
        done = await roster_io.undo(store, actor, batch)
    except roster_io.UndoConflict as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        for key in e.keys:
            print(t("io.cli.conflict_row", key=key), file=sys.stderr)
        return 2
    except (Invalid, NotFound) as e:
        print(t("cli.error", message=e.message()), file=sys.stderr)
        return 2
    print(t("io.cli.undone", batch=done.batch, kind=done.kind, restored=done.restored, deleted=done.deleted))
    return 0


async def _history(ctx: Ctx) -> int:
    store = await ctx.store()
    rows = await roster_io.history(store, await ctx.actor())
    if not rows:
        print(t("io.cli.history_empty"))
        return 0
    tz = store.calendar.tz
    print_table([t("io.cli.col_batch"), t("io.cli.col_at"), t("io.cli.col_actor"), t("io.cli.col_kind"),
                 t("io.cli.col_file"), t("io.cli.col_counts"), t("io.cli.col_undone")],
                [[str(b.id), b.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), b.actor, b.kind, b.file_name or "—",
                  f"{b.created}/{b.updated}/{b.unchanged}",
                  b.undone_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if b.undone_at else "—"] for b in rows])
    return 0


async def cmd_export(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    bar = Bar(t("roster.cli.exporting", kind=args.kind), bool(args.progress) or sys.stderr.isatty(),
              min_total=0 if args.progress else BAR_MIN_ROWS)
    try:
        n = await roster_io.export_file(store, actor, args.kind, args.file, fmt=args.format,
                                        encoding=args.encoding, progress=bar)
    except OSError as e:
        print(t("cli.error", message=t("roster.io.cannot_write", path=args.file, reason=e.strerror or str(e))),
              file=sys.stderr)
        return 1
    print(t("roster.cli.exported", kind=args.kind, rows=n, path=args.file))
    return 0


# --- findings -----------------------------------------------------------------------------


async def cmd_findings(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    found = await compliance.findings(store, actor, [args.rule] if args.rule else None)
    if args.format == "json":
        print(json.dumps([f.json() for f in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(t("roster.cli.no_findings"))
        return 0
    rows = [[f.title(), f.subject_name, f.detail(), f.citation(short=True)] for f in found]
    print_table([t("roster.cli.col_rule"), t("roster.cli.col_subject"), t("roster.cli.col_detail"),
                 t("roster.cli.col_article")], rows)
    print(t("roster.cli.findings_total", n=len(found)))
    return 0


# --- notice cards ---------------------------------------------------------------------------


async def cmd_notice_card(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    if bool(args.grid) == bool(args.village):
        print(t("cli.error", message=t("roster.cli.card_one_of")), file=sys.stderr)
        return 2
    if args.mark_published:
        roster.check_writer(actor)  # refused before any file is written (a wall account: read-only)
    fmt = args.format or _format_from(args.output)
    cards = (await notice_cards.village_cards(store, actor, args.village) if args.village
             else [await notice_cards.card(store, actor, args.grid)])
    if not cards:
        print(t("cli.error", message=t("roster.cli.no_grids", code=args.village)), file=sys.stderr)
        return 1
    text = notice_cards.render(cards, fmt, printed=store.now())
    if args.output:
        await asyncio.to_thread(private_files.write_text, args.output, text)  # 0600, as every export
        await audit.record_export(store, actor, "notice_card", len(cards), {"format": fmt, "village": args.village,
                                                                         "grid": args.grid}, key=Path(args.output).name)
        print(t("roster.cli.cards_written", n=len(cards), path=args.output))
    else:
        sys.stdout.write(text)
    if args.mark_published:
        n = await notice_cards.mark_published(store, actor, [c.grid_code for c in cards])
        print(t("roster.cli.cards_published", n=n), file=sys.stderr if not args.output else sys.stdout)
    return 0


def _format_from(path: str | None) -> str:
    if path and path.lower().endswith((".html", ".htm")):
        return "html"
    if path and path.lower().endswith(".md"):
        return "md"
    return "text"


# --- grids, search ----------------------------------------------------------------------------


async def cmd_grids_list(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    rows = await roster.grids(store, actor, args.area, include_retired=args.all)
    if args.format == "json":
        print(json.dumps([_grid_json(g) for g in rows], ensure_ascii=False, indent=2))
        return 0
    table = []
    for g in rows:
        leader = g.leader.name if g.leader else "—"
        workers = "、".join(m.name for m in g.holding("full_time")) or "—"
        table.append([g.code, g.name, g.area_name, code_name("grid_type", g.type), str(g.households),
                      str(g.population), leader, workers,
                      code_name("roster.grid_status", g.status)])
    print_table([t("roster.cli.col_code"), t("roster.cli.col_name"), t("roster.cli.col_village"),
                 t("roster.cli.col_type"), t("roster.cli.col_households"), t("roster.cli.col_population"),
                 t("roster.cli.col_leader"), t("roster.cli.col_workers"), t("roster.cli.col_status")], table)
    print(t("roster.cli.grids_total", n=len(rows)))
    return 0


def _grid_json(g: roster.GridRow) -> dict[str, Any]:
    return {"code": g.code, "name": g.name, "area_code": g.area_code, "area": g.area_name, "type": g.type,
            "subtype": g.subtype, "households": g.households, "population": g.population, "status": g.status,
            "members": [{"person_id": m.person_id, "name": m.name, "role": m.role, "phone": m.phone}
                        for m in g.members],
            "notice_stale": g.notice_stale}


async def cmd_grid_changes(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    rows = await roster.changes(store, actor, args.grid, pending_only=args.pending)
    table = [[str(c.id), c.at.astimezone(store.calendar.tz).strftime("%Y-%m-%d %H:%M"),
              code_name("roster.change_kind", c.kind), code_name("roster.change_reason", c.reason),
              ",".join(c.grid_codes) or "—",
              ",".join(c.result_codes[:3]) + (" …" if len(c.result_codes) > 3 else "") or "—",
              c.actor, code_name("roster.filing", c.filing_status)] for c in rows]
    print_table([t("roster.cli.col_id"), t("roster.cli.col_at"), t("roster.cli.col_change"),
                 t("roster.cli.col_reason"), t("roster.cli.col_before"), t("roster.cli.col_after"),
                 t("roster.cli.col_actor"), t("roster.cli.col_filing")], table)
    return 0


async def cmd_grid_file(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    await roster.file_change(store, await ctx.actor(), args.id)
    print(t("roster.cli.filed", id=args.id))
    return 0


async def cmd_search(ctx: Ctx, args: argparse.Namespace) -> int:
    store = await ctx.store()
    actor = await ctx.actor()
    hits = await search.search(store, actor, args.text, limit=args.limit)
    if args.format == "json":
        print(json.dumps([_json(h) for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print(t("roster.cli.no_hits", text=args.text))
        return 0
    print_table([t("roster.cli.col_kind"), t("roster.cli.col_code"), t("roster.cli.col_name"),
                 t("roster.cli.col_detail"), t("roster.cli.col_match")],
                [[t(f"roster.hit.{h.kind}"), h.key, h.name, _detail(h), t(f"roster.match.{h.match}")] for h in hits])
    return 0


def _json(h: search.Hit) -> dict[str, object]:
    out: dict[str, object] = {"kind": h.kind, "key": h.key, "name": h.name, "detail": h.detail,
                              "match": h.match, "active": h.active}
    if h.kind == "person":
        # "detail" keeps the "role phone" scripts have read; role and phone come apart as well
        out.update(detail=" ".join(x for x in (h.role, h.phone) if x), role=h.role, phone=h.phone)
    return out


def _detail(h: search.Hit) -> str:
    if h.kind == "area":
        return code_name("level", h.detail)
    if h.kind == "person":
        return f"{code_name('person_role', h.role) if h.role else ''} {h.phone or ''}".strip()
    return h.detail


# --- registration -------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help=t("roster.cli.import_help"), description=t("roster.cli.import_help"),
                       epilog=f"{t('io.cli.undo_help')}\n{t('io.cli.history_help')}",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    # `import undo [BATCH]` and `import history` share the positionals: KIND is then the verb
    p.add_argument("kind", metavar="KIND", choices=(*KIND_NAMES, "undo", "history"),
                   help=t("roster.cli.kind", kinds=", ".join(KIND_NAMES)) + " | undo | history")
    p.add_argument("file", metavar="FILE", nargs="?", help=t("roster.cli.file_in"))
    p.add_argument("--encoding", choices=roster_io.ENCODINGS, default="auto", help=t("io.cli.encoding_in"))
    p.add_argument("--format", choices=roster_io.FORMATS, help=t("roster.cli.format_file"))
    p.add_argument("--apply", action="store_true", help=t("io.cli.apply"))
    p.add_argument("--dry-run", action="store_true", help=t("io.cli.dry_run"))  # the default; kept for scripts
    p.add_argument("--max-changes", type=int, default=50, metavar="N", help=t("io.cli.max_changes"))
    p.add_argument("--reason", choices=[r.value for r in ChangeReason], default=ChangeReason.OTHER.value,
                   help=t("roster.cli.reason"))
    p.add_argument("--note", metavar="TEXT", help=t("roster.cli.note"))
    p.add_argument("--progress", action="store_true", help=t("roster.cli.progress"))
    p.add_argument("--max-problems", type=int, default=200, metavar="N", help=t("roster.cli.max_problems"))
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help=t("roster.cli.export_help"), description=t("roster.cli.export_help"))
    p.add_argument("kind", metavar="KIND", choices=KIND_NAMES, help=t("roster.cli.kind", kinds=", ".join(KIND_NAMES)))
    p.add_argument("file", metavar="FILE", help=t("roster.cli.file_out"))
    p.add_argument("--format", choices=roster_io.FORMATS, help=t("roster.cli.format_file"))
    p.add_argument("--encoding", choices=("utf-8", "gbk"), default="utf-8", help=t("roster.cli.encoding_out"))
    p.add_argument("--progress", action="store_true", help=t("roster.cli.progress"))
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("findings", help=t("roster.cli.findings_help"), description=t("roster.cli.findings_help"))
    p.add_argument("--format", choices=("table", "json"), default="table", help=t("roster.cli.format_out"))
    p.add_argument("--rule", choices=[r.code for r in compliance.RULES], help=t("roster.cli.rule"))
    p.set_defaults(handler=cmd_findings)

    p = sub.add_parser("notice-card", help=t("roster.cli.card_help"), description=t("roster.cli.card_help"))
    p.add_argument("grid", metavar="GRID_CODE", nargs="?", help=t("roster.cli.card_grid"))
    p.add_argument("--village", metavar="CODE", help=t("roster.cli.card_village"))
    p.add_argument("--format", choices=notice_cards.FORMATS, help=t("roster.cli.card_format"))
    p.add_argument("-o", "--output", metavar="FILE", help=t("roster.cli.card_output"))
    p.add_argument("--mark-published", action="store_true", help=t("roster.cli.card_mark"))
    p.set_defaults(handler=cmd_notice_card)

    g = sub.add_parser("grids", help=t("roster.cli.grids_help"), description=t("roster.cli.grids_help"))
    gs = g.add_subparsers(dest="grids_command", metavar="COMMAND")
    p = gs.add_parser("list", help=t("roster.cli.grids_list_help"))
    p.add_argument("--area", metavar="CODE", help=t("roster.cli.area"))
    p.add_argument("--all", action="store_true", help=t("roster.cli.all"))
    p.add_argument("--format", choices=("table", "json"), default="table", help=t("roster.cli.format_out"))
    p.set_defaults(handler=cmd_grids_list)
    g.set_defaults(handler=cmd_grids_list, area=None, all=False, format="table")  # bare `grids` lists
    p = gs.add_parser("changes", help=t("roster.cli.changes_help"))
    p.add_argument("--grid", metavar="CODE", help=t("roster.cli.card_grid"))
    p.add_argument("--pending", action="store_true", help=t("roster.cli.pending"))
    p.set_defaults(handler=cmd_grid_changes)
    p = gs.add_parser("file", help=t("roster.cli.file_help"))
    p.add_argument("id", metavar="ID", type=int, help=t("roster.cli.change_id"))
    p.set_defaults(handler=cmd_grid_file)

    p = sub.add_parser("search", help=t("roster.cli.search_help"), description=t("roster.cli.search_help"))
    p.add_argument("text", metavar="TEXT", help=t("roster.cli.search_text"))
    p.add_argument("--limit", type=int, default=30, metavar="N", help=t("roster.cli.limit"))
    p.add_argument("--format", choices=("table", "json"), default="table", help=t("roster.cli.format_out"))
    p.set_defaults(handler=cmd_search)

