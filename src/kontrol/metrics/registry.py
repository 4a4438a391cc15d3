"""The metric registry: every metric by its stable id, filled by ``@register``.

Stored configurations (targets, dashboards) name metrics by id, so ids never change.
"""

from __future__ import annotations

from typing import TypeVar

from kontrol.domain.errors import InvalidInput
from kontrol.metrics.definitions import Metric

M = TypeVar("M", bound=type[Metric])

_metrics: dict[str, Metric] = {}


def register(cls: M) -> M:
    """Add a metric class to the registry (one instance per id)."""
    metric_id = getattr(cls, "id", None)
    if not metric_id:
        raise TypeError(f"{cls.__name__} has no id")
    if not (cls.__doc__ or "").strip():
        raise TypeError(f"metric {metric_id} has no docstring")
    if metric_id in _metrics and type(_metrics[metric_id]) is not cls:
        raise TypeError(f"metric id {metric_id!r} is registered twice")
    _metrics[metric_id] = cls()
    return cls


def catalogue() -> list[Metric]:
    """Every metric, in definition order."""
    from kontrol.metrics import builtin  # noqa: F401  (registers the built-ins)

    return list(_metrics.values())


def get_metric(metric_id: str) -> Metric:
    """The metric with this id; ``InvalidInput`` names the known ones otherwise."""
    catalogue()
    try:
        return _metrics[metric_id]
    except KeyError:
        known = ", ".join(_metrics)
        raise InvalidInput(f"unknown metric {metric_id!r}; known: {known}") from None
