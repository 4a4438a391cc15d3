"""Demo routing: the default queues and rules, filled as if routing had run all along."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from kontrol.i18n import translate
from kontrol.review.routing.rules import (
    RoutingRuleInput,
    create_default_rules,
    save_routing_rule,
)
from kontrol.review.routing.runs import route_recent, route_scheduled
from kontrol.store.tables import interactions

ROUTED_DAYS = 3

# The demo's rules and queues are named in Russian, as its people would name them.
LOCALE = "ru"

# Two demo-only rules whose items QA leads take too, so the work is seen spread out.
DEMO_ROUTING_RULES = (
    RoutingRuleInput(
        translate(LOCALE, "routing.kind.handle_time_p95"),
        "handle_time_p95",
        translate(LOCALE, "routing.default.queue.sample"),
        "normal",
        72,
        {"min_contacts": 8, "window_days": 60},
        assign_qa_leads=True,
    ),
    RoutingRuleInput(
        translate(LOCALE, "routing.kind.repeat_contact"),
        "repeat_contact",
        translate(LOCALE, "routing.default.queue.critical"),
        "normal",
        48,
        assign_qa_leads=True,
    ),
)


def seed_routing_demo(engine: Engine, workspace_id: int) -> None:
    """Default queues and rules, filled from the demo data as if routing had run all along.

    The demo data ends a few days before today, so the routing runs as of its
    last three days, day by day (as the hourly job would have). Two demo-only
    rules (long handle time, repeat contact) let the QA lead take items too,
    so the work is seen spread over two people.
    """
    with engine.begin() as connection:
        create_default_rules(connection, workspace_id, locale=LOCALE)
        for data in DEMO_ROUTING_RULES:
            save_routing_rule(connection, workspace_id, data)
        last = connection.execute(
            select(func.max(interactions.c.started_at)).where(
                interactions.c.workspace_id == workspace_id
            )
        ).scalar()
    if last is None:
        return
    # The last three days: a team that keeps up has reviewed what came before.
    route_recent(engine, workspace_id, days=ROUTED_DAYS, now=last)
    for days_before in range(ROUTED_DAYS - 1, -1, -1):
        route_scheduled(engine, workspace_id=workspace_id, now=last - timedelta(days=days_before))
