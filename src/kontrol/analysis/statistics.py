"""The statistics of the analysis pages, small and checked against statsmodels and scipy.

- Wilson score intervals for proportions (as ``statsmodels.stats.proportion.
  proportion_confint(method="wilson")``) and the Newcombe interval for the
  difference of two proportions (Newcombe 1998, method 10).
- Two-proportion z-test (pooled), for "is this reason growing".
- Cross-correlation of two series at lags 0..N: Pearson r of x at t with y at
  t + k over the overlapping periods, with a Fisher-z 95 % interval (as
  ``scipy.stats.pearsonr(...).confidence_interval()``).
- Granger causality F-test (``statsmodels.tsa.stattools.grangercausalitytests``).
- Linear trend with its 95 % interval (ordinary least squares, statsmodels).

Everything here measures association: it says nothing of cause.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
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
        r = float(np.corrcoef(xs, ys)[0, 1])
        r = max(-1.0, min(1.0, r))
        bounded = max(-0.9999999, min(0.9999999, r))
        z, se = math.atanh(bounded), 1 / math.sqrt(n - 3)
        t = r * math.sqrt((n - 2) / max(1e-12, 1 - r * r))
        p = float(2 * scipy_stats.t.sf(abs(t), n - 2))
        found.append(LagCorrelation(lag, n, r, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se), p))
    return found


@dataclass(frozen=True)
class GrangerResult:
    """The F-test that past x helps predict y beyond y's own past, per lag."""

    lag: int
    f_statistic: float
    p_value: float
    observations: int


def granger(
    x: Sequence[float | None], y: Sequence[float | None], max_lag: int
) -> list[GrangerResult]:
    """Granger F-tests (statsmodels, ssr F) of "x helps predict y" at lags 1..max_lag.

    Uses the longest run of periods where both are known; lags that leave too
    few observations are skipped (an empty list: the series are too short).
    """
    from statsmodels.tsa.stattools import grangercausalitytests

    rows = [(b, a) for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    results = []
    for lag in range(1, max_lag + 1):
        # the unrestricted model has 2*lag+1 parameters; keep a few degrees of freedom
        if len(rows) - lag < 2 * lag + 1 + 3:
            break
        data = np.array(rows, dtype=float)
        if data[:, 0].std() == 0 or data[:, 1].std() == 0:
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                outcome = grangercausalitytests(data, maxlag=[lag], verbose=False)
            except (ValueError, np.linalg.LinAlgError):
                break
        f_statistic, p_value, _, _ = outcome[lag][0]["ssr_ftest"]
        if not math.isfinite(f_statistic):
            break
        results.append(GrangerResult(lag, float(f_statistic), float(p_value), len(rows) - lag))
    return results


@dataclass(frozen=True)
class Trend:
    """A straight-line trend: change per period with its 95 % interval."""

    slope: Interval
    points: int


def linear_trend(values: Sequence[float | None]) -> Trend | None:
    """The OLS slope of the values against their position (missing ones left out)."""
    import statsmodels.api as sm

    points = [(float(i), float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 3:
        return None
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    if xs.std() == 0:
        return None
    fit = sm.OLS(ys, sm.add_constant(xs)).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    return Trend(Interval(float(fit.params[1]), float(low), float(high)), len(points))
