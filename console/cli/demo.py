"""`griddesk demo` (build once, feed, open the console), `demo init`, `demo feed`, and
`open_console` — what a bare `griddesk` runs.

The demo keeps its own database (`store.paths.demo_db()`) so it never mixes with a real one;
`--db` or GRIDDESK_DB point it elsewhere. `--fresh` deletes only a database the demo built (or an
empty one): a real database is refused, never removed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from griddesk.console import logs
from griddesk.console.cli import output
from griddesk.console.cli.tickets import global_options
from griddesk.store import config, paths
from griddesk.store.errors import Invalid, NotFound
from griddesk.store.i18n import t

DEFAULT_RATE = 0.3


def register(sub: argparse._SubParsersAction) -> None:
    from griddesk.store import demo

    p = sub.add_parser("demo", help=t("demo.cli.help"), description=t("demo.cli.description"))
    p.add_argument("--fresh", action="store_true", help=t("demo.cli.opt_fresh"))
    p.add_argument("--rate", metavar="R", default=str(DEFAULT_RATE), help=t("demo.cli.opt_rate"))
    p.add_argument("--no-feed", action="store_true", help=t("demo.cli.opt_no_feed"))
    global_options(p)
    p.set_defaults(handler=run_demo)
    dsub = p.add_subparsers(dest="demo_command", metavar="COMMAND")

    init = dsub.add_parser("init", help=t("demo.cli.init_help"), description=t("demo.cli.init_help"))
    init.add_argument("--tickets", metavar="N", default=None,
                      help=t("demo.cli.opt_tickets", max=f"{demo.MAX_TICKETS:,}",
                             county=f"{demo.COUNTY_TICKETS:,}"))
    init.add_argument("--days", metavar="D", default="90", help=t("demo.cli.opt_days", max=demo.MAX_DAYS))
    init.add_argument("--seed", metavar="S", default="7", help=t("demo.cli.opt_seed"))
    init.add_argument("--town", metavar="CODE", default=None, help=t("demo.cli.opt_town"))
    init.add_argument("--county", metavar="CODE", default=None,
                      help=t("demo.cli.opt_county", grids=f"{demo.COUNTY_GRIDS:,}"))
    init.add_argument("--fresh", action="store_true", help=t("demo.cli.opt_fresh"))
    global_options(init)
    init.set_defaults(handler=run_init)

    feed = dsub.add_parser("feed", help=t("demo.cli.feed_help"), description=t("demo.cli.feed_help"))
    feed.add_argument("--rate", metavar="R", default=str(DEFAULT_RATE), help=t("demo.cli.opt_rate"))
    feed.add_argument("--count", metavar="N", default=None, help=t("demo.cli.opt_count"))
    global_options(feed)
    feed.set_defaults(handler=run_feed)


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


class Usage(Exception):
    """A bad option value: the message names the option; exit code 2."""


def _int(option: str, value: str, lo: int, hi: int | None = None) -> int:
    try:
        n = int(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise Usage(t("demo.cli.bad_int", option=option, value=value)) from None
    if n < lo or (hi is not None and n > hi):
        raise Usage(t("demo.cli.out_of_range", option=option, value=value, lo=f"{lo:,}",
                      hi=f"{hi:,}" if hi is not None else "∞"))
    return n


def _rate(value: str) -> float:
    try:
        r = float(value)
    except ValueError:
        raise Usage(t("demo.cli.bad_rate", option="--rate", value=value)) from None
    if not 0 < r <= 100:
        raise Usage(t("demo.cli.bad_rate", option="--rate", value=value))
    return r


# --- which database ---------------------------------------------------------------------------


def _target(ctx: Any) -> tuple[str, bool]:
    """The demo's database URL, and whether it is the demo's own file (not one named by the user)."""
    from griddesk.store import demo

    named = ctx.args.db or os.environ.get(config.DB_ENV)
    if named:
        return demo.database_url(named), False
    return demo.database_url(str(paths.demo_db())), True


def _use(ctx: Any, url: str) -> None:
    ctx.args.db = url  # ctx.store() opens what --db says


async def _fresh(ctx: Any, url: str, own: bool) -> int:
    """Remove what the demo built before, so it can be built again. Refuses a real database."""
    from griddesk.store import demo

    path = demo.database_file(url)
    if path is not None and own:
        _remove_sqlite(path)
        return 0
    store = await ctx.store()
    if await demo.is_empty(store):
        return 0
    if not await demo.is_demo(store):
        eprint(t("cli.error", message=t("demo.cli.not_demo", db=_label(url))))
        return 1
    if path is not None:
        await ctx.close()
        ctx._store = None
        ctx._actor = None
        _remove_sqlite(path)
        return 0
    await demo.wipe(store)
    eprint(t("demo.cli.removed", db=_label(url)))
    return 0


def _remove_sqlite(path: Path) -> None:
    gone = False
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = path.with_name(path.name + suffix)
        if f.exists():
            f.unlink()
            gone = True
    if gone:
        eprint(t("demo.cli.removed", db=str(path)))


def _label(url: str) -> str:
    from griddesk.store import demo

    return demo.database_label(url)


STAGES = ("places", "tickets", "indexes", "search", "rollups")


class Progress:
    """The build's progress on stderr: a rich progress bar per stage (towns, ticket history,
    indexes, the text index, the analytics rollups) on a terminal, else a line per tenth of each
    stage."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last: dict[str, int] = {}
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, done: int, total: int, stage: str = "tickets") -> None:
        label = t(f"demo.cli.stage_{stage}")
        if self.tty:
            if self.bar is None:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TaskProgressColumn,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                    console=Console(file=output.unfiltered(sys.stderr), stderr=True),
                                    transient=False)
                self.bar.start()
            task = self.tasks.get(stage)
            if task is None:
                task = self.tasks[stage] = self.bar.add_task(label, total=total or 1)
            self.bar.update(task, completed=done if total else 1, total=total or 1)
            return
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if tenth != self.last.get(stage):
            self.last[stage] = tenth
            eprint(t("demo.cli.progress_line", stage=label, done=f"{done:,}", total=f"{total:,}",
                     percent=tenth * 10))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


