"""The statistics of the analysis, checked against statsmodels, scipy and published examples."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tsa.stattools import grangercausalitytests

from kontrol.analysis.statistics import (
    cross_correlation,
    detrended,
    granger,
    linear_trend,
    newcombe_difference,
    two_proportion_p,
    wilson,
)


@pytest.mark.parametrize(("successes", "total"), [(81, 263), (0, 10), (10, 10), (3, 7)])
def test_wilson_interval_equals_statsmodels(successes: int, total: int) -> None:
    found = wilson(successes, total)
    low, high = proportion_confint(successes, total, alpha=0.05, method="wilson")
    assert found is not None
    assert found.low == pytest.approx(low, abs=1e-9)
    assert found.high == pytest.approx(high, abs=1e-9)


def test_wilson_matches_newcombes_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, example 81/263: 0.2553 to 0.3662.
    found = wilson(81, 263)
    assert found is not None
    assert (round(found.low, 4), round(found.high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10.
        ((56, 70), (48, 80), (0.0524, 0.3339)),
        ((9, 10), (3, 10), (0.1705, 0.8090)),
    ],
)
def test_difference_interval_matches_newcombes_table(
    a: tuple[int, int], b: tuple[int, int], expected: tuple[float, float]
) -> None:
    found = newcombe_difference(a, b)
    assert found is not None
    assert (round(found.low, 4), round(found.high, 4)) == expected


def test_two_proportion_test_equals_statsmodels() -> None:
    from statsmodels.stats.proportion import proportions_ztest

    _, expected = proportions_ztest([30, 18], [200, 210])
    assert two_proportion_p((30, 200), (18, 210)) == pytest.approx(expected, rel=1e-9)


def test_cross_correlation_equals_pearson_with_fisher_interval() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=20)
    y = np.r_[0.0, x[:-1]] * 0.9 + rng.normal(size=20) * 0.4
    lags = cross_correlation(list(x), list(y), 3)
    expected = stats.pearsonr(x[:-1], y[1:])
    interval = expected.confidence_interval(0.95)
    assert lags[1].r == pytest.approx(expected.statistic, abs=1e-12)
    assert lags[1].p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert (lags[1].low, lags[1].high) == pytest.approx((interval.low, interval.high), abs=1e-9)
    assert lags[1].pairs == 19
    assert lags[1].low > 0  # the lag that carries the effect is clearly positive


def test_cross_correlation_skips_missing_periods_and_short_series() -> None:
    lags = cross_correlation([1.0, None, 3.0, 2.0, 5.0], [2.0, 1.0, None, 4.0, 6.0], 1)
    assert lags[0].pairs == 3
    assert lags[0].r is None  # fewer than four pairs: no correlation reported


def test_granger_equals_statsmodels_ssr_f_test() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    y = np.r_[0.0, x[:-1]] * 0.8 + rng.normal(size=30) * 0.5
    mine = granger(list(x), list(y), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = grangercausalitytests(np.column_stack([y, x]), maxlag=3)
    assert [g.lag for g in mine] == [1, 2, 3]
    for result in mine:
        f_statistic, p_value, _, _ = reference[result.lag][0]["ssr_ftest"]
        assert result.f_statistic == pytest.approx(f_statistic, rel=1e-9)
        assert result.p_value == pytest.approx(p_value, rel=1e-6)


def test_granger_gives_nothing_for_too_short_series() -> None:
    assert granger([1.0, 2.0, 3.0, 2.0], [2.0, 1.0, 2.0, 3.0], 2) == []


def test_linear_trend_equals_statsmodels_ols() -> None:
    values = [10.0, 12.5, None, 13.0, 15.5, 15.0, 18.0]
    found = linear_trend(values)
    xs = np.array([0, 1, 3, 4, 5, 6], dtype=float)
    ys = np.array([v for v in values if v is not None])
    fit = sm.OLS(ys, sm.add_constant(xs)).fit()
    assert found is not None
    assert found.slope.value == pytest.approx(fit.params[1])
    assert (found.slope.low, found.slope.high) == pytest.approx(tuple(fit.conf_int()[1]))


def test_detrending_removes_a_straight_line() -> None:
    assert detrended([1.0, 2.0, None, 4.0]) == pytest.approx([0.0, 0.0, None, 0.0], abs=1e-12)
