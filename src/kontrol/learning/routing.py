"""Least sure first: a routing rule kind that sends the conversations the learned
models are least sure about to review (docs/learning.md, docs/routing.md).

Run by the recurring routing job, a rule of this kind tops its queue up to
``max_open`` open items with the conversations of the last ``lookback_days`` whose
smallest margin over the workspace's models (|2p - 1|, 0 a coin toss) is lowest,
least sure first, skipping what is already in the queue or was reviewed. Those are
the reviews that teach the models most.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, func, select

from kontrol.review.evaluations import MANUAL
from kontrol.review.routing.kinds import (
    ROUTING_KINDS,
    Pick,
    RoutingKind,
    RoutingRule,
    filter_condition,
)
from kontrol.rules.params import Param
from kontrol.store.tables import evaluations, interactions, learned_verdicts, review_items


@ROUTING_KINDS.register
class LeastSure(RoutingKind):
    """The conversations the learned models are least sure about."""

    name: ClassVar[str] = "least_sure"
    params: ClassVar[tuple[Param, ...]] = (
        Param("max_open", 10, 1, 500),
        Param("lookback_days", 14, 1, 90),
    )
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """Up to the free places of the queue, smallest margin first."""
        open_items = connection.execute(
            select(func.count()).where(
                review_items.c.queue_id == rule.queue_id,
                review_items.c.rule_id == rule.id,
                review_items.c.status == "open",
            )
        ).scalar_one()
        room = int(rule.params["max_open"]) - int(open_items)
        if room <= 0:
            return []
        queued = select(review_items.c.interaction_id).where(
            review_items.c.queue_id == rule.queue_id
        )
        reviewed = select(evaluations.c.interaction_id).where(
            evaluations.c.workspace_id == rule.workspace_id, evaluations.c.kind == MANUAL
        )
        margin = func.min(learned_verdicts.c.margin).label("margin")
        rows = connection.execute(
            select(learned_verdicts.c.interaction_id, margin)
            .join(interactions, interactions.c.id == learned_verdicts.c.interaction_id)
            .where(
                learned_verdicts.c.workspace_id == rule.workspace_id,
                interactions.c.started_at >= now - timedelta(days=rule.params["lookback_days"]),
                interactions.c.started_at <= now,
                learned_verdicts.c.interaction_id.not_in(queued),
                learned_verdicts.c.interaction_id.not_in(reviewed),
                filter_condition(rule),
            )
            .group_by(learned_verdicts.c.interaction_id)
            .order_by(margin, learned_verdicts.c.interaction_id)
            .limit(room)
        ).all()
        return [
            Pick(int(row.interaction_id), f"learned models least sure (margin {row.margin:.2f})")
            for row in rows
        ]
