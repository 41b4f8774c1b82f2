"""Every store test runs on both backends: each test here that asks for `store` or `town` is
marked `backends` (tests/conftest.py), so it runs on SQLite and on PostgreSQL. A test about a
SQLite-only thing (WAL, the write gate, FTS5's triggers, a read-only, full or deleted file) opts
out with `@pytest.mark.sqlite_only("why")`; the reason is required. A plan test checks SQLite's
EXPLAIN QUERY PLAN on SQLite and PostgreSQL's EXPLAIN on PostgreSQL (test_query_plans.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Package) and collector.path == HERE:
        collector.add_marker(pytest.mark.backends)
