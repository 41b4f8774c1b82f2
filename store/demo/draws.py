"""Random draws the demo makes millions of: names, phone numbers, weighted picks."""

from __future__ import annotations

import random
from bisect import bisect_right
from typing import Any

from griddesk.store.demo import catalog as cat

PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "156", "157", "158", "159", "180", "181", "182", "183", "186",
                  "187", "188", "189")


class _Names:
    """Realistic, unique Chinese names with pinyin, from the catalogue's common characters."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        # rank-weighted surnames: the first ones are far more common
        self.surname_w = [1.0 / (i + 6) for i in range(len(cat.SURNAMES))]

    def any(self) -> str:
        r = self.rng
        given = r.choice(cat.GIVEN_CHARS) + (r.choice(cat.GIVEN_CHARS) if r.random() < 0.7 else "")
        return r.choices(cat.SURNAMES, weights=self.surname_w)[0] + given

    def unique(self) -> str:
        for _ in range(200):
            name = self.any()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of demo names")


class _Rng(random.Random):
    """random.Random with one-draw randint, choice and randrange(n): the history makes millions
    of draws and the stock ones cost several times more. Deterministic for a seed all the same."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None and step == 1:
            return int(self.random() * start)
        return super().randrange(start, stop, step)


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"



def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(r: random.Random, cum: list[float]) -> int:
    return min(bisect_right(cum, r.random() * cum[-1]), len(cum) - 1)


