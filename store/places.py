"""Place names for display: the name of a division code (the console header's centre name)."""

from __future__ import annotations

from sqlalchemy import select

from griddesk.store.context import Store
from griddesk.store.models import Area


async def area_name(store: Store, code: str) -> str | None:
    """The name of the area with this division code, or None when the code is unknown."""
    async with store.db.session() as s:
        return (await s.execute(select(Area.name).where(Area.code == code))).scalar_one_or_none()
