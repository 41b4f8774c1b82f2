"""Imports by natural key (issue 10): a file exported from one town's database imported into
another town's database on SQLite and PostgreSQL changes nothing it should not; dry runs write
nothing; an applied import is a batch that `undo` restores exactly; formula cells round-trip
exactly in CSV and XLSX; implausible encodings and damaged files are refused; and random files
(hypothesis) give a result or a refused-row list, never a traceback or a partial write."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from griddesk.store import io as roster_io
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import ImportProblems, NotAllowed, StoreError
from griddesk.store.io.tabular import neutral, plausible, unneutral
from griddesk.store.models import Base, Grid, Person, Unit
from tests.conftest import _pg_create, _pg_drop, _pg_url, open_store
from tests.fixtures_town import COUNTY, Town

ADMIN = Actor("admin", "管理员", Role.ADMIN, "")
# what an import never restores: the records of the imports themselves
NOT_DUMPED = {"audit_log", "change_feed", "import_batches", "import_batch_rows", "counters"}

# town A: 白沙街道 (450502003) of the same county, built in a database of its own, whose ids
# (1, 2, 3 …) are the same numbers as town B's
TOWN_A = "450502003"
AREAS_A = [["4505", "北海市", "city", ""], ["450502", "海城区", "county", "4505"],
           [TOWN_A, "白沙街道", "town", "450502"], [f"{TOWN_A}001", "白沙社区", "village", TOWN_A]]
GRIDS_A = [[f"{TOWN_A}001001", "白沙社区第一网格", f"{TOWN_A}001"],
           [f"{TOWN_A}001002", "白沙社区第二网格", f"{TOWN_A}001"]]
UNITS_A = [["POLICE", "白沙派出所", "department", TOWN_A], ["ROADS", "白沙街道路政办", "department", TOWN_A]]
PEOPLE_A = [["张三", "leader", "13907790001", TOWN_A, "450502198001010011"],
            ["李四", "full_time", "13907790002", TOWN_A, ""],
            ["王五", "full_time", "13907790003", TOWN_A, ""]]


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


async def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every roster and ticket table, in primary-key order."""
    out = {}
    async with store.db.session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_DUMPED:
                continue
            q = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in (await s.execute(q)).all()]
    return out


async def build_town_a(store: Store, folder: Path) -> None:
    """Town A, imported file by file; `folder` exists."""
    files = {
        "areas": (["code", "name", "level", "parent_code"], AREAS_A),
        "grids": (["code", "name", "area_code"], GRIDS_A),
        "units": (["code", "name", "kind", "area_code"], UNITS_A),
        "people": (["name", "role", "phone", "area_code", "id_number"], PEOPLE_A),
        "assignments": (["grid_code", "person_name", "person_phone", "role"],
                        [[GRIDS_A[0][0], "张三", "13907790001", "leader"],
                         [GRIDS_A[1][0], "张三", "13907790001", "leader"],
                         [GRIDS_A[0][0], "李四", "13907790002", "full_time"],
                         [GRIDS_A[1][0], "王五", "13907790003", "full_time"]]),
    }
    for kind, (header, rows) in files.items():
        r = await roster_io.import_file(store, ADMIN, kind, _csv(folder / f"{kind}.csv", header, rows))
        assert r.created == len(rows), kind


@pytest.fixture
async def town_a(any_store: Store, tmp_path: Path) -> Any:
    """Town A's own database, on the same backend as `any_town` (town B)."""
    if any_store.db.backend == "sqlite":
        (tmp_path / "a-src").mkdir()
        store = await open_store(str(tmp_path / "town_a.db"))
        await build_town_a(store, tmp_path / "a-src")
        yield store
        await store.close()
    else:
        (tmp_path / "a-src").mkdir()
        name = await _pg_create()
        store = await open_store(_pg_url(name))
        await build_town_a(store, tmp_path / "a-src")
        yield store
        await store.close()
        await _pg_drop(name)


async def _refused(store: Store, actor: Actor, kind: str, path: Path) -> ImportProblems:
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, actor, kind, path)
    return e.value


