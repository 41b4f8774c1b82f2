"""Running an import (check the whole table, then write it all or nothing) and an export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from griddesk.store import records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ChangeReason
from griddesk.store.errors import ImportProblems, Invalid
from griddesk.store.i18n import t
from griddesk.store.io import batches
from griddesk.store.io.accounts import Accounts
from griddesk.store.io.areas import Areas
from griddesk.store.io.assignments import Assignments
from griddesk.store.io.base import Col, Job, Kind, Row, mask_export, norm
from griddesk.store.io.batches import RowChange
from griddesk.store.io.grids import Grids
from griddesk.store.io.matters import Matters
from griddesk.store.io.people import People
from griddesk.store.io.tabular import Progress, Table
from griddesk.store.io.units import Units
from griddesk.store.roster.common import check_writer, checked_choice, today

# a fresh instance per import: an import keeps what it loaded on the instance
KINDS: dict[str, type[Kind]] = {k.name: k for k in (Areas, Grids, People, Assignments, Units, Matters, Accounts)}


def map_header(kind: Kind, header: list[str], header_row: int) -> tuple[dict[int, Col], list[tuple[int, str, str]]]:
    """Which file column is which; problems for unknown, repeated and missing columns."""
    lookup: dict[str, Col] = {}
    for col in kind.columns:
        for name in (col.name, col.zh, *col.aliases):
            lookup[norm(name)] = col
    problems: list[tuple[int, str, str]] = []
    mapping: dict[int, Col] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        found = lookup.get(norm(h))
        if found is None:
            problems.append((header_row, h, t("roster.io.unknown_column", columns=", ".join(kind.header))))
        elif found.name in seen:
            problems.append((header_row, h, t("roster.io.duplicate_column", other=seen[found.name])))
        else:
            seen[found.name] = h
            mapping[i] = found
    for col in kind.columns:
        if col.required and col.name not in seen:
            problems.append((header_row, col.name, t("roster.io.missing_column")))
    return mapping, problems


@dataclass
class ImportResult:
    """What an import did (or, as a dry run, would do): counts, the changed rows, the refused rows."""

    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    encoding: str
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)
    changes: list[RowChange] = field(default_factory=list)  # every database row inserted or changed
    batch: int | None = None  # the batch an applied import was recorded as (undo it by this)

    @property
    def refused_rows(self) -> int:
        return len({n for n, _c, _r in self.refused})

    def json(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "refused": self.refused_rows, "dry_run": self.dry_run,
                "encoding": self.encoding, "batch": self.batch}


class ImportRefused(ImportProblems):
    """Some rows were refused, so nothing was written; `result` holds what the good rows would do."""

    def __init__(self, problems: list[tuple[int, str, str]], result: ImportResult | None):
        super().__init__(problems)
        self.result = result


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after it was fully checked."""


async def import_table(store: Store, actor: Actor, kind_name: str, table: Table, *, dry_run: bool = False,
                       progress: Progress | None = None, reason: str = ChangeReason.OTHER,
                       note: str | None = None, source: str = "") -> ImportResult:
    """Check the whole table, then write every row in one transaction — or nothing.

    A dry run writes too, inside the transaction, so its counts and changed fields are the real
    ones, and then rolls back. When rows are refused, nothing is written and `ImportRefused`
    carries the problems and what the other rows would have done. An applied import is recorded
    as a batch (store.io.batches) that `griddesk import undo` can put back."""
    kind = kind_of(kind_name)
    check_writer(actor, kind.writers)
    reason = checked_choice(reason, "grid_change.reason", ChangeReason)
    mapping, problems = map_header(kind, table.header, table.header_row)
    if problems:
        raise ImportRefused(problems, None)
    total = len(table.rows)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress and (done % 1000 < n or done >= 2 * total):
            progress(min(done, 2 * total), 2 * total)

    if progress:
        progress(0, 2 * total)
    now = store.now()
    result: ImportResult | None = None
    refused: ImportRefused | None = None
    try:
        async with store.db.session(write=True) as s:
            job = Job(store, actor, s, now, today(store), reason, note, source)
            rows = []
            for n, cells in table.rows:
                values = {col.name: (table.header[i], cells[i] if i < len(cells) else "") for i, col in mapping.items()}
                rows.append(Row(n, values, job.problems))
            await kind.prepare(job, rows)
            parsed = []
            for r in rows:
                p = kind.check(job, r)
                if p is not None:
                    parsed.append((r, p))
                step(1)
            kind.check_all(job, parsed)
            before = await batches.snapshot(s, kind.tables)
            good = [p for r, p in parsed if r.ok]
            if job.problems:
                job.problems.sort(key=lambda x: x[0])
                refused = ImportRefused(job.problems, await _would(kind, job, good, before, total, table.encoding))
                raise refused
            counts = await kind.write(job, good, step)
            changes = await batches.describe(s, batches.difference(before, await batches.snapshot(s, kind.tables)))
            result = ImportResult(kind.name, total, counts.created, counts.updated, counts.unchanged,
                                  dry_run, table.encoding, changes=changes)
            if dry_run:
                raise _DryRun
            result.batch = await batches.record(s, actor, kind.name, source, now, counts, changes)
            await records.feed(s, kind.entity, None, "imported", now, actor.jurisdiction or None)
            # every row written, with its old values, in the hash-chained log too (the batch keeps
            # them for `import undo`); then one entry for the batch
            for written in dict.fromkeys(c.entity for c in changes):
                await records.audit_rows(s, actor, f"{kind.entity}.import", kind.entity, now,
                                         [(c.key, *typed) for c in changes
                                          if c.entity == written and (typed := c.typed()) is not None],
                                         extra={"table": written, "batch": result.batch})
            await records.audit(s, actor, f"import.{kind.name}", kind.entity, source[-64:] or None, now,
                                {"batch": result.batch, "rows": total, "created": counts.created,
                                 "updated": counts.updated, "unchanged": counts.unchanged,
                                 "encoding": table.encoding})
    except _DryRun:
        pass
    except ImportRefused as e:
        if e is refused and e.result is not None:
            e.result.dry_run = dry_run
        raise
    if progress:
        progress(2 * total, 2 * total)
    assert result is not None
    return result


async def _would(kind: Kind, job: Job, good: list[Any], before: batches.Snapshot, total: int,
                 encoding: str) -> ImportResult | None:
    """What the rows that passed would do, written inside a savepoint that is rolled back: the
    summary beside the refused rows. A write that fails (the refused rows were needed) gives none."""
    try:
        async with job.s.begin_nested() as sp:
            counts = await kind.write(job, good, lambda n: None)
            changes = await batches.describe(job.s, batches.difference(
                before, await batches.snapshot(job.s, kind.tables)))
            await sp.rollback()
    except Exception:  # only the summary is lost; the refusal stands
        return None
    return ImportResult(kind.name, total, counts.created, counts.updated, counts.unchanged, True, encoding,
                        refused=job.problems, changes=changes)


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise Invalid("error.unknown_value", field="kind", value=name, choices=" | ".join(KINDS))
    return kind()


async def export_table(store: Store, actor: Actor, kind_name: str) -> tuple[list[str], list[list[Any]]]:
    """One kind's rows as export writes them, masked for the actor (base.mask_export)."""
    kind = kind_of(kind_name)
    async with store.db.session() as s:
        return kind.header, mask_export(kind, actor, await kind.export(s, actor, store))
