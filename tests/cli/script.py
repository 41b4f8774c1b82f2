"""Run the installed `griddesk` script (the one beside this Python) as a real subprocess, on a
temporary GRIDDESK_HOME and without the caller's GRIDDESK_* or completion variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GRIDDESK = str(Path(sys.executable).parent / "griddesk")


def env(home: Path, **extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("GRIDDESK_", "_ARGCOMPLETE", "COMP_", "PYTEST_"))}
    e.update(GRIDDESK_HOME=str(home), LANG="C.UTF-8", LC_ALL="C.UTF-8", **extra)
    return e


def griddesk(home: Path, *argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRIDDESK, *argv], env=env(home, **extra), capture_output=True, text=True, timeout=60)


def python(home: Path, code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env=env(home, **extra), capture_output=True, text=True,
                          timeout=60)
