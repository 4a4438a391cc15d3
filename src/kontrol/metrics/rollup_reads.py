"""Reading the rollups: a report's figures summed from ``kpi_rollups``, percentiles
estimated from ``kpi_rollup_buckets`` (or computed exactly from the facts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, union_all

from kontrol.domain.periods import Period, first_day, next_key, period_keys
from kontrol.metrics.date_ranges import last_day, previous_key
from kontrol.metrics.definitions import (
    CountMetric,
    MeanMetric,
    Metric,
    RatioMetric,
    TimeMetric,
    count_where,
    is_true,
)
from kontrol.metrics.dimension_buckets import dimension_of
from kontrol.metrics.histograms import estimate
from kontrol.metrics.query import Grouping, GroupKey, has_calendars, number, percentiles_into
from kontrol.store.tables import (
    ROLLUP_PARTS,
    interaction_facts,
    kpi_dimension_buckets,
    kpi_dimension_months,
    kpi_month_rollups,
    kpi_rollup_buckets,
    kpi_rollups,
)


def parts(metric: Metric, f: Any) -> dict[str, ColumnElement[Any]]:
    """The additive parts of a facts metric as aggregates over the facts, by rollup column."""
    if isinstance(metric, RatioMetric):
        return {f"{metric.id}_num": metric.numerator(f), f"{metric.id}_den": metric.denominator(f)}
    if isinstance(metric, CountMetric):
        return {metric.id: metric.count(f)}
    if isinstance(metric, MeanMetric | TimeMetric):
        column = f.c[metric.column]
        return {f"{metric.id}_sum": func.sum(column), f"{metric.id}_n": func.count(column)}
    if metric.kind == "count_ratio" and metric.id == "complaints":
        return {
            f"{metric.id}_num": count_where(is_true(f.c.complaint)),
            f"{metric.id}_den": func.count(),
        }
    return {}


def covered(metric: Metric) -> bool:
    """True when the rollup table holds every additive part of this facts metric."""
    names = set(parts(metric, interaction_facts))
    return bool(names) and names <= set(ROLLUP_PARTS)


def _conditions(table: Any, grouping: Grouping) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.c.workspace_id == grouping.workspace_id]
    if grouping.date_from is not None:
        conditions.append(table.c.day >= grouping.date_from.isoformat())
    if grouping.date_to is not None:
        conditions.append(table.c.day <= grouping.date_to.isoformat())
    for name, value in grouping.filters.items():
        conditions.append(table.c[name] == value)
    return conditions


def _groups(table: Any, grouping: Grouping) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = [table.c[name].label(name) for name in grouping.by]
    if grouping.period is not None:
        columns.append(table.c[grouping.period.value].label("period"))
    return columns


def _summed(row: Mapping[Any, Any], metrics: Sequence[Metric]) -> dict[str, Any]:
    """Each metric's figure from the summed additive parts of one group."""
    out: dict[str, Any] = {}
    for metric in metrics:
        if isinstance(metric, RatioMetric) or metric.kind == "count_ratio":
            num, den = number(row[f"{metric.id}_num"]), number(row[f"{metric.id}_den"])
            out[f"{metric.id}_num"] = num
            out[f"{metric.id}_den"] = den
            share = num * metric_scale(metric) / den if num is not None and den else None
            if metric.kind == "count_ratio":
                out[metric.id] = num
                out[f"{metric.id}_pct"] = share
            else:
                out[metric.id] = share
        elif isinstance(metric, CountMetric):
            out[metric.id] = number(row[metric.id])
        elif isinstance(metric, MeanMetric | TimeMetric):
            total, count = number(row[f"{metric.id}_sum"]), number(row[f"{metric.id}_n"])
            mean = total / count if total is not None and count else None
            out[metric.id if isinstance(metric, MeanMetric) else f"{metric.id}_mean"] = mean
    return out


