"""Would importing SQLAlchemy and the models in a thread, while Textual imports, shorten the start?

    python bench/start_thread.py [--runs 9] [--timeout 120]

Each run is two fresh processes, interleaved: `serial` imports Textual (app, widgets) and then
the store (`griddesk.store.context`: SQLAlchemy, aiosqlite, the models); `thread` starts the
store's import in a thread first and imports Textual meanwhile, then joins. Printed: medians of
wall and CPU time (user + system, the whole process), and thread ÷ serial. Imports run Python
byte code under the GIL (only reading a file lets it go), so two cores should not help much.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

SERIAL = "import textual.app, textual.widgets\nimport griddesk.store.context\n"
THREAD = """import threading
t = threading.Thread(target=__import__, args=("griddesk.store.context",))
t.start()
import textual.app, textual.widgets
t.join()
import griddesk.store.context
"""


def timed(code: str) -> tuple[float, float]:
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    stop_after(a.timeout, "start_thread")
    timed(SERIAL)  # warm the byte-code and page cache once
    got: dict[str, list[tuple[float, float]]] = {"serial": [], "thread": []}
    load0 = os.getloadavg()[0]
    for _ in range(a.runs):
        got["serial"].append(timed(SERIAL))
        got["thread"].append(timed(THREAD))
    med = {k: (statistics.median(w for w, _ in v) * 1000, statistics.median(c for _, c in v) * 1000)
           for k, v in got.items()}
    print(f"import Textual + the store, {a.runs} runs, medians (load average {load0:.1f} → "
          f"{os.getloadavg()[0]:.1f})")
    for k, (w, c) in med.items():
        print(f"  {k:7} wall {w:6.0f} ms  cpu {c:6.0f} ms")
    print(f"  thread ÷ serial: wall {med['thread'][0] / med['serial'][0]:.2f}×  "
          f"cpu {med['thread'][1] / med['serial'][1]:.2f}×")


if __name__ == "__main__":
    main()
