"""`griddesk import`: a dry run by default (summary, changed fields, refused rows, nothing
written), `--apply` writes one batch, `import history` lists batches, `import undo` puts one back
or names the rows changed since; bad files exit 2; `tickets list --format csv` is formula-safe."""

from __future__ import annotations

import csv
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update

from griddesk.store.models import Grid
from tests.cli.conftest import Run
from tests.cli.script import griddesk
from tests.fixtures_town import Town
from tests.store.test_import_keys import dump

Cli = Callable[..., Awaitable[Run]]


def _csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


async def test_dry_run_then_apply_then_history_then_undo(town: Town, cli: Cli, tmp_path: Path) -> None:
    before = await dump(town.store)
    # one renamed, one as it is, one new (numbered in its village on import)
    path = _csv(tmp_path / "grids.csv", ["code", "name", "area_code"],
                [[town.grids["comp1"], "地角社区一网格", ""], [town.grids["comp2"], "地角社区第二网格", ""],
                 ["", "地角社区新网格", "450502005001"]])
    r = await cli("import", "grids", str(path))
    assert r.code == 0, r.err
    assert "试运行（未写入） grids" in r.out and "新增 1，变更 1，未变 1，拒绝 0" in r.out
    assert f"grids {town.grids['comp1']}：name 地角社区第一网格 → 地角社区一网格" in r.out
    assert "--apply" in r.out
    assert await dump(town.store) == before

    r = await cli("import", "grids", str(path), "--apply")
    assert r.code == 0, r.err
    assert "已导入 grids" in r.out and "griddesk import undo 1" in r.out
    assert await dump(town.store) != before

    r = await cli("import", "history")
    assert r.code == 0 and "grids.csv" in r.out and "1/1/1" in r.out

    r = await cli("import", "undo")
    assert r.code == 0, r.err
    assert "已撤销第 1 批（grids）" in r.out
    assert await dump(town.store) == before
    r = await cli("import", "undo", "1")
    assert r.code == 2 and "已经撤销" in r.err
    r = await cli("import", "undo", "x")
    assert r.code == 2 and "批次编号" in r.err


async def test_undo_names_rows_changed_since(town: Town, cli: Cli, tmp_path: Path) -> None:
    path = _csv(tmp_path / "g.csv", ["code", "name"], [[town.grids["comp1"], "地角社区一网格"]])
    assert (await cli("import", "grids", str(path), "--apply", lang="en")).code == 0
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Grid).where(Grid.code == town.grids["comp1"]).values(name="别人改过"))
    before = await dump(town.store)
    r = await cli("import", "undo", lang="en")
    assert r.code == 2 and "cannot undo import batch 1" in r.err and f"grids: {town.grids['comp1']}" in r.err
    assert await dump(town.store) == before


async def test_refused_rows_are_listed_with_the_summary(town: Town, cli: Cli, tmp_path: Path) -> None:
    before = await dump(town.store)
    path = _csv(tmp_path / "u.csv", ["code", "name", "kind", "area_code"],
                [["ROADS", "路政办", "department", "450502005"], ["POLICE", "别处派出所", "department", "450502"]])
    r = await cli("import", "units", str(path), "--apply", login="admin", lang="en")
    assert r.code == 2
    assert "refused (nothing written) units" in r.out and "1 new, 0 changed, 0 unchanged, 1 refused" in r.out
    assert "row 3, column code: unit code POLICE belongs to area 450502005" in r.err
    assert await dump(town.store) == before
    # out of the operator's jurisdiction
    path = _csv(tmp_path / "g.csv", ["code", "name"], [["450502006001001", "别的街道网格"]])
    r = await cli("import", "grids", str(path), lang="en")
    assert r.code == 2 and "row 2" in r.err


async def test_bad_files_exit_2(town: Town, cli: Cli, tmp_path: Path) -> None:
    r = await cli("import", "grids", str(tmp_path / "nope.csv"))
    assert r.code == 2 and "nope.csv" in r.err and "Traceback" not in r.err
    r = await cli("import", "grids")
    assert r.code == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 40)
    r = await cli("import", "grids", str(bad))
    assert r.code == 2 and "XLSX" in r.err
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes(b"code,name\r\n" + "\r\n".join(
        f"{town.grids[k]},{n}" for k, n in (("comp1", "東京都千代田区第一網格"), ("comp2", "大阪市北区第二網格"))
    ).encode("shift_jis"))
    r = await cli("import", "grids", str(sjis), "--apply")
    assert r.code == 2 and "sjis.csv" in r.err and "GB18030" in r.err
    q = _csv(tmp_path / "q.csv", ["code", "name"], [[town.grids["comp1"], "地角??????"]])
    r = await cli("import", "grids", str(q), "--apply")
    assert r.code == 2 and "问号" in r.err


def test_a_missing_file_exits_2_in_a_real_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "x.db"
    griddesk(home, "--db", str(db), "demo", "init", "--tickets", "0", "--days", "1")
    p = griddesk(home, "--db", str(db), "--as", "admin", "import", "grids", str(tmp_path / "missing.csv"))
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and "missing.csv" in p.stderr


async def test_tickets_csv_neutralises_formulas(town: Town, cli: Cli, tmp_path: Path) -> None:
    ticket = town.ticket(title="=cmd|' /C calc'!A0", address="@SUM(1)")
    src = tmp_path / "t.json"
    src.write_text(json.dumps(ticket, ensure_ascii=False), encoding="utf-8")
    assert (await cli("ticket", "add", str(src))).code == 0
    r = await cli("tickets", "list", "--format", "csv")
    assert r.code == 0
    assert "'=cmd|" in r.out
    for row in csv.reader(r.out.splitlines()):
        assert not any(c.startswith(("=", "+", "@", "-", "\t", "\r")) for c in row), row
