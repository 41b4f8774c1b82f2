"""Errors the store raises for people to read: a message key and its parameters.

The key is looked up in the translation layer when shown, so the same error reads in Chinese or
English in the console and the CLI. `field` names the form field or JSON field at fault.
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    def __init__(self, key: str, /, *, field: str | None = None, **params: Any):
        self.key = key
        self.field = field
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        from griddesk.store.i18n import has, t
        from griddesk.store.validation import printable

        # what the user typed may be quoted back: made printable so the message is safe to show
        params = {k: printable(v) if isinstance(v, str) else v for k, v in self.params.items()}
        text = t(self.key, lang=lang, **params)
        if self.field:
            label = f"field.{self.field}"
            name = t(label, lang=lang) if has(label, lang) or has(label, "zh") else printable(self.field)
            return t("error.field", lang=lang, field=name, reason=text)
        return text

    def __str__(self) -> str:
        return self.message()


class NotAllowed(StoreError):
    """The actor's role or jurisdiction does not permit this."""


class Conflict(StoreError):
    """Someone else changed the record first (optimistic locking)."""


class NotFound(StoreError):
    pass


class Invalid(StoreError):
    """Bad input: a field and the reason."""


class ImportProblems(StoreError):
    """A whole file was refused; `problems` lists (row, column, reason) for every bad row."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        super().__init__("error.import_refused", count=len(problems))
        self.problems = problems
