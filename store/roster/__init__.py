"""The grid roster: the area tree, grid changes with their record, people and assignments.

Reads are scoped to the actor's jurisdiction (a division-code prefix). Every write checks the
actor, runs in one transaction and appends change-feed and audit entries with the change.

    tree      the area tree and grid lists (reads)
    grids     one grid, the change record; create, adjust, split, merge, retire, file; micro-grids
    people    people, reviews, leaving
    assignments  who holds which role on which grid
    rules     the rules the importer shares: one leader, a professional's unit, leaving, cards
    common    who may write, the jurisdiction check, field checks
    names     pinyin search keys

Callers use `from griddesk.store import roster` and `roster.x(...)`: the names below are the
roster's public interface.
"""

from griddesk.store.roster.assignments import assign, unassign
from griddesk.store.roster.common import FILERS, WRITERS, check_covers, check_writer, today
from griddesk.store.roster.grids import (
    SPEC_FIELDS,
    ChangeRow,
    GridDetail,
    GridSpec,
    add_micro_grid,
    adjust_grid,
    changes,
    create_grid,
    file_change,
    grid,
    merge_grids,
    retire_grid,
    split_grid,
)
from griddesk.store.roster.names import name_keys
from griddesk.store.roster.people import (
    PERSON_FIELDS,
    PersonRow,
    PersonSpec,
    create_person,
    people,
    person,
    person_leaves,
    record_review,
    update_person,
)
from griddesk.store.roster.rules import CARD_ROLES, GRID_ROLES
from griddesk.store.roster.tree import AreaNode, GridRow, Member, MicroGridRow, area, grids, tree

__all__ = [
    "CARD_ROLES", "FILERS", "GRID_ROLES", "PERSON_FIELDS", "SPEC_FIELDS", "WRITERS",
    "AreaNode", "ChangeRow", "GridDetail", "GridRow", "GridSpec", "Member", "MicroGridRow", "PersonRow", "PersonSpec",
    "add_micro_grid", "adjust_grid", "area", "assign", "changes", "check_covers", "check_writer",
    "create_grid", "create_person", "file_change", "grid", "grids", "merge_grids",
    "name_keys", "people", "person", "person_leaves", "record_review", "retire_grid", "split_grid", "today", "tree",
    "unassign", "update_person",
]
