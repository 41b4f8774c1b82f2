"""What every write appends: the ticket timeline, the change feed, the audit log; and numbering.

These are called inside the caller's write transaction, so the record and the change are
committed together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from griddesk.store.actor import Actor
from griddesk.store.analytics import rollups
from griddesk.store.models import AuditEntry, Change, Counter, TimelineEntry


async def changing(s: AsyncSession, ticket_id: int, new: bool = False) -> None:
    """Call before the first write to a ticket in a write transaction (`new`: just inserted):
    its analytics rollups then move by the ticket's own rows (`rollups.before`) instead of its
    town-days being recomputed."""
    await rollups.before(s, ticket_id, new)


def _timeline(ticket_id: int, actor: Actor, action: str, at: datetime, from_status: str | None,
              to_status: str | None, note: str | None, data: dict[str, Any] | None) -> Any:
    return insert(TimelineEntry).values(ticket_id=ticket_id, at=at, actor=actor.label, action=action,
                                        from_status=from_status, to_status=to_status, note=note, data=data)


async def timeline(s: AsyncSession, ticket_id: int, actor: Actor, action: str, at: datetime,
                   from_status: str | None = None, to_status: str | None = None,
                   note: str | None = None, data: dict[str, Any] | None = None) -> None:
    await s.execute(_timeline(ticket_id, actor, action, at, from_status, to_status, note, data))
    rollups.mark(s, ticket_id, at)  # its analytics rollups are recomputed before the commit


def timeline_sync(c: SyncExecutor, before: rollups.Before, ticket_id: int, actor: Actor, action: str,
                  at: datetime, from_status: str | None = None, to_status: str | None = None,
                  note: str | None = None, data: dict[str, Any] | None = None) -> None:
    """`timeline` inside a synchronous write (`Database.write_sync`): `before`, the ticket's
    rollup rows that `rollups.before_sync` took before its first write, are moved to what the
    ticket is now (the last statement about the ticket: call it after its other writes)."""
    c.execute(_timeline(ticket_id, actor, action, at, from_status, to_status, note, data))
    rollups.move_sync(c, before)


def _feed(entity: str, entity_id: int | None, kind: str, at: datetime, area_code: str | None) -> Any:
    return insert(Change).values(at=at, entity=entity, entity_id=entity_id, kind=kind, area_code=area_code)


async def feed(s: AsyncSession, entity: str, entity_id: int | None, kind: str, at: datetime,
               area_code: str | None = None) -> None:
    await s.execute(_feed(entity, entity_id, kind, at, area_code))


def feed_sync(c: SyncExecutor, entity: str, entity_id: int | None, kind: str, at: datetime,
              area_code: str | None = None) -> None:
    c.execute(_feed(entity, entity_id, kind, at, area_code))


# --- the audit log: a hash chain ------------------------------------------------------------
# Each entry's hash is sha256(previous entry's hash + the entry's canonical JSON), so editing,
# deleting or reordering an entry breaks the chain from there on (`audit.verify`). Appends are
# serialised: SQLite's write transactions are already one at a time (BEGIN IMMEDIATE); on
# PostgreSQL a transaction-scoped advisory lock makes concurrent writers take turns.

CHAIN_LOCK = 0x6764_6175_6469_74  # "gdaudit": the advisory lock key of the audit chain
Executor = AsyncSession | AsyncConnection
SyncExecutor = Session | Connection


def canonical(at: datetime, actor: str, action: str, entity: str, key: str | None,
              detail: dict[str, Any] | None) -> str:
    """One entry as JSON with sorted keys and no spaces: the same bytes however it was read."""
    return json.dumps({"at": at.isoformat(), "actor": actor, "action": action, "entity": entity, "key": key,
                       "detail": detail}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, key: str | None,
               detail: dict[str, Any] | None) -> str:
    data = prev_hash + canonical(at, actor, action, entity, key, detail)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _plain(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """The detail as the JSON column gives it back (dates as text, tuples as lists), so the hash
    computed now is the one `verify` computes from the stored row."""
    return None if detail is None else json.loads(json.dumps(detail, ensure_ascii=False, default=str))


# actor label, action, entity, key, at, detail
Entry = tuple[str, str, str, str | None, datetime, dict[str, Any] | None]
CHUNK = 1000


async def append_many(s: Executor, entries: list[Entry]) -> None:
    """Append entries to the chain in order, inside the caller's write transaction."""
    if entries:
        await s.run_sync(append_many_sync, entries)


