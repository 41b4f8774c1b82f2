"""The job lease (store/jobs.py): one holder per job and centre, renewed, taken over after it
expires, released on a clean exit; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.store import jobs
from griddesk.store.context import Store

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


async def _two(url: str) -> tuple[Store, Store]:
    return await Store.open(url), await Store.open(url)


async def _lease_lifecycle(a: Store, b: Store) -> None:
    clock = Clock()
    name = jobs.lease_name(jobs.LADDER, "450502005")
    ttl = timedelta(seconds=60)
    # both ask at once: exactly one gets it
    got = await asyncio.gather(jobs.take(a, name, "A", ttl, clock), jobs.take(b, name, "B", ttl, clock))
    assert sorted(got) == [False, True]
    first, second = ("A", "B") if got[0] else ("B", "A")
    mine, theirs = (a, b) if got[0] else (b, a)
    assert await jobs.holder_of(a, name, clock) == first
    # renewed by its holder, refused to the other while live
    clock.at += timedelta(seconds=50)
    assert await jobs.take(mine, name, first, ttl, clock)
    clock.at += timedelta(seconds=50)  # 100 s after the start, 50 s after the renewal: still live
    assert not await jobs.take(theirs, name, second, ttl, clock)
    # the holder stops renewing: taken over after it expires
    clock.at += timedelta(seconds=11)
    assert await jobs.take(theirs, name, second, ttl, clock)
    assert await jobs.holder_of(a, name, clock) == second
    assert not await jobs.take(mine, name, first, ttl, clock)
    # released on close: free at once, not after the TTL
    await jobs.release(theirs, name, second)
    assert await jobs.holder_of(a, name, clock) is None
    assert await jobs.take(mine, name, first, ttl, clock)
    # another jurisdiction's lease is another row
    assert await jobs.take(theirs, jobs.lease_name(jobs.LADDER, "450502006"), second, ttl, clock)


async def test_lease_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = await _two(str(tmp_path / "lease.db"))
    try:
        await _lease_lifecycle(a, b)
    finally:
        await a.close()
        await b.close()


async def test_lease_on_postgresql(pg_url: str) -> None:
    a, b = await _two(pg_url)
    try:
        await _lease_lifecycle(a, b)
    finally:
        await a.close()
        await b.close()


async def test_runner_runs_only_while_holding_and_releases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "runner.db")
    a, b = await _two(path)
    ran: list[str] = []

    async def job(store: Store, jurisdiction: str) -> int:
        ran.append(jurisdiction)
        return 1

    only = (jobs.Job("test", 60.0, job),)
    ra = jobs.Runner(a, "450502005", "A", only)
    rb = jobs.Runner(b, "450502005", "B", only)
    assert await ra.tick() == {"test": 1}
    assert await rb.tick() == {}  # the console takes the lease only when free
    assert await ra.tick() == {}  # renewed, but not due again within the minute
    assert await ra.tick(force=True) == {"test": 1}
    assert ran == ["450502005", "450502005"]
    await ra.release()
    assert await rb.tick() == {"test": 1}  # free the moment A let go
    name = jobs.lease_name("test", "450502005")
    assert await jobs.holder_of(a, name) == "B"
    # the worker's loop: stops on the event and gives the lease up on the way out
    stop = asyncio.Event()
    serving = asyncio.create_task(rb.serve(stop, every=0.01))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(serving, 5)
    assert await jobs.holder_of(a, name) is None
    await a.close()
    await b.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from("AB"), st.integers(0, 200)), min_size=1, max_size=12))
def test_at_most_one_live_holder(tmp_path_factory: pytest.TempPathFactory,
                                 steps: list[tuple[str, int]]) -> None:
    """Any sequence of takes by two holders, the clock moving between them: a take succeeds iff
    the lease is free, expired or already the taker's, and then the taker holds it."""
    path = str(tmp_path_factory.mktemp("prop") / "p.db")

    async def go() -> None:
        s = await Store.open(path)
        clock = Clock()
        ttl = timedelta(seconds=60)
        holder, until = None, T0
        try:
            for who, advance in steps:
                clock.at += timedelta(seconds=advance)
                expect = holder is None or holder == who or until < clock.at
                assert await jobs.take(s, "p", who, ttl, clock) == expect
                if expect:
                    holder, until = who, clock.at + ttl
                live = holder if until >= clock.at else None
                assert await jobs.holder_of(s, "p", clock) == live
        finally:
            await s.close()

    asyncio.run(go())


async def test_a_county_worker_covers_its_towns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = await Store.open(str(tmp_path / "cover.db"))
    ran: list[str] = []

    async def job(store: Store, jurisdiction: str) -> int:
        ran.append(jurisdiction)
        return 0

    only = (jobs.Job("test", 60.0, job),)
    county = jobs.Runner(s, "450502", "W", only)
    town = jobs.Runner(s, "450502005", "C", only)
    other = jobs.Runner(s, "450503001", "D", only)
    await county.tick()
    await town.tick()  # the county's worker runs this town's job
    await other.tick()  # another county's town: not covered
    assert ran == ["450502", "450503001"]
    await county.release()
    await town.tick()
    assert ran[-1] == "450502005"
    await s.close()
