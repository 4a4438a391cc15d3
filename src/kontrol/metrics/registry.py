"""The metric registry: every metric by its stable id, filled by ``@register_metric``.

Stored configurations (targets, dashboards) name metrics by id, so ids never change.
The built-ins in ``kontrol.metrics.builtin`` are loaded because the ``kontrol.metrics``
entry-point group names that module (pyproject.toml), exactly as a third
party's metrics would be.
"""

from __future__ import annotations

from typing import TypeVar

from kontrol.metrics.definitions import Metric
from kontrol.plugins import Registry

M = TypeVar("M", bound=type[Metric])

metrics: Registry[Metric] = Registry("metric", group="kontrol.metrics")


def register_metric(cls: M) -> M:
    """Add a metric class to the registry (one instance per id)."""
    metric_id = getattr(cls, "id", None)
    if not metric_id:
        raise TypeError(f"{cls.__name__} has no id")
    if not (cls.__doc__ or "").strip():
        raise TypeError(f"metric {metric_id} has no docstring")
    metrics.add(metric_id, cls())
    return cls


def catalogue() -> list[Metric]:
    """Every metric, in definition order."""
    return metrics.values()


def get_metric(metric_id: str) -> Metric:
    """The metric with this id; ``InvalidInput`` names the known ones otherwise."""
    return metrics.get(metric_id)
