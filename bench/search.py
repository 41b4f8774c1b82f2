"""Search that stays fast: the queue's `/` filter and the address search, indexed (issue 13, point 5).

    python bench/search.py [--tickets 200000] [--db PATH] [--refreshes 15] [--timeout 1800]

For each filter text (chosen from the demo's own tickets: a road, an estate, a ticket number's
tail, a matter, a grid, a caller's two-character name, a day):

1. a filtered queue refresh through the store (`queue.page_and_count`: the page of 200 rows and
   the total, what the console does when the change feed moves), against
   - the old plan written by hand in raw sqlite3: the same rows by `LIKE '%text%'` over every open
     ticket in scope, joined to its grid and matter (what the store did before migration 0009);
   - the new plan written by hand in raw sqlite3 (FTS5 trigram candidates, then the same LIKE);
   - the unfiltered refresh in raw sqlite3 (the queue benchmark's baseline);
   - the store's page and count as two reads (`queue.page` + `queue.count`, the screen's read
     before `page_and_count`);
   every result checked equal to the store's;
2. the address search (`store.search.search`, kind "ticket"): store against the old raw `LIKE`.

The database is a demo town built by `griddesk demo init --tickets N` (bench/demo_db.py, reused
when present, migrated to head on first open). Times are this process's CPU time (its SQLite
threads included): the machine is shared, and wall time under a load of 20-40 swung 3x between
runs. Ratios are the result; the whole run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deadline import cancel, stop_after  # bench/deadline.py: the scripts run from this folder
from demo_db import ensure_db  # bench/demo_db.py

HERE = Path(__file__).resolve().parent
PAGE = 200
ORDER = """CASE t.urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END,
         t.due_at IS NULL, t.due_at, t.id"""
PAGE_COLS = """t.id, t.number, t.received_at, m.name, m.code, g.name, g.code, t.status, u.name,
       t.due_at, t.due_clock, t.warn_at, t.urgency, t.title, t.address, t.version, t.out_of_list"""

# the filter before migration 0009: LIKE on every open ticket in scope, grids and matters joined
OLD_WHERE = """(t.number LIKE :p ESCAPE '/' OR g.name LIKE :p ESCAPE '/' OR g.code LIKE :p ESCAPE '/'
  OR m.name LIKE :p ESCAPE '/' OR m.code LIKE :p ESCAPE '/' OR t.address LIKE :p ESCAPE '/'
  OR t.title LIKE :p ESCAPE '/' OR t.external_id LIKE :p ESCAPE '/'
  OR t.reporter_name = :t OR t.reporter_phone = :t)"""
OLD_FROM = "tickets t JOIN grids g ON g.id = t.grid_id LEFT JOIN matters m ON m.id = t.matter_id"
# the same rows through the indexes (the store's plan since migration 0009): candidate ids from the
# trigram index and the B-trees, then the old conditions on those rows only
NEW_WHERE = """(t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH :q
   UNION ALL SELECT id FROM tickets WHERE grid_id IN
     (SELECT id FROM grids WHERE name LIKE :p ESCAPE '/' OR code LIKE :p ESCAPE '/') AND status IN ({statuses})
   UNION ALL SELECT id FROM tickets WHERE matter_id IN
     (SELECT id FROM matters WHERE name LIKE :p ESCAPE '/' OR code LIKE :p ESCAPE '/') AND status IN ({statuses})
   UNION ALL SELECT id FROM tickets WHERE reporter_name = :t
   UNION ALL SELECT id FROM tickets WHERE reporter_phone = :t)
 AND ((t.number LIKE :p ESCAPE '/' OR t.address LIKE :p ESCAPE '/' OR t.title LIKE :p ESCAPE '/'
       OR t.external_id LIKE :p ESCAPE '/')
  OR t.grid_id IN (SELECT id FROM grids WHERE name LIKE :p ESCAPE '/' OR code LIKE :p ESCAPE '/')
  OR t.matter_id IN (SELECT id FROM matters WHERE name LIKE :p ESCAPE '/' OR code LIKE :p ESCAPE '/')
  OR t.reporter_name = :t OR t.reporter_phone = :t))"""
SCOPE = "t.town_code = :town AND t.status IN ({statuses})"


def page_sql(where: str, frm: str, statuses: str) -> str:
    return f"""
