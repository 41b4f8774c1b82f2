"""Import and export: a real town's structure, refused files with the row named, encodings, XLSX,
a 100,000-row file, and export → import round trips that change nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from griddesk.store import io as roster_io
from griddesk.store import matters, roster
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.demo.catalog import GIVEN_CHARS, SURNAMES
from griddesk.store.enums import Role
from griddesk.store.errors import ImportProblems, NotAllowed
from griddesk.store.i18n import set_lang
from griddesk.store.models import Area, Grid, GridAssignment, GridChange, Matter, MatterEvent, Person
from tests.fixtures_town import COMMUNITY, TOWN, Town

# the real codes beside the repo (../shared), else the identical copy the product ships
# (tests/store/test_demo.py checks they are the same file for file)
_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions"
DIVISIONS = _SHARED if _SHARED.exists() else Path(__file__).resolve().parents[2] / "store" / "data" / "divisions"
ADMIN = Actor("admin", "管理员", Role.ADMIN, "")
AREA_HEADER = ["code", "name", "level", "parent_code", "kind", "population", "households", "urban"]


def _csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _division(name: str) -> list[dict[str, str]]:
    with open(DIVISIONS / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def real_town(county: str = "440703", town: str = "440703002") -> list[list[object]]:
    """江门市蓬江区 with all its towns from the divisions data, and villages under 白沙街道."""
    city = next(r for r in _division("cities.csv") if r["code"] == county[:4])
    cty = next(r for r in _division("counties.csv") if r["code"] == county)
    rows: list[list[object]] = [[city["code"], city["name"], "city", "", "", "", "", ""],
                                [cty["code"], cty["name"], "county", city["code"], "", "", "", ""]]
    for r in _division("towns.csv"):
        if r["areaCode"] == county:
            rows.append([r["code"], r["name"], "town", county, "", 80000, 26000, "true"])
    for i, name in enumerate(["东华", "紫茶", "新村", "潮江"], start=1):
        rows.append([f"{town}{i:03d}", f"{name}社区", "village", town, "community", 9000, 3000, "true"])
    for i, name in enumerate(["杜阮", "棠下"], start=201):
        rows.append([f"{town}{i:03d}", f"{name}村", "village", town, "village", 3000, 900, "false"])
    return rows


async def _count(store: Store, model) -> int:  # type: ignore[no-untyped-def]
    async with store.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_real_towns_structure_imports_with_valid_codes(store: Store, tmp_path: Path) -> None:
    rows = real_town()
    result = await roster_io.import_file(store, ADMIN, "areas", _csv(tmp_path / "areas.csv", AREA_HEADER, rows))
    assert (result.rows, result.created, result.updated) == (len(rows), len(rows), 0)
    assert result.encoding == "utf-8-sig"
    villages = [r for r in rows if r[2] == "village"]
    grid_rows = []
    for v in villages:
        for seq in (1, 2):
            grid_rows.append([f"{v[0]}{seq:03d}", f"{v[1]}第{seq}网格", v[0], "comprehensive", 300, 900])
    grid_rows.append(["", "白沙街道商务楼宇专属网格", villages[0][0], "专属网格", 0, 0])  # numbered on import
    grids_csv = _csv(tmp_path / "grids.csv", ["code", "name", "area_code", "type", "households", "population"],
                     grid_rows)
    result = await roster_io.import_file(store, ADMIN, "grids", grids_csv)
    assert result.created == len(grid_rows)
    tree = await roster.tree(store, ADMIN)
    (city,) = tree
    assert (city.code, city.name) == ("4407", "江门市")
    (county,) = city.children
    assert county.name == "蓬江区" and [t.name for t in county.children][:2] == ["白沙街道", "潮连街道"]
    baisha = county.children[0]
    assert [v.kind for v in baisha.children] == ["community"] * 4 + ["village"] * 2
    assert [g.code for g in baisha.children[0].grids] == [f"{villages[0][0]}{s:03d}" for s in (1, 2, 3)]
    assert baisha.children[0].grids[2].type == "exclusive"
    (change,) = [c for c in await roster.changes(store, ADMIN) if c.kind == "create"]
    assert len(change.result_codes) == len(grid_rows) and change.filing_status == "pending"


async def test_bad_codes_duplicates_and_unknown_villages_are_refused_with_the_row_named(
        store: Store, tmp_path: Path) -> None:
    rows = real_town()[:3] + [
        ["440703002001", "东华社区", "village", "440704002", "community", "", "", ""],  # row 5: wrong parent
        ["440703002450", "不存在村", "village", "440703002", "village", "", "", ""],  # row 6: 450 is no village
        ["440703", "蓬江区", "county", "4407", "", "", "", ""],  # row 7: repeats row 3
        ["44070300201", "少一位", "village", "", "", "", "", ""],  # row 8: 11 digits
        ["440703002201", "杜阮村", "village", "", "community", "", "", ""],  # row 9: 201 is a village
        ["440703002202", "棠下村", "", "", "", "多", "", ""],  # row 10: population not a number
    ]
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "areas", _csv(tmp_path / "a.csv", AREA_HEADER, rows))
    got = [(row, col) for row, col, _ in e.value.problems]
    assert got == [(5, "code"), (6, "code"), (7, "code"), (8, "code"), (9, "code"), (10, "population")]
    reasons = [r for _, _, r in e.value.problems]
    assert "440704002" in reasons[0] and "001–199" in reasons[1] and "第 3 行" in reasons[2]
    assert await _count(store, Area) == 0  # nothing partial
    # grids: a village that does not exist, and a grid code that is not its village's
    good = real_town()
    await roster_io.import_file(store, ADMIN, "areas", _csv(tmp_path / "ok.csv", AREA_HEADER, good))
    grids = [["440703002001001", "一网格", "", "comprehensive"],
             ["440703002009001", "幽灵网格", "", "comprehensive"],  # row 3: village 009 does not exist
             ["440703002001002", "二网格", "440703002002", "comprehensive"],  # row 4: wrong village
             ["440703002001001", "重复", "", "comprehensive"]]  # row 5: repeats row 2
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "grids",
                                    _csv(tmp_path / "g.csv", ["code", "name", "area_code", "type"], grids))
    assert [(r, c) for r, c, _ in e.value.problems] == [(3, "code"), (4, "area_code"), (5, "code")]
    assert "440703002009" in e.value.problems[0][2]
    assert await _count(store, Grid) == 0


async def test_problem_lines_read_in_both_languages(store: Store, tmp_path: Path) -> None:
    from griddesk.console.cli.roster import problem_line

    assert problem_line(7, "code", "x") == "第 7 行，列 code：x"
    set_lang("en")
    assert problem_line(7, "code", "x") == "row 7, column code: x"
    assert problem_line(1, "", "the file is empty") == "row 1: the file is empty"


async def test_wrong_encoding_is_named_by_line(store: Store, tmp_path: Path) -> None:
    text = "code,name\n4407,江门市\n440703,蓬江区\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "areas", gbk, encoding="utf-8")
    assert e.value.problems[0][0] == 2 and "GBK" in e.value.problems[0][2]
    # auto finds it is GBK
    assert (await roster_io.import_file(store, ADMIN, "areas", gbk)).encoding == "gb18030"
    # UTF-16 with its byte order mark is recognised (issue 10); without one it is refused
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.encode("utf-16"))
    assert (await roster_io.import_file(store, ADMIN, "areas", utf16, dry_run=True)).encoding == "utf-16"
    bare = tmp_path / "utf16le.csv"
    bare.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "areas", bare)
    assert e.value.problems[0][0] == 1 and "UTF-16" in e.value.problems[0][2]
    neither = tmp_path / "neither.csv"
    neither.write_bytes(b"code,name\n4407,ok\n4408,\x80\xff\xfe\n")
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "areas", neither)
    assert e.value.problems == [(3, "", e.value.problems[0][2])] and "GBK" in e.value.problems[0][2]


async def test_missing_and_unknown_columns_and_empty_files(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(store, ADMIN, "grids", _csv(tmp_path / "m.csv", ["code", "colour"], [["1", "red"]]))
    assert [(r, c) for r, c, _ in e.value.problems] == [(1, "colour"), (1, "name")]
    assert "name" in e.value.problems[0][2]  # the unknown column lists the real ones
    for content in (b"", b"  \r\n\r\n", "\ufeff".encode()):
        empty = tmp_path / "empty.csv"
        empty.write_bytes(content)
        with pytest.raises(ImportProblems) as e:
            await roster_io.import_file(store, ADMIN, "areas", empty)
        assert e.value.problems[0][0] == 1 and e.value.problems[0][2] == "文件是空的"
    header_only = _csv(tmp_path / "h.csv", AREA_HEADER, [])
    result = await roster_io.import_file(store, ADMIN, "areas", header_only)
    assert (result.rows, result.created) == (0, 0)


async def test_spreadsheet_gbk_csv_with_chinese_headers_imports(town: Town, tmp_path: Path) -> None:
    # as WPS/Excel "CSV (逗号分隔)" writes it: GBK, CRLF, Chinese headers, names instead of codes,
    # dates with slashes, blank lines at the end
    lines = ["姓名,角色,电话,所属区划编码,培训日期,派出单位编码",
             "黎明,专职网格员,13907791001,450502005001,2025/3/1,",
             "覃海燕,兼职网格员,13907791002,450502005201,,",
             "龚志刚,专业网格员,13907791003,450502005,2024/12/20,POLICE", "", ""]
    path = tmp_path / "people_gbk.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    result = await roster_io.import_file(town.store, town.operator, "people", path)
    assert (result.created, result.encoding) == (3, "gb18030")
    people = {p.name: p for p in await roster.people(town.store, town.operator)}
    assert people["黎明"].role == "full_time" and str(people["黎明"].trained_on) == "2025-03-01"
    assert people["龚志刚"].unit_code == "POLICE" and people["覃海燕"].name_pinyin == "qin hai yan"
    again = await roster_io.import_file(town.store, town.operator, "people", path)  # matched by name + phone
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


async def test_codes_turned_into_scientific_notation_are_caught(town: Town, tmp_path: Path) -> None:
    path = _csv(tmp_path / "g.csv", ["code", "name", "type"], [["4.50502E+14", "某网格", "comprehensive"]])
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, town.operator, "grids", path)
    assert e.value.problems[0][:2] == (2, "code") and "科学计数法" in e.value.problems[0][2]


def _people_rows(n: int, bad_row: int | None = None) -> list[list[object]]:
    rows = []
    for i in range(n):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN_CHARS[(i // 7) % len(GIVEN_CHARS)] + GIVEN_CHARS[i % 31]
        role = "boss" if bad_row is not None and i + 2 == bad_row else "part_time"
        rows.append(["", name, role, f"139{i:08d}", TOWN])
    return rows


def _big(store: Store) -> int:
    """Rows of the big file: 100,000 on SQLite; on PostgreSQL, where the same code path took about
    170 s at that size on the loaded 2-core CI machine, 20,000."""
    return 100_000 if store.db.backend == "sqlite" else 20_000


@pytest.mark.slow
async def test_a_100000_row_file_reports_progress_and_goes_in_whole(town: Town, tmp_path: Path) -> None:
    n = _big(town.store)
    path = _csv(tmp_path / "big.csv", ["id", "name", "role", "phone", "area_code"], _people_rows(n))
    seen: list[tuple[int, int]] = []
    result = await roster_io.import_file(town.store, town.operator, "people", path,
                                         progress=lambda d, t: seen.append((d, t)))
    assert result.created == n
    assert await _count(town.store, Person) == n + 6
    assert seen[0] == (0, 2 * n) and seen[-1] == (2 * n, 2 * n) and len(seen) > n // 2000
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


@pytest.mark.slow
async def test_a_100000_row_file_with_row_99999_bad_writes_nothing(town: Town, tmp_path: Path) -> None:
    n = _big(town.store)  # the bad row is the last but one
    path = _csv(tmp_path / "big.csv", ["id", "name", "role", "phone", "area_code"],
                _people_rows(n, bad_row=n - 1))
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, town.operator, "people", path)
    assert [(r, c) for r, c, _ in e.value.problems] == [(n - 1, "role")]
    assert "boss" in e.value.problems[0][2]
    assert await _count(town.store, Person) == 6


async def _export_all(store: Store, actor: Actor, folder: Path, suffix: str,
                      encoding: str = "utf-8") -> dict[str, bytes]:
    out = {}
    for kind in roster_io.KINDS:
        path = folder / f"{kind}.{suffix}"
        await roster_io.export_file(store, actor, kind, path, encoding=encoding)
        out[kind] = path.read_bytes()
    return out


async def _richer(town: Town) -> None:
    """Give the test town some of everything: a split, a left person, a micro-grid, a withdrawal."""
    store, op, sup = town.store, town.operator, town.actors["sup01"]
    await roster.split_grid(store, op, town.grids["comp2"], [roster.GridSpec("东片", households=150, boundary="路东"),
                                                             roster.GridSpec("西片", households=160)], "demolition")
    pid = await roster.create_person(store, op, roster.PersonSpec("白雪", "full_time", "13907792000"))
    await roster.assign(store, op, pid, f"{COMMUNITY}004", "full_time")
    await roster.person_leaves(store, op, pid, "resigned", note="回乡")
    await matters.withdraw(store, sup, "H001", date(2027, 1, 1), "民政办")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
async def test_export_then_import_changes_nothing(town: Town, tmp_path: Path, encoding: str) -> None:
    await _richer(town)
    admin = town.actors["admin"]
    first = await _export_all(town.store, admin, tmp_path, "csv", encoding)
    assert first["grids"].startswith(b"\xef\xbb\xbf" if encoding == "utf-8" else b"code,name")
    counts = {m: await _count(town.store, m)
              for m in (Area, Grid, Person, GridAssignment, Matter, MatterEvent, GridChange)}
    for kind in roster_io.KINDS:
        r = await roster_io.import_file(town.store, admin, kind, tmp_path / f"{kind}.csv")
        assert (kind, r.created, r.updated, r.unchanged) == (kind, 0, 0, r.rows), kind
    assert counts == {m: await _count(town.store, m) for m in counts}
    (tmp_path / "again").mkdir()
    second = await _export_all(town.store, admin, tmp_path / "again", "csv", encoding)
    assert first == second


async def test_xlsx_round_trip_and_into_a_new_database(town: Town, tmp_path: Path, db_path: Path) -> None:
    await _richer(town)
    admin = town.actors["admin"]
    for kind in roster_io.KINDS:
        await roster_io.export_file(town.store, admin, kind, tmp_path / f"{kind}.xlsx")
        r = await roster_io.import_file(town.store, admin, kind, tmp_path / f"{kind}.xlsx")
        assert (r.created, r.updated, r.encoding) == (0, 0, "xlsx"), kind
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "grids.xlsx", read_only=True)
    first = next(wb["grids"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert isinstance(first[0], str) and first[0] == town.grids["comp1"]  # codes stay text
    wb.close()
    # a second centre's database: areas, units, grids, people, assignments, matters in that order
    other = await Store.open(str(db_path.with_name("other.db")), town.store.settings)
    try:
        for kind in ("areas", "units", "grids", "people", "assignments", "matters"):
            r = await roster_io.import_file(other, ADMIN, kind, tmp_path / f"{kind}.xlsx")
            assert r.created == r.rows, kind
        mine = await roster.grids(town.store, admin, include_retired=True)
        theirs = await roster.grids(other, ADMIN, include_retired=True)
        assert [(g.code, g.name, g.status, sorted((m.name, m.role) for m in g.members)) for g in mine] == \
               [(g.code, g.name, g.status, sorted((m.name, m.role) for m in g.members)) for g in theirs]
        assert [(h.action, h.on) for h in await matters.history(other, ADMIN, "H001")] == \
               [("admit", date(2025, 1, 1)), ("withdraw", date(2027, 1, 1))]
    finally:
        await other.close()


async def test_assignments_keep_one_leader_per_grid(town: Town, tmp_path: Path) -> None:
    header = ["grid_code", "person_name", "person_phone", "role"]
    rows = [[town.grids["comp1"], "陈丽", "13807790002", "leader"],  # comp1 already has 王建国
            [town.grids["port"], "刘洋", "", "part_time"],
            [town.grids["port"], "无此人", "", "part_time"]]
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, town.operator, "assignments", _csv(tmp_path / "a.csv", header, rows))
    assert [(r, c) for r, c, _ in e.value.problems] == [(2, "role"), (4, "person_name")]
    assert "王建国" in e.value.problems[0][2]
    assert await _count(town.store, GridAssignment) == 8


async def test_matter_list_import_keeps_its_history(town: Town, tmp_path: Path) -> None:
    sup = town.actors["sup01"]
    header = ["code", "name", "limit_value", "limit_unit", "admitted_on", "withdrawn_on", "requested_by",
              "default_unit"]
    rows = [["A001", "暴露垃圾", "6", "工作小时", "2025-01-01", "", "", "URBAN"],  # amended limit
            ["D009", "二次供水异常", "2", "work_days", "2027-01-01", "", "供水公司", "WATER"],  # admitted
            ["B001", "邻里纠纷", "3", "work_days", "2025-01-01", "2027-03-01", "司法所", "POLICE"]]  # withdrawn
    path = _csv(tmp_path / "m.csv", header, rows)
    with pytest.raises(NotAllowed):
        await roster_io.import_file(town.store, town.operator, "matters", path)  # the centre reviews (BH 13)
    r = await roster_io.import_file(town.store, sup, "matters", path)
    assert (r.created, r.updated) == (1, 2)
    assert [(h.action, h.on.isoformat(), h.requested_by) for h in await matters.history(town.store, sup, "B001")] == [
        ("admit", "2025-01-01", None), ("withdraw", "2027-03-01", "司法所")]
    assert [h.action for h in await matters.history(town.store, sup, "A001")] == ["admit", "amend"]
    bad = _csv(tmp_path / "bad.csv", header, [
        ["A009", "共享单车乱停放", "2", "work_days", "2025-01-01", "", "", ""],
        ["C001", "火灾隐患", "1", "work_days", "2025-01-01", "2027-01-01", "", ""]])
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, sup, "matters", bad)
    assert [(row, col) for row, col, _ in e.value.problems] == [(2, "withdrawn_on"), (3, "requested_by")]


async def test_dry_run_checks_and_counts_but_writes_nothing(town: Town, tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", ["name", "role", "phone"], [["新人甲", "part_time", "13907793001"],
                                                                ["陈丽", "full_time", "13807790002"]])
    r = await roster_io.import_file(town.store, town.operator, "people", path, dry_run=True)
    assert (r.dry_run, r.created, r.unchanged) == (True, 1, 1)
    assert await _count(town.store, Person) == 6


async def test_viewers_cannot_import(town: Town, tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", ["name", "role"], [["某人", "part_time"]])
    with pytest.raises(NotAllowed):
        await roster_io.import_file(town.store, town.actors["wall"], "people", path)


async def test_out_of_jurisdiction_rows_are_refused(town: Town, tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", ["code", "name"], [["450502006", "外镇"]])
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, town.operator, "areas", path)
    assert e.value.problems[0][:2] == (2, "code") and "450502005" in e.value.problems[0][2]


def test_csv_reader_handles_bom_tabs_and_quotes() -> None:
    from griddesk.store.io.tabular import decode, read_csv_text

    text, enc = decode("\ufeffcode\tname\n4407\t\"江门, 市\"\n".encode())
    assert enc == "utf-8-sig"
    table = read_csv_text(text)
    assert table.header == ["code", "name"] and table.rows == [(2, ["4407", "江门, 市"])]
    table = read_csv_text('code,name\n4407,"江门\n市"\n4408,x\n')
    assert table.rows == [(2, ["4407", "江门\n市"]), (3, ["4408", "x"])]


async def test_the_same_roster_on_both_backends(any_store: Store, tmp_path: Path) -> None:
    """Import, grid changes, findings, cards and search read the same on SQLite and PostgreSQL."""
    from griddesk.store import compliance, notice_cards, search

    store = any_store
    await roster_io.import_file(store, ADMIN, "areas", _csv(tmp_path / "a.csv", AREA_HEADER, real_town()))
    units = _csv(tmp_path / "u.csv", ["code", "name", "kind", "area_code", "areas"],
                 [["POLICE", "白沙派出所", "department", "440703002", "440703002;440703002001"]])
    await roster_io.import_file(store, ADMIN, "units", units)
    grids = _csv(tmp_path / "g.csv", ["code", "name", "type", "households"],
                 [["440703002001001", "东华社区第一网格", "comprehensive", 320],
                  ["440703002001002", "东华社区第二网格", "comprehensive", 280]])
    await roster_io.import_file(store, ADMIN, "grids", grids)
    people = _csv(tmp_path / "p.csv", ["name", "role", "phone", "area_code", "trained_on", "unit_code"],
                  [["覃海燕", "leader", "13907791001", "440703002", "2025-01-02", ""],
                   ["黎明", "full_time", "13907791002", "440703002001", "", ""],
                   ["龚志刚", "professional", "13907791003", "440703002", "", "POLICE"]])
    await roster_io.import_file(store, ADMIN, "people", people)
    assign = _csv(tmp_path / "s.csv", ["grid_code", "person_name", "person_phone", "role"],
                  [["440703002001001", "覃海燕", "13907791001", "leader"],
                   ["440703002001001", "黎明", "13907791002", "full_time"],
                   ["440703002001002", "龚志刚", "13907791003", "professional"]])
    await roster_io.import_file(store, ADMIN, "assignments", assign)
    parts = await roster.split_grid(store, ADMIN, "440703002001002", [roster.GridSpec("南片"), roster.GridSpec("北片")],
                                    "demolition")
    assert parts == ["440703002001003", "440703002001004"]
    found = {(f.rule, f.subject_key) for f in await compliance.findings(store, ADMIN)}
    liming = next(iter({str(p.id) for p in await roster.people(store, ADMIN) if p.name == "黎明"}))
    assert ("untrained_full_time", liming) in found
    assert {("no_leader", c) for c in parts} <= found and ("seat_operators", "440703002") in found
    card = await notice_cards.card(store, ADMIN, "440703002001001")
    assert [(c.role, c.name) for c in card.contacts] == [("leader", "覃海燕"), ("full_time", "黎明")]
    assert [h.name for h in await search.search(store, ADMIN, "qhy")] == ["覃海燕"]
    assert [h.key for h in await search.search(store, ADMIN, "1003", kinds=("person",))] != []
    assert (await roster.changes(store, ADMIN, "440703002001002"))[0].kind == "split"
    new = matters.NewMatter("A001", "暴露垃圾", matters.Limit(4, "work_hours"), date(2025, 1, 1),
                            urgent=matters.Limit(2, "work_hours"), default_unit="POLICE")
    await matters.admit(store, ADMIN, new)
    await matters.amend_limits(store, ADMIN, "A001", urgent=None)
    await matters.withdraw(store, ADMIN, "A001", date(2026, 1, 1), "城管局")
    assert [h.action for h in await matters.history(store, ADMIN, "A001")] == ["admit", "amend", "withdraw"]
    assert await matters.admitted_on_date(store, ADMIN, date(2026, 1, 1)) == []


def test_the_cli_imports_exports_and_names_every_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        machine_admin: Path) -> None:
    from griddesk.console.cli.main import main
    from tests.conftest import open_store, run
    from tests.fixtures_town import seed

    db = tmp_path / "cli.db"

    async def prepare() -> None:
        s = await open_store(str(db))
        await seed(s)
        await s.close()

    run(prepare())
    base = ["--db", str(db), "--lang", "zh", "--as", "sup01"]
    assert main(base + ["export", "grids", str(tmp_path / "grids.csv"), "--encoding", "gbk"]) == 0
    assert "已导出 grids 4 行" in capsys.readouterr().out
    assert (tmp_path / "grids.csv").read_bytes().decode("gbk").startswith("code,name,area_code")
    assert main(base + ["import", "grids", str(tmp_path / "grids.csv"), "--apply"]) == 0
    assert "未变 4，拒绝 0" in capsys.readouterr().out
    bad = _csv(tmp_path / "bad.csv", ["code", "name"], [["450502005001001", "好"], ["450502005009001", "坏"],
                                                         ["45050200500100", "短"]])
    assert main(base + ["import", "grids", str(bad), "--apply"]) == 2
    err = capsys.readouterr().err
    assert "文件有 2 处问题，未写入任何数据" in err
    assert "第 3 行，列 code：村（社区）450502005009 不存在" in err and "第 4 行，列 code：" in err
    assert main(base + ["findings", "--format", "json"]) == 0
    assert '"rule": "seat_operators"' in capsys.readouterr().out
    out = tmp_path / "cards.html"
    assert main(base + ["notice-card", "--village", "450502005001", "-o", str(out), "--mark-published"]) == 0
    assert out.read_text(encoding="utf-8").count('<section class="card">') == 3
    assert main(base + ["search", "wjg"]) == 0
    assert "王建国" in capsys.readouterr().out
