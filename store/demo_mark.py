"""Whether the demo built a database: its mark, an audit entry the demo's build writes.

Apart from `store.demo` (which loads the demo's generators and name lists) because every command
asks it — `--as` and the demo's default account are for the demo database only
(store.identity)."""

from __future__ import annotations

from sqlalchemy import func, select

from griddesk.store.context import Store
from griddesk.store.models import AuditEntry

DEMO_MARK = "demo.build"  # the audit action that marks a database as a demo


async def is_demo(store: Store) -> bool:
    """Whether the demo built this database (so rebuilding it loses nothing of anyone's)."""
    async with store.db.session() as s:
        q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == DEMO_MARK)
        return bool((await s.execute(q)).scalar_one())
