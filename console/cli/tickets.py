"""Commands for scripts (hotline systems, cron jobs): add, list and show tickets; list the units
and the matter list to find codes.

The command names, options and JSON keys are a stable interface. Exit codes: 0 done; 1 refused
by the store (role, jurisdiction, no such ticket); 2 bad input or usage — and then nothing is
written.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from griddesk.console.cli import output
from griddesk.store import timefmt, validation
from griddesk.store.checks import PHONE
from griddesk.store.enums import STATUS_GROUPS, Status, Urgency
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import code_name, t
from griddesk.store.loop import action_name

if TYPE_CHECKING:  # the store's query modules load in the handlers that use them (start-up time)
    from griddesk.store import queue

FORMATS_TABLE = ("table", "json", "csv")
PAGE = 20_000  # rows per read when listing everything (each read sorts the matches again)


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


@contextmanager
def stdout() -> Iterator[Any]:
    """Standard output for a command's result; a reader that stops early (`| head`) is no error."""
    try:
        yield sys.stdout
        sys.stdout.flush()
    except BrokenPipeError:
        # Python docs, "Note on SIGPIPE": point stdout at devnull so the exit flush stays quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def global_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let the global --db, --lang and --as come after the command too
    (`griddesk tickets list --db x.db`); when left out there, the global value stands."""
    from griddesk.store import i18n

    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=t("cli.opt_db"))
    parser.add_argument("--lang", choices=i18n.LANGS, default=argparse.SUPPRESS, help=t("cli.opt_lang"))
    parser.add_argument("--as", dest="as_operator", metavar="OPERATOR", default=argparse.SUPPRESS,
                        help=t("cli.opt_as"))
    return parser


def command_group(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:
    """The sub-commands of `griddesk NAME`, made once and shared by every area that adds to it
    (console/cli/act.py adds `ticket act` the same way)."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help_text, description=help_text)
    action = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if action is None:
        action = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
        parser.set_defaults(handler=_help_of(parser))
    return action


