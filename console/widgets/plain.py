"""`plain(text)`: text from the database or a user as a rich `Text` that is safe on screen —
never parsed as markup (a title "[b]" or "[/]" stays as typed) and with every control character
made visible by the one sanitiser, `griddesk.store.validation.printable` (ESC → ␛), so rows
stored before intake refused them cannot clear or retitle the operator's terminal.

`guard_strips()` is the safety net under every widget: Textual turns each line of segments into
terminal output in `Strip.render`; there a segment's text, which never legitimately holds a
control character, is sanitised too.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from griddesk.store.validation import is_printable, printable


def plain(value: Any, style: str = "", multiline: bool = False, **kw: Any) -> Text:
    return Text(printable(value, multiline=multiline), style=style, **kw)


def safe(value: Any, multiline: bool = False) -> str:
    """A plain string made printable (for widgets that take markup=False strings)."""
    return printable(value, multiline=multiline)


_guarded = False


def guard_strips() -> None:
    """Sanitise segment text as Textual renders it (once per process)."""
    global _guarded
    if _guarded:
        return
    original = Strip.render

    def render(self: Strip, console: Any) -> str:
        if self._render_cache is None:
            segments = self._segments
            if any(not seg.control and not is_printable(seg.text) for seg in segments):
                self._segments = [seg if seg.control else Segment(printable(seg.text), seg.style, seg.control)
                                  for seg in segments]
        return original(self, console)

    Strip.render = render  # type: ignore[method-assign]
    _guarded = True
