"""Figures: one number of the dashboard with its target, trend and drill-down links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kontrol.domain.periods import Period
from kontrol.metrics import Metric
from kontrol.metrics.targets import Target, target_for, target_status

# Metrics whose value grows with the length of the period: a target set for
# another period length does not apply to them.
SUMMED_UNITS = {"count", "currency"}


@dataclass(frozen=True)
class DrillDown:
    """Where a metric's numbers lead in the interaction list.

    ``population``: the contacts the value is computed over. ``problems``: the
    ones that pull it the wrong way (CSAT 1-3, SLA missed, abandoned...), with
    how to count them from a row (``den - num`` or ``num``).
    """

    population: Mapping[str, str] | None
    problems: Mapping[str, str] | None = None
    problem_count: str | None = None  # "den-num", "num" or None (not countable)


DRILL_DOWNS: dict[str, DrillDown] = {
    "contacts": DrillDown({"handled": "yes"}),
    "csat": DrillDown({"measured": "csat"}, {"csat_max": "3"}, "den-num"),
    "csat_avg": DrillDown({"measured": "csat"}, {"csat_max": "3"}),
    "nps": DrillDown({"measured": "nps"}, {"nps": "detractor"}),
    "ces": DrillDown({"measured": "ces"}),
    "survey_rate": DrillDown({"handled": "yes"}),
    "fcr": DrillDown({"measured": "fcr"}, {"fcr": "no"}, "den-num"),
    "repeat_contact": DrillDown({"measured": "repeat"}, {"repeat": "yes"}, "num"),
    "sla": DrillDown({"measured": "sla"}, {"sla": "missed"}, "den-num"),
    "frt": DrillDown({"measured": "frt"}),
    "asa": DrillDown({"measured": "asa"}),
    "aht": DrillDown({"measured": "aht"}),
    "resolution_time": DrillDown({"measured": "resolution"}),
    "abandonment": DrillDown(None, {"abandoned": "yes"}, "num"),
    "complaints": DrillDown({"complaint": "yes"}),
    "cost_per_contact": DrillDown({"measured": "cost"}),
    "cost_total": DrillDown({"measured": "cost"}),
}


@dataclass(frozen=True)
class Figure:
    """One number with what it is judged against."""

    metric: Metric
    value: float | None
    target: Target | None = None
    status: str | None = None  # ok, warning, bad
    previous: float | None = None
    problems: int | None = None
    link: dict[str, str] | None = None
    problems_link: dict[str, str] | None = None

    @property
    def change(self) -> float | None:
        """Value minus the previous period's."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str | None:
        """``better``, ``worse`` or ``same`` compared with the previous period."""
        change = self.change
        if change is None:
            return None
        if abs(change) < 1e-9:
            return "same"
        if self.metric.direction is None:
            return "up" if change > 0 else "down"
        better = change > 0 if self.metric.direction == "higher" else change < 0
        return "better" if better else "worse"


def applicable_target(
    targets: Sequence[Target], metric: Metric, scope: Mapping[str, Any], period: Period
) -> Target | None:
    """The target ``metric`` is judged against in ``scope`` for a period of this length."""
    target = target_for(targets, metric.id, scope, period.value)
    if target is not None and target.period != period.value and metric.unit in SUMMED_UNITS:
        return None
    return target


def _problem_count(drill: DrillDown, metric: Metric, row: Mapping[str, Any]) -> int | None:
    num, den = row.get(f"{metric.id}_num"), row.get(f"{metric.id}_den")
    if drill.problem_count == "num" and num is not None:
        return int(num)
    if drill.problem_count == "den-num" and num is not None and den is not None:
        return int(den) - int(num)
    return None


# Fewer contacts than this behind a value: no "в норме" / "ниже цели" badge. A share
# of 3 contacts out of 5 says nothing about a target; with 30 one contact moves a
# share by about 3 points, the usual rule of thumb for "enough to judge".
MIN_SAMPLE = 30


def sample_size(metric: Metric, row: Mapping[str, Any]) -> int | None:
    """How many cases a value stands on: its denominator, else the contacts counted."""
    den = row.get(f"{metric.id}_den")
    if den is None:
        den = row.get("contacts")
    return int(den) if den is not None else None


def judged(metric: Metric, row: Mapping[str, Any], target: Target | None) -> str | None:
    """The badge of ``metric`` in ``row``: none without a target or on too few cases.

    A count (contacts handled) is judged whatever its size: its target is the volume.
    """
    value = row.get(metric.id)
    if target is None:
        return None
    size = sample_size(metric, row)
    if metric.unit != "count" and size is not None and size < MIN_SAMPLE:
        return None
    return target_status(value, target)


def figure(
    metric: Metric,
    row: Mapping[str, Any],
    *,
    targets: Sequence[Target],
    target_row: Mapping[str, Any],
    period: Period,
    previous: Mapping[str, Any] | None,
    link_base: Mapping[str, str] | None,
) -> Figure:
    """``metric``'s value in ``row``, judged against its target, with where it leads."""
    value = row.get(metric.id)
    target = applicable_target(targets, metric, target_row, period)
    drill = DRILL_DOWNS.get(metric.id)
    link = problems_link = None
    if drill is not None and link_base is not None:
        if drill.population is not None:
            link = {**link_base, **drill.population}
        if drill.problems is not None:
            problems_link = {**link_base, **drill.problems}
    return Figure(
        metric=metric,
        value=value,
        target=target,
        status=judged(metric, row, target),
        previous=previous.get(metric.id) if previous is not None else None,
        problems=_problem_count(drill, metric, row) if drill is not None else None,
        link=link,
        problems_link=problems_link,
    )
