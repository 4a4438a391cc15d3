"""Routing runs: the rules that react to a moment fill the queues.

- Immediate routing: the import events (events.py) run the rules that
  react to them in the same request cycle: a survey with CSAT <= 2 is in the
  queue as soon as it is stored, whether it came from a file, the ingest API or
  the public survey page. The unique key (queue, interaction) means an
  interaction enters a queue once, however often it is routed.
- Scheduled routing (random sample, long handle time, repeat contact) runs as the
  hourly job ``routing.scheduled`` and by ``kontrol review-route``.

Both go through the shared rule loop (kontrol/rules/evaluation.py), one
transaction per rule, as alert rules do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from kontrol.domain.clock import utcnow
from kontrol.events import ComplaintsFound, InteractionsScored, SurveysStored, subscriber
from kontrol.jobs.registry import JobContext, job
from kontrol.review.routing.assignment import assign_waiting, place
from kontrol.review.routing.kinds import ROUTING_KINDS, RoutingRule
from kontrol.review.routing.rules import routing_rules_query, stored_routing_rule
from kontrol.rules.evaluation import run_rules, workspace_ids
from kontrol.store.tables import interactions, review_rules

SCHEDULED_JOB = "routing.scheduled"


def _active_rules(connection: Connection, workspace_id: int, trigger: str) -> list[RoutingRule]:
    rows = connection.execute(
        routing_rules_query(workspace_id)
        .where(review_rules.c.is_active.is_(True))
        .order_by(review_rules.c.priority.desc(), review_rules.c.id)
    )
    return [stored_routing_rule(row).rule for row in ROUTING_KINDS.reacting(rows, trigger)]


def route_event(
    engine: Engine,
    workspace_id: int,
    trigger: str,
    ids: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Run the active rules reacting to ``trigger`` on these interactions; new item ids."""
    moment = now or utcnow()
    with engine.connect() as connection:
        rules = _active_rules(connection, workspace_id, trigger)

    def pick_and_place(connection: Connection, rule: RoutingRule) -> list[int]:
        picks = ROUTING_KINDS.get(rule.kind).on_event(connection, rule, ids, moment)
        return place(connection, rule, picks, moment)

    return run_rules(engine, rules, pick_and_place, what="routing rule", contain_errors=True)


@dataclass
class RoutingReport:
    """What a routing run did."""

    created: int = 0
    assigned: int = 0


def route_scheduled(
    engine: Engine, *, workspace_id: int | None = None, now: datetime | None = None
) -> RoutingReport:
    """The scheduled kinds of every (or one) workspace, then give waiting items to reviewers."""
    moment = now or utcnow()

    def pick_and_place(connection: Connection, rule: RoutingRule) -> list[int]:
        picks = ROUTING_KINDS.get(rule.kind).on_schedule(connection, rule, moment)
        return place(connection, rule, picks, moment)

    report = RoutingReport()
    for found in workspace_ids(engine, only=workspace_id):
        with engine.connect() as connection:
            rules = _active_rules(connection, found, "schedule")
        created = run_rules(
            engine, rules, pick_and_place, what="routing rule", contain_errors=False
        )
        report.created += len(created)
        with engine.begin() as connection:
            report.assigned += assign_waiting(connection, found, moment)
    return report


def route_recent(
    engine: Engine, workspace_id: int, *, days: int, now: datetime | None = None
) -> int:
    """Run the immediate rules over the interactions of the last ``days`` days (after a
    rule was added); how many items were created."""
    moment = now or utcnow()
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                select(interactions.c.id)
                .where(
                    interactions.c.workspace_id == workspace_id,
                    interactions.c.started_at >= moment - timedelta(days=days),
                )
                .order_by(interactions.c.id)
            ).scalars()
        )
    created = 0
    for trigger in ("surveys", "scored"):
        created += len(route_event(engine, workspace_id, trigger, ids, now=moment))
    return created


@subscriber(SurveysStored)
def route_surveys(engine: Engine, event: SurveysStored) -> None:
    """A low rating goes to its queue as soon as the answer is stored."""
    route_event(engine, event.workspace_id, "surveys", event.interaction_ids)


@subscriber(InteractionsScored)
def route_scored(engine: Engine, event: InteractionsScored) -> None:
    """Failed critical criteria and complaints, once the checks have scored."""
    route_event(engine, event.workspace_id, "scored", event.interaction_ids)


@subscriber(ComplaintsFound)
def route_complaints(engine: Engine, event: ComplaintsFound) -> None:
    """Complaints the checks found in the text."""
    route_event(engine, event.workspace_id, "complaints", event.interaction_ids)


@job(SCHEDULED_JOB, every=timedelta(hours=1), max_attempts=3)
def scheduled_routing_job(ctx: JobContext, *, due: str) -> None:
    """Every hour: random samples, long handle times, repeat contacts; waiting items assigned.

    Items are unique per (queue, interaction), so a repeated run adds nothing twice.
    """
    route_scheduled(ctx.engine)
