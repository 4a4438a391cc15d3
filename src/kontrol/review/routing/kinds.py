"""Routing rule kinds: what puts an interaction into a review queue.

A kind is one small class registered with ``@ROUTING_KINDS.register``. It
declares its typed parameters and the moments it reacts to with the shared rule
mechanism (kontrol/rules/), the one alert rules use:

- ``surveys``: survey answers were stored (low CSAT, NPS detractor, hard for the
  customer by CES);
- ``scored``: the automatic checks scored interactions (failed critical criterion,
  complaint);
- ``complaints``: the checks found complaints in the text;
- ``schedule``: the recurring routing job (random sample, long handle time,
  repeat contact).

A kind only *selects* interactions (:class:`Pick`: which one and why); placing
them in the queue, de-duplicating and assigning is review/routing/assignment.py's
job. The built-in kinds (review/routing/event_kinds.py, scheduled_kinds.py) come
through the ``kontrol.routing_kinds`` entry-point group declared in
pyproject.toml, exactly as another package's kinds do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, true

from kontrol.rules.kinds import RuleKind, RuleKinds
from kontrol.store.tables import interactions

ENTRY_POINT_GROUP = "kontrol.routing_kinds"
# Filters a rule may narrow its kind with: interactions column -> allowed values (None: any text).
FILTERS = ("channel", "team", "language")


@dataclass(frozen=True)
class RoutingRule:
    """A stored rule as the kinds see it (``params`` complete, defaults filled in)."""

    id: int
    workspace_id: int
    timezone: str
    name: str
    kind: str
    params: dict[str, float]
    queue_id: int
    priority: int
    due_hours: int
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assign_qa_leads: bool = False
    is_active: bool = True


@dataclass(frozen=True)
class Pick:
    """An interaction a rule selected, and why (in words a reviewer reads)."""

    interaction_id: int
    reason: str


class RoutingKind(RuleKind):
    """Base of every routing rule kind; override ``on_event`` or ``on_schedule``.

    ``triggers``: which of "surveys", "scored", "complaints", "schedule" it reacts to.
    """

    def on_event(
        self, connection: Connection, rule: RoutingRule, ids: Sequence[int], now: datetime
    ) -> list[Pick]:
        """Picks among interactions an event named (``ids``)."""
        return []

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """Picks of the recurring routing job at ``now`` (naive UTC)."""
        return []


ROUTING_KINDS: RuleKinds[RoutingKind] = RuleKinds("routing rule kind", group=ENTRY_POINT_GROUP)


def filter_condition(rule: RoutingRule) -> ColumnElement[bool]:
    """The condition on ``interactions`` that limits a rule to its channels, teams, languages."""
    conditions = [
        interactions.c[name].in_(values) for name, values in rule.filters.items() if values
    ]
    return and_(true(), *conditions)
