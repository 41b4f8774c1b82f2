"""Import and export of the roster and the matter list as CSV or XLSX files.

    result = await store.io.import_file(store, actor, "grids", "grids.csv", progress=cb)
    count = await store.io.export_file(store, actor, "people", "people.xlsx")

Kinds: areas, grids, people, assignments, units, matters, accounts (no password hashes), a module
each under store.io saying what each column is and how rows are matched by natural key
(store.io.base holds what they share, store.io.runner runs them). A file is checked whole before
anything is written: either every
row goes in, in one transaction, or nothing does and `store.errors.ImportProblems` lists
(row, column, reason) for every problem. An applied import is a batch (store.io.batches) that
`undo` puts back; `dry_run` shows the same changes and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from griddesk.store.actor import Actor
from griddesk.store.audit import record_export
from griddesk.store.context import Store
from griddesk.store.enums import ChangeReason
from griddesk.store.io.batches import BatchInfo, RowChange, UndoConflict, UndoResult, history, undo
from griddesk.store.io.runner import KINDS, ImportRefused, ImportResult, export_table, import_table
from griddesk.store.io.tabular import (
    ENCODINGS,
    FORMATS,
    Progress,
    format_of,
    neutral,
    read_table,
    write_csv,
    write_xlsx,
)

__all__ = ["ENCODINGS", "FORMATS", "KINDS", "BatchInfo", "ImportRefused", "ImportResult", "RowChange",
           "UndoConflict", "UndoResult", "export_file", "export_table", "history", "import_file", "import_table",
           "neutral", "read_table", "undo"]


async def import_file(store: Store, actor: Actor, kind: str, path: str | Path, *, encoding: str = "auto",
                      fmt: str | None = None, dry_run: bool = False, progress: Progress | None = None,
                      reason: str = ChangeReason.OTHER, note: str | None = None) -> ImportResult:
    """Read a CSV/XLSX file and import it whole (or, with `dry_run`, only check it)."""
    table = read_table(path, encoding, fmt, sheet=kind)
    return await import_table(store, actor, kind, table, dry_run=dry_run, progress=progress, reason=reason,
                              note=note, source=Path(path).name)


async def export_file(store: Store, actor: Actor, kind: str, path: str | Path, *, fmt: str | None = None,
                      encoding: str = "utf-8", progress: Progress | None = None) -> int:
    """Write one kind to a CSV (UTF-8 with BOM, or GBK) or XLSX file; returns the rows written."""
    fmt = format_of(path, fmt)
    header, rows = await export_table(store, actor, kind)
    if fmt == "xlsx":
        write_xlsx(path, header, rows, sheet=kind, progress=progress)
    else:
        write_csv(path, header, rows, encoding=encoding, progress=progress)
    await record_export(store, actor, kind, len(rows), {"format": fmt}, key=Path(path).name)
    return len(rows)
