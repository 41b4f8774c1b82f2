"""Roster import speed: `griddesk import grids|people|assignments --apply` against raw executemany.

    python bench/imports.py                          # 5,000 grids, people and assignments
    python bench/imports.py --rows 20000 --timeout 900

On a small demo town (its villages, units, accounts) this writes three CSV files of `--rows`
rows each — new grids spread over the town's villages, new people with ID numbers, and one
assignment of each new person to a new grid — and imports them in that order on one copy of the
database with `store.io.import_file(..., dry_run=False)`: every rule (validation, natural keys,
jurisdiction, one leader per grid), the batch recorded for undo, the audit entries. On a second
copy the baseline reads the same CSV files with `csv` and writes the same rows with raw
`sqlite3` `executemany` in one transaction per file (people's search keys computed the same
way; assignments' grid and person ids looked up in dicts). Each kind: both times and the ratio
raw / GridDesk (the issue's figure: ≥ 0.5× wanted). `--timeout` (SIGALRM, exit 3) ends a run that
hangs. Exit 0 when every kind reaches 0.5×, 1 when not.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from deadline import stop_after  # bench/deadline.py: the scripts run from this folder

GOAL = 0.5
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力鹏宇浩然欣怡子轩梓涵"


def _id_number(k: int) -> str:
    """18 characters, unique per k (the import checks the shape, not the checksum)."""
    return f"4505021970{k:07d}{k % 10}"


def write_files(folder: Path, villages: list[str], used: dict[str, int], rows: int,
                seed: int = 13) -> dict[str, Path]:
    """Three CSV files (UTF-8 with BOM, as export writes them)."""
    r = random.Random(seed)
    grids, people, assignments = [], [], []
    seq = dict(used)
    for k in range(rows):
        village = villages[k % len(villages)]
        seq[village] = seq.get(village, 0) + 1
        if seq[village] > 999:
            raise SystemExit(f"--rows {rows}: more new grids than the town's {len(villages)} villages can number")
        code = f"{village}{seq[village]:03d}"
        grids.append([code, f"第{seq[village]}网格", village, "comprehensive", r.randint(80, 400),
                      r.randint(200, 1200)])
        number = _id_number(k)
        name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.randint(1, 2)))
        phone = f"13{r.randint(0, 9)}{r.randint(10_000_000, 99_999_999)}"
        people.append([number, name, "full_time", phone, village])
        assignments.append([code, number, "full_time", "2026-01-05"])
    files = {"grids": (["code", "name", "area_code", "type", "households", "population"], grids),
             "people": (["id_number", "name", "role", "phone", "area_code"], people),
             "assignments": (["grid_code", "person_id_number", "role", "since"], assignments)}
    out = {}
    for kind, (header, data) in files.items():
        path = folder / f"{kind}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(data)
        out[kind] = path
    return out


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def raw_import(db: Path, files: dict[str, Path]) -> dict[str, float]:
    """The same rows by hand: csv + executemany, one transaction per file."""
    from griddesk.store.roster.names import name_keys

    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    now = datetime.now(UTC).isoformat(sep=" ")
    took = {}
    t0 = time.perf_counter()
    rows = _read(files["grids"])
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO grids (code, name, area_code, town_code, type, subtype, households, population, boundary, "
        "status, created_at, retired_at, roster_changed_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, 'active', ?, "
        "NULL, ?)",
        [(g["code"], g["name"], g["area_code"], g["area_code"][:9], g["type"], int(g["households"]),
          int(g["population"]), now, now) for g in rows])
    con.execute("COMMIT")
    took["grids"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = _read(files["people"])
    con.execute("BEGIN IMMEDIATE")
    values = []
    for p in rows:
        full, initials = name_keys(p["name"], person=True)
        values.append((p["id_number"], p["name"], p["role"], p["phone"], p["area_code"], full, initials))
    con.executemany(
        "INSERT INTO people (id_number, name, role, phone, area_code, status, failed_reviews, name_pinyin, "
        "name_initials) VALUES (?, ?, ?, ?, ?, 'active', 0, ?, ?)", values)
    con.execute("COMMIT")
    took["people"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = _read(files["assignments"])
    con.execute("BEGIN IMMEDIATE")
    grid_ids = dict(con.execute("SELECT code, id FROM grids"))
    person_ids = dict(con.execute("SELECT id_number, id FROM people WHERE id_number IS NOT NULL"))
    con.executemany("INSERT INTO grid_assignments (grid_id, person_id, role, since, until) VALUES (?, ?, ?, ?, NULL)",
                    [(grid_ids[a["grid_code"]], person_ids[a["person_id_number"]], a["role"], a["since"])
                     for a in rows])
    con.execute("UPDATE grids SET roster_changed_at = ? WHERE code IN (SELECT value FROM json_each(?))",
                (now, "[" + ",".join(f'"{a["grid_code"]}"' for a in rows) + "]"))
    con.execute("COMMIT")
    took["assignments"] = time.perf_counter() - t0
    con.close()
    return took


async def griddesk_import(db: Path, files: dict[str, Path]) -> dict[str, float]:
    from sqlalchemy import select

    from griddesk.store import accounts, config, io
    from griddesk.store.context import Store
    from griddesk.store.models import Operator

    store = await Store.open(str(db), config.Settings())
    took = {}
    try:
        async with store.db.session() as s:
            admin = accounts.actor_of((await s.execute(select(Operator).where(Operator.login == "admin"))).scalar_one())
        for kind in ("grids", "people", "assignments"):
            t0 = time.perf_counter()
            result = await io.import_file(store, admin, kind, files[kind])
            took[kind] = time.perf_counter() - t0
            assert result.created == result.rows, (kind, result.json())
    finally:
        await store.close()
    return took


async def _build(path: Path) -> tuple[list[str], dict[str, int]]:
    from sqlalchemy import select

    from griddesk.store import config, demo
    from griddesk.store.context import Store
    from griddesk.store.enums import Level
    from griddesk.store.models import Area, Grid

    s = await Store.open(str(path), config.Settings())
    try:
        await demo.build(s, tickets=100, days=7)
        async with s.db.session() as ss:
            villages = list((await ss.execute(select(Area.code).where(Area.level == Level.VILLAGE)
                                              .order_by(Area.code))).scalars())
            used: dict[str, int] = {}
            for code in (await ss.execute(select(Grid.code))).scalars():
                used[code[:12]] = max(used.get(code[:12], 0), int(code[12:]))
    finally:
        await s.close()
    return villages, used


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()

    stop_after(args.timeout, "bench/imports.py")
    with tempfile.TemporaryDirectory(prefix="gd-bench-imports-") as d:
        template = Path(d) / "template.db"
        villages, used = asyncio.run(_build(template))
        files = write_files(Path(d), villages, used, args.rows)
        for name in ("griddesk", "raw"):
            shutil.copyfile(template, Path(d) / f"{name}.db")
        print(f"roster import of {args.rows:,} grids, people and assignments ({len(villages)} villages; "
              f"{date.today()}, load {os.getloadavg()[0]:.1f})", flush=True)
        ours = asyncio.run(griddesk_import(Path(d) / "griddesk.db", files))
        raw = raw_import(Path(d) / "raw.db", files)
    met = True
    for kind in ("grids", "people", "assignments"):
        ratio = raw[kind] / ours[kind]
        met &= ratio >= GOAL
        print(f"  {kind:<12} GridDesk {ours[kind]:7.2f} s   raw executemany {raw[kind]:6.2f} s   ratio {ratio:5.3f}×",
              flush=True)
    total = sum(raw.values()) / sum(ours.values())
    print(f"  all three    GridDesk {sum(ours.values()):7.2f} s   raw executemany {sum(raw.values()):6.2f} s   "
          f"ratio {total:5.3f}×   goal ≥ {GOAL}× each: {'MET' if met else 'MISSED'}", flush=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
