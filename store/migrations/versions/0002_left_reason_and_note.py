"""people: split left_reason ("reason: note") into left_reason and left_note

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# enums.LeaveReason as it stood when this ran: a migration must not change with the code
REASONS = ("failed_reviews", "dereliction", "incompetent", "resigned", "transferred", "other")

people = sa.table("people", sa.column("id", sa.Integer()), sa.column("left_reason", sa.Text()),
                  sa.column("left_note", sa.Text()))


def split(value: str | None) -> tuple[str | None, str | None]:
    """How the packed column read: "code" or "code: note"; anything else is "other" with the
    whole text as its note."""
    if not value:
        return None, None
    code, _, note = value.partition(":")
    if code in REASONS:
        return code, note.strip() or None
    return "other", value


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:  # on SQLite a plain ADD COLUMN, no rebuild
        batch_op.add_column(sa.Column("left_note", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(people.c.id, people.c.left_reason).where(people.c.left_reason.is_not(None)))
    for pid, packed in rows.all():
        reason, note = split(packed)
        bind.execute(people.update().where(people.c.id == pid).values(left_reason=reason, left_note=note))
    # SQLite keeps VARCHAR and TEXT alike, and rebuilding `people` there would trip the foreign
    # keys that point at it: only PostgreSQL narrows the column
    if bind.dialect.name != "sqlite":
        op.alter_column("people", "left_reason", type_=sa.String(length=16), existing_type=sa.Text(),
                        existing_nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("people", "left_reason", type_=sa.Text(), existing_type=sa.String(length=16),
                        existing_nullable=True)
    rows = bind.execute(sa.select(people.c.id, people.c.left_reason, people.c.left_note)
                        .where(people.c.left_note.is_not(None)))
    for pid, reason, note in rows.all():
        bind.execute(people.update().where(people.c.id == pid)
                     .values(left_reason=f"{reason or 'other'}: {note}"))
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("left_note")
