"""Every language has every key; every key used in the code exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from griddesk.store import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_catalogues_have_the_same_keys() -> None:
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert sorted(zh.keys() - en.keys()) == []
    assert sorted(en.keys() - zh.keys()) == []


def _keys(value: object, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [k for name, v in value.items() for k in _keys(v, f"{prefix}.{name}" if prefix else name)]
    return [prefix]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_each_locale_file_is_named_for_the_keys_it_holds(lang: str) -> None:
    # a newcomer looking for `roster.error.x` opens roster.toml
    folder = ROOT / "store" / "locales" / lang
    strays = {f.name: k for f in folder.glob("*.toml")
              for k in _keys(tomllib.loads(f.read_text(encoding="utf-8"))) if k.split(".")[0] != f.stem}
    assert strays == {}
    other = ROOT / "store" / "locales" / ("en" if lang == "zh" else "zh")
    assert sorted(f.name for f in folder.glob("*.toml")) == sorted(f.name for f in other.glob("*.toml"))


def test_placeholders_match_between_languages() -> None:
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    field = re.compile(r"\{(\w+)\}")
    diff = {k: (set(field.findall(zh[k])), set(field.findall(en[k]))) for k in zh
            if set(field.findall(zh[k])) != set(field.findall(en[k]))}
    assert diff == {}


def test_literal_keys_used_in_code_exist() -> None:
    # t("a.b") and Invalid("a.b", …) style literals; dynamic keys are covered by code_name()
    used = re.compile(r"""\b(?:t|_t|Invalid|NotAllowed|NotFound|Conflict|StoreError)"""
                      r"""\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    zh = i18n.catalogue("zh")
    missing = []
    for pkg in ("store", "console"):
        for path in (ROOT / pkg).rglob("*.py"):
            for key in used.findall(path.read_text(encoding="utf-8")):
                if key not in zh:
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_language_detection_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.detect() == "en"
    assert i18n.detect(configured="zh") == "zh"
    assert i18n.detect(explicit="en", configured="zh") == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.detect() == "zh"
    with pytest.raises(ValueError):
        i18n.normalize("fr")


def test_translate_with_params_in_both_languages() -> None:
    assert i18n.t("error.unknown_grid", "zh", code="X") == "没有编码为 “X” 的在用网格"
    assert i18n.t("error.unknown_grid", "en", code="X") == 'no active grid has the code "X"'
    assert i18n.code_name("status", "dispatched", "zh") == "已分拨"
    assert i18n.code_name("status", "dispatched", "en") == "Dispatched"


def test_one_of_a_limit_unit_reads_singular_in_english() -> None:
    from griddesk.store import timefmt

    assert timefmt.limit(1, "work_days", "en") == "1 working day"
    assert timefmt.limit(2, "work_days", "en") == "2 working days"
    assert timefmt.limit(1, "natural_hours", "en") == "1 hour"
    assert timefmt.limit(1, "work_days", "zh") == "1 工作日"