async def test_a_file_from_another_towns_database_changes_nothing_of_this_town(
        any_town: Town, town_a: Store, tmp_path: Path) -> None:
    b, county = any_town.store, any_town.actors["county01"]
    a_before = await dump(town_a)
    for kind in ("areas", "grids", "units", "people", "assignments"):
        await roster_io.export_file(town_a, ADMIN, kind, tmp_path / f"{kind}.csv")
    assert await dump(town_a) == a_before  # exporting changes nothing of town A
    people_csv = (tmp_path / "people.csv").read_text(encoding="utf-8-sig")
    assert people_csv.startswith("id_number,name,") and ",1," not in people_csv.split("\n")[1]  # no ids
    b_before = await dump(b)

    # people and units of an area B's database does not know: refused, nothing written
    e = await _refused(b, county, "people", tmp_path / "people.csv")
    assert {c for _r, c, _m in e.problems} == {"area_code"} and len(e.problems) == 3
    e = await _refused(b, county, "units", tmp_path / "units.csv")
    assert {c for _r, c, _m in e.problems} == {"area_code", "code"}  # unknown area; POLICE is B's
    e = await _refused(b, county, "grids", tmp_path / "grids.csv")  # villages B does not know
    assert len(e.problems) == 2
    assert await dump(b) == b_before

    # the county brings town A's areas and grids in (new rows), then its people and assignments
    batches = []
    for kind in ("areas", "grids", "people", "assignments"):
        if kind == "grids":  # B's own town operator may not bring another town's grids in
            e = await _refused(b, any_town.operator, "grids", tmp_path / "grids.csv")
            assert len(e.problems) == 2 and all("450502005" in m for _r, _c, m in e.problems)
        r = await roster_io.import_file(b, county, kind, tmp_path / f"{kind}.csv")
        assert r.updated == 0, kind
        batches.append(r.batch)
    # POLICE is B's own police station (another area): refused, never renamed; ROADS would be new
    e = await _refused(b, county, "units", tmp_path / "units.csv")
    assert [(r, c) for r, c, _m in e.problems] == [(2, "code")] and "450502005" in e.problems[0][2]
    result = getattr(e, "result", None)
    assert result is not None and (result.created, result.refused_rows) == (1, 1)
    after = await dump(b)
    for table, rows in b_before.items():  # every row B had is still there, unchanged
        assert [r for r in rows if r not in after[table]] == [], table
    async with b.db.session() as s:
        names = dict((await s.execute(select(Person.name, Person.area_code))).all())
        police = (await s.execute(select(Unit.name).where(Unit.code == "POLICE"))).scalar_one()
    assert names["张三"] == TOWN_A and names["王建国"] == "450502005" and police == "地角派出所"
    assert len(after["people"]) == len(b_before["people"]) + 3
    assert len(after["grid_assignments"]) == len(b_before["grid_assignments"]) + 4

    # the same files again: nothing new, nothing changed
    for kind in ("areas", "grids", "people", "assignments"):
        r = await roster_io.import_file(b, county, kind, tmp_path / f"{kind}.csv", dry_run=True)
        assert (r.created, r.updated, r.unchanged) == (0, 0, r.rows), kind

    # town B's own operator may not undo what the county brought in for town A
    with pytest.raises(NotAllowed):
        await roster_io.undo(b, any_town.operator, batches[-1])
    # undone newest first, B is exactly as it was
    for batch in reversed(batches):
        await roster_io.undo(b, county, batch)
    assert await dump(b) == b_before


async def test_a_dry_run_writes_nothing_and_lists_the_changed_fields(town: Town, tmp_path: Path) -> None:
    before = await dump(town.store)
    path = _csv(tmp_path / "g.csv", ["code", "name"], [[town.grids["comp1"], "地角社区一网格（新）"],
                                                       [town.grids["comp2"], "地角社区第二网格"]])
    r = await roster_io.import_file(town.store, town.operator, "grids", path, dry_run=True)
    assert (r.dry_run, r.created, r.updated, r.unchanged, r.batch) == (True, 0, 1, 1, None)
    grid = next(c for c in r.changes if c.entity == "grids")
    assert grid.key == town.grids["comp1"] and grid.fields()["name"] == ("地角社区第一网格", "地角社区一网格（新）")
    assert await dump(town.store) == before
    assert await roster_io.history(town.store, town.operator) == []


async def test_undo_restores_exactly_and_refuses_rows_changed_since(town: Town, tmp_path: Path) -> None:
    store, op = town.store, town.operator
    before = await dump(store)
    path = _csv(tmp_path / "p.csv", ["name", "role", "phone", "area_code", "trained_on"],
                [["王建国", "leader", "13807790001", "450502005", "2025-02-02"],
                 ["新人", "full_time", "13807799999", "450502005", ""]])
    r = await roster_io.import_file(store, op, "people", path)
    assert (r.created, r.updated, r.batch) == (1, 1, 1)
    [info] = await roster_io.history(store, op)
    assert (info.id, info.kind, info.file_name, info.created, info.updated, info.undone_at) == \
           (1, "people", "p.csv", 1, 1, None)
    async with store.db.session(write=True) as s:  # someone changes 王建国 afterwards
        await s.execute(update(Person).where(Person.name == "王建国").values(phone="13800000000"))
    with pytest.raises(roster_io.UndoConflict) as e:
        await roster_io.undo(store, op)
    assert e.value.keys == ["people: 王建国/13800000000/450502005"] or "王建国" in e.value.keys[0]
    async with store.db.session(write=True) as s:  # put it back as the import left it
        await s.execute(update(Person).where(Person.name == "王建国").values(phone="13807790001"))
    done = await roster_io.undo(store, op)
    assert (done.batch, done.restored, done.deleted) == (1, 1, 1)
    assert await dump(store) == before
    with pytest.raises(StoreError):  # nothing left to undo
        await roster_io.undo(store, op)
    with pytest.raises(StoreError):
        await roster_io.undo(store, op, 1)
    async with store.db.session() as s:
        audit = (await s.execute(text("SELECT action FROM audit_log ORDER BY id"))).scalars().all()
    assert audit[-2:] == ["import.people", "import.undo"]


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "'=quoted", "''-twice", "\t=tab", "=HYPERLINK(\"x\")"]


