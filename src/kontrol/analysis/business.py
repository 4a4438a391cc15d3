"""Quality and the business, with lag.

Per week or month, quality (QA score, CSAT, FCR, complaint share) beside the
commercial results (repeat-order share, repeat-order value, churn, revenue),
all from ``kontrol.metrics.kpis.compute`` except revenue (the sum of order
amounts, which the KPI catalogue does not hold). Then the cross-correlation of
each pair at lags 0..N with 95 % intervals and Granger F-tests; the customers
whose contact went badly against those whose contact went well, and what they
ordered in the next 30, 60 and 90 days; the seasonality of repeat orders and
the trend of their size.

Every figure here is an association. The page and the docs say so: a lag
correlation or a Granger test cannot exclude a third cause.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.scope import AnalysisScope
from kontrol.analysis.statistics import (
    GrangerResult,
    Interval,
    LagCorrelation,
    Trend,
    cross_correlation,
    detrended,
    granger,
    linear_trend,
    newcombe_difference,
    wilson,
)
from kontrol.domain.periods import Period, next_key, period_keys
from kontrol.metrics.kpis import compute
from kontrol.metrics.query import number
from kontrol.store.tables import evaluations, interaction_facts, order_facts, orders

QUALITY = ("qa_score", "csat", "fcr", "complaints_pct")
BUSINESS = ("repeat_order", "repeat_order_value", "churn", "revenue")
# Lower is better for these: the page reads their correlations the other way round.
LOWER_IS_BETTER = frozenset({"complaints_pct", "churn"})
WINDOWS = (30, 60, 90)
MAX_LAG = {Period.WEEK: 4, Period.MONTH: 3, Period.DAY: 7, Period.QUARTER: 2}
# A pair's lag is reported as an association when its interval excludes zero.


@dataclass
class MeasureSeries:
    """One measure per period, None where it has no data."""

    id: str
    values: list[float | None]


@dataclass
class Pair:
    """One quality measure against one business measure."""

    quality: str
    business: str
    lags: list[LagCorrelation]
    granger: list[GrangerResult]

    @property
    def strongest(self) -> LagCorrelation | None:
        """The lag with the smallest p-value whose 95 % interval excludes zero."""
        clear = [
            lag
            for lag in self.lags
            if lag.p_value is not None
            and lag.low is not None
            and lag.high is not None
            and (lag.low > 0 or lag.high < 0)
        ]
        return min(clear, key=lambda lag: lag.p_value or 1.0, default=None)

    @property
    def best_granger(self) -> GrangerResult | None:
        """The Granger lag with the smallest p-value."""
        return min(self.granger, key=lambda g: g.p_value, default=None)


def period_keys_between(period: Period, first: date, last: date) -> list[str]:
    """Every period key from the one holding ``first`` to the one holding ``last``."""
    key, end = period_keys(first)[period], period_keys(last)[period]
    keys = [key]
    while key < end:
        key = next_key(period, key)
        keys.append(key)
    return keys


def series(
    connection: Connection, workspace: Workspace, scope: AnalysisScope
) -> tuple[list[str], list[MeasureSeries]]:
    """The periods of the scope and each quality and business measure over them."""
    keys = period_keys_between(scope.period, scope.date_from, scope.date_to)
    rows = compute(
        connection,
        workspace=workspace,
        metrics=[
            "qa_score",
            "csat",
            "fcr",
            "complaints",
            "repeat_order",
            "repeat_order_value",
            "churn",
        ],
        period=scope.period.value,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    by_period = {row["period"]: row for row in rows}
    found = [
        MeasureSeries(name, [by_period.get(key, {}).get(name) for key in keys])
        for name in (*QUALITY, *BUSINESS[:3])
    ]
    found.append(MeasureSeries("revenue", revenue(connection, scope, keys)))
    return keys, found


def revenue(
    connection: Connection, scope: AnalysisScope, keys: Sequence[str]
) -> list[float | None]:
    """The sum of order amounts per period (None for a period without orders)."""
    o = order_facts
    column = o.c[scope.period.value]
    totals = {
        row.period: number(row.total)
        for row in connection.execute(
            select(column.label("period"), func.sum(o.c.amount).label("total"))
            .where(
                o.c.workspace_id == scope.workspace_id,
                o.c.day >= scope.date_from.isoformat(),
                o.c.day <= scope.date_to.isoformat(),
            )
            .group_by(column)
        )
    }
    return [totals.get(key) for key in keys]


def pairs(found: Sequence[MeasureSeries], max_lag: int) -> list[Pair]:
    """Every quality measure against every business measure, each series detrended first."""
    named = {s.id: detrended(s.values) for s in found}
    return [
        Pair(
            quality,
            business,
            cross_correlation(named[quality], named[business], max_lag),
            granger(named[quality], named[business], max_lag),
        )
        for quality in QUALITY
        for business in BUSINESS
    ]


def holm_threshold(found: Sequence[Pair], alpha: float = 0.05) -> float:
    """The p-value a correlation must beat to stand out among all the page tests.

    A page tests 16 pairs at up to 5 lags: at p < 0.05 four of them would look
    linked by chance alone. Holm's step-down procedure over every lag's test
    keeps the chance of any false alarm at ``alpha``.
    """
    p_values = sorted(lag.p_value for pair in found for lag in pair.lags if lag.p_value is not None)
    threshold = 0.0
    for rank, p in enumerate(p_values):
        if p <= alpha / (len(p_values) - rank):
            threshold = p
        else:
            break
    return threshold


@dataclass(frozen=True)
class Outcome:
    """What one group of customers did in the days after their contact."""

    window: int
    customers: int
    reordered: Interval | None
    reordered_count: int
    buyers: int
    churned: Interval | None
    churned_count: int


@dataclass(frozen=True)
class Comparison:
    """Customers whose contact went badly against those whose contact went well."""

    window: int
    bad: Outcome
    good: Outcome
    reorder_difference: Interval | None
    churn_difference: Interval | None


def _contact_groups(
    connection: Connection, scope: AnalysisScope
) -> dict[str, tuple[str, datetime]]:
    """Per customer: ``bad`` and the first bad contact, else ``good`` and the first good one.

    Bad: CSAT 2 or less, a complaint, or an evaluation with a failed critical
    criterion (which scores 0). Good: none of those, and CSAT 4 or more or a
    passed evaluation.
    """
    f, e = interaction_facts, evaluations
    failed_critical = (
        select(e.c.interaction_id)
        .where(e.c.status == "submitted", e.c.score == 0)
        .scalar_subquery()
    )
    passed = (
        select(e.c.interaction_id)
        .where(e.c.status == "submitted", e.c.passed.is_(True))
        .scalar_subquery()
    )
    bad = (f.c.csat <= 2) | f.c.complaint.is_(True) | f.c.interaction_id.in_(failed_critical)
    good = and_(~bad, (f.c.csat >= 4) | f.c.interaction_id.in_(passed))
    statement = (
        select(
            f.c.customer_id,
            func.min(case((bad, f.c.started_at))).label("first_bad"),
            func.min(case((good, f.c.started_at))).label("first_good"),
        )
        .where(*scope.conditions(), f.c.handled.is_(True), f.c.customer_id.is_not(None))
        .group_by(f.c.customer_id)
    )
    groups: dict[str, tuple[str, datetime]] = {}
    for row in connection.execute(statement):
        if row.first_bad is not None:
            groups[row.customer_id] = ("bad", row.first_bad)
        elif row.first_good is not None:
            groups[row.customer_id] = ("good", row.first_good)
    return groups


def customer_outcomes(connection: Connection, scope: AnalysisScope) -> list[Comparison]:
    """Reorders and churn within 30/60/90 days of a bad or good contact, with intervals.

    A customer counts in a window only when the window has passed (it ends
    before the latest order of the workspace): the unfinished future is not a
    churn. Churn is counted among those who had ordered before the contact.
    """
    groups = _contact_groups(connection, scope)
    o = orders
    horizon = connection.execute(
        select(func.max(o.c.at)).where(o.c.workspace_id == scope.workspace_id)
    ).scalar()
    if not groups or horizon is None:
        return []
    times: dict[str, list[datetime]] = defaultdict(list)
    customers = sorted(groups)
    for start in range(0, len(customers), 900):
        part = customers[start : start + 900]
        for row in connection.execute(
            select(o.c.customer_id, o.c.at)
            .where(o.c.workspace_id == scope.workspace_id, o.c.customer_id.in_(part))
            .order_by(o.c.customer_id, o.c.at)
        ):
            times[row.customer_id].append(row.at)
    comparisons = []
    for window in WINDOWS:
        counts = {name: [0, 0, 0, 0] for name in ("bad", "good")}  # n, reordered, buyers, churned
        for customer, (group, moment) in groups.items():
            end = moment + timedelta(days=window)
            if end > horizon:
                continue
            placed = times.get(customer, [])
            before = bisect.bisect_left(placed, moment)
            after = bisect.bisect_right(placed, moment)
            within = bisect.bisect_right(placed, end) - after
            tally = counts[group]
            tally[0] += 1
            tally[1] += within > 0
            if before > 0:
                tally[2] += 1
                tally[3] += within == 0
        outcome = {
            name: Outcome(
                window,
                n,
                wilson(reordered, n),
                reordered,
                buyers,
                wilson(churned, buyers),
                churned,
            )
            for name, (n, reordered, buyers, churned) in counts.items()
        }
        bad, good = outcome["bad"], outcome["good"]
        comparisons.append(
            Comparison(
                window,
                bad,
                good,
                newcombe_difference(
                    (bad.reordered_count, bad.customers), (good.reordered_count, good.customers)
                ),
                newcombe_difference(
                    (bad.churned_count, bad.buyers), (good.churned_count, good.buyers)
                ),
            )
        )
    return comparisons


@dataclass
class Seasonality:
    """Repeat orders by month of the year and by weekday, and the trend of their size."""

    by_month: dict[int, tuple[int, float | None]]
    by_weekday: dict[int, tuple[int, float | None]]
    value_months: list[str]
    value_series: list[float | None]
    trend: Trend | None


def seasonality(connection: Connection, workspace_id: int) -> Seasonality:
    """Over all the workspace's orders: count and mean amount of repeat orders per
    calendar month and weekday (local days), and the monthly mean amount's trend."""
    o = order_facts
    rows = connection.execute(
        select(o.c.day, func.count().label("n"), func.sum(o.c.amount).label("amount"))
        .where(o.c.workspace_id == workspace_id, o.c.repeat.is_(True))
        .group_by(o.c.day)
    ).all()
    months: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    weekdays: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    by_month_key: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for row in rows:
        day = date.fromisoformat(row.day)
        amount = number(row.amount) or 0.0
        for bucket in (months[day.month], weekdays[day.weekday()], by_month_key[row.day[:7]]):
            bucket[0] += row.n
            bucket[1] += amount

    def mean(bucket: list[float]) -> tuple[int, float | None]:
        return int(bucket[0]), (bucket[1] / bucket[0] if bucket[0] else None)

    keys: list[str] = []
    if by_month_key:
        first, last = min(by_month_key), max(by_month_key)
        keys = period_keys_between(
            Period.MONTH, date.fromisoformat(first + "-01"), date.fromisoformat(last + "-01")
        )
    values = [mean(by_month_key[k])[1] if k in by_month_key else None for k in keys]
    return Seasonality(
        by_month={m: mean(months[m]) for m in range(1, 13) if m in months},
        by_weekday={d: mean(weekdays[d]) for d in range(7) if d in weekdays},
        value_months=keys,
        value_series=values,
        trend=linear_trend(values),
    )


