"""`BigDigits`: a number drawn as large as its box allows, for the wall display.

Textual's `Digits` is always 3 rows high: at 200×50 the wall's counts stayed small and left
half the screen empty. Here a 5×3 block font is scaled by whole cells to the box's size
(2 columns per font pixel, so a digit looks square on a terminal); when even the smallest
block size does not fit (80×24), Textual's 3-row digits are drawn instead.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widget import Widget

# each glyph: 5 rows of 3 pixels ("#" on)
FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("...", "...", "...", "...", "..."),
}
ROWS, COLS, GAP = 5, 3, 1  # font rows, font columns, blank pixels between glyphs


def scale_for(text: str, width: int, height: int) -> int:
    """The largest whole scale at which `text` fits in width×height cells (0: none does)."""
    n = max(len(text), 1)
    best = 0
    k = 1
    while True:
        w = (n * COLS + (n - 1) * GAP) * 2 * k
        h = ROWS * k
        if w > width or h > height:
            return best
        best = k
        k += 1


def render_big(text: str, k: int) -> list[str]:
    """`text` in the block font at scale `k` (each pixel 2k columns × k rows)."""
    lines: list[str] = []
    for row in range(ROWS):
        parts = []
        for ch in text:
            glyph = FONT.get(ch, FONT[" "])[row]
            parts.append("".join(("█" if p == "#" else " ") * 2 * k for p in glyph))
        line = (" " * 2 * k * GAP).join(parts)
        lines.extend([line] * k)
    return lines


class BigDigits(Widget):
    """A number that fills its box: block digits scaled to fit, else Textual's 3-row digits."""

    DEFAULT_CSS = "BigDigits { width: 1fr; height: 1fr; content-align: center middle; }"

    def __init__(self, value: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.value = value
        self.scale = 0  # the scale of the last render (0: Textual's 3-row digits); for tests

    def update(self, value: str) -> None:
        self.value = value
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size.width, self.content_size.height
        self.scale = scale_for(self.value, width, height)
        if self.scale == 0:
            return DigitsRenderable(self.value, self.rich_style)
        lines = render_big(self.value, self.scale)
        pad = max((height - len(lines)) // 2, 0)
        body = "\n" * pad + "\n".join(line.center(width) for line in lines)
        return Text(body, style=self.rich_style, no_wrap=True)
