"""The one-way dependency: console → store, never back; and no SQL in console/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _root(name: str) -> str:
    # griddesk.console.x -> console; textual.widgets -> textual
    parts = name.split(".")
    return parts[1] if parts[0] == "griddesk" and len(parts) > 1 else parts[0]


def imported_modules(package: str) -> dict[Path, set[str]]:
    out: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(_root(a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(_root(node.module))
        out[path] = names
    return out


def test_store_never_imports_textual_or_console() -> None:
    bad = {p.relative_to(ROOT): n & {"textual", "console", "rich"} for p, n in imported_modules("store").items()}
    assert {p: n for p, n in bad.items() if n} == {}


def test_console_never_imports_sqlalchemy() -> None:
    bad = {p.relative_to(ROOT): n & {"sqlalchemy", "aiosqlite", "asyncpg", "sqlite3"}
           for p, n in imported_modules("console").items()}
    assert {p: n for p, n in bad.items() if n} == {}


def test_store_imports_cleanly_without_textual_loaded() -> None:
    # a fresh interpreter: importing every store module must not pull Textual in
    code = (
        "import importlib, pkgutil, sys, griddesk.store as store\n"
        "for m in pkgutil.walk_packages(store.__path__, 'griddesk.store.'):\n"
        "    if '.migrations' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('griddesk.console')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
