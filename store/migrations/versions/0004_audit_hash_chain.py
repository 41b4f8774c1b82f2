"""audit_log: hash chain (prev_hash, hash), existing entries chained in id order

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from griddesk.store import models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

audit_log = sa.table("audit_log", sa.column("id", sa.BigInteger()), sa.column("at", models.UTCDateTime()),
                     sa.column("actor", sa.String()), sa.column("action", sa.String()),
                     sa.column("entity", sa.String()), sa.column("entity_key", sa.String()),
                     sa.column("detail", sa.JSON()), sa.column("prev_hash", sa.String()),
                     sa.column("hash", sa.String()))


def entry_hash(prev: str, at: datetime, actor: str, action: str, entity: str, key: str | None,
               detail: Any) -> str:
    """store/records.py's hash as it stood when this ran (a migration must not change with the code)."""
    body = json.dumps({"at": at.astimezone(UTC).isoformat(), "actor": actor, "action": action, "entity": entity,
                       "key": key, "detail": detail}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:  # on SQLite plain ADD COLUMNs, no rebuild
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.action,
                                  audit_log.c.entity, audit_log.c.entity_key, audit_log.c.detail)
                        .order_by(audit_log.c.id)).all()
    prev = ""
    for rid, at, actor, action, entity, key, detail in rows:
        digest = entry_hash(prev, at, actor, action, entity, key, detail)
        bind.execute(audit_log.update().where(audit_log.c.id == rid).values(prev_hash=prev, hash=digest))
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
