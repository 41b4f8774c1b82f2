"""Reading the audit log: list it, export it, and verify its hash chain.

Only shift leaders and administrators read it (`permissions.may_read_audit`). The chain itself
is written by `records.audit` (store/records.py); `verify` recomputes it from the first entry
and names the first entry whose hash or link does not match — an edited entry, a deleted one
(the next entry's link no longer matches) or two entries swapped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from griddesk.store import permissions, private_files, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import AUDIT_FORMATS
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.models import AuditEntry
from griddesk.store.timefmt import iso

FORMATS = AUDIT_FORMATS
HEADER = ["id", "at", "actor", "action", "entity", "key", "detail", "prev_hash", "hash"]
BATCH = 5000


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    actor: str | None = None  # a login, or part of the actor label
    action: str | None = None  # an action, or its prefix ("ticket." for every workflow action)
    limit: int = 100  # newest first; 0 = all


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str | None
    detail: dict[str, Any] | None
    prev_hash: str | None
    hash: str | None

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "at": iso(self.at), "actor": self.actor, "action": self.action,
                "entity": self.entity, "key": self.key, "detail": self.detail, "prev_hash": self.prev_hash,
                "hash": self.hash}

    def cells(self) -> list[Any]:
        return [self.id, iso(self.at), self.actor, self.action, self.entity, self.key,
                json.dumps(self.detail, ensure_ascii=False, sort_keys=True) if self.detail is not None else None,
                self.prev_hash, self.hash]


@dataclass(frozen=True)
class Verdict:
    intact: bool
    entries: int
    broken_id: int | None = None
    reason: str | None = None  # "hash" (the entry was changed) or "link" (one before it is gone or moved)


def check_reader(actor: Actor) -> None:
    if not permissions.may_read_audit(actor):
        raise NotAllowed("error.not_allowed", role=t(f"role.{actor.role}"))


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(e.id, e.at, e.actor, e.action, e.entity, e.entity_key, e.detail, e.prev_hash, e.hash)


def _query(f: AuditFilter) -> Select[AuditEntry]:
    q = select(AuditEntry)
    if f.since is not None:
        q = q.where(AuditEntry.at >= f.since)
    if f.actor:
        # labels read "name(login)": a login matches exactly, anything else as part of the label
        q = q.where(AuditEntry.actor.like(f"%({f.actor})") | AuditEntry.actor.contains(f.actor))
    if f.action:
        q = q.where((AuditEntry.action == f.action) | AuditEntry.action.startswith(f.action.rstrip(".") + "."))
    return q


async def entries(store: Store, actor: Actor, f: AuditFilter = AuditFilter()) -> list[AuditRow]:
    """Entries matching `f`, newest first."""
    check_reader(actor)
    if f.limit < 0:
        raise Invalid("error.unknown_value", field="limit", value=f.limit, choices="0, 1, 2, …")
    q = _query(f).order_by(AuditEntry.id.desc())
    if f.limit:
        q = q.limit(f.limit)
    async with store.db.session() as s:
        return [_row(e) for e in (await s.execute(q)).scalars()]


async def verify(store: Store, actor: Actor) -> Verdict:
    """Recompute the chain from the first entry; the first entry that does not match breaks it."""
    check_reader(actor)
    prev, n, after = "", 0, 0
    async with store.db.session() as s:
        while True:
            q = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(BATCH)
            batch = list((await s.execute(q)).scalars())
            for e in batch:
                n += 1
                if (e.prev_hash or "") != prev:
                    return Verdict(False, n, e.id, "link")
                want = records.entry_hash(prev, e.at, e.actor, e.action, e.entity, e.entity_key, e.detail)
                if e.hash != want:
                    return Verdict(False, n, e.id, "hash")
                prev = e.hash
            if len(batch) < BATCH:
                return Verdict(True, n)
            after = batch[-1].id


def format_of(path: str | Path, fmt: str | None) -> str:
    chosen = fmt or Path(path).suffix.lstrip(".").lower()
    if chosen not in FORMATS:
        raise Invalid("error.unknown_value", field="format", value=chosen or str(path), choices=" | ".join(FORMATS))
    return chosen


async def export_file(store: Store, actor: Actor, path: str | Path, fmt: str | None = None,
                      f: AuditFilter = AuditFilter(limit=0)) -> int:
    """Write the entries matching `f` (oldest first) to a 0600 file; the export is audited too."""
    from griddesk.store.io.tabular import write_csv, write_xlsx

    check_reader(actor)
    fmt = format_of(path, fmt)
    rows = list(reversed(await entries(store, actor, f)))
    if fmt == "jsonl":
        private_files.write_text(path, "".join(json.dumps(r.json(), ensure_ascii=False) + "\n" for r in rows))
    elif fmt == "xlsx":
        write_xlsx(path, HEADER, [r.cells() for r in rows], sheet="audit")
    else:
        write_csv(path, HEADER, [r.cells() for r in rows])
    await record_export(store, actor, "audit", len(rows), {"since": iso(f.since), "actor": f.actor,
                                                            "action": f.action, "format": fmt})
    return len(rows)


async def record_export(store: Store, actor: Actor, kind: str, rows: int, filters: dict[str, Any] | None = None,
                        key: str | None = None) -> None:
    """An export, in the audit log: what kind, how many rows, with which filters."""
    async with store.db.session(write=True) as s:
        await records.audit(s, actor, "export", "export", key or kind, store.now(),
                            {"kind": kind, "rows": rows,
                             "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "", [], ())}})


async def record_read(store: Store, actor: Actor, number: str) -> None:
    """A ticket's detail was read (ticket show / the ticket screen); lists are not recorded."""
    async with store.db.session(write=True) as s:
        await records.audit(s, actor, "read", "ticket", number, store.now())
