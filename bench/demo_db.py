"""The demo database a benchmark measures on: built once with `griddesk demo init`, reused while it
holds enough tickets (building 200,000 takes minutes). Shared by the benchmarks in this folder."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def ensure_db(path: Path, tickets: int, days: int | None = None, timeout: float = 3600,
              county: str | None = None) -> None:
    """Build `path` with `griddesk demo init` unless it holds `tickets` already; `county` builds
    every town of that county (`demo init --county`, ~6,000 grids) instead of the demo town."""
    if path.exists():
        con = sqlite3.connect(path)
        try:
            have = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
        except sqlite3.Error:
            have = -1
        con.close()
        if have >= tickets:
            return
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"building a {tickets:,}-ticket demo database at {path} …", flush=True)
    t0 = time.perf_counter()
    extra = ["--days", str(days)] if days is not None else []
    if county is not None:
        extra += ["--county", county]
    subprocess.run([sys.executable, "-m", "griddesk.console.cli", "--db", str(path), "demo", "init",
                    "--tickets", str(tickets), *extra], check=True, stdout=subprocess.DEVNULL, timeout=timeout)
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