async def _build(ctx: Any, url: str, **options: Any) -> int:
    from griddesk.store import demo

    store = await ctx.store()
    if not await demo.is_empty(store):
        eprint(t("cli.error", message=t("demo.not_empty")))
        return 1
    eprint(t("demo.cli.building", db=_label(url)))
    progress = Progress()
    try:
        s = await demo.build(store, progress=progress, **options)
    finally:
        progress.close()
    if s.towns > 1:
        print(t("demo.cli.built_county", county=s.town_name, code=s.town, towns=s.towns, db=_label(url)))
    else:
        print(t("demo.cli.built", town=s.town_name, code=s.town, db=_label(url)))
    print(t("demo.cli.summary", grids=f"{s.grids:,}", people=f"{s.people:,}", units=s.units, matters=s.matters,
            operators=f"{s.operators:,}", tickets=f"{s.tickets:,}", seconds=f"{s.seconds:.1f}"))
    return 0


# --- the handlers -------------------------------------------------------------------------------


async def run_init(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import demo

    try:
        if args.town is not None and args.county is not None:
            raise Usage(t("demo.cli.town_or_county"))
        default = demo.COUNTY_TICKETS if args.county is not None else 5000
        tickets = _int("--tickets", args.tickets, 0, demo.MAX_TICKETS) if args.tickets is not None else default
        days = _int("--days", args.days, 1, demo.MAX_DAYS)
        seed = _int("--seed", args.seed, 0)
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    town = args.town or demo.DEFAULT_TOWN
    option = "--county" if args.county is not None else "--town"
    try:
        if args.county is not None:
            demo.county_towns(args.county)
        else:
            demo.division(town)
    except Invalid as e:
        eprint(t("cli.error", message=t("demo.cli.option_error", option=option, message=t(e.key, **e.params))))
        return 2
    url, own = _target(ctx)
    _use(ctx, url)
    if args.fresh:
        rc = await _fresh(ctx, url, own)
        if rc:
            return rc
    if args.county is not None:
        return await _build(ctx, url, county=args.county, tickets=tickets, days=days, seed=seed)
    return await _build(ctx, url, town=town, tickets=tickets, days=days, seed=seed)


async def run_demo(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import demo
    from griddesk.store.demo.feed import feeding

    try:
        rate = _rate(args.rate)
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    url, own = _target(ctx)
    _use(ctx, url)
    if args.fresh:
        rc = await _fresh(ctx, url, own)
        if rc:
            return rc
    store = await ctx.store()
    if await demo.is_empty(store):
        rc = await _build(ctx, url)
        if rc:
            return rc
    elif not await demo.is_demo(store):
        # made-up tickets never go into a real database
        eprint(t("cli.error", message=t("demo.cli.real_db", db=_label(url))))
        return 1
    keeper = None if args.no_feed else FeedKeeper(
        [sys.executable, "-m", "griddesk.console.cli", "--db", url, "--lang", ctx.lang, "demo", "feed",
         "--rate", str(rate)])
    if keeper is not None and await feeding(store) is None:  # one feed per database, however many consoles
        keeper.start()
    try:
        return await open_console(ctx, args, keeper)
    finally:
        if keeper is not None:
            keeper.stop()


class FeedKeeper:
    """This console's part in keeping one feed per demo database.

    The feed is a separate process, as a hotline interface would be: the console sees its
    tickets arrive through the change feed like anyone else's. Its errors go to the log file
    (not /dev/null), and the console says so if it stops on an error. A console that found the
    database already fed waits (`store.demo.feed.wait_free`) and starts the feed itself when the
    console feeding it quits — so the demo keeps moving while any console of it is open. Its
    own feed process ends with the console."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.child: subprocess.Popen[bytes] | None = None
        self.started = 0  # feed processes started by this console (tests)

    def start(self) -> subprocess.Popen[bytes]:
        err = _log_sink()
        try:
            self.child = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=err)
        finally:
            if err is not subprocess.DEVNULL:
                err.close()
        self.started += 1
        return self.child

    async def keep(self, store: Any, notify: Any, every: float = 1.0) -> None:
        """Beside the console until it quits: watch this console's feed; when there is none (or
        it left because another console's feed holds the lease), wait for the lease to be free
        and start one. A feed that stops on an error is reported, not restarted."""
        from griddesk.store.demo.feed import wait_free

        while True:
            child = self.child
            if child is None:
                await wait_free(store)
                child = self.start()
            while child.poll() is None:  # noqa: ASYNC110 - a child process has no event to wait on here
                await asyncio.sleep(every)
            self.child = None
            if child.returncode not in (0, -signal.SIGTERM):
                notify(t("demo.cli.feed_stopped", code=child.returncode,
                         log=str(logs.log_file() or paths.log_file())))
                return

    def stop(self) -> None:
        if self.child is not None:
            _stop_child(self.child)


def _log_sink() -> Any:
    """Where the feed's stderr goes: the log file (append), or nowhere when it cannot be written."""
    path = logs.log_file() or paths.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(fd, "ab")
    except OSError:
        return subprocess.DEVNULL


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


async def run_feed(ctx: Any, args: argparse.Namespace) -> int:
    from griddesk.store import demo, jobs
    from griddesk.store.demo.feed import FeedBusy

    try:
        rate = _rate(args.rate)
        count = _int("--count", args.count, 1) if args.count is not None else None
    except Usage as e:
        eprint(t("cli.error", message=str(e)))
        return 2
    url, _own = _target(ctx)
    _use(ctx, url)
    store = await ctx.store()
    if not await demo.is_demo(store):
        eprint(t("cli.error", message=t("demo.cli.real_db", db=_label(url))))
        return 1
    if args.as_operator:
        actor = await ctx.actor()
    else:
        try:
            actor = await store.actor(demo.FEED_LOGIN)  # the demo's "12345 hotline interface"
        except NotFound:
            actor = await ctx.actor()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not on this platform / thread
            pass
    eprint(t("demo.cli.feeding", db=_label(url), rate=rate, login=actor.login))

    def show(number: str) -> None:
        print(number, flush=True)

    try:
        made = await demo.feed(store, actor, rate=rate, stop=stop, count=count, on_ticket=show,
                               holder=jobs.new_holder())
    except FeedBusy as e:
        eprint(e.message())
        return 0  # not a failure: the database is being fed
    except Exception:
        logging.getLogger(__name__).exception("demo feed stopped")
        raise
    eprint(t("demo.cli.fed", count=made))
    return 0


async def open_console(ctx: Any, args: argparse.Namespace, feed: FeedKeeper | None = None) -> int:
    """Open the console on the chosen database: as the account already known, else on the
    login screen (console.cli.login.start_console); with the demo's `feed`, the console keeps
    the database fed while it runs (`FeedKeeper.keep`) and says so if the feed stops."""
    from griddesk.console.cli.login import start_console

    watch = None
    if feed is not None:
        keeper, store = feed, await ctx.store()

        def watch(app: Any) -> Any:
            return keeper.keep(store, lambda text: app.notify(text, severity="error", markup=False))

    rc = await start_console(ctx, watch=watch)
    if rc == 1:  # an empty database: the demo may be elsewhere
        demo_db = paths.demo_db()
        if not (ctx.args.db or os.environ.get(config.DB_ENV)) and demo_db.exists():
            eprint(t("demo.cli.demo_exists", db=str(demo_db)))
    return rc


# the demo's builders may create the database they are pointed at (console/cli/main.py Ctx)
run_init.creates_database = True  # type: ignore[attr-defined]
run_demo.creates_database = True  # type: ignore[attr-defined]