SELECT {PAGE_COLS}
FROM tickets t
JOIN (SELECT t.id FROM {frm} WHERE {SCOPE.format(statuses=statuses)} AND {where.format(statuses=statuses)}
      ORDER BY {ORDER} LIMIT {PAGE}) p ON p.id = t.id
JOIN grids g ON g.id = t.grid_id
LEFT JOIN matters m ON m.id = t.matter_id LEFT JOIN units u ON u.id = t.lead_unit_id
ORDER BY {ORDER}"""


def count_sql(where: str, frm: str, statuses: str) -> str:
    return f"SELECT count(*) FROM {frm} WHERE {SCOPE.format(statuses=statuses)} AND {where.format(statuses=statuses)}"


def texts(raw: sqlite3.Connection) -> list[tuple[str, str]]:
    """Filter texts an operator would type, taken from the demo's own rows."""
    def one(sql: str) -> str:
        row = raw.execute(sql).fetchone()
        return str(row[0]) if row and row[0] else "无"

    address = one("SELECT address FROM tickets WHERE status != 'closed' AND address LIKE '%路%' "
                  "ORDER BY id DESC LIMIT 1")
    road = address.split("路")[0][-2:] + "路"  # "中山路"
    estate = one("SELECT address FROM tickets WHERE address LIKE '%号%栋' ORDER BY id DESC LIMIT 1")
    estate = estate.split("号", 1)[-1][:4]  # "紫荆名苑"
    number = one("SELECT number FROM tickets WHERE status != 'closed' ORDER BY id DESC LIMIT 1")
    name = one("SELECT reporter_name FROM tickets WHERE length(reporter_name) = 2 ORDER BY id DESC LIMIT 1")
    return [
        ("road", road), ("estate", estate), ("address", address), ("number tail", number[-9:]),
        ("title words", "井盖破损"), ("matter", one("SELECT name FROM matters ORDER BY id LIMIT 1")),
        ("grid", one("SELECT name FROM grids ORDER BY id LIMIT 1")), ("caller (2 chars)", name),
        ("day", number[10:18]), ("nothing", "不存在的地址xyz"),
    ]


def median_ms(f: Callable[[], Any], n: int) -> float:
    out = []
    for _ in range(n):
        t0 = time.process_time()
        f()
        out.append(time.process_time() - t0)
    return statistics.median(out) * 1000


async def amedian_ms(f: Callable[[], Any], n: int) -> float:
    out = []
    for _ in range(n):
        t0 = time.process_time()
        await f()
        out.append(time.process_time() - t0)
    return statistics.median(out) * 1000


