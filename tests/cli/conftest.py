"""`cli`: the whole command line run in-process on the test town's SQLite file (in a test on both
backends, `backends`, on the test's PostgreSQL database when that is its backend).

The CLI runs its own event loop, so it runs in a worker thread; its output is captured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from griddesk.console.cli.main import main as cli_entry


class Run:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(request: pytest.FixtureRequest, db_path: Path, capsys: pytest.CaptureFixture[str],
        machine_admin: Path) -> Callable[..., Awaitable[Run]]:
    where = str(db_path)
    if request.getfixturevalue("backend") == "postgresql":
        where = request.getfixturevalue("store").db.url

    # the test town is not a demo database: `--as` needs this OS user mapped to its administrator
    async def run(*argv: str, login: str = "op01", lang: str = "zh") -> Run:
        capsys.readouterr()
        full = ["--db", where, "--lang", lang, "--as", login, *argv]

        def call() -> int:
            try:
                return cli_entry(full)
            except SystemExit as e:  # argparse's usage errors
                return int(e.code or 0)

        code = await asyncio.to_thread(call)
        got = capsys.readouterr()
        return Run(code, got.out, got.err)

    return run
