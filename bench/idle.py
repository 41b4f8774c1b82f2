"""What an idle console costs: K headless consoles on one database, each process's CPU and RSS.

    python bench/idle.py                                  # 1 console, then 50, on bench/results/bench-200k.db
    python bench/idle.py --db /tmp/idle/demo2m.db --tickets 2000000 --consoles 1,50 --timeout 1200
    python bench/idle.py --consoles 5 --every-tick          # also consoles reading the feed every 0.5 s tick
    python bench/idle.py --child griddesk sqlite+aiosqlite:///PATH op01   # one console (what the bench starts)
    python bench/idle.py --child bare                                    # the baseline app

Each side is a separate process started headless at 120×40 (Textual's headless driver: the
compositor runs, nothing is written to a terminal). A GridDesk console signs in as `--login`
(a town's seat operator: the alerts, the urgent band, the ladder lease) and opens on its queue;
with `--every-tick` a third side runs the same console reading the change feed on every 0.5 s
tick, as it did before it looked at SQLite's data_version first (store/notify.py);
the baseline is a bare Textual app with a header, a one-row DataTable, a footer and a clock
label updated every second. Once every process has painted, the bench lets them settle
(`--settle`), then samples each process over `--sample` seconds: CPU from /proc/PID/stat (user +
system ticks, the delta over the window) and RSS from /proc/PID/status every second (mean and
peak). The window is placed so that a minute boundary falls inside it: the console's minute
work (header counts, the countdowns' re-wording, the ladder tick) is in every figure, so a 30 s
window counts it twice over what a full minute would.

Every phase starts its processes, measures, and kills them (also on error or timeout:
`--timeout` bounds the whole run). Exit code 0 when one idle console is within the goals
(≤ 2 % of a core, ≤ 120 MB RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
GOAL_CPU = 0.02  # share of one core
GOAL_RSS_MB = 120.0
GRIDDESK = ("griddesk", "every-tick")  # the console, and the console reading the feed every tick
NAMES = {"bare": "bare 1 Hz clock", "griddesk": "GridDesk console", "every-tick": "feed every tick"}


# --- the measured processes ------------------------------------------------------------------


async def child_bare() -> None:
    from datetime import datetime

    from bare import bare_app  # bench/bare.py: the scripts run from this folder
    from textual.widgets import Label

    class Bare(bare_app()):  # type: ignore[misc]
        def more(self) -> tuple[Label, ...]:
            return (Label(id="clock"),)

        def on_mount(self) -> None:
            super().on_mount()
            self.set_interval(1.0, self.tick)
            self.tick()
            self.call_after_refresh(lambda: print("ready", flush=True))

        def tick(self) -> None:
            self.query_one("#clock", Label).update(datetime.now().strftime("%H:%M:%S"))

    await Bare().run_async(headless=True, size=(120, 40))


async def child_griddesk(url: str, login: str, every_tick: bool = False) -> None:
    from griddesk.console.app import GridDeskApp
    from griddesk.console.widgets.queue_table import QueueTable
    from griddesk.store.context import Store

    if every_tick:  # `--every-tick`: the feed read on every 0.5 s tick, as before data_version
        from griddesk.store import notify

        watch = notify.watch
        notify.watch = lambda store, interval=0.5, **kw: watch(store, interval, probe=False, **kw)
    store = await Store.open(url)
    actor = await store.actor(login)
    app = GridDeskApp(store=store, actor=actor, lang="zh")

    async def ready() -> None:
        while True:
            await asyncio.sleep(0.05)
            with contextlib.suppress(Exception):
                tables = app.screen.query(QueueTable)
                if tables and tables.first().row_count > 0:
                    break
        print("ready", flush=True)

    watcher = asyncio.create_task(ready())
    try:
        await app.run_async(headless=True, size=(120, 40))
    finally:
        watcher.cancel()
        await store.close()


async def _migrate(url: str) -> None:
    from griddesk.store.context import Store

    store = await Store.open(url)
    await store.close()


# --- sampling --------------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    rss: list[float] = field(default_factory=list)
    cpu: float = 0.0  # share of one core over the window

    @property
    def pid(self) -> int:
        return self.popen.pid


LIVE: list[Proc] = []  # the processes of the running phase: `end_phase` (also on --timeout) ends them
LEASES: list[Path] = []  # while consoles run: the database whose leases they hold


def start(kind: str, k: int, url: str, login: str, env: dict[str, str]) -> list[Proc]:
    args = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    if kind in GRIDDESK:
        args += [url, login, kind]
    procs = [Proc(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                   start_new_session=True)) for _ in range(k)]
    LIVE[:] = procs
    return procs


def end_phase() -> None:
    """Kill the running phase's processes and free their leases (as a clean quit does): at the
    end of every phase, on error, and from `deadline.stop_after` when --timeout expires."""
    procs, LIVE[:] = list(LIVE), []
    kill(procs)
    if LEASES and procs:
        release_leases(LEASES.pop(), {p.pid for p in procs})


def wait_ready(procs: list[Proc], deadline: float) -> None:
    for p in procs:
        assert p.popen.stdout is not None
        while time.monotonic() < deadline:
            line = p.popen.stdout.readline()
            if line.strip() == b"ready":
                break
            if not line and p.popen.poll() is not None:
                raise SystemExit(f"process {p.pid} ended before it painted (exit {p.popen.returncode})")
        else:
            raise TimeoutError("consoles did not paint in time")


def kill(procs: list[Proc]) -> None:
    for p in procs:
        if p.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    end = time.monotonic() + 5
    for p in procs:
        try:
            p.popen.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.popen.wait()


def sample(procs: list[Proc], seconds: float) -> None:
    """CPU share over the window and RSS each second, placed so a minute boundary is inside."""
    now = time.time()
    into = now % 60
    # the window [start, start + seconds] must hold a :00 — start at most `seconds` - 2 before it
    lead = seconds / 2
    wait = (60 - lead) - into if into < 60 - lead else (60 - lead) - into + 60
    if seconds >= 60:
        wait = 0
    time.sleep(max(0.0, wait))
    t0 = time.monotonic()
    ticks0 = {p.pid: cpu_ticks(p.pid) for p in procs}
    while (elapsed := time.monotonic() - t0) < seconds:
        for p in procs:
            p.rss.append(rss_mb(p.pid))
        time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - t0))))
    elapsed = time.monotonic() - t0
    for p in procs:
        if p.popen.poll() is not None:
            raise SystemExit(f"process {p.pid} ended while measured (exit {p.popen.returncode})")
        p.cpu = (cpu_ticks(p.pid) - ticks0[p.pid]) / TICK / elapsed


def lease_holders(db: Path) -> set[int]:
    """The pids holding a live periodic-job lease (store/jobs.py: holder = host:pid:tail)."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT holder FROM job_leases").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        con.close()
    return {int(h.split(":")[1]) for (h,) in rows if h.count(":") >= 2 and h.split(":")[1].isdigit()}