async def run(path: Path, n: int) -> None:
    from griddesk.store import queue, search, search_index
    from griddesk.store.context import Store

    store = await Store.open(str(path))
    actor = await store.actor()
    raw = sqlite3.connect(path)
    statuses = queue.STATUS_GROUPS["open"]
    marks = ",".join(f":s{i}" for i in range(len(statuses)))
    base = {"town": actor.jurisdiction, **{f"s{i}": s for i, s in enumerate(statuses)}}
    unfiltered_page, unfiltered_count = page_sql("1", "tickets t", marks), count_sql("1", "tickets t", marks)
    old_page, old_count = page_sql(OLD_WHERE, OLD_FROM, marks), count_sql(OLD_WHERE, OLD_FROM, marks)
    new_page, new_count = page_sql(NEW_WHERE, "tickets t", marks), count_sql(NEW_WHERE, "tickets t", marks)

    def raw_refresh(page: str, count: str, args: dict[str, Any]) -> tuple[list[str], int]:
        rows = raw.execute(page, args).fetchall()
        return [r[1] for r in rows], raw.execute(count, args).fetchone()[0]

    unfiltered = median_ms(lambda: raw_refresh(unfiltered_page, unfiltered_count, base), n)
    print(f"\nFiltered queue refresh (page of {PAGE} + count) on {path.name}; CPU medians of {n}; "
          f"unfiltered raw refresh {unfiltered:.1f} ms")
    print(f"  {'filter':<18} {'text':<22} {'rows':>6} {'store':>9} {'old LIKE':>9} {'raw FTS':>9}"
          f" {'vs LIKE':>8} {'vs FTS':>7} {'vs unfilt.':>10} {'2 reads':>9} {'vs 2 reads':>10}")
    store_all, like_all = [], []
    for label, text in texts(raw):
        f = queue.QueueFilter(text=text)
        args = {**base, "p": search_index.contains_pattern(text), "t": text, "q": search_index.fts_query(text)}

        async def store_refresh(f: queue.QueueFilter = f) -> tuple[list[str], int]:
            rows, total = await queue.page_and_count(store, actor, f, limit=PAGE)
            return [r.number for r in rows], total

        async def two_reads(f: queue.QueueFilter = f) -> tuple[list[str], int]:  # before page_and_count
            rows = await queue.page(store, actor, f, limit=PAGE)
            return [r.number for r in rows], await queue.count(store, actor, f)

        got = await store_refresh()
        if raw_refresh(old_page, old_count, args) != got or await two_reads() != got:
            raise SystemExit(f"the store and the old LIKE disagree on {text!r}")
        fts = search_index.indexable(text)
        if fts and raw_refresh(new_page, new_count, args) != got:
            raise SystemExit(f"the store and the raw FTS query disagree on {text!r}")
        old = median_ms(lambda a=args: raw_refresh(old_page, old_count, a), n)  # type: ignore[misc]
        new = median_ms(lambda a=args: raw_refresh(new_page, new_count, a), n) if fts else float("nan")  # type: ignore[misc]
        mine = await amedian_ms(store_refresh, n)
        apart = await amedian_ms(two_reads, n)
        store_all.append(mine)
        like_all.append(old)
        print(f"  {label:<18} {text[:20]:<22} {got[1]:>6} {mine:>7.1f}ms {old:>7.1f}ms {new:>7.1f}ms"
              f" {mine / old:>7.2f}× {mine / new:>6.2f}× {mine / unfiltered:>9.2f}×"
              f" {apart:>7.1f}ms {mine / apart:>9.2f}×")
    print(f"  all filters: store {sum(store_all):.0f} ms, old LIKE {sum(like_all):.0f} ms, "
          f"ratio {sum(store_all) / sum(like_all):.2f}×; worst store refresh {max(store_all):.1f} ms")

    print("\nAddress search (store.search.search, kind ticket) vs the old raw LIKE; CPU medians")
    old_sql = ("SELECT number FROM tickets WHERE address LIKE :p AND town_code = :town "
               "ORDER BY received_at DESC LIMIT 20")
    for label, text in texts(raw)[:3]:

        async def find(text: str = text) -> list[str]:
            return [h.key for h in await search.search(store, actor, text, kinds=("ticket",))]

        old = median_ms(lambda t=text: raw.execute(old_sql, {"p": f"%{t}%", "town": actor.jurisdiction}).fetchall(), n)  # type: ignore[misc]
        mine = await amedian_ms(find, n)
        print(f"  {label:<18} {text[:20]:<22} store {mine:7.1f} ms   old LIKE {old:7.1f} ms   ratio {mine / old:5.2f}×")
    raw.close()
    await store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickets", type=int, default=200_000)
    p.add_argument("--db", type=Path, default=HERE / "results" / "bench-200k.db")
    p.add_argument("--refreshes", type=int, default=15)
    p.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run, the build included")
    a = p.parse_args()

    stop_after(a.timeout, "bench/search.py")
    ensure_db(a.db, a.tickets, timeout=a.timeout)
    asyncio.run(run(a.db, a.refreshes))
    cancel()


if __name__ == "__main__":
    main()
