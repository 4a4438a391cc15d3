"""Commercial metrics over order facts: repeat orders and churn.

Orders belong to customers, not to agents or channels: these metrics are
computed for the whole company by period, and are null in rows grouped or
filtered by agent, team, channel, topic or language.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from kontrol.domain.periods import first_day, next_key
from kontrol.metrics.query import Grouping, GroupKey, number
from kontrol.store.tables import order_facts


def _conditions(grouping: Grouping) -> list[ColumnElement[bool]]:
    o = order_facts
    conditions: list[ColumnElement[bool]] = [o.c.workspace_id == grouping.workspace_id]
    if grouping.date_from is not None:
        conditions.append(o.c.day >= grouping.date_from.isoformat())
    if grouping.date_to is not None:
        conditions.append(o.c.day <= grouping.date_to.isoformat())
    return conditions


def order_metrics(
    connection: Connection, grouping: Grouping, wanted: set[str]
) -> dict[GroupKey, dict[str, Any]]:
    """repeat_order, repeat_order_value and churn per period (or for the whole range)."""
    if grouping.by or grouping.filters:
        return {}
    o = order_facts
    period_column = o.c[grouping.period.value] if grouping.period else None
    groups = [period_column.label("period")] if period_column is not None else []
    statement = select(
        *groups,
        func.count(func.distinct(case((o.c.repeat.is_(True), o.c.customer_id)))).label("num"),
        func.count(func.distinct(o.c.customer_id)).label("den"),
        func.avg(case((o.c.repeat.is_(True), o.c.amount))).label("value"),
    ).where(*_conditions(grouping))
    if groups:
        statement = statement.group_by(*groups)
    found: dict[GroupKey, dict[str, Any]] = {}
    for row in connection.execute(statement).mappings():
        key = (row["period"],) if groups else ()
        num, den = number(row["num"]), number(row["den"])
        found[key] = {
            "repeat_order": num * 100.0 / den if num is not None and den else None,
            "repeat_order_num": num,
            "repeat_order_den": den,
            "repeat_order_value": number(row["value"]),
        }
    if "churn" in wanted and grouping.period is not None and period_column is not None:
        for key, values in _churn(connection, grouping).items():
            found.setdefault(key, {}).update(values)
    return found


def _churn(connection: Connection, grouping: Grouping) -> dict[GroupKey, dict[str, Any]]:
    assert grouping.period is not None
    o = order_facts
    column = o.c[grouping.period.value]
    periods = sorted(
        connection.execute(
            select(column).where(o.c.workspace_id == grouping.workspace_id).distinct()
        ).scalars()
    )
    if not periods:
        return {}
    known = set(periods)
    following = {key: next_key(grouping.period, key) for key in periods}
    bought = (
        select(o.c.customer_id.label("customer_id"), column.label("pk"))
        .where(o.c.workspace_id == grouping.workspace_id)
        .distinct()
        .subquery()
    )
    later = bought.alias("later")
    next_period = case(following, value=bought.c.pk)
    # A left join, not a correlated EXISTS: SQLite re-ran the DISTINCT subquery for
    # every customer and period (half a second on the demo's 13 weeks); each
    # (customer, period) pair is distinct, so the join matches at most one row.
    statement = (
        select(
            next_period.label("period"),
            func.sum(case((later.c.customer_id.is_(None), 1), else_=0)).label("num"),
            func.count().label("den"),
        )
        .select_from(
            bought.outerjoin(
                later,
                and_(later.c.customer_id == bought.c.customer_id, later.c.pk == next_period),
            )
        )
        .group_by(next_period)
    )
    first = grouping.date_from.isoformat() if grouping.date_from else None
    last = grouping.date_to.isoformat() if grouping.date_to else None
    found: dict[GroupKey, dict[str, Any]] = {}
    for row in connection.execute(statement).mappings():
        period = row["period"]
        if period not in known and last is None:
            continue  # a period after the last order: nobody could have come back yet
        if not _period_in_range(grouping, period, first, last):
            continue
        num, den = number(row["num"]), number(row["den"])
        found[(period,)] = {
            "churn": num * 100.0 / den if num is not None and den else None,
            "churn_num": num,
            "churn_den": den,
        }
    return found


def _period_in_range(grouping: Grouping, period: str, first: str | None, last: str | None) -> bool:
    assert grouping.period is not None
    start = first_day(grouping.period, period).isoformat()
    end_exclusive = first_day(grouping.period, next_key(grouping.period, period)).isoformat()
    if first is not None and end_exclusive <= first:
        return False
    return not (last is not None and start > last)
