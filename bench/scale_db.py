"""Make a county-sized copy of a one-town demo database: the tickets (and their timeline and
clock rows) copied `--times` times into other towns of the same county, with new ids, numbers,
grids and villages, and the same spread of received times.

    python bench/scale_db.py --src /work/bench-data/analytics-200k.db --dst bench/results/county-2m.db [--times 10]

The source is copied first and never changed. Each extra town k (1 … times-1) gets copies of the
source town's villages and grids (codes with the town's digits, ids shifted), and every source
ticket once more: id + k × (max id), number + "-k", grid and town of the copy. Only raw SQL; then
the copy is migrated to the store's head without a backup, which builds the analytics rollups
from the tickets (migration 0013; `store.analytics.rollups.rebuild` does the same for a store).
`--migrate-only` does the last step alone.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path


def columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]


def copy_rows(con: sqlite3.Connection, table: str, changes: dict[str, str], where: str = "") -> None:
    cols = columns(con, table)
    sel = ", ".join(changes.get(c, c) for c in cols)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {sel} FROM {table} {where}")


def scale(src: Path, dst: Path, times: int) -> None:
    if dst.exists():
        dst.unlink()
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)  # the source as committed (its WAL too), the source left as it is
    con = sqlite3.connect(dst)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    town = con.execute("SELECT town_code FROM tickets GROUP BY town_code ORDER BY count(*) DESC").fetchone()[0]
    county = con.execute("SELECT parent_code FROM areas WHERE code = ?", (town,)).fetchone()[0]
    used = {r[0] for r in con.execute("SELECT code FROM areas WHERE parent_code = ?", (county,))}
    free = [f"{county}{i:03d}" for i in range(1, 1000) if f"{county}{i:03d}" not in used]
    max_t = con.execute("SELECT max(id) FROM tickets").fetchone()[0]
    max_e = con.execute("SELECT max(id) FROM timeline").fetchone()[0]
    max_c = con.execute("SELECT max(id) FROM ticket_clocks").fetchone()[0]
    max_g = con.execute("SELECT max(id) FROM grids").fetchone()[0]
    for k in range(1, times):
        t0 = time.perf_counter()
        new = free[k - 1]
        # the town, its villages (the source town's, under the new code) and grids
        copy_rows(con, "areas", {"code": f"'{new}'", "name": f"name || '{k}'"}, f"WHERE code = '{town}'")
        copy_rows(con, "areas", {"code": f"'{new}' || substr(code, 10)", "parent_code": f"'{new}'"},
                  f"WHERE parent_code = '{town}'")
        copy_rows(con, "grids", {"id": f"id + {k * max_g}", "code": f"code || '-{k}'",
                                 "area_code": f"CASE WHEN area_code = '{town}' THEN '{new}' "
                                              f"ELSE '{new}' || substr(area_code, 10) END",
                                 "town_code": f"'{new}'"}, f"WHERE town_code = '{town}' AND id <= {max_g}")
        copy_rows(con, "tickets", {"id": f"id + {k * max_t}", "number": f"number || '-{k}'",
                                   "grid_id": f"grid_id + {k * max_g}", "town_code": f"'{new}'",
                                   "external_id": "NULL", "external_source": "NULL"},
                  f"WHERE id <= {max_t}")
        copy_rows(con, "timeline", {"id": f"id + {k * max_e}", "ticket_id": f"ticket_id + {k * max_t}"},
                  f"WHERE id <= {max_e}")
        copy_rows(con, "ticket_clocks", {"id": f"id + {k * max_c}", "ticket_id": f"ticket_id + {k * max_t}"},
                  f"WHERE id <= {max_c}")
        con.commit()
        print(f"town {new}: copy {k} of {times - 1} in {time.perf_counter() - t0:.0f} s", flush=True)
    con.execute("ANALYZE")
    con.commit()
    n = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    con.close()
    print(f"{dst}: {n:,} tickets in {times} towns of county {county}", flush=True)


def migrate(dst: Path) -> None:
    """Bring the copy to the store's head (the rollups are built by migration 0013), without
    the backup a migration makes first: the copy is a bench file, remade at will."""
    import asyncio

    from griddesk.store.context import Store

    async def go() -> None:
        store = await Store.open(str(dst), upgrade=False)
        t0 = time.perf_counter()
        await store.db.upgrade(backup=False)
        print(f"migrated (rollups built) in {time.perf_counter() - t0:.0f} s", flush=True)
        await store.close()

    asyncio.run(go())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, required=True)
    ap.add_argument("--dst", type=Path, required=True)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--migrate-only", action="store_true", help="only migrate an already scaled copy")
    args = ap.parse_args()
    if not args.src.exists():
        sys.exit(f"--src: no such file: {args.src}")
    if not 1 <= args.times <= 100:
        sys.exit("--times: 1 … 100")
    args.dst.parent.mkdir(parents=True, exist_ok=True)
    if not args.migrate_only:
        scale(args.src, args.dst, args.times)
    migrate(args.dst)


if __name__ == "__main__":
    main()