def _help_of(parser: argparse.ArgumentParser) -> Callable[[Any, argparse.Namespace], Awaitable[int]]:
    async def show_help(ctx: Any, args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show_help


def register(sub: argparse._SubParsersAction) -> None:
    ticket = command_group(sub, "ticket", t("cli_tickets.ticket_help"))
    add = ticket.add_parser("add", help=t("cli_tickets.add_help"), description=t("cli_tickets.add_description"))
    add.add_argument("file", nargs="?", default="-", metavar="FILE|-", help=t("cli_tickets.opt_file"))
    add.add_argument("--lenient", action="store_true", help=t("validation.lenient_help"))
    add.add_argument("--each", action="store_true", help=t("cli_tickets.opt_each"))
    global_options(add)
    add.set_defaults(handler=ticket_add)
    show = ticket.add_parser("show", help=t("cli_tickets.show_help"), description=t("cli_tickets.show_help"))
    show.add_argument("number", metavar="NUMBER", help=t("cli_tickets.opt_number"))
    show.add_argument("--format", choices=("text", "json"), default="text", help=t("cli_tickets.opt_format_show"))
    global_options(show)
    show.set_defaults(handler=ticket_show)
    merge = ticket.add_parser("merge", help=t("cli_tickets.merge_help"), description=t("cli_tickets.merge_help"))
    merge.add_argument("duplicate", metavar="DUPLICATE", help=t("cli_tickets.opt_duplicate"))
    merge.add_argument("into", metavar="INTO", help=t("cli_tickets.opt_into"))
    merge.add_argument("--note", metavar="TEXT", help=t("cli_tickets.opt_merge_note"))
    global_options(merge)
    merge.set_defaults(handler=ticket_merge)

    listing = command_group(sub, "tickets", t("cli_tickets.tickets_help"))
    ls = listing.add_parser("list", help=t("cli_tickets.list_help"), description=t("cli_tickets.list_help"))
    ls.add_argument("--status", nargs="+", action="extend", metavar="GROUP|CODE",
                    help=t("cli_tickets.opt_status", groups=", ".join(STATUS_GROUPS),
                           codes=", ".join(s.value for s in Status)))
    ls.add_argument("--grid", metavar="CODE", help=t("cli_tickets.opt_grid"))
    ls.add_argument("--matter", metavar="CODE", help=t("cli_tickets.opt_matter"))
    ls.add_argument("--urgency", metavar="U", help=t("cli_tickets.opt_urgency"))
    ls.add_argument("--overdue", action="store_true", help=t("cli_tickets.opt_overdue"))
    ls.add_argument("--mine", action="store_true", help=t("cli_tickets.opt_mine"))
    ls.add_argument("--text", metavar="T", help=t("cli_tickets.opt_text"))
    ls.add_argument("--phone", metavar="PHONE", help=t("callers.opt_phone"))
    ls.add_argument("--since", metavar="DATE", help=t("cli_tickets.opt_since"))
    ls.add_argument("--until", metavar="DATE", help=t("cli_tickets.opt_until"))
    ls.add_argument("--limit", metavar="N", default="100", help=t("cli_tickets.opt_limit"))
    ls.add_argument("--format", choices=FORMATS_TABLE, default="table", help=t("cli_tickets.opt_format_list"))
    global_options(ls)
    ls.set_defaults(handler=tickets_list)

    units = command_group(sub, "units", t("cli_tickets.units_help"))
    ul = units.add_parser("list", help=t("cli_tickets.units_help"), description=t("cli_tickets.units_help"))
    ul.add_argument("--format", choices=("table", "json"), default="table", help=t("cli_tickets.opt_format_short"))
    global_options(ul)
    ul.set_defaults(handler=units_list)

    matters = command_group(sub, "matters", t("cli_tickets.matters_help"))
    ml = matters.add_parser("list", help=t("cli_tickets.matters_help"), description=t("cli_tickets.matters_help"))
    ml.add_argument("--all", action="store_true", help=t("cli_tickets.opt_all_matters"))
    ml.add_argument("--format", choices=("table", "json"), default="table", help=t("cli_tickets.opt_format_short"))
    global_options(ml)
    ml.set_defaults(handler=matters_list)


# --- ticket add ---------------------------------------------------------------------------------


def read_items(text: str) -> tuple[list[tuple[int, Any]], list[tuple[int, str]]]:
    """(line number, JSON value) of one object or of JSON lines, and (line, problem) for lines
    that are not JSON or nest too deeply (store/validation.py reads each)."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), None)
    if first is None:
        return [], [(1, t("cli_tickets.empty_input"))]
    try:
        whole = validation.load_json(text)
    except Invalid as e:
        if e.key == "validation.too_deep":
            return [], [(first, e.message())]
    else:
        if isinstance(whole, list):
            return [], [(first, t("cli_tickets.array_input"))]
        return [(first, whole)], []
    items, problems = [], []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append((i, validation.load_json(line)))
        except Invalid as e:
            problems.append((i, e.message()))
    return items, problems


def _line(n: int, message: str) -> str:
    return t("cli_tickets.line_error", n=n, message=message)


def _read_source(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(name, "rb") as f:
            data = f.read()
    return data.decode("utf-8")


async def ticket_add_each(ctx: Any, args: argparse.Namespace) -> int:
    """`ticket add --each`: every JSON line registered on its own and answered with one JSON line
    (console/cli/json_lines.py); a refused line writes nothing and does not stop the others."""
    from griddesk.console.cli import json_lines
    from griddesk.store import tickets

    store = actor = None

    async def one(data: Any) -> dict[str, Any]:
        nonlocal store, actor
        new = tickets.parse(data, lenient=args.lenient)
        if store is None:
            store, actor = await ctx.store(), await ctx.actor()
        result: dict[str, Any] = {"number": await tickets.create(store, actor, new)}
        if new.ignored:
            result["ignored"] = list(new.ignored)
        return result

    if args.file == "-":
        return await json_lines.answer(sys.stdin.buffer, sys.stdout, one)
    try:
        source = open(args.file, "rb")  # noqa: SIM115, ASYNC230 - closed below; the CLI runs one task
    except OSError as e:
        eprint(t("cli.error", message=t("cli_tickets.cannot_read", file=args.file, reason=e.strerror or str(e))))
        return 2
    with source:
        return await json_lines.answer(source, sys.stdout, one)


async def ticket_add(ctx: Any, args: argparse.Namespace) -> int:
    if args.each:
        return await ticket_add_each(ctx, args)
    from griddesk.store import tickets

    try:
        text = _read_source(args.file)
    except OSError as e:
        eprint(t("cli.error", message=t("cli_tickets.cannot_read", file=args.file, reason=e.strerror or str(e))))
        return 2
    except UnicodeDecodeError:
        eprint(t("cli.error", message=t("cli_tickets.not_utf8", file=args.file)))
        return 2
    # every line is checked before anything is written, and every problem is told at once
    raw, problems = read_items(text)
    parsed = []
    for n, data in raw:
        try:
            parsed.append(tickets.parse(data, lenient=args.lenient))
        except Invalid as e:
            problems.append((n, e.message()))
            continue
        for key in parsed[-1].ignored:  # --lenient: told, not refused
            eprint(t("validation.ignored_key", n=n, key=validation.printable(key)))
    if problems:
        for n, message in sorted(problems):
            eprint(_line(n, message))
        eprint(t("cli_tickets.nothing_written"))
        return 2
    store = await ctx.store()
    actor = await ctx.actor()
    try:
        numbers = await tickets.create_many(store, actor, parsed)
    except Invalid as e:
        index = e.params.pop("line", 1)
        eprint(_line(raw[index - 1][0], e.message()))
        eprint(t("cli_tickets.nothing_written"))
        return 2
    except StoreError as e:
        eprint(t("cli.error", message=e.message()))
        return 1
    with stdout() as out:
        for number in numbers:
            out.write(number + "\n")
    return 0


# --- tickets list -------------------------------------------------------------------------------


class Usage(Exception):
    pass


def _statuses(values: list[str] | None) -> queue.QueueFilter:
    from griddesk.store import queue

    if not values:
        return queue.QueueFilter(group="open")
    if len(values) == 1 and values[0] in STATUS_GROUPS:
        return queue.QueueFilter(group=values[0])
    codes: list[str] = []
    known = [s.value for s in Status]
    for v in values:
        if v in STATUS_GROUPS:
            codes.extend(STATUS_GROUPS[v])
        elif v in known:
            codes.append(v)
        else:
            raise Usage(t("cli_tickets.bad_choice", option="--status", value=v,
                          choices=" | ".join(dict.fromkeys([*STATUS_GROUPS, *known]))))
    return queue.QueueFilter(statuses=tuple(dict.fromkeys(codes)))


def _moment(option: str, value: str | None, tz: Any, end: bool) -> datetime | None:
    """A date (local; --until takes the whole day) or an ISO time (local if it has no zone)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            if end:
                d += timedelta(days=1)
            return datetime.combine(d, time(0), tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Usage(t("cli_tickets.bad_date", option=option, value=value)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _limit(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise Usage(t("cli_tickets.bad_limit", option="--limit", value=value))
    return n


def _filter(args: argparse.Namespace, tz: Any) -> tuple[queue.QueueFilter, int]:
    from griddesk.store import queue

    f = _statuses(args.status)
    urgency = args.urgency
    if urgency is not None and urgency not in {u.value for u in Urgency}:
        raise Usage(t("cli_tickets.bad_choice", option="--urgency", value=urgency,
                      choices=" | ".join(u.value for u in Urgency)))
    since = _moment("--since", args.since, tz, end=False)
    until = _moment("--until", args.until, tz, end=True)
    phone = (args.phone or "").strip() or None
    if phone is not None and not PHONE.match(phone):
        raise Usage(f"--phone: {t('error.bad_phone', value=phone)}")
    f = queue.QueueFilter(group=f.group, statuses=f.statuses, text=args.text or "", overdue_only=args.overdue,
                          mine=args.mine, grid=args.grid, matter=args.matter, urgency=urgency, since=since,
                          until=until, phone=phone)
    return f, _limit(args.limit)


async def _rows(store: Any, actor: Any, f: queue.QueueFilter, limit: int) -> Any:
    """Queue rows, a page at a time when all are asked for (0 = no limit)."""
    from griddesk.store import queue

    if limit:
        for r in await queue.page(store, actor, f, limit=limit):
            yield r
        return
    offset = 0
    while True:
        rows = await queue.page(store, actor, f, limit=PAGE, offset=offset)
        for r in rows:
            yield r
        if len(rows) < PAGE:
            return
        offset += PAGE


async def tickets_list(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import views
    from griddesk.store.io.tabular import neutral

    store = await ctx.store()
    try:
        f, limit = _filter(args, store.calendar.tz)
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    actor = await ctx.actor()
    rows = _rows(store, actor, f, limit)
    with stdout() as out:
        if args.format == "json":
            first = True
            out.write("[")
            async for r in rows:
                out.write("\n  " if first else ",\n  ")
                out.write(output.dumps(views.row_json(r), ensure_ascii=False))
                first = False
            out.write("]\n" if first else "\n]\n")
        elif args.format == "csv":
            w = csv.writer(out, lineterminator="\n")
            w.writerow(CSV_HEADER)
            async for r in rows:
                data = views.row_json(r)
                # the one formula neutraliser the exports use: a title "=cmd|…" must not run when opened
                w.writerow([neutral("" if data.get(k) is None else data[k]) for k in CSV_HEADER])
        else:
            now = store.now()
            body = []
            async for r in rows:
                body.append([r.number, timefmt.local(r.received_at, store.calendar.tz),
                             code_name("status", r.status), code_name("urgency", r.urgency), r.grid,
                             r.matter or t("cli_tickets.out_of_list"), r.lead_unit or "—",
                             timefmt.time_left(r.due_at, now), _clip(r.title, 40)])
            heads = [t(f"cli_tickets.col.{k}") for k in
                     ("number", "received", "status", "urgency", "grid", "matter", "lead_unit", "time_left",
                      "title")]
            print_table(heads, body, out)
            eprint(t("cli_tickets.rows", n=len(body)))
    return 0


# the CSV columns: views.row_json's keys, in this order (a stable interface)
CSV_HEADER = ["number", "status", "grid", "grid_name", "matter", "matter_name", "urgency", "title", "address",
              "lead_unit", "received_at", "due_at", "due_clock", "version", "out_of_list"]


# --- tables -------------------------------------------------------------------------------------


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def _clip(text: str, width: int) -> str:
    """At most `width` terminal cells (CJK characters take two), with … when cut."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def print_table(heads: list[str], rows: Iterable[list[str]], out: Any = None) -> None:
    """Columns aligned by display width, so Chinese text lines up."""
    out = out or sys.stdout
    rows = [[str(c) for c in r] for r in rows]
    widths = [cell_len(h) for h in heads]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], cell_len(c))
    out.write("  ".join(_pad(h, w) for h, w in zip(heads, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("─" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


# --- ticket show --------------------------------------------------------------------------------


def _limit_text(value: int, unit: str) -> str:
    return timefmt.limit(value, unit)


async def ticket_show(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import decisions, views

    store = await ctx.store()
    actor = await ctx.actor()
    try:
        d = await views.detail(store, actor, args.number, record=True)
    except StoreError as e:
        eprint(t("cli.error", message=e.message()))
        return 1
    if args.format == "json":
        with stdout() as out:
            out.write(output.dumps(d.json(), ensure_ascii=False, indent=2) + "\n")
        return 0
    tz, now = store.calendar.tz, store.now()
    tk = d.ticket

    def when(at: datetime | None) -> str:
        return timefmt.local(at, tz, "%Y-%m-%d %H:%M") if at else "—"

    matter = f"{d.matter.code} {d.matter.name}" if d.matter else t("cli_tickets.out_of_list")
    lines = [
        t("cli_tickets.show.head", number=tk.number, status=code_name("status", tk.status),
          urgency=code_name("urgency", tk.urgency), version=tk.version),
        t("cli_tickets.show.title", title=tk.title),
        t("cli_tickets.show.matter", matter=matter),
        t("cli_tickets.show.grid", code=d.grid.code, name=d.grid.name),
        t("cli_tickets.show.address", address=tk.address or "—"),
        t("cli_tickets.show.source", source=code_name("source", tk.source),
          reporter=" ".join(x for x in (d.reporter_name, d.reporter_phone) if x) or "—"),
        t("cli_tickets.show.received", received=when(tk.received_at), closed=when(tk.closed_at)),
        t("cli_tickets.show.units", lead=d.lead_unit.name if d.lead_unit else "—",
          co="、".join(u.name for u in d.co_units) or "—"),
    ]
    if tk.external_id:
        lines.append(t("validation.show_external", source=tk.external_source or "", id=tk.external_id))
    if tk.satisfaction:
        lines.append(t("cli_tickets.show.satisfaction", satisfaction=code_name("satisfaction", tk.satisfaction)))
    if tk.description:
        lines.append(t("cli_tickets.show.description", description=tk.description))
    lines.append("")
    lines.append(t("cli_tickets.show.clocks"))
    if not d.clocks:
        lines.append("  —")
    for c in d.clocks:
        if c.state in ("running", "overdue"):
            left = timefmt.time_left(c.due_at, now)
        elif c.state == "paused":
            left = t("time.paused", span=timefmt.span(c.left_s))
        else:
            left = t(f"cli_tickets.clock_state.{c.state}")
        live = c.state in ("running", "paused", "overdue")
        name = decisions.clock_name(c.name, tk.status if live else None)
        lines.append(f"  {_pad(name, 8)}  {when(c.due_at)}  "
                     f"{_pad(_limit_text(c.limit_value, c.limit_unit), 12)}  {left}")
    lines.append("")
    lines.append(t("cli_tickets.show.timeline"))
    for ev in d.timeline:
        move = f"→ {code_name('status', ev.to_status)}" if ev.to_status and ev.to_status != ev.from_status else ""
        lines.append(f"  {when(ev.at)}  {ev.actor}  {action_name(ev.action)} {move}".rstrip())
        for part in decisions.lines(ev.action, ev.data, ev.note, tz, names=d.unit_names):
            lines.append(f"      {part}")
    with stdout() as out:
        out.write("\n".join(lines) + "\n")
    return 0


async def ticket_merge(ctx: Any, args: argparse.Namespace) -> int:
    """工单合并: link a duplicate to the ticket it repeats (store.callers.merge)."""
    from griddesk.store import callers

    store = await ctx.store()
    actor = await ctx.actor()
    try:
        done = await callers.merge(store, actor, args.duplicate, args.into, args.note)
    except Invalid as e:
        eprint(t("cli.error", message=e.message()))
        return 2
    except StoreError as e:
        eprint(t("cli.error", message=e.message()))
        return 1
    key = "callers.merged_closed" if done.closed else "callers.merged"
    with stdout() as out:
        out.write(t(key, duplicate=done.duplicate, into=done.into) + "\n")
    return 0


# --- units and matters ---------------------------------------------------------------------------


async def units_list(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import catalog

    store = await ctx.store()
    actor = await ctx.actor()
    rows = await catalog.units(store, actor)
    with stdout() as out:
        if args.format == "json":
            out.write(output.dumps([r.json() for r in rows], ensure_ascii=False, indent=2) + "\n")
            return 0
        heads = [t(f"cli_tickets.col.{k}") for k in ("code", "name", "kind", "phone", "covers")]
        print_table(heads, [[r.code, r.name, code_name("unit_kind", r.kind), r.phone or "—",
                             " ".join(r.covers) or "—"] for r in rows], out)
    return 0


async def matters_list(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import catalog

    store = await ctx.store()
    actor = await ctx.actor()
    rows = await catalog.matters(store, actor, include_withdrawn=args.all)
    if args.format == "json":
        with stdout() as out:
            out.write(output.dumps([r.json() for r in rows], ensure_ascii=False, indent=2) + "\n")
        return 0

    def variant(r: Any, urgency: str) -> str:
        v = r.variants.get(urgency)
        return _limit_text(v.value, v.unit) if v else "—"

    heads = [t(f"cli_tickets.col.{k}") for k in
             ("code", "name", "limit", "urgent", "emergency", "default_unit", "admitted_on", "withdrawn_on")]
    body = [[r.code, r.name + (" ⚑" if r.escalate else ""), _limit_text(r.limit.value, r.limit.unit),
             variant(r, "urgent"), variant(r, "emergency"), r.default_unit or "—", r.admitted_on.isoformat(),
             r.withdrawn_on.isoformat() if r.withdrawn_on else "—"] for r in rows]
    with stdout() as out:
        print_table(heads, body, out)
    if any(r.escalate for r in rows):
        eprint(t("cli_tickets.escalate_mark"))
    return 0