def test_the_neutraliser_round_trips() -> None:
    for v in [*FORMULAS, "plain", "", "'", "'plain", "0779-123", "a=b"]:
        out = neutral(v)
        assert unneutral(out) == v
        assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_formula_cells_are_neutralised_and_round_trip_exactly(town: Town, tmp_path: Path, fmt: str) -> None:
    store, admin = town.store, town.actors["admin"]
    names = ["=cmd|' /C calc'!A0", "+1+1网格", "-2+3网格", "@SUM(A1)"]
    async with store.db.session(write=True) as s:
        for code, name in zip(sorted(town.grids.values()), names, strict=True):
            await s.execute(update(Grid).where(Grid.code == code).values(name=name, boundary="=1+2"))
        await s.execute(update(Unit).where(Unit.code == "POLICE").values(name="'=already quoted"))
    before = await dump(store)
    for kind in ("grids", "units"):
        path = tmp_path / f"{kind}.{fmt}"
        await roster_io.export_file(store, admin, kind, path)
        if fmt == "csv":
            raw = path.read_text(encoding="utf-8-sig")
            assert ("'=cmd|" if kind == "grids" else "''=already") in raw
            assert "\n=" not in raw and ",=" not in raw and ",@" not in raw and ",+" not in raw
        else:
            from openpyxl import load_workbook

            wb = load_workbook(path)
            cells = [c for row in wb.worksheets[0].iter_rows() for c in row]
            assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
            if kind == "grids":
                assert any(c.value == "=cmd|' /C calc'!A0" and c.data_type == "s" for c in cells)
        r = await roster_io.import_file(store, admin, kind, path, dry_run=True)
        assert (r.created, r.updated, r.unchanged) == (0, 0, r.rows), kind
    assert await dump(store) == before


def test_plausibility_tells_chinese_from_mojibake() -> None:
    chinese = "地角社区第一网格,冠头岭渔港涉海网格,海城区综合行政执法局地角中队,王建国,陈丽"
    assert plausible(chinese)
    japanese = "東京都千代田区第一網格,大阪市北区第二網格,横浜市中区第三網格,さくら,たなか"
    assert not plausible(japanese.encode("shift_jis").decode("gb18030", errors="replace"))


async def test_shift_jis_and_question_marks_are_refused(town: Town, tmp_path: Path) -> None:
    before = await dump(town.store)
    rows = [[town.grids["comp1"], "東京都千代田区第一網格"], [town.grids["comp2"], "大阪市北区第二網格"],
            [town.grids["school"], "横浜市中区第三網格"]]
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes(b"code,name\r\n" + "\r\n".join(f"{c},{n}" for c, n in rows).encode("shift_jis"))
    e = await _refused(town.store, town.operator, "grids", sjis)
    assert "sjis.csv" in e.problems[0][2] and "GB18030" in e.problems[0][2]
    damaged = _csv(tmp_path / "q.csv", ["code", "name"], [[town.grids["comp1"], "????????"],
                                                         [town.grids["comp2"], "地角社区第二网格"]])
    e = await _refused(town.store, town.operator, "grids", damaged)
    assert [(r, c) for r, c, _m in e.problems] == [(2, "name")] and "q.csv" in e.problems[0][2]
    assert await dump(town.store) == before


async def test_a_damaged_xlsx_is_refused_with_the_reason(town: Town, tmp_path: Path) -> None:
    good = tmp_path / "grids.xlsx"
    await roster_io.export_file(town.store, town.actors["admin"], "grids", good)
    data = good.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # damage the compressed sheet's bytes: a zlib error (or a CRC error) while the rows are read
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    broken = bytearray(data)
    for i in range(start, start + min(info.compress_size, 64)):
        broken[i] ^= 0x5A
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(broken))
    e = await _refused(town.store, town.operator, "grids", bad)
    assert e.problems[0][0] == 1 and e.problems[0][2]
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    await _refused(town.store, town.operator, "grids", truncated)


