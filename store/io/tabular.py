"""Reading and writing tables: CSV (UTF-8 with or without BOM, GBK/GB18030, UTF-16 with BOM) and XLSX.

Chinese spreadsheet software often saves CSV in GBK, so on "auto" a file is read as UTF-8
(a BOM is dropped) and, when that fails, as GB18030 (a superset of GBK with the same bytes for
every GBK character). GB18030 decodes almost any bytes, so what it gives is checked to be
plausible Chinese (`plausible`): a Shift-JIS file read as GB18030 is mostly rare characters
outside GB2312, and a file whose Chinese already became `?` is refused too. CSV is written as
UTF-8 with a BOM, which spreadsheet programs need to recognise UTF-8, or as GBK
(`encoding="gbk"`) for older ones.

Formula injection: a CSV cell beginning with `= + - @`, tab or CR is written with one leading
`'` (`neutral`), which reading takes back off (`unneutral`), so export → import is exact; in
XLSX such values are text cells (data_type 's'), never formulas. `griddesk tickets list --format
csv` writes through the same `neutral`.

Row numbers are the spreadsheet's: the header is row 1, the first data row row 2, so a problem
reported as "row 7" is the row the operator sees as 7.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from griddesk.store import private_files
from griddesk.store.errors import ImportProblems, Invalid
from griddesk.store.i18n import t

ENCODINGS = ("auto", "utf-8", "gbk", "utf-16")
FORMATS = ("csv", "xlsx")
ZIP_MAGIC = b"PK\x03\x04"
# GB18030 decodes almost any byte string; text in the Private Use Area means it guessed wrong
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# characters a spreadsheet program reads as the start of a formula (or of a DDE call)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
# text that was damaged before it was saved: its characters became "?" (or U+FFFD)
_DAMAGED = re.compile("\\?{2,}|\ufffd")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# what ordinary Chinese text holds besides ideographs: CJK punctuation, full-width forms, a few
# signs (· × ° №); accented Latin letters are not among them — "µØ½Ç" is GBK read as Latin-1
_CHINESE_EXTRA = re.compile("[\u00a0\u00b0\u00b1\u00b7\u00d7\u00f7\u2000-\u206f\u2116\u2160-\u216f"
                            "\u2190-\u21ff\u2460-\u24ff\u25a0-\u25ff\u3000-\u303f\uff00-\uffef]")
MIN_SAMPLE = 4  # fewer non-ASCII characters than this prove nothing either way
MIN_CJK_SHARE = 0.6  # of the non-ASCII characters
MAX_RARE_SHARE = 0.25  # of the ideographs: outside GB2312 (6,763 characters cover everyday text)

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


def neutral(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, with one protective `'` in front.

    A value that already begins with `'` and then such a character gets one more, so that
    `unneutral` (which takes exactly one off) gives back exactly what was written."""
    if isinstance(value, str) and value and (value.startswith(DANGEROUS) or _NEUTRALISED.match(value)):
        return "'" + value
    return value


def unneutral(value: str) -> str:
    """What `neutral` wrote, back as it was."""
    return value[1:] if _NEUTRALISED.match(value) else value


