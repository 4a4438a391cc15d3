"""The metric ``work_hygiene``: the hygiene score offered to KPIs, targets and audits.

Registered in the metric registry through the ``kontrol.metrics`` entry-point
group (pyproject.toml), as a third party's metric would be; its figures come
from :mod:`kontrol.worktools.scores` (``source = "own"``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, select, true

from kontrol.domain.clock import utcnow
from kontrol.domain.periods import Period, period_keys
from kontrol.metrics.definitions import Direction, Kind, Metric
from kontrol.metrics.query import Grouping
from kontrol.metrics.registry import register_metric
from kontrol.store.tables import work_items, workspaces
from kontrol.worktools.scores import GroupScore, HygieneData, load, local_midnight_utc, period_end

# The KPI groups and filters the score can be split by, and the item column of each.
SPLITS = {"agent": "owner", "team": "team"}


def _scope(grouping: Grouping) -> ColumnElement[bool] | None:
    """The filters as a condition on work items; None when one cannot apply."""
    condition: ColumnElement[bool] = true()
    for name, value in grouping.filters.items():
        if name == "agent":
            condition = condition & (work_items.c.owner_external_id == value)
        elif name == "team":
            condition = condition & (work_items.c.team == value)
        else:
            return None
    return condition


def _moments(grouping: Grouping, timezone: str, data: HygieneData) -> dict[str, datetime]:
    """Period key -> the moment it is judged at; ``""`` for the whole range."""
    now = utcnow()
    if grouping.period is None:
        if grouping.date_to is None:
            return {"": now}
        last = period_keys(grouping.date_to)[Period.DAY]
        return {"": period_end(Period.DAY, last, timezone, now)}
    first = min((item.created_at for item in data.items), default=now)
    start = grouping.date_from or first.date()
    stop = grouping.date_to or now.date()
    keys: dict[str, datetime] = {}
    day = start
    while day <= stop:
        key = period_keys(day)[grouping.period]
        if key not in keys:
            keys[key] = period_end(grouping.period, key, timezone, now)
        day += timedelta(days=1)
    return {key: at for key, at in keys.items() if at > local_midnight_utc(start, timezone)}


@register_metric
class WorkHygiene(Metric):
    """Work-tool hygiene: the weighted share of CRM deals, tickets and tasks without
    violations of the hygiene rules at the end of the period (docs/work-tools.md), by
    owner (agent) or team."""

    id = "work_hygiene"
    unit = "%"
    kind: ClassVar[Kind] = "ratio"
    source = "own"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 90.0
    default_warning = 80.0

    def own_values(self, connection: Any, grouping: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
        assert isinstance(connection, Connection) and isinstance(grouping, Grouping)
        if any(name not in SPLITS for name in grouping.by):
            return {}
        scope = _scope(grouping)
        if scope is None:
            return {}
        timezone = connection.execute(
            select(workspaces.c.timezone).where(workspaces.c.id == grouping.workspace_id)
        ).scalar_one()
        data = load(connection, grouping.workspace_id, scope)
        if not data.items:
            return {}
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        for period, at in _moments(grouping, timezone, data).items():
            groups: dict[tuple[Any, ...], GroupScore] = {}
            for item in data.items:
                if not data.counted(item, at):
                    continue
                values = {"agent": item.owner, "team": item.team}
                key = tuple(values[name] for name in grouping.by)
                group = groups.setdefault(key, GroupScore(None, ""))
                value, _ = data.item_score(item, at)
                group.items += 1
                group.total += value
            for key, group in groups.items():
                full = key + ((period,) if grouping.period is not None else ())
                found[full] = {
                    self.id: group.score,
                    f"{self.id}_num": round(group.total, 3),
                    f"{self.id}_den": group.items,
                }
        return found
