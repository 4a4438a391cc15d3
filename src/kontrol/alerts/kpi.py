"""Alerts on the service plan: a KPI of the day below its target or its warning level."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Connection, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.kinds import ALERT_KINDS, AlertKind, AlertRule, Finding
from kontrol.domain.clock import from_utc, zone
from kontrol.metrics import figures
from kontrol.metrics.definitions import Metric
from kontrol.metrics.figures import SUMMED_UNITS, sample_size
from kontrol.metrics.kpis import compute
from kontrol.metrics.registry import get_metric
from kontrol.metrics.targets import Target, list_targets, target_status
from kontrol.rules.params import Param
from kontrol.store.tables import agents


def enough_cases(metric: Metric, row: dict[str, Any]) -> bool:
    """Whether a day's value stands on enough cases to be judged, as the dashboard judges:
    none at all never; a share or an average on fewer than ``figures.MIN_SAMPLE`` never."""
    size = sample_size(metric, row)
    contacts = row.get("contacts")
    if size is None or size == 0 or contacts == 0:
        return False
    return metric.unit == "count" or size >= figures.MIN_SAMPLE


# How bad a day must be: 1 = below the target (warning or worse), 2 = below the warning level.
_LEVELS = {1: ("warning", "bad"), 2: ("bad",)}


@ALERT_KINDS.register
class KpiBelowTarget(AlertKind):
    """Today's value (workspace time zone) of a KPI that has a target is off its target.

    Checked by the periodic check; one alert per target and day. A daily total (a
    count, money) is judged on the last complete day instead (see ``_days_judged``).
    A rule scoped to a team or a channel watches only the targets of that team or
    channel. Targets of totals (counts, money) count only when they are set per day. A day with no
    cases raises nothing, nor does a share or an average on fewer cases than the
    dashboard judges (``metrics.figures.MIN_SAMPLE``): "0 against 85" at 00:15 is
    no news.
    """

    name: ClassVar[str] = "kpi_below_target"
    params: ClassVar[tuple[Param, ...]] = (Param("level", 1, 1, 2),)
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: AlertRule, now: datetime) -> list[Finding]:
        """Every target of the workspace, measured over today so far (totals: yesterday)."""
        workspace = Workspace(id=rule.workspace_id, name="", timezone=rule.timezone)
        today = from_utc(now, zone(rule.timezone)).date()
        statuses = _LEVELS[int(rule.params["level"])]
        findings: list[Finding] = []
        targets = list_targets(connection, workspace)
        names = _agent_names(
            connection,
            rule.workspace_id,
            [t.scope_value for t in targets if t.scope == "agent" and t.scope_value],
        )
        for target in targets:
            if rule.scope_team and (target.scope, target.scope_value) != ("team", rule.scope_team):
                continue
            if rule.scope_channel and (target.scope, target.scope_value) != (
                "channel",
                rule.scope_channel,
            ):
                continue
            if target.period != "day" and get_metric(target.metric).unit in SUMMED_UNITS:
                continue  # a week's or a month's total says nothing about one day
            filters = {target.scope: target.scope_value} if target.scope_value else {}
            metric = get_metric(target.metric)
            for day in _days_judged(metric, target, today):
                [row] = compute(
                    connection,
                    workspace=workspace,
                    metrics=sorted({target.metric, "contacts"}),
                    date_from=day,
                    date_to=day,
                    filters=filters,
                )
                if not enough_cases(metric, row):
                    continue  # a day without cases (or with a handful) is no day off target
                value = row.get(target.metric)
                status = target_status(value, target)
                if status not in statuses:
                    continue
                findings.append(
                    Finding(
                        subject=f"target:{target.id}",
                        window=day.isoformat(),
                        team=target.scope_value if target.scope == "team" else None,
                        channel=target.scope_value if target.scope == "channel" else None,
                        details={
                            "metric": target.metric,
                            # An agent by name (a person reads it), a channel's code is worded
                            # when the message is shown (``delivery.describe``).
                            "scope": names.get(target.scope_value, target.scope_value)
                            if target.scope == "agent" and target.scope_value
                            else target.scope_value or "—",
                            "scope_kind": target.scope,
                            "cases": sample_size(metric, row),
                            "value": round(float(value), 1) if value is not None else "—",
                            "target": target.target,
                            "warning": target.warning,
                            "day": day.isoformat(),
                            "owner": target.owner or "—",
                        },
                    )
                )
        return findings


def _days_judged(metric: Metric, target: Target, today: date) -> tuple[date, ...]:
    """The days a target is judged on at a check made ``today`` (workspace time zone).

    A share or an average reads the same on part of a day as on all of it: today so
    far. A daily total (a count, money) only grows through the day, so "12 contacts
    by 9 o'clock against 100 a day" is no news: such a target is judged on the last
    complete day, yesterday. Only a ceiling (direction "lower") already passed today
    is certain before the day ends, so that is judged today as well.
    """
    if metric.unit not in SUMMED_UNITS:
        return (today,)
    yesterday = today - timedelta(days=1)
    return (today, yesterday) if target.direction == "lower" else (yesterday,)


def _agent_names(connection: Connection, workspace_id: int, ids: list[str]) -> dict[str, str]:
    """The roster's names of the agents ``ids`` (those without a name are left out)."""
    if not ids:
        return {}
    rows = connection.execute(
        select(agents.c.external_id, agents.c.name).where(
            agents.c.workspace_id == workspace_id, agents.c.external_id.in_(sorted(set(ids)))
        )
    )
    return {row.external_id: row.name for row in rows if row.name}