def _is_rare(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return False
    except UnicodeEncodeError:
        return True


def plausible(text: str) -> bool:
    """Does decoded text read as Chinese (or plain ASCII)? Mojibake is mostly rare ideographs,
    kana, symbols or private-use characters; real roster text is mostly GB2312 ideographs."""
    other = [ch for ch in text if ord(ch) > 0x7F and ch not in "\ufeff"]
    if len(other) < MIN_SAMPLE:
        return not _PRIVATE_USE.search(text)
    cjk = [ch for ch in other if _CJK.match(ch)]
    extra = sum(1 for ch in other if _CHINESE_EXTRA.match(ch))
    if (len(cjk) + extra) / len(other) < MIN_CJK_SHARE:
        return False
    if _PRIVATE_USE.search(text):
        return False
    rare = sum(1 for ch in cjk if _is_rare(ch))
    return not cjk or rare / len(cjk) <= MAX_RARE_SHARE


def _guess_name(enc: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030/GBK", "utf-16": "UTF-16"}.get(enc, enc)


def decode(data: bytes, encoding: str = "auto", source: str = "") -> tuple[str, str]:
    """Bytes → (text, encoding used); `ImportProblems` naming the line that does not decode, or
    the file and the encoding guessed when the text decodes but is not plausible Chinese."""
    if encoding not in ENCODINGS:
        raise Invalid("error.unknown_value", field="encoding", value=encoding, choices=" | ".join(ENCODINGS))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding in ("auto", "utf-16"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportProblems([(1, "", t("io.bad_encoding", file=source, guess="UTF-16"))]) from None
        _check_plausible(text, "utf-16", source)
        return text, "utf-16"
    if encoding == "utf-16":
        raise ImportProblems([(1, "", t("io.utf16_needs_bom", file=source))])
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
        if encoding == "auto":  # UTF-8 can carry mojibake too ("åœ°è§’" was saved as UTF-8 after a wrong read)
            _check_plausible(text, enc, source)
        used = "utf-8" if enc == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else enc
        return text, used
    assert first_error is not None
    if encoding == "auto":
        key = "roster.io.bad_encoding"
    else:
        key = f"roster.io.not_{'utf8' if encoding == 'utf-8' else 'gbk'}"
    raise ImportProblems([(_line_of(data, first_error.start), "", t(key))])


def _check_plausible(text: str, enc: str, source: str) -> None:
    if not plausible(text):
        raise ImportProblems([(1, "", t("io.implausible", file=source, guess=_guess_name(enc)))])


def check_damaged(table: Table, source: str) -> None:
    """Refuse a table whose text had already become `?` (or U+FFFD) before it was saved."""
    problems = []
    for n, cells in table.rows:
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and _DAMAGED.search(cell):
                col = table.header[i] if i < len(table.header) else ""
                problems.append((n, col, t("io.damaged", file=source, guess=_guess_name(table.encoding),
                                           value=cell[:40])))
    if problems:
        raise ImportProblems(problems)


def _table(records: Iterable[tuple[int, list[str]]], encoding: str, unprotect: bool = False) -> Table:
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, list[str]]] = []
    for n, cells in records:
        cells = [c.strip() if isinstance(c, str) else c for c in cells]
        if unprotect:
            cells = [unneutral(c) for c in cells]
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
        return _table(((i, row) for i, row in enumerate(reader, start=1)), encoding, unprotect=True)
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
    """The sheet named `sheet` if there is one, else the first sheet.

    A damaged file fails anywhere inside openpyxl, while opening or only while the rows are
    read (zlib.error, BadZipFile, ParseError, KeyError, ...): whatever it raises, the file is
    refused with the reason, never a traceback."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # any failure to parse an untrusted file is a bad file
        raise ImportProblems([(1, "", t("roster.io.bad_xlsx", reason=_reason(e)))]) from None
    try:
        ws = wb[sheet] if sheet and sheet in wb.sheetnames else wb.worksheets[0]
        records = [(i, [_cell(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    except Exception as e:  # the same, while the rows are read
        raise ImportProblems([(1, "", t("roster.io.bad_xlsx", reason=_reason(e)))]) from None
    finally:
        try:
            wb.close()
        except Exception:  # closing a broken archive may fail too; nothing to keep
            pass
    return _table(records, "xlsx")


def _reason(e: BaseException) -> str:
    text = str(e).replace("\n", " ")[:120]
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def read_table(path: str | Path, encoding: str = "auto", fmt: str | None = None, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file whole. An XLSX file given a .csv name is still read as XLSX."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        reason = (e.strerror if isinstance(e, OSError) else None) or str(e)
        raise Invalid("roster.io.cannot_read", path=str(path), reason=reason) from None
    if not data.strip():
        raise ImportProblems([(1, "", t("roster.io.empty_file"))])
    if data.startswith(ZIP_MAGIC) or format_of(path, fmt) == "xlsx":
        if not data.startswith(ZIP_MAGIC):
            raise ImportProblems([(1, "", t("roster.io.bad_xlsx", reason="not a zip archive"))])
        table = read_xlsx(io.BytesIO(data), sheet)
    else:
        text, used = decode(data, encoding, path.name)
        table = read_csv_text(text, used)
    check_damaged(table, path.name)
    return table


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
        w.writerow([neutral(h) for h in header])
        total = len(rows)
        for i, row in enumerate(rows, start=1):
            w.writerow([neutral(_text(v)) for v in row])
            if progress and (i % 5000 == 0 or i == total):
                progress(i, total)


def write_xlsx(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "data",
               progress: Progress | None = None) -> None:
    """Codes and other text stay text cells (no scientific notation); counts stay numbers. A text
    beginning like a formula is a text cell (data_type 's'), never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])

    def cell(v: Any) -> Any:
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, str):  # control characters XML cannot hold (older rows may have them)
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if isinstance(v, str) and v.startswith(("=", *DANGEROUS)):
            c = WriteOnlyCell(ws, value=v)
            c.data_type = "s"  # openpyxl takes a leading "=" for a formula: say it is a string
            return c
        return v

    ws.append([cell(h) for h in header])
    total = len(rows)
    for i, row in enumerate(rows, start=1):
        ws.append([cell(v) for v in row])
        if progress and (i % 5000 == 0 or i == total):
            progress(i, total)
    private_files.create(path)  # exports hold personal data: 0600 before the first byte
    wb.save(path)
