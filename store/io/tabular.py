"""Reading and writing tables: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX.

Chinese spreadsheet software often saves CSV in GBK, so on "auto" a file is read as UTF-8
(a BOM is dropped) and, when that fails, as GB18030 (a superset of GBK with the same bytes for
every GBK character). CSV is written as UTF-8 with a BOM, which spreadsheet programs need to
recognise UTF-8, or as GBK (`encoding="gbk"`) for older ones.

Row numbers are the spreadsheet's: the header is row 1, the first data row row 2, so a problem
reported as "row 7" is the row the operator sees as 7.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from griddesk.store import private_files
from griddesk.store.errors import ImportProblems, Invalid
from griddesk.store.i18n import t

ENCODINGS = ("auto", "utf-8", "gbk")
FORMATS = ("csv", "xlsx")
ZIP_MAGIC = b"PK\x03\x04"
# GB18030 decodes almost any byte string; text in the Private Use Area means it guessed wrong
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

Progress = Callable[[int, int], None]


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    encoding: str  # what was read: utf-8, utf-8-sig, gb18030, xlsx
    header_row: int = 1


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """The format asked for, else the file's extension (.xlsx → xlsx, anything else → csv)."""
    if fmt:
        if fmt not in FORMATS:
            raise Invalid("error.unknown_value", field="format", value=fmt, choices=" | ".join(FORMATS))
        return fmt
    return "xlsx" if str(path).lower().endswith((".xlsx", ".xlsm")) else "csv"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Bytes → (text, encoding used); `ImportProblems` naming the line that does not decode."""
    if encoding not in ENCODINGS:
        raise Invalid("error.unknown_value", field="encoding", value=encoding, choices=" | ".join(ENCODINGS))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportProblems([(1, "", t("roster.io.binary"))])
    tries = {"auto": ("utf-8-sig", "gb18030"), "utf-8": ("utf-8-sig",), "gbk": ("gb18030",)}[encoding]
    first_error: UnicodeDecodeError | None = None
    for enc in tries:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as e:
            first_error = first_error or e
            continue
        if enc == "gb18030" and encoding == "auto" and _PRIVATE_USE.search(text):
            pos = _PRIVATE_USE.search(text).start()  # type: ignore[union-attr]
            raise ImportProblems([(text.count("\n", 0, pos) + 1, "", t("roster.io.bad_encoding"))])
        return text, ("utf-8" if enc == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else enc)
    assert first_error is not None
    if encoding == "auto":
        key = "roster.io.bad_encoding"
    else:
        key = f"roster.io.not_{'utf8' if encoding == 'utf-8' else 'gbk'}"
    raise ImportProblems([(_line_of(data, first_error.start), "", t(key))])


def _table(records: Iterable[tuple[int, list[str]]], encoding: str) -> Table:
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, list[str]]] = []
    for n, cells in records:
        cells = [c.strip() if isinstance(c, str) else c for c in cells]
        if header is None:
            if not any(cells):
                continue  # blank lines above the header
            header, header_row = cells, n
            continue
        if any(cells):
            rows.append((n, cells))
    if header is None:
        raise ImportProblems([(1, "", t("roster.io.empty_file"))])
    while header and not header[-1]:
        header.pop()
    return Table(header, rows, encoding, header_row)


def read_csv_text(text: str, encoding: str = "utf-8") -> Table:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(((i, row) for i, row in enumerate(reader, start=1)), encoding)
    except csv.Error as e:
        raise ImportProblems([(reader.line_num, "", t("roster.io.bad_csv", reason=str(e)))]) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(source: str | Path | io.BytesIO, sheet: str | None = None) -> Table:
    """The sheet named `sheet` if there is one, else the first sheet."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ImportProblems([(1, "", t("roster.io.bad_xlsx", reason=str(e) or type(e).__name__))]) from None
    try:
        ws = wb[sheet] if sheet and sheet in wb.sheetnames else wb.worksheets[0]
        records = ((i, [_cell(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), start=1))
        return _table(records, "xlsx")
    finally:
        wb.close()


def read_table(path: str | Path, encoding: str = "auto", fmt: str | None = None, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file whole. An XLSX file given a .csv name is still read as XLSX."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Invalid("roster.io.cannot_read", path=str(path), reason=e.strerror or str(e)) from None
    if not data.strip():
        raise ImportProblems([(1, "", t("roster.io.empty_file"))])
    if data.startswith(ZIP_MAGIC) or format_of(path, fmt) == "xlsx":
        if not data.startswith(ZIP_MAGIC):
            raise ImportProblems([(1, "", t("roster.io.bad_xlsx", reason="not a zip archive"))])
        return read_xlsx(io.BytesIO(data), sheet)
    text, used = decode(data, encoding)
    return read_csv_text(text, used)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]],
              encoding: str = "utf-8", progress: Progress | None = None) -> None:
    if encoding not in ("utf-8", "gbk"):
        raise Invalid("error.unknown_value", field="encoding", value=encoding, choices="utf-8 | gbk")
    enc = "utf-8-sig" if encoding == "utf-8" else "gb18030"
    with private_files.open_text(path, encoding=enc, newline="") as f:
        w = csv.writer(f)  # \r\n line ends, as spreadsheet programs write them
        w.writerow(header)
        total = len(rows)
        for i, row in enumerate(rows, start=1):
            w.writerow([_text(v) for v in row])
            if progress and (i % 5000 == 0 or i == total):
                progress(i, total)


def write_xlsx(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "data",
               progress: Progress | None = None) -> None:
    """Codes and other text stay text cells (no scientific notation); counts stay numbers."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append(list(header))
    total = len(rows)
    for i, row in enumerate(rows, start=1):
        ws.append([v.isoformat() if isinstance(v, date) else v for v in row])
        if progress and (i % 5000 == 0 or i == total):
            progress(i, total)
    private_files.create(path)  # exports hold personal data: 0600 before the first byte
    wb.save(path)
