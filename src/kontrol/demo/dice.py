"""A ``random.Random`` with cheaper draws for the demo generator's hot paths.

``choice`` and ``randrange`` go through rejection sampling on random bits,
which costs several times more than scaling one ``random()``; the tiny bias of
scaling is irrelevant for demo data, and the sequence stays fully determined by
the seed.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Dice(random.Random):
    """Seeded random numbers; every method is deterministic for a given seed."""

    def pick(self, options: Sequence[T]) -> T:
        """One element of ``options``, uniformly."""
        return options[int(self.random() * len(options))]

    def pick_weighted(self, options: Sequence[T], cumulative: Sequence[float]) -> T:
        """One element of ``options`` with the given cumulative weights."""
        return options[bisect.bisect_right(cumulative, self.random() * cumulative[-1])]

    def below(self, limit: int) -> int:
        """An integer in ``[0, limit)``."""
        return int(self.random() * limit)

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high)``."""
        return low + int(self.random() * (high - low))

    def lognormal(self, mu: float, sigma: float) -> float:
        """A log-normal draw: ``exp`` of a normal one with mean ``mu`` and ``sigma``."""
        return math.exp(self.gauss(mu, sigma))
