"""analytics: focused-governance list (重点治理, BH 22) and per-database secrets

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griddesk.store.models import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_secrets")),
    )
    op.create_table(
        "focus_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("baseline", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_items")),
    )
    op.create_index(op.f("ix_focus_items_town_code"), "focus_items", ["town_code"], unique=False)
    # hot spots count a town's tickets by grid and by matter over a received_at range
    op.create_index("ix_tickets_town_grid_received", "tickets", ["town_code", "grid_id", "received_at"])
    op.create_index("ix_timeline_action_at", "timeline", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_timeline_action_at", table_name="timeline")
    op.drop_index("ix_tickets_town_grid_received", table_name="tickets")
    op.drop_index(op.f("ix_focus_items_town_code"), table_name="focus_items")
    op.drop_table("focus_items")
    op.drop_table("store_secrets")
