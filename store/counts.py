"""The header's numbers: open, due soon, overdue and escalations, as the console's header and the
wall's boxes show them.

A county (or city) centre counts what its towns reported up or handed over
(`escalation.county_queue`), not the towns' own flags.
"""

from __future__ import annotations

from dataclasses import replace

from griddesk.store import escalation, permissions, queue
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.errors import StoreError


async def header_counts(store: Store, actor: Actor) -> queue.Counts:
    counts = await queue.counts(store, actor)
    if permissions.above_town(actor.jurisdiction) and permissions.may_write(actor, permissions.CENTRE):
        try:
            arrived = await escalation.county_queue(store, actor)
        except StoreError:
            return counts
        counts = replace(counts, escalations=len(arrived))
    return counts
