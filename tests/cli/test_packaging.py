"""GridDesk installs under the one import root `griddesk`, with its data files.

PyPI has unrelated packages named `console`, `store` and `themes` (the names of this repository's
top folders). The fast tests check pyproject.toml against the folders; the slow one builds the
wheel, looks inside it, and installs it into a fresh virtual environment next to those three
packages, then runs the `griddesk` script from there — with them, and after removing them.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("console", "store", "themes")
CLASHING = ("console", "store", "themes")  # on PyPI, nothing to do with GridDesk


def setuptools_conf() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def folder_of(package: str, package_dir: dict[str, str]) -> Path:
    """The repository folder of `griddesk.store.io` (by the longest package-dir prefix)."""
    for prefix in sorted(package_dir, key=len, reverse=True):
        if package == prefix or package.startswith(prefix + "."):
            rest = package[len(prefix):].lstrip(".")
            return ROOT / package_dir[prefix] / Path(*rest.split(".")) if rest else ROOT / package_dir[prefix]
    raise AssertionError(f"{package} is under no package-dir entry")


def source_packages() -> set[str]:
    found = set()
    for top in TOPS:
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join(("griddesk", top, *rel.parts)))
    return found


def data_files() -> dict[str, list[str]]:
    """Each package-data glob → the files it matches, as paths inside the wheel."""
    conf = setuptools_conf()
    out: dict[str, list[str]] = {}
    for package, globs in conf["package-data"].items():
        folder = folder_of(package, conf["package-dir"])
        for pattern in globs:
            matched = sorted(p for p in folder.glob(pattern) if p.is_file())
            out[f"{package}:{pattern}"] = ["/".join((*package.split("."), *p.relative_to(folder).parts))
                                           for p in matched]
    return out


def test_every_package_folder_is_listed() -> None:
    conf = setuptools_conf()
    assert conf["package-dir"] == {f"griddesk.{top}": top for top in TOPS}
    assert set(conf["packages"]) == source_packages()
    assert len(conf["packages"]) == len(set(conf["packages"]))


def test_every_package_data_glob_matches_files() -> None:
    empty = [glob for glob, files in data_files().items() if not files]
    assert empty == []


def test_every_data_file_is_packaged() -> None:
    """A file that is not Python, under the three folders, ships in the wheel (or was forgotten)."""
    shipped = {f for files in data_files().values() for f in files}
    missing = []
    for top in TOPS:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
                inside = "/".join(("griddesk", top, *path.relative_to(ROOT / top).parts))
                if inside not in shipped:
                    missing.append(inside)
    assert missing == []


# --- the wheel, installed -------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRIDDESK_", "PYTHON", "VIRTUAL_ENV", "PYTEST_", "_ARGCOMPLETE", "COMP_"))}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", LANG="C.UTF-8", LC_ALL="C.UTF-8", **extra)
    return env


def run(*argv: str | Path, cwd: Path, timeout: int = 600, **extra: str) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in argv], cwd=cwd, env=clean_env(**extra), capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"{argv}: exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def pip(venv_python: Path, *args: str, cwd: Path) -> None:
    # this interpreter's pip installs into the new environment (--python), and its cache is reused
    run(sys.executable, "-m", "pip", "--python", str(venv_python), *args, cwd=cwd)


def build_wheel(tmp: Path) -> Path:
    """Build from a copy of the repository, so a stale build/ folder cannot add deleted files."""
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".pytest_cache", ".hypothesis", "*.db",
        "*.db-wal", "*.db-shm", "bench"))
    out = tmp / "wheel"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, src, cwd=tmp)
    (wheel,) = out.glob("griddesk-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_installs_beside_console_store_and_themes(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()

    dist_info = re.compile(r"griddesk-[^/]+\.dist-info/")
    outside = [n for n in names if not (n.startswith("griddesk/") or dist_info.match(n))]
    assert outside == []  # the one top-level name
    assert any(dist_info.match(n) and n.endswith("/licenses/LICENSE") for n in names)
    data = {f for files in data_files().values() for f in files}
    assert data - set(names) == set()  # locales, migrations, .tcss, themes, divisions
    assert {"griddesk/store/locales/zh/cli.toml", "griddesk/console/styles/app.tcss",
            "griddesk/themes/griddesk.toml", "griddesk/store/migrations/script.py.mako"} <= set(names)
    assert any(fnmatch.fnmatch(n, "griddesk/store/data/divisions/*.csv") for n in names)
    assert any(fnmatch.fnmatch(n, "griddesk/store/migrations/versions/*.py") for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    py, griddesk = venv / "bin" / "python", venv / "bin" / "griddesk"
    # only their top-level names matter here: their own dependencies (pandas, numpy, …) are left out
    pip(py, "install", "-q", "--no-compile", "--no-deps", *CLASHING, cwd=tmp_path)
    # the wheel alone; its dependencies are read from this interpreter's environment (a path
    # line in a .pth, after the new environment's own packages, so neither the clashing names
    # nor this checkout can shadow what was installed): downloading and unpacking SQLAlchemy,
    # Textual and the rest again took most of this test's minute
    pip(py, "install", "-q", "--no-compile", "--no-deps", str(wheel), cwd=tmp_path)
    site = run(py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).stdout.strip()
    Path(site, "zz_griddesk_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(py, "-c", "import importlib.metadata as m, sys; from griddesk import store; "
        "assert store.__file__.startswith(sys.prefix), store.__file__; "
        "[m.version(r.split(';')[0].split('>')[0].split('=')[0].split('<')[0].split('[')[0].strip()) "
        "for r in m.requires('griddesk') if 'extra ==' not in r]", cwd=tmp_path)
    # they really are there, under the bare names (not importable without their dependencies)
    run(py, "-c", "import importlib.util as u; assert all(u.find_spec(n) for n in ('console', 'store', 'themes'))",
        cwd=tmp_path)

    home = tmp_path / "home"
    version = run(griddesk, "--version", cwd=tmp_path, GRIDDESK_HOME=str(home)).stdout
    assert re.fullmatch(r"griddesk \d+\.\d+\S*\n", version)
    built = run(griddesk, "--db", tmp_path / "demo.db", "demo", "init", "--tickets", "50", "--days", "10",
                cwd=tmp_path, GRIDDESK_HOME=str(home))
    assert "50" in built.stdout
    listed = run(griddesk, "--db", tmp_path / "demo.db", "tickets", "list", "--format", "json", "--limit", "5",
                 cwd=tmp_path, GRIDDESK_HOME=str(home))
    assert len(json.loads(listed.stdout)) == 5
    info = json.loads(run(griddesk, "info", "--format", "json", cwd=tmp_path, GRIDDESK_HOME=str(home)).stdout)
    assert Path(info["themes_dirs"][0]).is_relative_to(venv)  # the installed copy, not this repository

    pip(py, "uninstall", "-q", "-y", *CLASHING, cwd=tmp_path)
    assert run(griddesk, "--version", cwd=tmp_path, GRIDDESK_HOME=str(home)).stdout == version
