"""accounts: password hashes, lock-out, login tokens; an administrator may hold no jurisdiction

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griddesk.store import models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # making `jurisdiction` nullable rebuilds the table on SQLite; `notices` points at it, so
        # the foreign keys are checked at commit (when the rebuilt table holds every row again)
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("operators") as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", models.UTCDateTime(), nullable=True))
        # the administrator made on the first run of an empty database has no area to hold yet:
        # NULL means the whole database
        batch_op.alter_column("jurisdiction", existing_type=sa.String(length=12), nullable=True)
    op.create_table(
        "login_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], name=op.f("fk_login_tokens_operator_id_operators"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("login_tokens")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("operators") as batch_op:
        batch_op.alter_column("jurisdiction", existing_type=sa.String(length=12), nullable=False)
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("password_hash")
