"""tickets: the hotline system's own number (external_id, external_source), unique per source

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:  # on SQLite plain ADD COLUMNs, no rebuild
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("external_source", sa.String(length=32), nullable=True))
    # a unique index, not a table constraint: SQLite adds it without rebuilding the table; rows
    # without an external number (NULLs) never collide
    op.create_index("uq_tickets_external", "tickets", ["external_source", "external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tickets_external", table_name="tickets")
    # plain DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop `tickets`, which other tables'
    # foreign keys point at
    op.drop_column("tickets", "external_source")
    op.drop_column("tickets", "external_id")