def rollup_metrics(
    connection: Connection,
    grouping: Grouping,
    metrics: Sequence[Metric],
    *,
    exact_up_to: int | None,
    today: date | None = None,
) -> dict[GroupKey, dict[str, Any]]:
    """The same rows as ``query.facts_metrics``, summed from the rollups.

    Medians and p90 are exact (from the facts) when the report covers at most
    ``exact_up_to`` interactions, otherwise (and always with ``None``) estimated
    from the bucket histograms. The size is the sum of the groups' rows read
    here: no separate query counts it. ``today``: see ``percentiles_into`` (exact
    figures of a range closed before it are cached).
    """
    names = ["rows"]
    for metric in metrics:
        names.extend(parts(metric, interaction_facts))
    statement = _sums_query(grouping, names)
    rows: dict[GroupKey, dict[str, Any]] = {}
    size = 0
    for row in connection.execute(statement).mappings():
        if not row["rows"]:
            continue
        size += int(row["rows"])
        rows[tuple(row[name] for name in grouping.keys)] = _summed(row, metrics)
    time_metrics = [m for m in metrics if isinstance(m, TimeMetric)]
    if not time_metrics or not rows:
        return rows
    if exact_up_to is not None and size <= exact_up_to:
        percentiles_into(connection, grouping, time_metrics, rows, today=today)
        return rows
    _estimated_percentiles(connection, grouping, time_metrics, rows)
    return rows


def _sums_query(grouping: Grouping, names: Sequence[str]) -> Select[Any]:
    """The summed rollup columns ``names`` per group: whole months from the month rows
    (when the report's rows are months, quarters or the whole range), the days left
    at either end from the daily rows."""
    months, days = _whole_months(grouping)
    if grouping.period in (Period.DAY, Period.WEEK) or months is None:
        months, days = None, [(grouping.date_from, grouping.date_to)]
    spans: list[tuple[Any, str, Span]] = [(kpi_rollups, "day", span) for span in days]
    if months is not None:
        spans.append((kpi_month_rollups, "month", months))
    selects = []
    for table, at, (low, high) in spans:
        where = [table.c.workspace_id == grouping.workspace_id]
        if low is not None:
            where.append(table.c[at] >= (low if isinstance(low, str) else low.isoformat()))
        if high is not None:
            where.append(table.c[at] <= (high if isinstance(high, str) else high.isoformat()))
        where.extend(table.c[name] == value for name, value in grouping.filters.items())
        columns = [*_groups(table, grouping), *(table.c[name] for name in names)]
        selects.append(select(*columns).where(*where))
    if len(selects) == 1 and months is None:
        # The daily rows alone: summed directly, as before the month rows.
        r = kpi_rollups
        groups = _groups(r, grouping)
        statement = select(*groups, *(func.sum(r.c[name]).label(name) for name in names)).where(
            *_conditions(r, grouping)
        )
        return statement.group_by(*groups) if groups else statement
    union = (selects[0] if len(selects) == 1 else union_all(*selects)).subquery()
    keys = [union.c[name] for name in grouping.keys]
    statement = select(*keys, *(func.sum(union.c[name]).label(name) for name in names))
    return statement.group_by(*keys) if keys else statement


def _estimated_percentiles(
    connection: Connection,
    grouping: Grouping,
    time_metrics: Sequence[TimeMetric],
    rows: dict[GroupKey, dict[str, Any]],
) -> None:
    """Medians and p90 of ``time_metrics`` into ``rows``, from the bucket histograms."""
    calendars = has_calendars(connection, grouping)
    columns: dict[str, list[TimeMetric]] = {}
    for metric in time_metrics:
        column = metric.column
        if column.endswith("_business_s") and not calendars:
            column = column.replace("_business_s", "_s")
        columns.setdefault(column, []).append(metric)
    statement = _histogram_query(grouping, sorted(columns))
    histograms: dict[tuple[GroupKey, str], list[tuple[int, int]]] = {}
    for row in connection.execute(statement).mappings():
        key = tuple(row[name] for name in grouping.keys)
        histograms.setdefault((key, row["measure"]), []).append((int(row["bucket"]), int(row["n"])))
    for (key, column), histogram in histograms.items():
        if key not in rows:
            continue
        values = estimate(histogram)
        for metric in columns.get(column, []):
            for suffix, value in values.items():
                rows[key][f"{metric.id}{suffix}"] = value


