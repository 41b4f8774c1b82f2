"""Pinyin search keys for names: full pinyin ("zhang min") and initials ("zm")."""

from __future__ import annotations

from functools import cache, lru_cache

# surnames read differently from the character's common reading (覃 is Qin, not Tan)
SURNAME_READINGS = {"覃": "qin", "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie",
                    "查": "zha", "朴": "piao", "翟": "zhai", "盖": "ge", "缪": "miao", "乐": "yue",
                    "召": "shao", "尉": "yu", "员": "yun", "长": "zhang", "柏": "bai", "种": "chong"}


@cache
def _reading(ch: str) -> str | None:
    """The one toneless reading of a Chinese character; None when it has several (or is not one)."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return None
    from pypinyin import Style, pinyin  # 0.5 s of dictionaries: loaded by the first name read, not by every command

    readings = set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])
    return readings.pop() if len(readings) == 1 else None


@lru_cache(maxsize=100_000)
def name_keys(name: str, person: bool = False) -> tuple[str, str]:
    """Full pinyin ("zhang min") and initials ("zm") of a name, for search; a person's name is
    read with its surname's reading.

    Names whose characters each have one reading are read character by character (50× faster
    than pypinyin's phrase matching, which a bulk import of people would wait on); a name with a
    polyphonic character goes through pypinyin whole, so 长安 reads "chang an"."""
    name = name.strip()
    chars = [_reading(c) for c in name]
    if chars and all(chars):
        syllables = [str(c) for c in chars]
    else:
        from pypinyin import lazy_pinyin

        syllables = [p.lower() for p in lazy_pinyin(name) if p.strip()]
    if person and name[:1] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    initials = "".join(syl[0] for syl in syllables)
    return " ".join(syllables)[:128], initials.lower()[:16]

