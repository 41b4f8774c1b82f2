"""analytics rollups: the figures per town and local day, kept with each write (issue 12)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from griddesk.store.analytics import rollups

    op.create_table(
        "analytics_rollups",
        sa.Column("town_code", sa.String(length=9), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("fig", sa.String(length=12), nullable=False),
        sa.Column("k1", sa.String(length=128), nullable=False),
        sa.Column("k2", sa.String(length=64), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("town_code", "day", "fig", "k1", "k2", name="pk_analytics_rollups"),
    )
    op.create_index("ix_analytics_rollups_read", "analytics_rollups", ["fig", "day", "town_code", "k1", "k2", "n"])
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_analytics_state"),
    )
    # a county's reports read tickets by time across its towns (a range of town codes, which
    # ix_tickets_town_received cannot narrow by time): the period's emergencies, a shift's tickets
    op.create_index("ix_tickets_received_town", "tickets", ["received_at", "town_code"])
    op.create_index("ix_tickets_urgency_received", "tickets", ["urgency", "received_at", "town_code"])
    # built once from the tickets already there, at the default zone's offset (a store in another
    # zone reads the tickets themselves until `rollups.rebuild` is run for it)
    rollups.rebuild_sync(op.get_bind(), rollups.offset_of(rollups.DEFAULT_TZ))


def downgrade() -> None:
    op.drop_index("ix_tickets_urgency_received", table_name="tickets")
    op.drop_index("ix_tickets_received_town", table_name="tickets")
    op.drop_table("analytics_state")
    op.drop_index("ix_analytics_rollups_read", table_name="analytics_rollups")
    op.drop_table("analytics_rollups")
