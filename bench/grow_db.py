"""A bigger copy of a demo database for the search benchmark: its tickets copied `--times` times
over, with new ids and numbers (`<number>-<k>`), the text index rebuilt once at the end.

    python bench/grow_db.py SOURCE.db TARGET.db [--times 10] [--timeout 3600]

Building a 2,000,000-ticket demo takes far longer on a shared machine than copying a 200,000-ticket
one ten times; the copy has the same shape (open share, texts, grids, matters) at ten times the
size. Only `tickets` grows (clocks and timelines are not copied): enough for the queue's filter.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
from pathlib import Path

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

STEP = 1_000_000  # id offset per copy: above any demo's ids


def grow(source: Path, target: Path, times: int) -> None:
    from griddesk.store import search_index

    shutil.copyfile(source, target)
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA cache_size=-262144")
    for name in search_index.SQLITE_TRIGGERS:  # search_index.pause, in plain sqlite3
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    cols = [r[1] for r in con.execute("PRAGMA table_info(tickets)")]
    top = con.execute("SELECT max(id) FROM tickets").fetchone()[0]
    if top >= STEP:
        raise SystemExit(f"{source} has ids of {STEP:,} or more: grow a smaller demo")

    def value(col: str) -> str:
        if col == "id":
            return f"id + :k * {STEP}"
        if col == "number":
            return "number || '-' || :k"
        if col in ("external_id", "external_source"):
            return "NULL"  # unique per source
        return col

    sql = (f"INSERT INTO tickets ({', '.join(cols)}) SELECT {', '.join(value(c) for c in cols)} "
           f"FROM tickets WHERE id < {STEP}")
    t0 = time.perf_counter()
    for k in range(1, times):
        con.execute("BEGIN")
        con.execute(sql, {"k": k})
        con.execute("COMMIT")
        print(f"  copy {k}/{times - 1}: {time.perf_counter() - t0:.0f} s", flush=True)
    con.execute(f"INSERT INTO {search_index.TABLE}({search_index.TABLE}) VALUES ('rebuild')")
    for ddl in search_index.SQLITE_TRIGGERS.values():
        con.execute(ddl)
    total, open_ = con.execute("SELECT count(*), sum(status != 'closed') FROM tickets").fetchone()
    con.close()
    print(f"{target}: {total:,} tickets, {open_:,} open, in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path)
    p.add_argument("target", type=Path)
    p.add_argument("--times", type=int, default=10)
    p.add_argument("--timeout", type=float, default=3600)
    a = p.parse_args()

    stop_after(a.timeout, "bench/grow_db.py")
    grow(a.source, a.target, a.times)


if __name__ == "__main__":
    main()
