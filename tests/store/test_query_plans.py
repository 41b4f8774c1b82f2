"""The alert query, the header counts and the ladder's read are served by indexes (migration
0007), on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN with sequential scans priced out,
so a plan without an index that serves the query still shows a Seq Scan).

Each store function is run for real; the SELECTs it sent are captured and explained with the
same parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

from griddesk.store import counts, escalation, notices, queue, supervision, tickets
from griddesk.store.context import Store
from tests.fixtures_town import Town

Captured = list[tuple[str, Any]]


async def _selects(store: Store, call: Callable[[], Awaitable[object]]) -> Captured:
    got: Captured = []

    def capture(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "alembic_version" not in statement:
            got.append((statement, params))

    event.listen(store.db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await call()
    finally:
        event.remove(store.db.engine.sync_engine, "before_cursor_execute", capture)
    return got


async def _plans(store: Store, selects: Captured) -> list[tuple[str, str]]:
    """(statement, its plan as text) for each captured SELECT."""
    out = []
    async with store.db.engine.connect() as conn:
        pg = store.db.backend == "postgresql"
        if pg:
            await conn.exec_driver_sql("SET enable_seqscan = off")
        for stmt, params in selects:
            if pg:
                rows = (await conn.exec_driver_sql("EXPLAIN " + stmt, params)).all()
                plan = "\n".join(r[0] for r in rows)
            else:
                rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params)).all()
                plan = "\n".join(r[-1] for r in rows)
            out.append((stmt, plan))
    return out


def _no_full_scan(plans: list[tuple[str, str]], tables: tuple[str, ...] = ("tickets", "ticket_clocks")) -> None:
    for stmt, plan in plans:
        for table in tables:
            assert f"SCAN {table}\n" not in plan + "\n" and f"SCAN {table} " not in plan, (stmt, plan)
            assert f"Seq Scan on {table} " not in plan, (stmt, plan)


def _uses(plans: list[tuple[str, str]], index: str) -> None:
    """SQLite: this index serves one of the queries. PostgreSQL's planner picks among the indexes
    that could serve a query by statistics a tiny test table does not have: there, only that the
    table the index belongs to is read through some index (sequential scans are priced out)."""
    if " on " in plans[0][1] or "Scan" in plans[0][1]:  # PostgreSQL's plan text
        table = "ticket_clocks" if "clocks" in index else "tickets"
        assert any("Index Scan using ix_" in plan and f" on {table} " in plan
                   or "Index Only Scan using ix_" in plan and f" on {table} " in plan
                   or "Bitmap Index Scan on ix_" in plan and f" on {table} " in plan
                   for _, plan in plans), [p for _, p in plans]
        return
    assert any(index in plan for _, plan in plans), [p for _, p in plans]


async def _some_tickets(town: Town) -> None:
    for i in range(3):
        await tickets.create(town.store, town.operator, tickets.parse(town.ticket(title=f"路灯不亮 {i}")))


async def _check(town: Town) -> None:
    await _some_tickets(town)
    store = town.store
    op, county = town.operator, town.actors["county01"]

    alert = await _plans(store, await _selects(store, lambda: notices.pending_notices(store, op)))
    _no_full_scan(alert)
    _uses(alert, "ix_tickets_escalation")  # flagged tickets
    _uses(alert, "ix_tickets_queue")  # undispatched emergencies: town, status, urgency
    _uses(alert, "ix_clocks_running")  # deadlines crossed within the window

    alert_county = await _plans(store, await _selects(store, lambda: notices.pending_notices(store, county)))
    _no_full_scan(alert_county)
    _uses(alert_county, "ix_tickets_escalation")

    header = await _plans(store, await _selects(store, lambda: counts.header_counts(store, op)))
    _no_full_scan(header)
    _uses(header, "ix_tickets_counts")
    if store.db.backend == "sqlite":  # every figure from the index alone
        assert all("COVERING INDEX ix_tickets_counts" in p for s, p in header if "count(" in s), header

    arrived = await _plans(store, await _selects(store, lambda: escalation.county_queue(store, county)))
    _no_full_scan(arrived, ("tickets",))
    _uses(arrived, "ix_tickets_escalation")

    ladder = await _plans(store, await _selects(store, lambda: supervision.plan(store, store.now(), op.jurisdiction)))
    _uses(ladder, "ix_clocks_ladder")
    _no_full_scan(ladder, ("ticket_clocks",))


async def test_alert_and_header_queries_use_their_indexes(town: Town) -> None:
    """SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (tests/store/conftest.py: both backends)."""
    await _check(town)



async def _check_short_text(town: Town) -> None:
    """A two-character `/` filter has no trigram: the queue screen's read scans the open
    tickets in the account's scope through the queue index (never the closed history), once:
    the page's statement carries the total (`queue.page_and_count`)."""
    await _some_tickets(town)
    store, op = town.store, town.operator
    f = queue.QueueFilter(text="路灯")
    selects = await _selects(store, lambda: queue.page_and_count(store, op, f))
    assert len(selects) == 1, [s for s, _ in selects]  # one read for page and count
    plans = await _plans(store, selects)
    _no_full_scan(plans)
    if store.db.backend == "sqlite":  # ix_tickets_queue, or ix_tickets_counts: both lead with town and status
        assert "SEARCH tickets USING INDEX ix_tickets_" in plans[0][1], plans
        assert "(town_code=? AND status=?)" in plans[0][1], plans
    else:
        _uses(plans, "ix_tickets_queue")
    rows, total = await queue.page_and_count(store, op, f)
    assert total == 3 and len(rows) == 3


async def test_a_short_text_filter_scans_the_open_tickets_in_scope_once(town: Town) -> None:
    await _check_short_text(town)



async def _check_county_queue(town: Town) -> None:
    """A county's queue seeks the queue index town by town (its towns as an IN list read from
    the grids), never reads every open ticket through the status index: at 2,000,000 tickets in
    38 towns the range on town_code took 668 ms for the page, the towns' list 90 ms."""
    await _some_tickets(town)
    store, county = town.store, town.actors["county01"]
    selects = await _selects(store, lambda: queue.page_and_count(store, county, queue.QueueFilter()))
    plans = await _plans(store, selects)
    _no_full_scan(plans)
    if store.db.backend == "sqlite":
        # ix_tickets_queue or ix_tickets_counts: both lead with town and status
        assert all("INDEX ix_tickets_" in p and "(town_code=? AND status=?)" in p for _, p in plans), plans
        assert not any("ix_tickets_open_due" in p for _, p in plans), plans
    else:
        _uses(plans, "ix_tickets_queue")
    rows, total = await queue.page_and_count(store, county, queue.QueueFilter())
    town_rows, town_total = await queue.page_and_count(store, town.operator, queue.QueueFilter())
    assert total == town_total == len(rows) and {r.id for r in rows} == {r.id for r in town_rows}


async def test_a_county_queue_seeks_its_towns(town: Town) -> None:
    await _check_county_queue(town)

