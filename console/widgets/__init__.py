"""Widgets shared by the console's screens, and the helpers that keep them in one language.

- `header.GridHeader`: the always-visible header (centre, operator, time, counts, where you are).
- `queue_table.QueueTable`: the live ticket table, reconciled by key.
- `dialogs`: the keyboard dialogs (`TextForm`, `ConfirmDialog`, `ChoiceDialog`) and the helpers
  a flow runs them with (`ask`, `confirm`, `wrote`).
- `choice_bar.ChoiceBar`: an inline one-line choice for forms.
- `form.RosterForm`: a modal form of text and choice rows (the roster area's flows).

Key bindings are declared with translation keys as descriptions (e.g.
`Binding("slash", "filter", "console.key.filter")`); `localize_bindings(node)` swaps in the
text of the current language. It runs when a node mounts and again on a language switch, so
the footer, the `?` help and the command palette always read the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any

from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.widgets import DataTable
from textual.worker import Worker

from griddesk.store import i18n


def tr(text: str) -> str:
    """Translate `text` when it is a catalogue key; leave any other text as it is."""
    return i18n.t(text) if text and i18n.has(text, i18n.DEFAULT) else text


def localize_bindings(node: DOMNode, extra: Iterable[BindingType] = ()) -> None:
    """Give `node` its class bindings (plus `extra`) with descriptions in the current language.

    Rebuilt from the class's own (untranslated) bindings each time, so switching back and forth
    never loses the keys.
    """
    merged = type(node)._merged_bindings or BindingsMap()
    keys: dict[str, list[Binding]] = {}
    every = [b for _, b in merged] + list(Binding.make_bindings(extra))
    for b in every:
        group = replace(b.group, description=tr(b.group.description)) if b.group else None
        keys.setdefault(b.key, []).append(
            replace(b, description=tr(b.description), tooltip=tr(b.tooltip), group=group))
    node._bindings = BindingsMap.from_keys(keys)


def describe(binding: Binding) -> str:
    """What a key does, in the current language: its description, else a name for its action.

    Textual's own widgets (the table's cursor keys, Input's editing keys) carry English
    descriptions; `console.action_key.<action>` names the common ones.
    """
    action = binding.action.split("(")[0].split(".")[-1]
    key = f"console.action_key.{action}"
    if i18n.has(key, i18n.DEFAULT):
        return i18n.t(key)
    return tr(binding.description) or action


def run_latest(node: DOMNode, work: Callable[[], Coroutine[Any, Any, None]], group: str) -> Worker[None]:
    """Run `work` in `node`'s exclusive worker of `group`: a newer run cancels the one before.

    `work` is a coroutine function, not a coroutine: a run superseded before it started would
    leave a coroutine made for it never awaited.
    """
    return node.run_worker(work, group=group, exclusive=True, exit_on_error=False)


def cursor_key(table: DataTable[Any]) -> str | None:
    """The key of the table's highlighted row (None when the table is empty or the cursor is
    off the rows)."""
    if not table.row_count:
        return None
    try:
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except Exception:  # CellDoesNotExist: the cursor is past the rows for a moment
        return None
    return key.value
