"""Histograms of times: fixed log-spaced buckets, and percentiles estimated from them.

``kpi_rollup_buckets`` counts, per rollup group and time column, the values in
each bucket; medians and p90 are estimated by interpolation inside a bucket
(docs/metrics.md, "Exact and rolled-up figures").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, literal

from kontrol.metrics.query import PERCENTILES

# Bucket 0 is [0, 1 s); bucket k (1..112) is [G**(k-1), G**k) with G = 10**(1/16),
# so from 1 s to 10**7 s (116 days) every bucket is 15.5 % wider than the previous
# one; bucket 113 holds everything from 10**7 s up (estimated as 10**7 s).
STEPS_PER_DECADE = 16
DECADES = 7
BOUNDS: tuple[float, ...] = tuple(
    10 ** (k / STEPS_PER_DECADE) for k in range(STEPS_PER_DECADE * DECADES + 1)
)
GROWTH = 10 ** (1 / STEPS_PER_DECADE)
LAST_BUCKET = len(BOUNDS)


def bucket_of(value: float) -> int:
    """The bucket of a value, exactly as the SQL expression computes it."""
    bucket = 0
    for bound in BOUNDS:
        if value >= bound:
            bucket += 1
        else:
            break
    return bucket


def bucket_range(bucket: int) -> tuple[float, float]:
    """The lower and upper end of a bucket (the last one is clamped to its lower end)."""
    if bucket == 0:
        return 0.0, BOUNDS[0]
    if bucket >= LAST_BUCKET:
        return BOUNDS[-1], BOUNDS[-1]
    return BOUNDS[bucket - 1], BOUNDS[bucket]


def bucket_expression(value: ColumnElement[Any], low: int, high: int) -> ColumnElement[Any]:
    """The bucket index of ``value`` known to lie in buckets low..high: a binary search."""
    if low == high:
        return literal(low)
    middle = (low + high + 1) // 2
    # Buckets >= middle start at BOUNDS[middle - 1].
    return case(
        (value < BOUNDS[middle - 1], bucket_expression(value, low, middle - 1)),
        else_=bucket_expression(value, middle, high),
    )


def estimate(histogram: Sequence[tuple[int, int]]) -> dict[str, float]:
    """Median and p90 estimated from (bucket, count) pairs.

    The values of a bucket are taken as spread evenly over it (the i-th of c at
    ``low + (high - low) * (i + 0.5) / c``); the percentile then interpolates
    between the two neighbouring ranks exactly as ``percentile_cont`` does.
    """
    ordered = sorted(histogram)
    total = sum(count for _, count in ordered)

    def at_rank(rank: int) -> float:
        seen = 0
        for bucket, count in ordered:
            if rank < seen + count:
                low, high = bucket_range(bucket)
                return low + (high - low) * (rank - seen + 0.5) / count
            seen += count
        low, high = bucket_range(ordered[-1][0])
        return high

    found: dict[str, float] = {}
    for suffix, percent in PERCENTILES.items():
        position = percent * (total - 1) / 100
        lower = math.floor(position)
        below = at_rank(lower)
        above = at_rank(lower + 1) if lower + 1 < total else below
        found[suffix] = below + (above - below) * (position - lower)
    return found
