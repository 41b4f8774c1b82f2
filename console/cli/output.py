"""What the CLI writes to a terminal, made safe in one place.

`install()` puts a `SafeStream` over `sys.stdout` and `sys.stderr` for the length of a command:
every string written passes through `griddesk.store.validation.printable` (tab and newline kept),
so a title holding ESC sequences, stored before intake refused them, cannot clear or retitle the
operator's terminal; and a character the output encoding cannot hold (an ASCII locale) is
written as an escape instead of raising UnicodeEncodeError. `dumps` writes JSON exact (the
characters JSON leaves raw become \\uXXXX escapes) and ASCII-only when the encoding needs it.
"""

from __future__ import annotations

import codecs
import sys
from typing import Any, TextIO

from griddesk.store.validation import json_text, printable


class SafeStream:
    """A text stream that sanitises what is written and never fails on encoding."""

    def __init__(self, raw: TextIO) -> None:
        self.unfiltered = raw  # our own progress bars redraw with \r through this
        self._encoding = _codec(raw)

    def write(self, s: str) -> int:
        text = printable(s, multiline=True)
        if self._encoding is not None:
            try:
                text.encode(self._encoding)
            except UnicodeEncodeError:
                text = text.encode(self._encoding, "backslashreplace").decode(self._encoding)
        self.unfiltered.write(text)
        return len(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer …
        return getattr(self.unfiltered, name)


def _codec(stream: Any) -> str | None:
    name = getattr(stream, "encoding", None)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def install() -> tuple[Any, Any]:
    """Wrap stdout and stderr; returns the originals for `restore`."""
    saved = (sys.stdout, sys.stderr)
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
    return saved


def restore(saved: tuple[Any, Any]) -> None:
    sys.stdout, sys.stderr = saved


def unfiltered(stream: Any) -> Any:
    """The stream under a SafeStream, for our own control output (a progress bar's \\r)."""
    return getattr(stream, "unfiltered", stream)


def ascii_only(stream: Any = None) -> bool:
    """Whether `stream` (stdout) cannot hold Chinese text: JSON then escapes every non-ASCII."""
    name = _codec(stream if stream is not None else sys.stdout)
    if name is None:
        return False
    try:
        "网格\u2028".encode(name)
    except UnicodeEncodeError:
        return True
    return False


def dumps(value: Any, **kw: Any) -> str:
    """JSON for stdout: exact, terminal-safe, and ASCII when the output encoding is."""
    kw.pop("ensure_ascii", None)
    return json_text(value, ascii_only=ascii_only(), **kw)
