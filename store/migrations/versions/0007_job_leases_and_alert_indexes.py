"""job_leases (one runner of the periodic jobs per centre) and indexes for the alert and header
queries and the supervision ladder's candidate read

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row per job and jurisdiction ("ladder:450502005"): who runs it and until when
    op.create_table(
        'job_leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_leases')),
    )
    with op.batch_alter_table('tickets') as batch_op:
        # header counts (queue.counts): every figure is read from the index alone, no table rows
        batch_op.create_index('ix_tickets_counts',
                              ['town_code', 'status', 'due_at', 'warn_at', 'escalation'], unique=False)
        # the alert query's flagged / reported / county tickets (notices.pending_notices)
        batch_op.create_index('ix_tickets_escalation', ['escalation', 'town_code'], unique=False)
    with op.batch_alter_table('ticket_clocks') as batch_op:
        # the ladder reads running handling clocks by warn_at
        batch_op.create_index('ix_clocks_ladder', ['name', 'state', 'warn_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_clocks') as batch_op:
        batch_op.drop_index('ix_clocks_ladder')
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_index('ix_tickets_escalation')
        batch_op.drop_index('ix_tickets_counts')
    op.drop_table('job_leases')
