"""`griddesk backup FILE` and `griddesk restore FILE`: round trips on SQLite (in-process CLI on
the test town's file) and on PostgreSQL (pg_dump / pg_restore against the real server), and the
refusals: an existing target, a file that is not a database, no --yes without a terminal."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from griddesk.console.cli.main import main as cli_entry
from griddesk.store import queue, tickets
from griddesk.store.context import Store
from tests.cli.conftest import Run
from tests.fixtures_town import Town

Cli = Callable[..., Awaitable[Run]]


async def _add(town: Town, title: str) -> str:
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(title=title)))


async def _titles(store: Store, town: Town) -> set[str]:
    return {r.title for r in await queue.page(store, town.operator, limit=1000)}


async def test_sqlite_backup_and_restore_round_trip(town: Town, cli: Cli, db_path: Path, tmp_path: Path) -> None:
    await _add(town, "备份之前")
    target = tmp_path / "saved" / "b.db"
    target.parent.mkdir()
    got = await cli("backup", str(target))
    assert got.code == 0, got.err
    assert str(target) in got.out
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert [p.name for p in target.parent.iterdir()] == ["b.db"]  # no .part left

    await _add(town, "备份之后")
    assert {"备份之前", "备份之后"} <= await _titles(town.store, town)
    got = await cli("restore", str(target), "--yes", lang="en")
    assert got.code == 0, got.err
    assert "restored" in got.out and "before-restore" in got.out
    titles = await _titles(town.store, town)  # the open store sees the restored content
    assert "备份之前" in titles and "备份之后" not in titles
    kept = db_path.with_name("griddesk.before-restore.db")
    con = sqlite3.connect(kept)
    assert con.execute("SELECT count(*) FROM tickets WHERE title = '备份之后'").fetchone()[0] == 1
    con.close()
    await _add(town, "恢复之后")  # and keeps writing
    assert "恢复之后" in await _titles(town.store, town)


async def test_refusals_exit_2_and_change_nothing(town: Town, cli: Cli, db_path: Path, tmp_path: Path) -> None:
    existing = tmp_path / "there.db"
    existing.write_text("keep me")
    got = await cli("backup", str(existing), lang="en")
    assert got.code == 2 and "already exists" in got.err and existing.read_text() == "keep me"

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\0" + b"\xff" * 5000)
    before = await asyncio.to_thread(db_path.read_bytes)
    got = await cli("restore", str(junk), "--yes", lang="en")
    assert got.code == 2 and "not a usable" in got.err and "Traceback" not in got.err
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    got = await cli("restore", str(empty), "--yes", lang="en")
    assert got.code == 2 and "empty" in got.err
    got = await cli("restore", str(tmp_path / "missing.db"), "--yes", lang="en")
    assert got.code == 2 and "no file" in got.err
    assert await asyncio.to_thread(db_path.read_bytes) == before


async def test_restore_without_yes_off_a_terminal_is_refused(town: Town, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    assert (await cli("backup", str(target))).code == 0
    got = await cli("restore", str(target), lang="en")  # pytest's stdin is no terminal
    assert got.code == 2 and "--yes" in got.err


async def _pg_cli(url: str, *argv: str) -> tuple[int, str, str]:
    def call() -> int:
        try:
            return cli_entry(["--db", url, "--lang", "en", *argv])
        except SystemExit as e:
            return int(e.code or 0)

    return await asyncio.to_thread(call), "", ""


async def test_postgres_backup_and_restore_round_trip(pg_town: Town, pg_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore are not installed")
    await _add(pg_town, "备份之前")
    target = tmp_path / "pg.dump"
    code, _, _ = await _pg_cli(pg_url, "backup", str(target))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert target.stat().st_size > 0 and oct(target.stat().st_mode & 0o777) == "0o600"
    await _add(pg_town, "备份之后")
    await pg_town.store.db.dispose()  # pg_restore --clean drops tables: no session of ours may hold them
    code, _, _ = await _pg_cli(pg_url, "restore", str(target), "--yes")
    out = capsys.readouterr()
    assert code == 0, out.err
    titles = await _titles(pg_town.store, pg_town)
    assert "备份之前" in titles and "备份之后" not in titles
    await _add(pg_town, "恢复之后")
    assert "恢复之后" in await _titles(pg_town.store, pg_town)
