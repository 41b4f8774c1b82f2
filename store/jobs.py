"""Periodic jobs, run once per centre: a lease row says which process runs them.

Every console used to run the supervision ladder every minute, all at once; now one process per
job and jurisdiction holds a lease (`job_leases`, one row named "<job>:<jurisdiction>") and runs
it, and the others read the results through the change feed like any other write. `griddesk
worker` holds the leases on a server; a console takes a lease only when nobody holds it (or the
holder stopped renewing it for `TTL`).

Taking or renewing is one atomic statement on SQLite and PostgreSQL alike:
    UPDATE job_leases SET holder = me, … WHERE name = ? AND (expires_at < now OR holder = me)
and on first use an INSERT that loses quietly to a concurrent first insert (ON CONFLICT DO
NOTHING). Lease times are wall-clock times (`clock`), not the store's `now`: a lease is about
processes, and tests that move the store's clock must not expire it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from griddesk.store import supervision
from griddesk.store.context import Store
from griddesk.store.models import JobLease

log = logging.getLogger(__name__)

TTL = timedelta(seconds=150)  # a holder that stops renewing for this long is taken over
LADDER = "ladder"


def wall_clock() -> datetime:
    return datetime.now(UTC)


def new_holder() -> str:
    """This process's name in the lease table: host, pid and a random tail (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_name(job: str, jurisdiction: str) -> str:
    return f"{job}:{jurisdiction or '*'}"


async def take(store: Store, name: str, holder: str, ttl: timedelta = TTL,
               clock: Callable[[], datetime] = wall_clock) -> bool:
    """Take or renew the lease `name` for `holder`; False when another holder's lease is live."""
    now = clock()
    values = {"holder": holder, "expires_at": now + ttl, "heartbeat_at": now}
    async with store.db.connect(write=True) as conn:
        got = await conn.execute(update(JobLease).where(
            JobLease.name == name, or_(JobLease.expires_at < now, JobLease.holder == holder)).values(**values))
        if got.rowcount:
            return True
        ins = (postgresql.insert(JobLease) if store.db.backend == "postgresql" else sqlite.insert(JobLease))
        made = await conn.execute(ins.values(name=name, **values).on_conflict_do_nothing(index_elements=["name"]))
        return bool(made.rowcount)


async def release(store: Store, name: str, holder: str) -> None:
    """Give the lease up (on a clean exit), so the next process need not wait for it to expire."""
    async with store.db.connect(write=True) as conn:
        await conn.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))


async def holder_of(store: Store, name: str, clock: Callable[[], datetime] = wall_clock) -> str | None:
    """Who holds a live lease on `name` (None: nobody)."""
    async with store.db.session() as s:
        row = (await s.execute(select(JobLease.holder, JobLease.expires_at).where(JobLease.name == name))).first()
    if row is None or row[1] < clock():
        return None
    return row[0]


async def covered_by_other(store: Store, job: str, jurisdiction: str, holder: str,
                           clock: Callable[[], datetime] = wall_clock) -> str | None:
    """Another holder's live lease on `job` for this jurisdiction or one above it (a county's
    worker runs its towns' ladders): a console then leaves the job to it. One read, so a console
    that does not hold the lease writes nothing each minute."""
    now = clock()
    async with store.db.session() as s:
        rows = (await s.execute(select(JobLease.name, JobLease.holder).where(
            JobLease.name.startswith(f"{job}:"), JobLease.expires_at >= now, JobLease.holder != holder))).all()
    for name, other in rows:
        area = name.split(":", 1)[1]
        if area != "*" and jurisdiction.startswith(area):
            return str(other)
        if area == "*":  # the whole database
            return str(other)
    return None


# --- the jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between runs
    run: Callable[[Store, str], Awaitable[int]]  # (store, jurisdiction) -> rows written


async def _ladder(store: Store, jurisdiction: str) -> int:
    return len(await supervision.run_ladder(store, jurisdiction=jurisdiction))


# every periodic write of a centre; a console's own reads (notices, counts) are not jobs
JOBS: tuple[Job, ...] = (Job(LADDER, 60.0, _ladder),)


@dataclass
class Runner:
    """Runs the periodic jobs of one jurisdiction while it holds their leases.

    `tick()` is what a console calls (each minute): for each job it takes or renews the lease —
    only if free — and runs the job when it holds it. `serve()` is `griddesk worker`'s loop.
    """

    store: Store
    jurisdiction: str
    holder: str = field(default_factory=new_holder)
    jobs: tuple[Job, ...] = JOBS
    clock: Callable[[], datetime] = wall_clock
    held: set[str] = field(default_factory=set)
    last: dict[str, float] = field(default_factory=dict)  # job name -> loop time of its last run

    async def tick(self, force: bool = False) -> dict[str, int]:
        """Run the jobs that are due and whose lease this runner holds; rows written per job."""
        out: dict[str, int] = {}
        loop = asyncio.get_running_loop()
        for job in self.jobs:
            name = lease_name(job.name, self.jurisdiction)
            if await covered_by_other(self.store, job.name, self.jurisdiction, self.holder, self.clock) \
                    or not await take(self.store, name, self.holder, clock=self.clock):
                self.held.discard(name)
                continue
            self.held.add(name)
            if not force and loop.time() - self.last.get(job.name, float("-inf")) < job.every:
                continue
            self.last[job.name] = loop.time()
            out[job.name] = await job.run(self.store, self.jurisdiction)
        return out

    async def release(self) -> None:
        for name in sorted(self.held):
            try:
                await release(self.store, name, self.holder)
            except Exception as e:  # the database is gone: the lease expires by itself
                log.warning("releasing %s failed: %s", name, e)
        self.held.clear()

    async def serve(self, stop: asyncio.Event, every: float = 5.0,
                    report: Callable[[dict[str, int]], None] | None = None) -> None:
        """Tick every `every` seconds until `stop` is set; the leases are released on the way out."""
        try:
            while not stop.is_set():
                try:
                    done = await self.tick()
                except Exception as e:  # busy or unreachable database: try again next tick
                    log.warning("periodic jobs failed: %s", e)
                    done = {}
                if report is not None and done:
                    report(done)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=every)
                except TimeoutError:
                    pass
        finally:
            await self.release()


__all__ = ["JOBS", "LADDER", "TTL", "Job", "Runner", "covered_by_other", "holder_of", "lease_name", "new_holder",
           "release", "take", "wall_clock"]
