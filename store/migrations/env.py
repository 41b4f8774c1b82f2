"""Alembic environment: always handed a live connection by `store.db.Database.upgrade`."""

from __future__ import annotations

from alembic import context

from griddesk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable via the raw alembic CLI
    raise SystemExit("run migrations through `griddesk db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite needs batch mode
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