@dataclass
class BusinessView:
    """Everything the quality-and-business page shows."""

    scope: AnalysisScope
    keys: list[str]
    series: list[MeasureSeries]
    pairs: list[Pair]
    max_lag: int
    outcomes: list[Comparison]
    seasonality: Seasonality
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The view as plain data for the API."""
        from dataclasses import asdict

        return {
            "periods": self.keys,
            "period": self.scope.period.value,
            "series": {s.id: s.values for s in self.series},
            "max_lag": self.max_lag,
            "pairs": [
                {
                    "quality": p.quality,
                    "business": p.business,
                    "lags": [asdict(lag) for lag in p.lags],
                    "granger": [asdict(g) for g in p.granger],
                }
                for p in self.pairs
            ],
            "customers": [asdict(c) for c in self.outcomes],
            "seasonality": {
                "by_month": {
                    str(k): {"orders": v[0], "mean_amount": v[1]}
                    for k, v in self.seasonality.by_month.items()
                },
                "by_weekday": {
                    str(k): {"orders": v[0], "mean_amount": v[1]}
                    for k, v in self.seasonality.by_weekday.items()
                },
                "value_months": self.seasonality.value_months,
                "value_series": self.seasonality.value_series,
                "trend": asdict(self.seasonality.trend) if self.seasonality.trend else None,
            },
            "note": "association, not proof of cause",
        }


def business_view(
    connection: Connection,
    workspace: Workspace,
    scope: AnalysisScope,
    *,
    max_lag: int | None = None,
) -> BusinessView:
    """The quality and business series, their lagged links and the customer outcomes."""
    lag = MAX_LAG[scope.period] if max_lag is None else max_lag
    keys, found = series(connection, workspace, scope)
    return BusinessView(
        scope=scope,
        keys=keys,
        series=found,
        pairs=pairs(found, lag),
        max_lag=lag,
        outcomes=customer_outcomes(connection, scope),
        seasonality=seasonality(connection, scope.workspace_id),
    )
