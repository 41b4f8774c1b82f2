"""JSON lines in, one JSON result line out per line: `ticket act -` and `ticket add - --each`.

A hotline system sends a batch in one process. Each non-blank input line is one request, done
or refused on its own (its own transaction: a refused line writes nothing and does not stop the
others), and answered at once, in order, on standard output:

    {"line": 1, "ok": true, "number": "450502005-20261128-0001", …}
    {"line": 2, "ok": false, "code": 2, "error": {"kind": "invalid", "key": "…", "field": "urgency",
     "message": "…"}}

`code` is what the single command would have exited with for that line (1 refused by the rules,
2 bad input). `line` counts every line read, blank ones too, so it points into the input. The
whole run exits 0 when every line was done, 2 when any was refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO, TextIO

MAX_LINE = 1 << 20  # bytes; a longer line is refused (and read past) rather than held in memory


def _refusal(n: int, e: Any) -> dict[str, Any]:
    from griddesk.store.errors import Invalid

    code = 2 if isinstance(e, Invalid) else 1
    return {"line": n, "ok": False, "code": code,
            "error": {"kind": type(e).__name__.lower(), "key": e.key, "field": e.field, "message": e.message()}}


def _read(stream: BinaryIO) -> Any:
    """(line number, text or the Invalid that stops it) for each non-blank line."""
    from griddesk.store.errors import Invalid

    n = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        n += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # the rest of this line
                raw = stream.readline(MAX_LINE)
            yield n, Invalid("validation.line_too_long", max=MAX_LINE)
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield n, Invalid("validation.line_not_utf8")
            continue
        if text.strip():
            yield n, text.lstrip("\ufeff") if n == 1 else text


async def answer(stream: BinaryIO, out: TextIO, one: Callable[[Any], Awaitable[dict[str, Any]]]) -> int:
    """Read `stream`'s JSON lines, hand each parsed value to `one` and write its answer (a dict
    of the result, or the refusal when it raises a `StoreError`). Returns the exit code."""
    from griddesk.console.cli import output
    from griddesk.store import validation
    from griddesk.store.errors import StoreError

    refused = False
    for n, got in _read(stream):
        try:
            if isinstance(got, StoreError):
                raise got
            result = {"line": n, "ok": True, **await one(validation.load_json(got))}
        except StoreError as e:
            refused = True
            result = _refusal(n, e)
        out.write(output.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return 2 if refused else 0
