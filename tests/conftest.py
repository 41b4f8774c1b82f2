"""Shared fixtures: real databases only.

- `store`: an empty, migrated SQLite file in a temp dir.
- `town`: `store` seeded with the small test town (tests/fixtures_town.py).
- `pg_store` / `pg_town`: the same on a fresh PostgreSQL database on 127.0.0.1:5432; skipped
  when the server is unreachable (.ci/run makes sure it is up).
- `any_store` / `any_town`: parametrized over both backends.
- `fixed_now(dt)`: a clock for Store(now=...), for SLA arithmetic on known dates.

GRIDDESK_HOME points at a temp dir for every test, so nothing touches the user's files.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import pytest


class _BareNames:
    """The repository's folders are importable only as griddesk.console/store/themes. pytest puts
    the repository on sys.path, where a bare `import store` would find the folder and pass here
    while failing in an installed wheel: refuse those names for the whole test run."""

    BARE = frozenset({"console", "store", "themes"})

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in self.BARE:
            raise ImportError(f"import griddesk.{name}, not the bare name {name!r}")
        return None


sys.meta_path.insert(0, _BareNames())  # type: ignore[arg-type]

from griddesk.store import config, i18n  # noqa: E402
from griddesk.store.context import Store  # noqa: E402
from tests.fixtures_town import Town, seed  # noqa: E402

PG_HOST, PG_PORT = os.environ.get("GRIDDESK_TEST_PG_HOST", "127.0.0.1"), 5432
PG_ADMIN = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDDESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GRIDDESK_DB", raising=False)
    i18n.set_lang("zh")


def fixed_now(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


async def open_store(url: str, now: Callable[[], datetime] | None = None,
                     settings: config.Settings | None = None) -> Store:
    return await Store.open(url, settings or config.Settings(), now=now)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "griddesk.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    s = await open_store(str(db_path))
    yield s
    await s.close()


@pytest.fixture
async def town(store: Store) -> Town:
    return await seed(store)


async def _pg_create() -> str:
    import asyncpg

    name = f"gd_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _pg_drop(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    if not pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = await _pg_create()
    yield f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    await _pg_drop(name)


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[Store]:
    s = await open_store(pg_url)
    yield s
    await s.close()


@pytest.fixture
async def pg_town(pg_store: Store) -> Town:
    return await seed(pg_store)


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_store(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        s = await open_store(str(db_path))
        yield s
        await s.close()
    else:
        if not pg_reachable():
            pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
        name = await _pg_create()
        s = await open_store(f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}")
        yield s
        await s.close()
        await _pg_drop(name)


@pytest.fixture
async def any_town(any_store: Store) -> Town:
    return await seed(any_store)


def run(coro):  # type: ignore[no-untyped-def]
    """For sync tests and subprocess helpers that need one async call."""
    return asyncio.run(coro)
