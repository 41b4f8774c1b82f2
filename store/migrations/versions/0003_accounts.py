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


NOT_NULL = "jurisdiction VARCHAR(12) NOT NULL,"
NULLABLE = "jurisdiction VARCHAR(12),"


def _sqlite_schema(old: str, new: str) -> None:
    """Change `operators`' stored CREATE text in place: SQLite's documented way to drop a NOT
    NULL constraint without rebuilding the table (a rebuild's DROP TABLE would trip the foreign
    keys of `notices`, which points at it; nothing on disk changes)."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                         "WHERE type = 'table' AND name = 'operators'"), {"old": old, "new": new})
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("operators", recreate="never") as batch_op:  # plain ADD COLUMNs
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", models.UTCDateTime(), nullable=True))
    # the administrator made on the first run of an empty database has no area to hold yet:
    # NULL means the whole database
    if sqlite:
        _sqlite_schema(NOT_NULL, NULLABLE)
    else:
        op.alter_column("operators", "jurisdiction", existing_type=sa.String(length=12), nullable=True)
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
    # an account without a jurisdiction gets the widest area there is (the column is NOT NULL again)
    top = bind.execute(sa.text("SELECT code FROM areas ORDER BY length(code), code LIMIT 1")).scalar_one_or_none()
    if top is not None:
        bind.execute(sa.text("UPDATE operators SET jurisdiction = :top WHERE jurisdiction IS NULL"), {"top": top})
    else:
        bind.execute(sa.text("DELETE FROM operators WHERE jurisdiction IS NULL"))
    if bind.dialect.name == "sqlite":
        _sqlite_schema(NULLABLE, NOT_NULL)
    else:
        op.alter_column("operators", "jurisdiction", existing_type=sa.String(length=12), nullable=False)
    with op.batch_alter_table("operators", recreate="never") as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("password_hash")
