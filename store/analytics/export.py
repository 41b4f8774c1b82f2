"""Writing a `tables.Document`: text, CSV, JSON, Markdown, HTML and XLSX.

Exports hold only what the tables hold, and those never hold a phone number or a reporter's
name (callers are keyed hashes, `keyed`). HTML escapes every value; Markdown escapes the table
syntax; XLSX cells are written as text or numbers, never formulas (a value starting with "="
stays text), so an export opened in a spreadsheet runs nothing.
"""

from __future__ import annotations

import csv
import html
import io
import json
import unicodedata
from datetime import date, datetime
from typing import Any

from griddesk.store.analytics.tables import Document, Table, fmt
from griddesk.store.errors import Invalid
from griddesk.store.i18n import t

FORMATS = ("text", "json", "csv", "xlsx", "md", "html")
BINARY = frozenset({"xlsx"})


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def table_text(tb: Table, lang: str | None = None) -> str:
    heads = [c.label(lang) for c in tb.columns]
    body = [[tb.text(i, j, lang) for j in range(len(tb.columns))] for i in range(len(tb.rows))]
    widths = [max([_width(h)] + [_width(r[j]) for r in body]) for j, h in enumerate(heads)]
    right = [c.kind not in ("text", "series") for c in tb.columns]
    lines = ["  ".join(_pad(h, w, r) for h, w, r in zip(heads, widths, right, strict=True)).rstrip()]
    lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right, strict=True)).rstrip() for row in body]
    if not tb.rows:
        lines.append(t("analytics.empty", lang))
    return "\n".join(lines)


def text(doc: Document, lang: str | None = None) -> str:
    out = [f"{doc.title(lang)}  {doc.subtitle}", ""]
    for tb in doc.tables:
        out += [f"== {tb.title(lang)} ==", table_text(tb, lang)]
        if tb.note:
            out.append(tb.note)
        out.append("")
    return "\n".join(out)


def _plain(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, float):
        return round(v, 4)
    return v


def as_json(doc: Document, lang: str | None = None) -> str:
    """Stable keys: each table's rows as objects keyed by column key (raw values: rates 0–1,
    durations in seconds, series as lists)."""
    data = {"report": doc.key, "title": doc.title(lang), "period": doc.subtitle, "tables": [
        {"key": tb.key, "title": tb.title(lang), "columns": [c.key for c in tb.columns],
         "floors": {c.key: c.floor for c in tb.columns if c.floor is not None},
         "rows": [{c.key: _plain(v) for c, v in zip(tb.columns, row, strict=True)} for row in tb.rows]}
        for tb in doc.tables]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def as_csv(doc: Document, lang: str | None = None) -> str:
    """Every table one after another, each under a line with its title."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for tb in doc.tables:
        w.writerow([tb.title(lang)])
        w.writerow([c.label(lang) for c in tb.columns])
        for i in range(len(tb.rows)):
            w.writerow([_csv_cell(tb, i, j, lang) for j in range(len(tb.columns))])
        w.writerow([])
    return buf.getvalue()


def _csv_cell(tb: Table, i: int, j: int, lang: str | None) -> str:
    s = tb.text(i, j, lang)
    # a spreadsheet opening the CSV must not take a value for a formula
    return "'" + s if s[:1] in ("=", "+", "-", "@") and tb.columns[j].kind == "text" else s


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def markdown(doc: Document, lang: str | None = None) -> str:
    out = [f"# {_md(doc.title(lang))}", "", _md(doc.subtitle), ""]
    for tb in doc.tables:
        out += [f"## {_md(tb.title(lang))}", ""]
        out.append("| " + " | ".join(_md(c.label(lang)) for c in tb.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind not in ("text", "series") else "---" for c in tb.columns) + "|")
        for i in range(len(tb.rows)):
            out.append("| " + " | ".join(_md(tb.text(i, j, lang)) for j in range(len(tb.columns))) + " |")
        if not tb.rows:
            out.append(_md(t("analytics.empty", lang)))
        if tb.note:
            out += ["", _md(tb.note)]
        out.append("")
    return "\n".join(out)


def as_html(doc: Document, lang: str | None = None) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", f'<html lang="{e(lang or "zh")}"><head><meta charset="utf-8">',
           f"<title>{e(doc.title(lang))}</title>",
           "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
           "td,th{border:1px solid #999;padding:2px 6px}td.n{text-align:right}.below{color:#b00;"
           "font-weight:bold}</style></head><body>",
           f"<h1>{e(doc.title(lang))}</h1>", f"<p>{e(doc.subtitle)}</p>"]
    for tb in doc.tables:
        out.append(f"<h2>{e(tb.title(lang))}</h2><table><thead><tr>")
        out += [f'<th title="{e(c.definition(lang))}">{e(c.label(lang))}</th>' for c in tb.columns]
        out.append("</tr></thead><tbody>")
        for i in range(len(tb.rows)):
            cells = []
            for j, c in enumerate(tb.columns):
                cls = ["n"] if c.kind not in ("text", "series") else []
                if tb.below_floor(i, j):
                    cls.append("below")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                cells.append(f"<td{attr}>{e(tb.text(i, j, lang))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        if tb.note:
            out.append(f"<p>{e(tb.note)}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def xlsx(doc: Document, lang: str | None = None) -> bytes:
    """One sheet per table; numbers as numbers, everything else as text cells."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for tb in doc.tables:
        name = _sheet_name(tb.title(lang), used)
        ws = wb.create_sheet(name)
        ws.append([c.label(lang) for c in tb.columns])
        for i, row in enumerate(tb.rows, start=2):
            for j, (c, v) in enumerate(zip(tb.columns, row, strict=True), start=1):
                cell = ws.cell(row=i, column=j)
                if c.kind in ("int", "trend") and isinstance(v, int) and not isinstance(v, bool):
                    cell.value = v
                elif c.kind in ("rate", "multiple", "float") and isinstance(v, int | float):
                    cell.value = float(v)
                    cell.number_format = "0.0%" if c.kind == "rate" else "0.00"
                else:
                    cell.value = tb.text(i - 2, j - 1, lang) if c.kind != "text" else fmt("text", v, lang)
                    cell.data_type = "s"  # never a formula, whatever it starts with
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:28] or "sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base}{n}", n + 1
    used.add(name)
    return name


def render(doc: Document, fmt_name: str, lang: str | None = None) -> str | bytes:
    if fmt_name == "text":
        return text(doc, lang)
    if fmt_name == "json":
        return as_json(doc, lang)
    if fmt_name == "csv":
        return as_csv(doc, lang)
    if fmt_name == "md":
        return markdown(doc, lang)
    if fmt_name == "html":
        return as_html(doc, lang)
    if fmt_name == "xlsx":
        return xlsx(doc, lang)
    raise Invalid("error.unknown_value", field="format", value=fmt_name, choices=" | ".join(FORMATS))
