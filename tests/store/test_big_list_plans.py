"""The overdue view's read and the compliance findings' reads are served by indexes (the overdue
clocks by ix_clocks_warned, migration 0011), on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL: at a
county's 2,000,000 tickets `griddesk overdue` and `griddesk findings` must stay within 2 s."""

from __future__ import annotations

from griddesk.store import compliance, overdue
from tests.fixtures_town import Town
from tests.store.test_query_plans import _no_full_scan, _plans, _selects, _some_tickets, _uses


async def _check(town: Town) -> None:
    await _some_tickets(town)
    store = town.store
    op, county = town.operator, town.actors["county01"]
    for actor in (op, county):
        plans = await _plans(store, await _selects(store, lambda a=actor: overdue.view(store, a)))  # type: ignore[misc]
        _no_full_scan(plans)
        _uses(plans, "ix_clocks_warned")

    found = await _plans(store, await _selects(store, lambda: compliance.findings(store, op)))
    # the town's grids, areas and people through their code indexes; assignments by grid
    _no_full_scan(found, ("grids", "people", "areas", "grid_assignments"))


async def test_overdue_and_findings_use_indexes(town: Town) -> None:
    """SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (tests/store/conftest.py: both backends)."""
    await _check(town)
