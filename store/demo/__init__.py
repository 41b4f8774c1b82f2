"""The demo town (or every town of a county, `build(county=...)`): a real town's divisions, a full
roster with a few deliberate gaps, the matter list, months of ticket history in every state — and
the live feed that keeps tickets arriving.

`build()` fills an EMPTY, migrated database. The database is ours and empty, so ids are assigned
here and tickets, their timelines and clocks go in as executemany batches of plain tuples, one
transaction per chunk (ORM add is some 50x slower) and never all in memory at once: on a fresh
SQLite file by plain sqlite3 with the big tables' indexes made after the load (bulk.FastLoad).
A big history may be lived in worker processes (chunks), the same data whatever their number.

Every ticket's history is lived through `store.loop` — the same pure function `store.workflow`
applies — on the store's working calendar, cut at `store.now()`: what would happen after now has
not happened yet, so a ticket's status, clocks and nearest deadline agree by construction.

    places   the shipped divisions: which towns, their names
    draws    names, phone numbers, weighted picks
    town     areas, grids, units, matters, people and accounts (the deliberate gaps)
    history  each ticket's life through the loop
    bulk     writing the history's rows in bulk (SQLite executemany, PostgreSQL Core insert)
    chunks   the history in chunks, each with its own random source, here or in worker processes
    build    the whole build, and the database it goes in
    feed     tickets arriving live through the real intake
"""

from griddesk.store.demo.build import (
    COUNTY_GRIDS,
    COUNTY_TICKETS,
    DEMO_MARK,
    MAX_DAYS,
    MAX_TICKETS,
    DemoSummary,
    build,
    check_options,
    database_file,
    database_label,
    database_url,
    is_demo,
    is_empty,
    wipe,
)
from griddesk.store.demo.feed import feed
from griddesk.store.demo.history import REPORT_UP
from griddesk.store.demo.places import DEFAULT_TOWN, DIVISIONS, Place, counties, county_towns, division, towns
from griddesk.store.demo.town import DELIBERATE_GAPS, FEED_LOGIN

__all__ = ["COUNTY_GRIDS", "COUNTY_TICKETS", "DEFAULT_TOWN", "DELIBERATE_GAPS", "DEMO_MARK", "DIVISIONS",
           "FEED_LOGIN", "MAX_DAYS", "MAX_TICKETS", "REPORT_UP", "DemoSummary", "Place", "build", "check_options",
           "counties", "county_towns", "database_file", "database_label", "database_url", "division", "feed",
           "is_demo", "is_empty", "towns", "wipe"]
