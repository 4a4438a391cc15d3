"""KPI definitions (spec/METRICS.md): declarative metrics registered by id."""

from kontrol.metrics.definitions import Metric
from kontrol.metrics.registry import catalogue, get_metric, register_metric

__all__ = ["Metric", "catalogue", "get_metric", "register_metric"]
