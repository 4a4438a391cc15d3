"""Data for the routing tests: interactions imported through the ordinary import path."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.review.routing.rules import RoutingRuleInput, save_routing_rule
from kontrol.store.tables import interactions, review_items, review_queues, users
from tests.factories import add_person, exchange, import_records, interaction_record

POLITE = "Hello! My name is Anna. I will check your order right now."


def chat(
    external_id: str,
    *,
    started: datetime,
    agent: str | None = "a1",
    minutes: float = 5,
    channel: str = "chat",
    customer: str | None = None,
    team: str = "L1",
    text: str = POLITE,
    survey: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    topic: str = "delivery",
) -> dict[str, Any]:
    """One interaction record (FORMAT.md), naive ``started`` read as UTC."""
    start = started.isoformat() + "+00:00"
    return interaction_record(
        external_id,
        started=start,
        channel=channel,
        customer=customer or f"cust-{external_id}",
        ended_at=(started + timedelta(minutes=minutes)).isoformat() + "+00:00",
        status="resolved",
        agent_id=agent,
        team=team,
        customer_name="Ivan",
        language="en",
        topic=topic,
        messages=exchange("Where is my order?", text, at=start),
        survey=survey or None,
        tags=tags or None,
    )


def recent(hours: float = 1) -> datetime:
    """A moment ``hours`` ago (routing of ratings looks at recent interactions only)."""
    return (utcnow() - timedelta(hours=hours)).replace(microsecond=0)


def load(engine: Engine, workspace: Workspace, folder: Path, records: list[dict[str, Any]]) -> None:
    """Import ``records`` as a file would be imported; none of them may be refused."""
    report = import_records(engine, workspace, folder, records)
    assert report.rejected == 0, report


def person(
    engine: Engine,
    workspace: Workspace,
    username: str,
    role: WorkspaceRole = WorkspaceRole.REVIEWER,
    *,
    agent: str | None = None,
) -> int:
    """A person of the workspace; their user id."""
    with engine.begin() as connection:
        return add_person(connection, workspace, username, role, agent=agent).id


def rule(
    engine: Engine,
    workspace: Workspace,
    kind: str,
    *,
    queue: str = "Q",
    name: str | None = None,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> int:
    """A routing rule; its id."""
    with engine.begin() as connection:
        return save_routing_rule(
            connection,
            workspace.id,
            RoutingRuleInput(
                name=name or kind, kind=kind, queue=queue, params=params or {}, **extra
            ),
        ).rule.id


def queued(engine: Engine, queue: str = "Q") -> dict[str, Any]:
    """The items of a queue by the external id of their interaction."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(review_items, interactions.c.external_id, users.c.username)
            .join(interactions, interactions.c.id == review_items.c.interaction_id)
            .join(review_queues, review_queues.c.id == review_items.c.queue_id)
            .outerjoin(users, users.c.id == review_items.c.assignee_id)
            .where(review_queues.c.name == queue)
        ).all()
    return {row.external_id: row for row in rows}


def interaction_id(engine: Engine, external_id: str) -> int:
    """The stored id of an interaction."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(interactions.c.id).where(interactions.c.external_id == external_id)
            ).scalar_one()
        )