def release_leases(db: Path, pids: set[int]) -> None:
    """What a console's clean quit does (killed, they could not): free their leases, so the next
    phase's consoles need not wait out the lease's TTL before one of them runs the ladder."""
    import sqlite3

    con = sqlite3.connect(db, timeout=30)
    try:
        with con:
            for (holder,) in con.execute("SELECT holder FROM job_leases").fetchall():
                parts = holder.split(":")
                if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) in pids:
                    con.execute("DELETE FROM job_leases WHERE holder = ?", (holder,))
    except sqlite3.Error as e:
        print(f"  (leases not released: {e})", flush=True)
    finally:
        con.close()


@dataclass
class Phase:
    kind: str
    k: int
    cpu: list[float]
    rss_mean: list[float]
    rss_peak: list[float]
    holder_cpu: float | None = None  # the console that runs the ladder (holds its lease)

    def line(self) -> str:
        name = NAMES[self.kind]
        med_cpu = statistics.median(self.cpu) * 100
        med_rss = statistics.median(self.rss_mean)
        out = (f"  {name:<17} ×{self.k:<3}  CPU per process {med_cpu:5.2f} % (max {max(self.cpu) * 100:5.2f} %)"
               f"   RSS {med_rss:6.1f} MB (peak {max(self.rss_peak):6.1f} MB)")
        if self.holder_cpu is not None:
            others = [c for c in self.cpu if c != self.holder_cpu] or [self.holder_cpu]
            out += (f"\n  {'':<17}        the ladder's lease holder {self.holder_cpu * 100:5.2f} %,"
                    f" the others median {statistics.median(others) * 100:5.2f} %")
        if self.k > 1:
            out += (f"\n  {'':<17}        total {sum(self.cpu) * 100:6.1f} % of a core"
                    f"  ({sum(self.cpu) / os.cpu_count() * 100:4.1f} % of the machine),"
                    f" RSS total {sum(self.rss_mean) / 1024:5.2f} GB")
        return out