# --- hypothesis: random files for every kind ----------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.sampled_from("\x00\x1b\x07\u202e\r\n\t=+-@'?\ufffd地角网格"), max_size=12),
    st.sampled_from(["", "450502005001001", "450502005", "POLICE", "A001", "leader", "full_time", "王建国",
                     "13807790001", "2025-01-01", "-1", "1e5", "true", "work_days", "3", "=1+1", "????"]),
    st.integers(-10**12, 10**12).map(str),
    st.just("长" * 5000),
)
# an XLSX cell may hold a number, a truth value or a date where text belongs
TYPED = st.one_of(CELLS, st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                  st.booleans(), st.dates())


@pytest.mark.parametrize("kind", list(roster_io.KINDS))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
async def test_random_files_are_imported_or_refused_whole(town: Town, tmp_path: Path, kind: str,
                                                          data: st.DataObject) -> None:
    header_pool = roster_io.KINDS[kind]().header + ["id", "colour", ""]
    header = data.draw(st.lists(st.sampled_from(header_pool), min_size=1, max_size=8, unique=True))
    fmt = data.draw(st.sampled_from(["csv", "xlsx", "zip-bytes"]))
    rows = data.draw(st.lists(st.lists(TYPED if fmt == "xlsx" else CELLS, min_size=0, max_size=len(header) + 1),
                              max_size=5))
    path = tmp_path / f"{kind}.{'csv' if fmt == 'csv' else 'xlsx'}"
    if fmt == "csv":
        _csv(path, header, rows)
    elif fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        wb = Workbook()
        ws = wb.active
        for r in [header, *rows]:
            # what XML cannot hold at all is left out
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in r])
        wb.save(path)
    else:
        path.write_bytes(b"PK\x03\x04" + data.draw(st.binary(max_size=300)))
    before = await dump(town.store)
    try:
        await roster_io.import_file(town.store, town.actors["admin"], kind, path)
    except ImportProblems as e:
        assert e.problems and all(isinstance(r, int) and reason for r, _c, reason in e.problems)
        assert await dump(town.store) == before  # nothing partially written
    except StoreError:  # refused as a whole (e.g. a bad argument): nothing written either
        assert await dump(town.store) == before


async def test_county_scope_and_export_carry_no_internal_ids(town: Town, tmp_path: Path) -> None:
    await roster_io.export_file(town.store, town.actors["admin"], "assignments", tmp_path / "a.csv")
    header = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").split("\n")[0].strip()
    assert header == "grid_code,person_id_number,person_name,person_phone,person_area,role,since,until"
    assert COUNTY in town.actors["county01"].jurisdiction


async def test_a_person_with_an_id_number_is_found_by_it_whatever_else_changed(town: Town, tmp_path: Path) -> None:
    store, op = town.store, town.operator
    header = ["id_number", "name", "role", "phone", "area_code"]
    first = _csv(tmp_path / "p1.csv", header, [["45050219900101002X", "何新", "full_time", "13907791111", "450502005"]])
    assert (await roster_io.import_file(store, op, "people", first)).created == 1
    moved = _csv(tmp_path / "p2.csv", header, [["45050219900101002x", "何新", "full_time", "13907792222", "450502005"]])
    r = await roster_io.import_file(store, op, "people", moved, dry_run=True)
    assert (r.created, r.updated) == (0, 1)
    [change] = [c for c in r.changes if c.entity == "people"]
    assert change.key == "45050219900101002X" and change.fields() == {"phone": ("13907791111", "13907792222")}
    # an id column (another database's numbering) is ignored: row 1 here is not 王建国
    other = _csv(tmp_path / "p3.csv", ["id", "name", "role", "phone", "area_code"],
                 [[1, "外地人", "full_time", "13907793333", "450502005"]])
    r = await roster_io.import_file(store, op, "people", other, dry_run=True)
    assert (r.created, r.updated) == (1, 0)
    bad = _csv(tmp_path / "p4.csv", header, [["12345", "何新", "full_time", "13907791111", "450502005"]])
    e = await _refused(store, op, "people", bad)
    assert [(r, c) for r, c, _m in e.problems] == [(2, "id_number")]


def test_latin1_and_cp1252_mojibake_is_not_chinese() -> None:
    names = "地角社区第一网格,冠头岭渔港涉海网格"
    assert plausible(names)
    assert not plausible(names.encode("gbk").decode("latin-1"))
    assert not plausible(names.encode("utf-8").decode("cp1252", errors="replace"))
