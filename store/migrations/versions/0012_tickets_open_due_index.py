"""an index on tickets by status and deadline: the urgent band, its next change and a county's
header counts, served without reading every ticket of the county

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # status first: open tickets are a few percent of all; then the deadline, so the band's
    # "due within 30 minutes" and "the next deadline past the horizon" are one seek per status,
    # whatever the jurisdiction; then what a county's counts read, so they need no table rows
    # (a town's own reads keep ix_tickets_counts, which leads with the town)
    op.create_index('ix_tickets_open_due', 'tickets',
                    ['status', 'due_at', 'town_code', 'warn_at', 'escalation'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_open_due', table_name='tickets')