def phase(kind: str, k: int, args: argparse.Namespace, url: str, deadline: float) -> Phase:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH", "")]))
    LEASES[:] = [args.db] if kind in GRIDDESK else []
    procs = start(kind, k, url, args.login, env)
    try:
        wait_ready(procs, deadline)
        time.sleep(args.settle)
        sample(procs, args.sample)
        holders = lease_holders(args.db) if kind in GRIDDESK else set()
        holder = next((p.cpu for p in procs if p.pid in holders), None)
        return Phase(kind, k, [p.cpu for p in procs], [statistics.mean(p.rss) for p in procs],
                     [max(p.rss) for p in procs], holder)
    finally:
        end_phase()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, default=HERE / "results" / "bench-200k.db")
    ap.add_argument("--tickets", type=int, default=200_000)
    ap.add_argument("--consoles", default="1,50", help="how many consoles at once, per phase (comma-separated)")
    ap.add_argument("--login", default="op01", help="the operator every console signs in as")
    ap.add_argument("--settle", type=float, default=10.0, help="seconds after the last first paint")
    ap.add_argument("--sample", type=float, default=30.0, help="seconds measured")
    ap.add_argument("--timeout", type=float, default=900.0, help="the whole run, seconds")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--every-tick", action="store_true",
                    help="also measure consoles that read the feed on every tick (as before data_version)")
    args = ap.parse_args()
    if args.child:
        kind = args.child[0]
        asyncio.run(child_bare() if kind == "bare"
                    else child_griddesk(args.child[1], args.child[2], args.child[3:] == ["every-tick"]))
        return 0

    sys.path.insert(0, str(HERE))
    from deadline import cancel, stop_after
    from demo_db import ensure_db

    ensure_db(args.db, args.tickets)
    url = f"sqlite+aiosqlite:///{args.db.resolve()}"
    asyncio.run(_migrate(url))  # once, here: not by the first of K consoles started together
    counts = [int(c) for c in args.consoles.split(",") if c.strip()]

    stop_after(args.timeout, "bench/idle.py", end_phase)  # kills the phase's consoles first
    deadline = time.monotonic() + args.timeout
    phases: list[Phase] = []
    print(f"Idle consoles on {args.db.name}: settle {args.settle:.0f} s, sample {args.sample:.0f} s"
          f" (a minute boundary inside), {os.cpu_count()} cores", flush=True)
    try:
        for k in counts:
            for kind in ("bare", "griddesk", *(["every-tick"] if args.every_tick else [])):
                got = phase(kind, k, args, url, deadline)
                phases.append(got)
                print(got.line(), flush=True)
    finally:
        cancel()
    ok = True
    for k in counts:
        bare = next(p for p in phases if p.kind == "bare" and p.k == k)
        gd = next(p for p in phases if p.kind == "griddesk" and p.k == k)
        cpu, rss = statistics.median(gd.cpu), statistics.median(gd.rss_mean)
        print(f"  ×{k}: console vs bare  CPU {cpu * 100:.2f} % vs {statistics.median(bare.cpu) * 100:.2f} %"
              f" ({cpu / max(statistics.median(bare.cpu), 1e-9):.1f}×),"
              f" RSS {rss:.0f} MB vs {statistics.median(bare.rss_mean):.0f} MB"
              f" ({rss / statistics.median(bare.rss_mean):.1f}×)"
              f"  goal ≤ {GOAL_CPU * 100:.0f} % / ≤ {GOAL_RSS_MB:.0f} MB:"
              f" {'met' if cpu <= GOAL_CPU and rss <= GOAL_RSS_MB else 'MISS'}")
        if k == 1:
            ok = cpu <= GOAL_CPU and rss <= GOAL_RSS_MB
        old = next((p for p in phases if p.kind == "every-tick" and p.k == k), None)
        if old is not None:
            before = statistics.median(old.cpu)
            print(f"  ×{k}: console vs the same reading the feed every tick  CPU {cpu * 100:.2f} % vs"
                  f" {before * 100:.2f} % ({cpu / max(before, 1e-9):.2f}×)")
    if args.json:
        args.json.write_text(json.dumps([p.__dict__ for p in phases], indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
