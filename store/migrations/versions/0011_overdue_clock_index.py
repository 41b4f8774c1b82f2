"""An index for the overdue view's read: running clocks whose warning time has passed

The overdue view (f4, `griddesk overdue`) reads `ticket_clocks` by `state = 'running' AND
warn_at <= now`. The indexes before served `(state, due_at)` and `(name, state, warn_at)`, so
it walked every running clock of the database (a county's ~120,000) to keep the ~25,000 warned.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_clocks') as batch_op:
        batch_op.create_index('ix_clocks_warned', ['state', 'warn_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_clocks') as batch_op:
        batch_op.drop_index('ix_clocks_warned')