def append_many_sync(s: SyncExecutor, entries: list[Entry]) -> None:
    """`append_many` on a synchronous Session or Connection (`Database.write_sync`)."""
    if not entries:
        return
    bind = s.get_bind() if isinstance(s, Session) else s
    if bind.dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    prev = s.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar() or ""
    values = []
    for label, action, entity, key, at, detail in entries:
        detail = _plain(detail)
        at = at.astimezone(UTC)  # as the column gives it back
        key = key[:64] if key else key
        digest = entry_hash(prev, at, label, action, entity, key, detail)
        values.append({"at": at, "actor": label, "action": action, "entity": entity, "entity_key": key,
                       "detail": detail, "prev_hash": prev, "hash": digest})
        prev = digest
    for i in range(0, len(values), CHUNK):
        # executemany keeps the order of the list, so ids follow the chain
        s.execute(insert(AuditEntry.metadata.tables[AuditEntry.__tablename__]), values[i:i + CHUNK])  # Core


async def append_audit(s: Executor, actor_label: str, action: str, entity: str, key: str | None,
                       at: datetime, detail: dict[str, Any] | None = None) -> None:
    await append_many(s, [(actor_label, action, entity, key, at, detail)])


async def audit(s: Executor, actor: Actor, action: str, entity: str, key: str | None,
                at: datetime, detail: dict[str, Any] | None = None) -> None:
    await append_many(s, [(actor.label, action, entity, key, at, detail)])


# fields an audit entry never holds, whatever the caller passed (an account's password hash)
SECRET_FIELDS = frozenset({"password", "password_hash", "hash", "token", "secret"})


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in SECRET_FIELDS}


def change_detail(old: dict[str, Any] | None, new: dict[str, Any] | None,
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """{"old": …, "new": …}: only the fields that differ when both are given; never a secret."""
    old, new = _clean(old), _clean(new)
    if old is not None and new is not None:
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        old = {k: old.get(k) for k in changed}
        new = {k: new.get(k) for k in changed}
    return {**(extra or {}), "old": old, "new": new}


def change_action(entity: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    return f"{entity}.{'create' if old is None else 'delete' if new is None else 'update'}"


async def audit_change(s: Executor, actor: Actor, entity: str, key: str | None, old: dict[str, Any] | None,
                       new: dict[str, Any] | None, *, at: datetime, action: str | None = None,
                       extra: dict[str, Any] | None = None) -> None:
    """A write with what it changed: `old` (None when created) and `new` (None when deleted).
    `action` defaults to "<entity>.create" / ".update" / ".delete"."""
    await audit(s, actor, action or change_action(entity, old, new), entity, key, at,
                change_detail(old, new, extra))


async def audit_rows(s: Executor, actor: Actor, action: str | None, entity: str, at: datetime,
                     rows: list[tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]],
                     extra: dict[str, Any] | None = None) -> None:
    """One entry per changed row of a bulk write (an import): key, old values, new values."""
    await append_many(s, [(actor.label, action or change_action(entity, old, new), entity, key, at,
                           change_detail(old, new, extra)) for key, old, new in rows])


async def next_number(s: AsyncSession, key: str) -> int:
    return await s.run_sync(next_number_sync, key)


def next_number_sync(s: SyncExecutor, key: str) -> int:
    """Atomically take the next value of a counter.

    UPDATE … RETURNING first (the common case, and it locks the row on both backends); when the
    counter does not exist yet, INSERT it — a concurrent first insert on PostgreSQL loses on the
    primary key, and the loser retries the UPDATE inside a savepoint.
    """
    stmt = update(Counter).where(Counter.key == key).values(value=Counter.value + 1).returning(Counter.value)
    got = s.execute(stmt).scalar_one_or_none()
    if got is not None:
        return got
    try:
        with s.begin_nested():
            s.execute(insert(Counter).values(key=key, value=1))
        return 1
    except Exception:  # IntegrityError: another writer created it first
        return s.execute(stmt).scalar_one()
