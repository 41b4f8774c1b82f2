"""Start-up costs, as ratios measured in one run: one CLI call against `python -c pass`, and the
console's first painted queue against a bare Textual app.

    python bench/startup.py [--db PATH] [--tickets N] [--runs 7] [--timeout 60] [--pythonpath DIR]

Every figure is a fresh process timed from outside, spawn to exit (a CLI call) or spawn to the
first-paint line (bench/probe_start.py), with `--timeout` seconds at most each: a run that hangs
is killed and counted as a failure, never waited on. Runs are interleaved so drift from other
load hits both sides alike; the medians are compared. Each figure is given twice: wall time,
and the CPU seconds (user + system) the process used — on a machine shared with other work the
wall time mostly measures the queue for a core, the CPU time what the start-up itself costs.

CLI calls, on a copy of the demo database (the dispatches change it):
  `griddesk --help`, `griddesk ticket act NUMBER dispatch --unit CODE` (a new pending ticket each
  run, so each call really writes), `griddesk tickets list --limit 20`, against `python -c pass`.
Console: start → first painted queue, against a bare Textual app (header, DataTable, footer);
and the floor: the bare app after opening the store (SQLAlchemy, aiosqlite, the models), which
the console cannot start without.

`--pythonpath DIR` runs the processes on another checkout (DIR/griddesk/{console,store,themes}),
so an older commit can be measured by the same script on the same machine in the same hour.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo_db import ensure_db  # bench/demo_db.py: the scripts run from this folder

HERE = Path(__file__).resolve().parent


def env_for(pythonpath: str | None) -> dict[str, str]:
    env = dict(os.environ, GRIDDESK_LOG_LEVEL="warning")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, float]:
    """(wall, CPU) seconds from spawn to exit; raises when the process fails or outlives `timeout`."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:4])} … exited {r.returncode}: {r.stderr.strip()[-300:]}")
    return elapsed, _children_cpu() - cpu0


def first_paint(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, float]:
    """Seconds from spawn to the probe's first-paint line; the process is then left to end, and
    killed if it does not within `timeout` (a teardown hang costs the run nothing)."""
    t0 = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # the probe ends itself after its own --timeout
        elapsed = time.perf_counter() - t0
        if not line.startswith("{"):
            raise RuntimeError(f"{' '.join(argv[2:3])}: no first paint (exit {child.wait(timeout)})")
        child.wait(timeout)
        return elapsed, json.loads(line)["cpu"]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def pending(db: Path, n: int) -> tuple[list[str], str]:
    """`n` tickets waiting for dispatch, and a department's code to dispatch them to."""
    con = sqlite3.connect(db)
    try:
        numbers = [r[0] for r in con.execute(
            "SELECT number FROM tickets WHERE status = 'pending_dispatch' ORDER BY id LIMIT ?", (n,))]
        unit = con.execute("SELECT code FROM units WHERE kind = 'department' AND active ORDER BY code LIMIT 1")
        code = unit.fetchone()[0]
    finally:
        con.close()
    if len(numbers) < n:
        raise SystemExit(f"only {len(numbers)} tickets wait for dispatch in {db}: use fewer --runs or more --tickets")
    return numbers, code


def medians_ms(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """(wall, CPU) medians in milliseconds."""
    return (statistics.median(w for w, _ in runs) * 1000, statistics.median(c for _, c in runs) * 1000)


def line(label: str, ms: tuple[float, float], base: tuple[float, float] | None = None, note: str = "") -> str:
    text = f"  {label:34} wall {ms[0]:6.0f} ms  cpu {ms[1]:6.0f} ms"
    if base is not None:
        text += f"   ratio wall {ms[0] / base[0]:5.2f}×  cpu {ms[1] / base[1]:5.2f}×"
    return text + (f"  {note}" if note else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=HERE / "results" / "bench-startup-20k.db")
    ap.add_argument("--tickets", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--pythonpath", metavar="DIR", help="measure the checkout at DIR/griddesk instead")
    ap.add_argument("--skip-console", action="store_true", help="the CLI calls only")
    a = ap.parse_args()

    ensure_db(a.db, a.tickets)
    env = env_for(a.pythonpath)
    py = sys.executable
    griddesk = [py, "-c", "import sys; from griddesk.console.cli.main import main; sys.exit(main())"]
    work = Path(tempfile.mkdtemp(prefix="griddesk-startup-"))
    try:
        copy = work / "cli.db"
        shutil.copy(a.db, copy)
        numbers, unit = pending(copy, a.runs + 1)
        db = ["--db", str(copy)]
        calls = {
            "python -c pass": lambda i: [py, "-c", "pass"],
            "griddesk --help": lambda i: [*griddesk, "--help"],
            "griddesk ticket act … dispatch": lambda i: [*griddesk, *db, "ticket", "act", numbers[i],
                                                          "dispatch", "--unit", unit],
            "griddesk tickets list --limit 20": lambda i: [*griddesk, *db, "tickets", "list", "--limit", "20"],
        }
        got: dict[str, list[tuple[float, float]]] = {k: [] for k in calls}
        for argv in calls.values():  # warm the page cache and byte-code once
            timed(argv(a.runs), env, a.timeout)
        for i in range(a.runs):
            for k, argv in calls.items():
                got[k].append(timed(argv(i), env, a.timeout))

        console: dict[str, list[tuple[float, float]]] = {"bare": [], "floor": [], "griddesk": []}
        if not a.skip_console:
            url = f"sqlite+aiosqlite:///{a.db}"
            probe = [py, str(HERE / "probe_start.py")]
            limit = ["--timeout", str(int(a.timeout))]
            first_paint([*probe, "griddesk", url, *limit], env, a.timeout)  # warm once
            for _ in range(a.runs):
                console["bare"].append(first_paint([*probe, "bare", *limit], env, a.timeout))
                console["floor"].append(first_paint([*probe, "floor", url, *limit], env, a.timeout))
                console["griddesk"].append(first_paint([*probe, "griddesk", url, *limit], env, a.timeout))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    where = a.pythonpath or "this checkout"
    print(f"Start-up on {where}, {a.db.name}, {a.runs} runs, medians (load average "
          f"{os.getloadavg()[0]:.1f})")
    base = medians_ms(got["python -c pass"])
    print(line("python -c pass", base))
    for k in list(calls)[1:]:
        print(line(k, medians_ms(got[k]), base))
    if console["bare"]:
        bare = medians_ms(console["bare"])
        print(line("bare Textual app, first paint", bare))
        print(line("the same after opening the store", medians_ms(console["floor"]), bare, "(the floor)"))
        print(line("console, first painted queue", medians_ms(console["griddesk"]), bare, "(goal ≤ 1.3×)"))


if __name__ == "__main__":
    main()
