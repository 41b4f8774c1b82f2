"""search index: FTS5 trigram table over the tickets' text (SQLite) or pg_trgm GIN indexes
(PostgreSQL) for the queue's filter and the address search; B-tree indexes for the caller
search (reporter phone, reporter name) and the filter's grid and matter parts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

from griddesk.store import search_index

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# exact comparisons: a caller's earlier tickets by the whole phone number or name
# (store/callers.py); the queue filter's "whose grid's / matter's name holds the text", read for
# the statuses the queue shows
BTREE = {"ix_tickets_reporter_phone": ["reporter_phone"], "ix_tickets_reporter_name": ["reporter_name"],
         "ix_tickets_matter_status": ["matter_id", "status"], "ix_tickets_grid_status": ["grid_id", "status"]}


def upgrade() -> None:
    for name, cols in BTREE.items():
        op.create_index(name, "tickets", cols)
    dialect = op.get_bind().dialect.name
    for sql in search_index.create_statements(dialect):  # SQLite: table, triggers, backfill
        op.execute(sql)


def downgrade() -> None:
    for sql in search_index.drop_statements(op.get_bind().dialect.name):
        op.execute(sql)
    for name in BTREE:
        op.drop_index(name, table_name="tickets")
