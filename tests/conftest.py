"""Shared fixtures: real databases only.

- `store`: an empty, migrated SQLite file in a temp dir (a copy of one migrated per session).
- `town`: `store` seeded with the small test town (tests/fixtures_town.py), again a copy of a
  file seeded once per session; `@pytest.mark.fresh_db` migrates and seeds in the test instead.
- `pg_store` / `pg_town`: the same on a fresh PostgreSQL database on 127.0.0.1:5432, created
  from a per-session template database; skipped when the server is unreachable (.ci/run makes
  sure it is up). `pg_url`: an empty PostgreSQL database.
- `any_store` / `any_town`: parametrized over both backends (PostgreSQL: as under `backends`).
- `@pytest.mark.backends` on a test or module: its `store` / `town` run on both backends (the
  `backend` fixture; PostgreSQL through tests/pg_backend.py's per-worker databases, restored
  before each test rather than created). A test parametrized over many cases (a status ×
  action matrix) runs every case on SQLite and its first PG_CASES on PostgreSQL: the rules are
  the same Python on both, the SQL is what differs (`backends(pg_cases=N)` changes the number;
  `backends(pg_examples=N)` has a hypothesis test draw N examples on PostgreSQL).
- What runs on both: every test under tests/store that asks for `store` or `town` (the folder is
  marked `backends` by tests/store/conftest.py; test_demo.py's own `town`, the built demo, asks
  for `backend` and so is parametrized the same way), except those marked
  `@pytest.mark.sqlite_only("reason")`, which are about a SQLite-only thing (WAL and the
  PRAGMAs, the write gate, FTS5's triggers, polling without LISTEN, a read-only, full or deleted
  file); the reason is required.
  Elsewhere (tests/console, tests/cli) `store` / `town` are SQLite unless a test is marked.
- `fixed_now(dt)`: a clock for Store(now=...), for SLA arithmetic on known dates.

GRIDDESK_HOME points at a temp dir for every test, so nothing touches the user's files.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

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

from griddesk.console import loop_end  # noqa: E402
from griddesk.store import config, i18n  # noqa: E402
from griddesk.store.context import Store  # noqa: E402
from tests.fixtures_town import Town, seed  # noqa: E402

# A task that does not end when cancelled would hang its test loop's teardown for ever: twice in
# full runs under load an xdist worker sat in asyncio.runners._cancel_all_tasks with six idle
# aiosqlite threads (SQLAlchemy's aiosqlite graceful close awaiting a stopped thread). The same
# bounded end as the product's (console/loop_end.py); stuck tasks and their stacks go to HUNG_LOG.
HUNG_LOG = Path(os.environ.get("GRIDDESK_HUNG_LOG", "/tmp/griddesk-hung-tasks.log"))
CANCEL_WAIT = 30.0  # seconds


def _stuck(task: asyncio.Task[Any]) -> None:
    import traceback

    with open(HUNG_LOG, "a", encoding="utf-8") as f:
        f.write(f"--- {os.environ.get('PYTEST_CURRENT_TEST', '?')}\n{task!r}\n")
        for frame in task.get_stack():
            f.write("".join(traceback.format_stack(frame, limit=1)))


def _bounded_cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    loop_end.cancel_leftovers(loop, _stuck, CANCEL_WAIT)


asyncio.runners._cancel_all_tasks = _bounded_cancel_all_tasks  # type: ignore[attr-defined]

PG_HOST, PG_PORT = os.environ.get("GRIDDESK_TEST_PG_HOST", "127.0.0.1"), 5432
PG_ADMIN = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDDESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GRIDDESK_DB", raising=False)
    i18n.set_lang("zh")


def map_machine_admin(login: str = "admin") -> Path:
    """config.toml maps this OS user to the account `login` (the test town's administrator):
    `--as` on a database that is not the demo's is honoured only for such a user."""
    from griddesk.store import identity, paths

    path = paths.config_file()
    path.write_text(f'[accounts]\nos_users = {{ "{identity.os_user()}" = "{login}" }}\n', encoding="utf-8")
    return path


@pytest.fixture
def machine_admin() -> Path:
    """This OS user is the test town's administrator (see `map_machine_admin`)."""
    return map_machine_admin()


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


# --- templates: migrate and seed once per session (per xdist worker), copy per test ----------
#
# Running the migrations and seeding the test town costs far more than copying a file, so each
# test gets a copy of a database built once: a SQLite file copied into its tmp_path, or on
# PostgreSQL a database created from a template (`CREATE DATABASE x TEMPLATE t`). Under
# pytest-xdist every worker builds its own templates (the session fixtures run per worker) and
# names its PostgreSQL databases after itself. A test that must see the migrations run on an
# empty database asks for it with @pytest.mark.fresh_db.


@dataclass
class _Template:
    """A built database and the Town seeded into it (for `town`); Town is rebuilt per test."""

    location: str  # SQLite file path or PostgreSQL database name
    town: Town | None = None

    def town_for(self, store: Store) -> Town:
        assert self.town is not None
        return self.town.on(store)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def run_apart(coro):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: session fixtures may first be asked for from inside
    a test's running event loop (request.getfixturevalue in an async fixture)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _build(url: str, seeded: bool) -> Town | None:
    s = await open_store(url)
    try:
        return await seed(s) if seeded else None
    finally:
        await s.close()


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, _Template]:
    """An empty migrated SQLite file and one seeded with the test town, built on first use."""
    folder = tmp_path_factory.mktemp("templates")
    out = {}
    for kind in ("migrated", "seeded"):
        path = folder / f"{kind}.db"
        town = run_apart(_build(str(path), kind == "seeded"))
        assert not Path(f"{path}-wal").exists()  # closed cleanly: the one file is the database
        out[kind] = _Template(str(path), town)
    return out


