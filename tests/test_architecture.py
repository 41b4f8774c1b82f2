"""The one import root and the one-way dependency, at run time.

What imports what is import-linter's job (contracts in pyproject.toml, run by
tests/test_quality.py); these check what a contract cannot see.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = {"console", "store", "themes"}


def test_no_module_imports_a_bare_folder_name() -> None:
    # `import store` works from a checkout (the folder is on sys.path) and fails once installed,
    # or finds PyPI's unrelated `store`
    bad = []
    for folder in (*BARE, "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                         else [])
                bad += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in BARE]
    assert bad == []


def test_store_imports_cleanly_without_textual_loaded() -> None:
    # a fresh interpreter: importing every store module must not pull Textual or the console in
    code = (
        "import importlib, pkgutil, sys, griddesk.store as store\n"
        "for m in pkgutil.walk_packages(store.__path__, 'griddesk.store.'):\n"
        "    if '.migrations' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('griddesk.console')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
