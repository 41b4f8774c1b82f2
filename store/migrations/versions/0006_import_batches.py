"""import batches (undo an import) and people.id_number (a person's natural key)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griddesk.store import models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:  # on SQLite a plain ADD COLUMN, no rebuild
        batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_id_number"), ["id_number"], unique=False)
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("undone_at", models.UTCDateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "import_batch_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("natural_key", sa.String(length=255), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"],
                                name=op.f("fk_import_batch_rows_batch_id_import_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch_rows")),
    )
    with op.batch_alter_table("import_batch_rows") as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_rows_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_batch_rows") as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_rows_batch_id"))
    op.drop_table("import_batch_rows")
    op.drop_table("import_batches")
    op.drop_index(op.f("ix_people_id_number"), table_name="people")
    # ALTER TABLE … DROP COLUMN on both backends (SQLite ≥ 3.35): a batch copy of `people` would
    # drop a table other tables' foreign keys point at
    op.drop_column("people", "id_number")