def _copy_sqlite(template: _Template, to: Path) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.location, to)


def _fresh(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("fresh_db") is not None


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "griddesk.db"


@pytest.fixture
async def store(request: pytest.FixtureRequest, db_path: Path, backend: str) -> AsyncIterator[Store]:
    if backend == "postgresql":
        async for s in _pg_backend_store(request, "_town_template" in request.fixturenames):
            yield s
        return
    if not _fresh(request):
        templates = request.getfixturevalue("_sqlite_templates")
        # `town` (below) wants the seeded copy under the same Store; a test file may define its
        # own `town`, whose closure then lacks `_town_template`
        seeded = "_town_template" in request.fixturenames
        _copy_sqlite(templates["seeded" if seeded else "migrated"], db_path)
    s = await open_store(str(db_path))
    yield s
    await s.close()


@pytest.fixture
def _town_template() -> None:
    """Marks a test whose `store` is to be the seeded copy (see `store`)."""


@pytest.fixture
async def town(request: pytest.FixtureRequest, _town_template: None, store: Store) -> Town:
    if _fresh(request):
        return await seed(store)
    templates = "_sqlite_templates" if store.db.backend == "sqlite" else "_pg_templates"
    return request.getfixturevalue(templates)["seeded"].town_for(store)


# --- PostgreSQL ---------------------------------------------------------------------------


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_create(template: str | None = None) -> str:
    name = f"gd_test_{_worker()}_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


async def _pg_drop(name: str) -> None:
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"


def _need_pg() -> None:
    if not pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


@pytest.fixture(scope="session")
def _pg_templates() -> Iterator[dict[str, _Template]]:
    """Migrated and seeded template databases on the server, built on first use; dropped at the end."""
    _need_pg()
    out: dict[str, _Template] = {}
    try:
        for kind in ("migrated", "seeded"):
            name = run_apart(_pg_create())
            out[kind] = _Template(name)
            out[kind].town = run_apart(_build(_pg_url(name), kind == "seeded"))
        yield out
    finally:
        for t in out.values():
            run_apart(_pg_drop(t.location))


async def _pg_open(request: pytest.FixtureRequest, seeded: bool) -> tuple[Store, str]:
    _need_pg()
    name = await _pg_create(_pg_template(request, seeded))
    return await open_store(_pg_url(name)), name


def _pg_template(request: pytest.FixtureRequest, seeded: bool) -> str | None:
    if _fresh(request):
        return None
    return request.getfixturevalue("_pg_templates")["seeded" if seeded else "migrated"].location


@pytest.fixture
async def pg_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A database of its own: empty (the test opens, and so migrates, it), or under `pg_store`
    a copy of the migrated (under `pg_town`, seeded) template."""
    _need_pg()
    template = None
    if "pg_store" in request.fixturenames:
        template = _pg_template(request, "pg_town" in request.fixturenames)
    name = await _pg_create(template)
    yield _pg_url(name)
    await _pg_drop(name)


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[Store]:
    s = await open_store(pg_url)
    yield s
    await s.close()


@pytest.fixture
async def pg_town(request: pytest.FixtureRequest, pg_store: Store) -> Town:
    if _fresh(request):
        return await seed(pg_store)
    return request.getfixturevalue("_pg_templates")["seeded"].town_for(pg_store)


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_store(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[Store]:
    seeded = "any_town" in request.fixturenames  # then a copy of the seeded template
    if request.param == "sqlite":
        if not _fresh(request):
            _copy_sqlite(request.getfixturevalue("_sqlite_templates")["seeded" if seeded else "migrated"], db_path)
        s = await open_store(str(db_path))
        yield s
        await s.close()
    else:
        async for s in _pg_backend_store(request, seeded):
            yield s


@pytest.fixture
async def any_town(request: pytest.FixtureRequest, any_store: Store) -> Town:
    if _fresh(request):
        return await seed(any_store)
    templates = request.getfixturevalue("_sqlite_templates" if any_store.db.backend == "sqlite" else "_pg_templates")
    return templates["seeded"].town_for(any_store)


# --- both backends: `@pytest.mark.backends` ---------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends: `store` and `town` run on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only(reason): a `backends` test about a SQLite-only thing "
                                       "runs on SQLite alone")


def sqlite_only(definition: pytest.Item) -> bool:
    """`@pytest.mark.sqlite_only("reason")` takes a test out of `backends`; the reason is required."""
    mark = definition.get_closest_marker("sqlite_only")
    if mark is None:
        return False
    if not (mark.args and isinstance(mark.args[0], str) and mark.args[0].strip()):
        raise pytest.UsageError(f"{definition.nodeid}: @pytest.mark.sqlite_only needs its reason")
    return True


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # `store`, or a module's own database fixture that asks for `backend` (tests/store/test_demo.py)
    if (metafunc.definition.get_closest_marker("backends") and "backend" in metafunc.fixturenames
            and not sqlite_only(metafunc.definition)):
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)],
                             indirect=True)


PG_CASES = 3


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the first PG_CASES PostgreSQL cases of each parametrized `backends` test."""
    seen: dict[str, int] = {}
    keep, drop = [], []
    for item in items:
        mark = item.get_closest_marker("backends")
        callspec = getattr(item, "callspec", None)
        if mark is None or callspec is None or callspec.params.get("backend") != "postgresql":
            keep.append(item)
            continue
        key = f"{item.path}::{item.originalname}"  # type: ignore[attr-defined]
        seen[key] = seen.get(key, 0) + 1
        (keep if seen[key] <= mark.kwargs.get("pg_cases", PG_CASES) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A hypothesis test under `backends(pg_examples=N)` draws N examples on PostgreSQL (where each
    costs round trips to the server) and its own @settings' number on SQLite."""
    mark = item.get_closest_marker("backends")
    callspec = getattr(item, "callspec", None)
    test = getattr(item, "obj", None)
    if (mark is None or "pg_examples" not in mark.kwargs or callspec is None
            or callspec.params.get("backend") != "postgresql"
            or not hasattr(test, "_hypothesis_internal_use_settings")):
        return (yield)
    from hypothesis import settings

    own = test._hypothesis_internal_use_settings
    test._hypothesis_internal_use_settings = settings(own, max_examples=mark.kwargs["pg_examples"])
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = own


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend `store` is on: SQLite unless `@pytest.mark.backends` asks for both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def _pg_working(_pg_templates: dict[str, _Template]) -> Iterator[dict[str, tuple[str, str]]]:
    """Per worker: a working copy of each PostgreSQL template and the SQL that restores it."""
    from tests import pg_backend

    out: dict[str, tuple[str, str]] = {}
    try:
        for kind, template in _pg_templates.items():
            name = run_apart(_pg_create(template.location))
            out[kind] = (name, "")
            out[kind] = (name, run_apart(pg_backend.snapshot(name)))
        yield out
    finally:
        for name, _ in out.values():
            run_apart(_pg_drop(name))


async def _pg_backend_store(request: pytest.FixtureRequest, seeded: bool) -> AsyncIterator[Store]:
    """A store on this worker's working copy of the (seeded) template, restored first; under
    @pytest.mark.fresh_db a new empty database, dropped after."""
    from tests import pg_backend

    if _fresh(request):
        s, name = await _pg_open(request, False)
    else:
        _need_pg()
        name, sql = request.getfixturevalue("_pg_working")["seeded" if seeded else "migrated"]
        await pg_backend.restore(name, sql)
        s = await open_store(_pg_url(name))
    try:
        yield s
    finally:
        await s.close()
        if _fresh(request):
            await _pg_drop(name)


def run(coro):  # type: ignore[no-untyped-def]
    """For sync tests and subprocess helpers that need one async call."""
    return asyncio.run(coro)
