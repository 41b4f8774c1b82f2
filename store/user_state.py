"""What an operator chose in the console and should find again next time (the theme), kept per
login in `<data dir>/user_state.json`.

A small JSON file rather than a table: it is this machine's look, not the centre's record, and
the wall or a read-only account can keep one too. A missing or broken file reads as empty.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from griddesk.store import paths

FILE = "user_state.json"


def _path() -> Path:
    return paths.data_dir() / FILE


def _read() -> dict[str, Any]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def get(login: str, key: str) -> str | None:
    """What `login` last chose for `key` (None: nothing yet)."""
    value = _read().get(login, {})
    out = value.get(key) if isinstance(value, dict) else None
    return out if isinstance(out, str) else None


def put(login: str, key: str, value: str) -> None:
    """Remember `value` for `login`; written whole to a temporary file, then renamed."""
    data = _read()
    old = data.get(login)
    mine: dict[str, Any] = old if isinstance(old, dict) else {}
    mine[key] = value
    data[login] = mine
    path = _path()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
