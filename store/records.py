"""What every write appends: the ticket timeline, the change feed, the audit log; and numbering.

These are called inside the caller's write transaction, so the record and the change are
committed together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.actor import Actor
from griddesk.store.models import AuditEntry, Change, Counter, TimelineEntry


async def timeline(s: AsyncSession, ticket_id: int, actor: Actor, action: str, at: datetime,
                   from_status: str | None = None, to_status: str | None = None,
                   note: str | None = None, data: dict[str, Any] | None = None) -> None:
    await s.execute(insert(TimelineEntry).values(
        ticket_id=ticket_id, at=at, actor=actor.label, action=action, from_status=from_status,
        to_status=to_status, note=note, data=data))


async def feed(s: AsyncSession, entity: str, entity_id: int | None, kind: str, at: datetime,
               area_code: str | None = None) -> None:
    await s.execute(insert(Change).values(at=at, entity=entity, entity_id=entity_id, kind=kind,
                                          area_code=area_code))


async def audit(s: AsyncSession, actor: Actor, action: str, entity: str, key: str | None,
                at: datetime, detail: dict[str, Any] | None = None) -> None:
    await s.execute(insert(AuditEntry).values(at=at, actor=actor.label, action=action,
                                              entity=entity, entity_key=key, detail=detail))


async def next_number(s: AsyncSession, key: str) -> int:
    """Atomically take the next value of a counter.

    UPDATE … RETURNING first (the common case, and it locks the row on both backends); when the
    counter does not exist yet, INSERT it — a concurrent first insert on PostgreSQL loses on the
    primary key, and the loser retries the UPDATE inside a savepoint.
    """
    stmt = update(Counter).where(Counter.key == key).values(value=Counter.value + 1).returning(Counter.value)
    got = (await s.execute(stmt)).scalar_one_or_none()
    if got is not None:
        return got
    try:
        async with s.begin_nested():
            await s.execute(insert(Counter).values(key=key, value=1))
        return 1
    except Exception:  # IntegrityError: another writer created it first
        return (await s.execute(stmt)).scalar_one()