def _histogram_query(grouping: Grouping, measures: Sequence[str]) -> Select[Any]:
    """Bucket counts per group and measure: from the one-dimension histograms when
    the report names at most one dimension (its whole months from the month rows,
    the days left at either end from the day rows), otherwise from the fine ones."""
    dimension = dimension_of(grouping)
    if dimension is None:
        b = kpi_rollup_buckets
        groups = _groups(b, grouping)
        where = _conditions(b, grouping)
        return (
            select(*groups, b.c.measure, b.c.bucket, func.sum(b.c.n).label("n"))
            .where(*where, b.c.measure.in_(measures))
            .group_by(*groups, b.c.measure, b.c.bucket)
            .having(func.sum(b.c.n) > 0)
        )
    months, days = _whole_months(grouping)
    if grouping.period in (Period.DAY, Period.WEEK) or months is None:
        days = [(grouping.date_from, grouping.date_to)]
        months = None
    parts = [
        _one_dimension(kpi_dimension_buckets, "day", dimension, grouping, measures, span)
        for span in days
    ]
    if months is not None:
        parts.append(
            _one_dimension(kpi_dimension_months, "month", dimension, grouping, measures, months)
        )
    union = parts[0].subquery() if len(parts) == 1 else union_all(*parts).subquery()
    keys = [union.c[name] for name in grouping.keys]
    return (
        select(*keys, union.c.measure, union.c.bucket, func.sum(union.c.n).label("n"))
        .group_by(*keys, union.c.measure, union.c.bucket)
        # A live push leaves a one-dimension row at zero rather than delete it.
        .having(func.sum(union.c.n) > 0)
    )


Span = tuple[Any, Any]  # first and last (None: unbounded), days or month keys


def _whole_months(grouping: Grouping) -> tuple[Span | None, list[Span]]:
    """The report's range as whole months (month keys, None if it holds none) and the
    day ranges left at either end."""
    first, last = grouping.date_from, grouping.date_to
    days: list[Span] = []
    month_from = month_to = None
    if first is not None:
        month_from = period_keys(first)[Period.MONTH]
        if first.day != 1:
            month_from = next_key(Period.MONTH, month_from)
            days.append((first, last_day(Period.MONTH, period_keys(first)[Period.MONTH])))
    if last is not None:
        month_to = period_keys(last)[Period.MONTH]
        if last != last_day(Period.MONTH, month_to):
            month_to = previous_key(Period.MONTH, month_to)
            days.append((first_day(Period.MONTH, period_keys(last)[Period.MONTH]), last))
    if month_from is not None and month_to is not None and month_from > month_to:
        return None, []
    return (month_from, month_to), days


def _one_dimension(
    table: Any,
    at: str,
    dimension: str,
    grouping: Grouping,
    measures: Sequence[str],
    span: Span,
) -> Select[Any]:
    """The bucket rows of one table of one-dimension histograms within ``span``."""
    b = table
    columns = [b.c.value.label(name) for name in grouping.by]
    if grouping.period is not None:
        columns.append(b.c[grouping.period.value].label("period"))
    where = [
        b.c.workspace_id == grouping.workspace_id,
        b.c.dimension == dimension,
        b.c.measure.in_(measures),
    ]
    low, high = span
    if low is not None:
        where.append(b.c[at] >= (low if isinstance(low, str) else low.isoformat()))
    if high is not None:
        where.append(b.c[at] <= (high if isinstance(high, str) else high.isoformat()))
    where.extend(b.c.value == value for value in grouping.filters.values())
    return select(*columns, b.c.measure, b.c.bucket, b.c.n).where(*where)


def metric_scale(metric: Metric) -> float:
    """The factor of a ratio (100 for percentages)."""
    return metric.scale if isinstance(metric, RatioMetric) else 100.0
