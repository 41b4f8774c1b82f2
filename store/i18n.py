"""The translation layer: every string a person reads goes through `t()`.

Catalogues are TOML files under `store/locales/<lang>/`, one file per area of the product
(core, console, workflow, roster, …) so each area keeps its own strings; every language has
the same keys (a test checks), and no key is defined twice. Chinese is the
default; English is chosen by `--lang en`, the config file, or an English locale (LANG/LC_ALL).
Lives in store so that store errors and the CLI read the same catalogue as the console.
"""

from __future__ import annotations

import locale
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT = "zh"
_DIR = Path(__file__).parent / "locales"
_current = DEFAULT


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.toml")):
        with open(path, "rb") as f:
            part: dict[str, str] = {}
            _flatten("", tomllib.load(f), part)
        twice = out.keys() & part.keys()
        if twice:
            raise RuntimeError(f"{path.name} redefines {sorted(twice)[:3]}")
        out.update(part)
    return out


def detect(explicit: str | None = None, configured: str | None = None) -> str:
    """--lang beats the config file, which beats the locale; Chinese otherwise."""
    for choice in (explicit, configured):
        if choice:
            return normalize(choice)
    env = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    if not env:
        env = (locale.getlocale()[0] or "")
    return "en" if env.lower().startswith("en") else DEFAULT


def normalize(lang: str) -> str:
    code = lang.lower().replace("_", "-").split("-")[0]
    if code not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return code


def set_lang(lang: str) -> None:
    global _current
    _current = normalize(lang)


def current() -> str:
    return _current


def t(key: str, /, lang: str | None = None, **params: Any) -> str:
    """Translate `key`; a missing key shows itself, so a gap is visible, never blank."""
    text = catalogue(lang or _current).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key, key)
    return text.format(**params) if params else text


def has(key: str, /, lang: str | None = None) -> bool:
    return key in catalogue(lang or _current)


def code_name(kind: str, code: str | None, lang: str | None = None) -> str:
    """The readable name of a stable code, e.g. code_name("status", "dispatched")."""
    if code is None:
        return ""
    key = f"{kind}.{code}"
    return t(key, lang) if key in catalogue(lang or _current) else code
