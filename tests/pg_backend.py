"""PostgreSQL for the store tests that run on both backends (`@pytest.mark.backends`), cheaply.

`CREATE DATABASE … TEMPLATE` costs 0.3–2 s on this machine (more under load), too much to pay
for every test of a module. Instead each pytest worker keeps one working database per template
(migrated, seeded) for the whole session, with a copy of every table in the schema `SNAPSHOT`
taken right after it was made; before each test the tables are put back as they were (a few
DELETEs and INSERTs of the test town's rows, the sequences reset): tens of milliseconds.
"""

from __future__ import annotations

import asyncpg

from tests.conftest import PG_HOST, PG_PORT

SNAPSHOT = "gd_snapshot"


async def _connect(dbname: str) -> asyncpg.Connection:
    return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database=dbname)


async def snapshot(dbname: str) -> str:
    """Copy the tables of `dbname` into schema SNAPSHOT; return the SQL that restores them."""
    conn = await _connect(dbname)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
            "ORDER BY tablename")]
        # each sequence's own state: pg_sequences shows NULL for one set with is_called = false (the
        # demo's setval after ids it gave), which a restore would have put back to 1
        sequences = [(name, *await conn.fetchrow(f'SELECT last_value, is_called FROM public."{name}"'))
                     for (name,) in await conn.fetch(
                         "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        # a test database need not survive a power cut: commits without waiting for the disk
        await conn.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit TO off')
        await conn.execute(f"CREATE SCHEMA {SNAPSHOT}")
        # foreign keys and triggers (the change feed's NOTIFY) stay off while restoring
        restore = ["SET LOCAL session_replication_role = replica"]
        for t in tables:
            await conn.execute(f'CREATE TABLE {SNAPSHOT}."{t}" AS TABLE public."{t}"')
            restore.append(f'DELETE FROM public."{t}"')
            if await conn.fetchval(f'SELECT count(*) FROM {SNAPSHOT}."{t}"'):
                restore.append(f'INSERT INTO public."{t}" SELECT * FROM {SNAPSHOT}."{t}"')
        for name, last, called in sequences:
            restore.append(f"SELECT setval('public.\"{name}\"', {last}, {'true' if called else 'false'})")
        return ";\n".join(restore)
    finally:
        await conn.close()


async def restore(dbname: str, sql: str) -> None:
    """Put `dbname`'s tables back as `snapshot` found them (any session left on it is ended)."""
    conn = await _connect(dbname)
    try:
        await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = $1 AND pid <> pg_backend_pid()", dbname)
        async with conn.transaction():
            await conn.execute(sql)
    finally:
        await conn.close()
