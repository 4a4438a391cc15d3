"""What a metric is: a small declarative object with an id, a unit and its rule.

A metric says *what* to count as Core expressions over ``interaction_facts``;
``metrics/query.py`` turns a set of metrics into one grouped query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

from sqlalchemy import ColumnElement, Table, and_, case, func

Direction = Literal["higher", "lower"]
Kind = Literal["time", "ratio", "mean", "count", "count_ratio"]


class Metric(ABC):
    """One KPI. Subclasses set the class attributes and carry a docstring."""

    id: ClassVar[str]
    unit: ClassVar[str]
    kind: ClassVar[Kind]
    direction: ClassVar[Direction | None] = None
    # Default thresholds: the target, and the warning level before "bad".
    default_target: ClassVar[float | None] = None
    default_warning: ClassVar[float | None] = None
    # Where the rows come from: interaction facts, evaluations, order facts, or the
    # metric's own ``own_values`` (a feature above metrics registering its figure).
    source: ClassVar[Literal["facts", "evaluations", "orders", "own"]] = "facts"

    @property
    def label_key(self) -> str:
        """The translation key of the metric's name."""
        return f"kpi.metric.{self.id}"

    @property
    def doc(self) -> str:
        """The definition, from the docstring."""
        return " ".join((type(self).__doc__ or "").split())

    def own_values(self, connection: Any, grouping: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
        """A metric with ``source = "own"``: its output keys per group key of ``grouping``
        (a :class:`~kontrol.metrics.query.Grouping`); the groups it cannot split by are
        left out."""
        raise NotImplementedError(f"metric {self.id} has no values of its own")

    def output_keys(self) -> list[str]:
        """The keys this metric adds to a KPI row."""
        if self.kind == "time":
            return [self.id, f"{self.id}_mean", f"{self.id}_p90"]
        if self.kind == "ratio":
            return [self.id, f"{self.id}_num", f"{self.id}_den"]
        if self.kind == "count_ratio":
            return [self.id, f"{self.id}_pct", f"{self.id}_num", f"{self.id}_den"]
        return [self.id]


class TimeMetric(Metric):
    """A duration per interaction: median under the id, also mean and p90."""

    kind: ClassVar[Kind] = "time"
    unit: ClassVar[str] = "s"
    direction: ClassVar[Direction | None] = "lower"
    column: ClassVar[str]


class RatioMetric(Metric):
    """numerator / denominator × scale; both parts are reported for re-aggregation."""

    kind: ClassVar[Kind] = "ratio"
    unit: ClassVar[str] = "%"
    scale: ClassVar[float] = 100.0

    @abstractmethod
    def numerator(self, f: Table) -> ColumnElement[Any]:
        """The numerator, an aggregate over the facts."""

    @abstractmethod
    def denominator(self, f: Table) -> ColumnElement[Any]:
        """The denominator, an aggregate over the facts."""


class MeanMetric(Metric):
    """The mean of one fact column."""

    kind: ClassVar[Kind] = "mean"
    column: ClassVar[str]


class CountMetric(Metric):
    """A count of interactions."""

    kind: ClassVar[Kind] = "count"
    unit: ClassVar[str] = "count"

    @abstractmethod
    def count(self, f: Table) -> ColumnElement[Any]:
        """The count, an aggregate over the facts."""


def count_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows meet ``condition`` (0 when none)."""
    return func.sum(case((condition, 1), else_=0))


def is_true(column: ColumnElement[bool]) -> ColumnElement[bool]:
    """``column IS TRUE`` on both databases."""
    return column.is_(True)


def both(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """All conditions."""
    return and_(*conditions)
