"""KPI targets: the "SMART" goals of the service plan, shown beside every value.

A target names a metric, a scope (the whole company, a team, an agent or a
channel), the value to reach, a warning threshold, which way is better, an
owner and the period it is measured over. A value is ``ok`` when it meets the
target, ``warning`` when it misses it but not the warning threshold, ``bad``
beyond that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import Connection, delete, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.periods import Period
from kontrol.metrics import get_metric
from kontrol.store.tables import kpi_targets

TARGET_SCOPES = ("company", "team", "agent", "channel")
DIRECTIONS = ("higher", "lower")
Status = Literal["ok", "warning", "bad"]


@dataclass(frozen=True)
class Target:
    """One target; ``scope_value`` is None for the whole company."""

    id: int
    metric: str
    scope: str
    scope_value: str | None
    target: float
    warning: float
    direction: str
    owner: str
    period: str

    def as_json(self) -> dict[str, Any]:
        """The target as plain data."""
        return asdict(self)


def _from_row(row: Any) -> Target:
    return Target(
        id=row.id,
        metric=row.metric,
        scope=row.scope,
        scope_value=row.scope_value or None,
        target=row.target,
        warning=row.warning,
        direction=row.direction,
        owner=row.owner,
        period=row.period,
    )


def _checked(
    *,
    metric: str,
    scope: str,
    scope_value: str | None,
    target: float,
    warning: float,
    direction: str | None,
    owner: str,
    period: str,
) -> dict[str, Any]:
    definition = get_metric(metric)
    if scope not in TARGET_SCOPES:
        raise InvalidInput(
            f"scope: one of {', '.join(TARGET_SCOPES)}, not {scope!r}",
            key="metrics.error.target_scope",
            params={"choices": ", ".join(TARGET_SCOPES), "scope": scope},
            where_key="error.where.field",
            where_params={"field": "scope"},
        )
    value = (scope_value or "").strip()
    if scope == "company":
        value = ""
    elif not value:
        raise InvalidInput(
            f"scope value: name the {scope} this target is for",
            key="metrics.error.target_scope_value",
            params={"scope": scope},
        )
    chosen = direction or definition.direction
    if chosen not in DIRECTIONS:
        raise InvalidInput(
            "direction: higher or lower (is higher better?)",
            key="metrics.error.direction",
            where_key="error.where.field",
            where_params={"field": "direction"},
        )
    if period not in {p.value for p in Period}:
        raise InvalidInput(
            f"period: one of day, week, month, quarter, not {period!r}",
            key="metrics.error.target_period",
            params={"period": period},
            where_key="error.where.field",
            where_params={"field": "period"},
        )
    if chosen == "higher" and warning > target:
        raise InvalidInput(
            "warning: when higher is better it must not be above the target",
            key="metrics.error.warning_above",
            where_key="error.where.field",
            where_params={"field": "warning"},
        )
    if chosen == "lower" and warning < target:
        raise InvalidInput(
            "warning: when lower is better it must not be below the target",
            key="metrics.error.warning_below",
            where_key="error.where.field",
            where_params={"field": "warning"},
        )
    if not owner.strip():
        raise InvalidInput(
            "owner: who answers for this target",
            key="metrics.error.owner",
            where_key="error.where.field",
            where_params={"field": "owner"},
        )
    return {
        "metric": metric,
        "scope": scope,
        "scope_value": value,
        "target": float(target),
        "warning": float(warning),
        "direction": chosen,
        "owner": owner.strip(),
        "period": period,
    }


def list_targets(connection: Connection, workspace: Workspace) -> list[Target]:
    """Every target of the workspace, by metric and scope."""
    rows = connection.execute(
        select(kpi_targets)
        .where(kpi_targets.c.workspace_id == workspace.id)
        .order_by(kpi_targets.c.metric, kpi_targets.c.scope, kpi_targets.c.scope_value)
    )
    return [_from_row(row) for row in rows]


def save_target(
    connection: Connection,
    workspace: Workspace,
    *,
    metric: str,
    scope: str,
    scope_value: str | None,
    target: float,
    warning: float,
    direction: str | None,
    owner: str,
    period: str,
) -> Target:
    """Create the target of (metric, scope, period), or replace it when it exists."""
    fields = _checked(
        metric=metric,
        scope=scope,
        scope_value=scope_value,
        target=target,
        warning=warning,
        direction=direction,
        owner=owner,
        period=period,
    )
    where = (
        (kpi_targets.c.workspace_id == workspace.id)
        & (kpi_targets.c.metric == fields["metric"])
        & (kpi_targets.c.scope == fields["scope"])
        & (kpi_targets.c.scope_value == fields["scope_value"])
        & (kpi_targets.c.period == fields["period"])
    )
    now = utcnow()
    existing = connection.execute(select(kpi_targets.c.id).where(where)).first()
    if existing is None:
        connection.execute(
            kpi_targets.insert().values(
                workspace_id=workspace.id, created_at=now, updated_at=now, **fields
            )
        )
    else:
        connection.execute(kpi_targets.update().where(where).values(updated_at=now, **fields))
    return _from_row(connection.execute(select(kpi_targets).where(where)).one())


def update_target(
    connection: Connection, workspace: Workspace, target_id: int, **fields: Any
) -> Target:
    """Change a target by id (any field, including its metric and scope)."""
    _get(connection, workspace, target_id)
    checked = _checked(**fields)
    clash = connection.execute(
        select(kpi_targets.c.id).where(
            (kpi_targets.c.workspace_id == workspace.id)
            & (kpi_targets.c.metric == checked["metric"])
            & (kpi_targets.c.scope == checked["scope"])
            & (kpi_targets.c.scope_value == checked["scope_value"])
            & (kpi_targets.c.period == checked["period"])
            & (kpi_targets.c.id != target_id)
        )
    ).first()
    if clash is not None:
        raise Conflict(
            "another target has this metric, scope and period", key="metrics.error.target_taken"
        )
    connection.execute(
        kpi_targets.update()
        .where(kpi_targets.c.id == target_id)
        .values(updated_at=utcnow(), **checked)
    )
    return _get(connection, workspace, target_id)


def _get(connection: Connection, workspace: Workspace, target_id: int) -> Target:
    row = connection.execute(
        select(kpi_targets).where(
            kpi_targets.c.id == target_id, kpi_targets.c.workspace_id == workspace.id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no target {target_id}", key="metrics.error.no_target", params={"target_id": target_id}
        )
    return _from_row(row)


def delete_target(connection: Connection, workspace: Workspace, target_id: int) -> None:
    """Remove a target of this workspace."""
    _get(connection, workspace, target_id)
    connection.execute(delete(kpi_targets).where(kpi_targets.c.id == target_id))


def target_status(value: float | None, target: Target | None) -> Status | None:
    """ok / warning / bad for a value against a target; None without either."""
    if value is None or target is None:
        return None
    if target.direction == "higher":
        if value >= target.target:
            return "ok"
        return "warning" if value >= target.warning else "bad"
    if value <= target.target:
        return "ok"
    return "warning" if value <= target.warning else "bad"


_SPECIFICITY = {"agent": 0, "team": 1, "channel": 2, "company": 3}


def target_for(
    targets: Iterable[Target], metric: str, row: Mapping[str, Any], period: str | None
) -> Target | None:
    """The target that applies to a metric in a KPI row: the most specific scope whose
    value the row holds (agent, then team, then channel), else the company's.

    Targets of the row's period are preferred; without a period (or no such
    target) a target of any period applies.
    """
    matching = []
    for target in targets:
        if target.metric != metric:
            continue
        if target.scope != "company" and row.get(target.scope) != target.scope_value:
            continue
        matching.append(target)
    if not matching:
        return None
    return min(
        matching,
        key=lambda t: (_SPECIFICITY[t.scope], t.period != period if period else 0, t.id),
    )


def with_status(
    rows: Iterable[dict[str, Any]], targets: list[Target], period: str | None
) -> list[dict[str, Any]]:
    """KPI rows with, per metric that has a target, ``<id>_target`` and ``<id>_status``."""
    found = []
    metric_ids = {t.metric for t in targets}
    for row in rows:
        extended = dict(row)
        for metric in metric_ids:
            if metric not in row:
                continue
            target = target_for(targets, metric, row, period)
            if target is None:
                continue
            extended[f"{metric}_target"] = target.target
            extended[f"{metric}_status"] = target_status(row[metric], target)
        found.append(extended)
    return found
