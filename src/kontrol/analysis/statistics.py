"""The statistics of the analysis pages, small and checked against statsmodels and scipy.

- Wilson score intervals for proportions (as ``statsmodels.stats.proportion.
  proportion_confint(method="wilson")``) and the Newcombe interval for the
  difference of two proportions (Newcombe 1998, method 10).
- Two-proportion z-test (pooled), for "is this reason growing".
- Cross-correlation of two series at lags 0..N: Pearson r of x at t with y at
  t + k over the overlapping periods, with a Fisher-z 95 % interval (as
  ``scipy.stats.pearsonr(...).confidence_interval()``).
- Granger causality F-test (the ``ssr_ftest`` of statsmodels'
  ``grangercausalitytests``, computed with numpy; a test compares the two).
- Linear trend with its 95 % interval (ordinary least squares; a test compares
  it with statsmodels' OLS).

Everything here measures association: it says nothing of cause.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special as scipy_special
from scipy import stats as scipy_stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    """A point estimate with its 95 % interval."""

    value: float
    low: float
    high: float


def wilson(successes: int, total: int) -> Interval | None:
    """The share successes / total with its Wilson 95 % interval (None without data)."""
    if total <= 0:
        return None
    p = successes / total
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = Z95 * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe_difference(a: tuple[int, int], b: tuple[int, int]) -> Interval | None:
    """Share of a minus share of b, with Newcombe's hybrid score 95 % interval."""
    first, second = wilson(*a), wilson(*b)
    if first is None or second is None:
        return None
    difference = first.value - second.value
    low = difference - math.sqrt((first.value - first.low) ** 2 + (second.high - second.value) ** 2)
    high = difference + math.sqrt(
        (first.high - first.value) ** 2 + (second.value - second.low) ** 2
    )
    return Interval(difference, low, high)


def two_proportion_p(a: tuple[int, int], b: tuple[int, int]) -> float | None:
    """Two-sided p-value of the pooled z-test that shares a and b are equal."""
    (x1, n1), (x2, n2) = a, b
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return float(2 * scipy_stats.norm.sf(abs(z)))


def detrended(values: Sequence[float | None]) -> list[float | None]:
    """The values less their least-squares straight line (missing ones stay missing).

    Two series that both drift over the months correlate at every lag whether or
    not they are linked; the lag analysis compares the movements around the trend.
    """
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 3:
        return list(values)
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points])
    slope, intercept = np.polyfit(xs, ys, 1)
    return [None if v is None else float(v) - (slope * i + intercept) for i, v in enumerate(values)]


@dataclass(frozen=True)
class LagCorrelation:
    """Correlation of x with y ``lag`` periods later."""

    lag: int
    pairs: int
    r: float | None
    low: float | None
    high: float | None
    p_value: float | None


def _pairs(
    x: Sequence[float | None], y: Sequence[float | None], lag: int
) -> list[tuple[float, float]]:
    return [
        (float(a), float(b))
        for a, b in zip(x[: len(x) - lag] if lag else x, y[lag:], strict=True)
        if a is not None and b is not None
    ]


def cross_correlation(
    x: Sequence[float | None], y: Sequence[float | None], max_lag: int
) -> list[LagCorrelation]:
    """Pearson r of x(t) with y(t + k), k = 0..max_lag, each with its 95 % interval.

    Periods where either series is missing are left out of that lag's pairs;
    fewer than 4 pairs, or a constant series, give no r.
    """
    found = []
    for lag in range(max_lag + 1):
        pairs = _pairs(x, y, lag) if lag < len(x) else []
        n = len(pairs)
        xs, ys = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        if n < 4 or xs.std() == 0 or ys.std() == 0:
            found.append(LagCorrelation(lag, n, None, None, None, None))
            continue
        dx, dy = xs - xs.mean(), ys - ys.mean()
        r = float(dx @ dy / math.sqrt(float(dx @ dx) * float(dy @ dy)))
        r = max(-1.0, min(1.0, r))
        bounded = max(-0.9999999, min(0.9999999, r))
        z, se = math.atanh(bounded), 1 / math.sqrt(n - 3)
        t = r * math.sqrt((n - 2) / max(1e-12, 1 - r * r))
        # Student's t upper tail: scipy.stats.t.sf(|t|, n - 2) without its per-call
        # overhead (the same C routine; a page asks for about a hundred).
        p = float(2 * scipy_special.stdtr(n - 2, -abs(t)))
        found.append(LagCorrelation(lag, n, r, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se), p))
    return found


@dataclass(frozen=True)
class GrangerResult:
    """The F-test that past x helps predict y beyond y's own past, per lag."""

    lag: int
    f_statistic: float
    p_value: float
    observations: int


def _rss(target: np.ndarray, design: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coef
    return float(residual @ residual)


def granger(
    x: Sequence[float | None], y: Sequence[float | None], max_lag: int
) -> list[GrangerResult]:
    """Granger F-tests of "past x helps predict y beyond y's own past" at lags 1..max_lag.

    The test of ``statsmodels.tsa.stattools.grangercausalitytests`` ("ssr_ftest"):
    y(t) on a constant and y(t-1..t-p), against the same with x(t-1..t-p) added;
    F = ((RSS_r - RSS_u) / p) / (RSS_u / (n - 2p - 1)). Computed here with numpy
    (statsmodels takes 40 ms a test; a page makes 64 of them); a test compares both.
    Periods where either series is missing are dropped; lags that leave too few
    observations are skipped (an empty list: the series are too short).
    """
    rows = np.array(
        [(b, a) for a, b in zip(x, y, strict=True) if a is not None and b is not None],
        dtype=float,
    ).reshape(-1, 2)
    results = []
    for lag in range(1, max_lag + 1):
        observations = len(rows) - lag
        freedom = observations - 2 * lag - 1
        if freedom < 3 or rows[:, 0].std() == 0 or rows[:, 1].std() == 0:
            break
        target = rows[lag:, 0]
        own = [rows[lag - k : len(rows) - k, 0] for k in range(1, lag + 1)]
        other = [rows[lag - k : len(rows) - k, 1] for k in range(1, lag + 1)]
        constant = np.ones(observations)
        restricted = _rss(target, np.column_stack([*own, constant]))
        unrestricted = _rss(target, np.column_stack([*own, *other, constant]))
        if unrestricted <= 0:
            break
        f_statistic = ((restricted - unrestricted) / lag) / (unrestricted / freedom)
        p_value = float(scipy_special.fdtrc(lag, freedom, f_statistic))  # = stats.f.sf
        results.append(GrangerResult(lag, float(f_statistic), p_value, observations))
    return results


@dataclass(frozen=True)
class Trend:
    """A straight-line trend: change per period with its 95 % interval."""

    slope: Interval
    points: int


def linear_trend(values: Sequence[float | None]) -> Trend | None:
    """The least-squares slope of the values against their position, with its 95 %
    interval (Student t); missing values are left out. As statsmodels' OLS."""
    points = [(float(i), float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 3:
        return None
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    spread = float(((xs - xs.mean()) ** 2).sum())
    if spread == 0:
        return None
    slope = float(((xs - xs.mean()) * (ys - ys.mean())).sum() / spread)
    intercept = float(ys.mean() - slope * xs.mean())
    residual = ys - (intercept + slope * xs)
    freedom = len(points) - 2
    error = math.sqrt(float(residual @ residual) / freedom / spread)
    half = float(scipy_stats.t.ppf(0.975, freedom)) * error
    return Trend(Interval(slope, slope - half, slope + half), len(points))
