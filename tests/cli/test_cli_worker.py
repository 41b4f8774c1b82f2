"""`griddesk worker`: runs the ladder while holding the lease, stops cleanly on SIGTERM and
releases the lease; refuses bad options with exit 2 and non-centre accounts with exit 1."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from griddesk.store import jobs, supervision
from tests.cli.test_cli_supervise import late_ticket
from tests.fixtures_town import COUNTY, TOWN, Town

ROOT = Path(__file__).resolve().parents[2]


async def test_worker_once_runs_the_ladder_and_leaves_the_lease_free(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    number = await late_ticket(town)
    r = await cli("worker", "--once", lang="en")
    assert r.code == 0, r.err
    assert "supervision ladder: 2 written" in r.out  # the notice and the criticism of a three-week-old ticket
    assert {s.level for s in await supervision.history(town.store, town.operator, number)} == {"notice", "criticism"}
    assert await jobs.holder_of(town.store, jobs.lease_name(jobs.LADDER, TOWN)) is None
    # another process holds the lease: --once runs nothing
    assert await jobs.take(town.store, jobs.lease_name(jobs.LADDER, TOWN), "someone else")
    r = await cli("worker", "--once", lang="en")
    assert r.code == 0 and "another process holds the lease" in r.out


async def test_worker_refusals(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    r = await cli("worker", "--every", "0.1", "--once")
    assert r.code == 2 and "--every" in r.err and "Traceback" not in r.err
    r = await cli("worker", "--jurisdiction", COUNTY, "--once", lang="en")  # above the town account's own
    assert r.code == 2 and "--jurisdiction" in r.err and COUNTY in r.err
    r = await cli("worker", "--jurisdiction", "abc", "--once")
    assert r.code == 2 and "--jurisdiction" in r.err
    r = await cli("worker", "--once", login="gw01")  # a grid worker runs no centre jobs
    assert r.code == 1 and "Traceback" not in r.err


async def test_worker_stops_cleanly_on_sigterm(town: Town, db_path: Path, machine_admin: Path) -> None:
    # `--as op01` on the test town (not a demo database): this OS user is mapped to its administrator
    await late_ticket(town)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "griddesk.console.cli", "--db", str(db_path), "--lang", "en", "--as", "op01",
        "worker", "--every", "1", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    lines = []
    try:
        while not any("supervision ladder: 2 written" in x for x in lines):  # started, then ran the ladder
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            assert line, (lines, (await proc.stderr.read()).decode() if proc.stderr else "")
            lines.append(line.decode())
        name = jobs.lease_name(jobs.LADDER, TOWN)
        assert await jobs.holder_of(town.store, name) is not None
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "stopped" in out.decode()
    assert await jobs.holder_of(town.store, name) is None
