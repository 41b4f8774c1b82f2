"""Two consoles — two real processes — dispatching the same ticket at once: exactly one wins, the
other is told who did it, and nothing of the loser's is written. On one SQLite file, and on
PostgreSQL (the module runs on both backends, tests/store/conftest.py).

Each process opens its own Store, reads the ticket (version 1, as a console showing it would),
waits at a barrier for the other, and then dispatches with that version.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from typing import Any

from sqlalchemy import func, select

from griddesk.store import tickets, views, workflow
from griddesk.store.errors import Conflict, StoreError
from griddesk.store.models import Change, TicketCoUnit, TimelineEntry
from tests.conftest import open_store
from tests.fixtures_town import Town


def _console(url: str, login: str, number: str, unit: str, barrier: Any, results: Any) -> None:
    """One console process: open, read, wait for the other, dispatch."""

    async def run() -> tuple[str, str, str]:
        store = await open_store(url)
        try:
            actor = await store.actor(login)
            seen = (await views.detail(store, actor, number)).ticket.version
            await asyncio.to_thread(barrier.wait, 30)
            try:
                out = await workflow.dispatch(store, actor, number, unit, expected_version=seen)
                return login, "won", str(out.version)
            except Conflict as e:
                return login, "conflict", e.message("en")
            except StoreError as e:
                return login, "refused", f"{type(e).__name__}: {e.message('en')}"
        finally:
            await store.close()

    try:
        results.put(asyncio.run(run()))
    except Exception as e:  # report, never hang the parent
        results.put((login, "crashed", repr(e)))


async def _race(town: Town, url: str) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_console, args=(url, login, number, unit, barrier, results))
             for login, unit in (("op01", "URBAN"), ("op02", "POLICE"))]
    for p in procs:
        p.start()
    got = [await asyncio.to_thread(results.get, True, 120) for _ in procs]
    for p in procs:
        await asyncio.to_thread(p.join, 30)
    outcome = {login: (kind, text) for login, kind, text in got}
    kinds = sorted(kind for kind, _ in outcome.values())
    assert kinds == ["conflict", "won"], outcome
    winner = next(login for login, (kind, _) in outcome.items() if kind == "won")
    loser_text = next(text for kind, text in outcome.values() if kind == "conflict")
    assert town.actors[winner].label in loser_text  # the loser is told who dispatched it
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.version == 2 and d.lead_unit.code == ("URBAN" if winner == "op01" else "POLICE")
    assert [e.action for e in d.timeline] == ["receive", "dispatch"]
    assert d.timeline[-1].actor == town.actors[winner].label
    async with town.store.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(TimelineEntry))).scalar_one() == 2
        assert (await s.execute(select(func.count()).select_from(Change)
                                .where(Change.kind == "dispatch"))).scalar_one() == 1
        assert (await s.execute(select(func.count()).select_from(TicketCoUnit))).scalar_one() == 0


async def test_two_processes_dispatch_one_ticket(town: Town) -> None:
    await _race(town, town.store.db.url)


async def test_many_writers_in_one_process_only_one_dispatch_lands(town: Town) -> None:
    """Several engines on the same database from one event loop: still exactly one winner."""
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    stores = [await open_store(town.store.db.url) for _ in range(4)]
    try:
        async def one(i: int) -> str:
            try:
                await workflow.dispatch(stores[i], town.actors["op01" if i % 2 else "op02"], number,
                                        "URBAN", expected_version=1)
                return "won"
            except Conflict:
                return "conflict"

        got = await asyncio.gather(*(one(i) for i in range(4)))
    finally:
        for s in stores:
            await s.close()
    assert sorted(got) == ["conflict"] * 3 + ["won"]
