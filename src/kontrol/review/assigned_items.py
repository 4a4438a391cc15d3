"""The reviewer's side of the review queues: the items assigned to them, in working order.

Routing (``review/routing/``) fills the queues and keeps their rules; here a
reviewer (or a QA lead) reads an item, their own queue and the item to score
next, and a submitted evaluation marks its item done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require, whole_workspace
from kontrol.domain.errors import NotFound
from kontrol.review.routing.items import QUEUE_ORDER, complete_item
from kontrol.review.routing.scorable import scorable
from kontrol.store.tables import (
    evaluations,
    interactions,
    review_items,
    review_queues,
)


@dataclass(frozen=True, slots=True)
class AssignedItem:
    """An interaction waiting for a reviewer in a queue, with the reason it is there."""

    id: int
    queue_id: int
    queue: str
    interaction_id: int
    reason: str
    priority: int
    due_at: datetime | None
    status: str
    assignee_id: int | None
    evaluation_id: int | None
    version: int
    created_at: datetime

    def overdue(self, now: datetime) -> bool:
        """Past its due time and still open (``now`` as naive UTC)."""
        return self.status == "open" and self.due_at is not None and self.due_at < now

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id,
            "queue_id": self.queue_id,
            "queue": self.queue,
            "interaction_id": self.interaction_id,
            "reason": self.reason,
            "priority": self.priority,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "status": self.status,
            "assignee_id": self.assignee_id,
            "evaluation_id": self.evaluation_id,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A row of "my queue": the item and what the reviewer needs to pick it."""

    item: AssignedItem
    channel: str
    started_at: datetime
    agent: str | None
    customer: str | None
    topic: str | None
    scorable: bool = True
    """Whether a scorecard fits it (else it cannot be scored: passed on to a QA lead)."""


def _item(row: Any) -> AssignedItem:
    return AssignedItem(
        id=int(row.id),
        queue_id=int(row.queue_id),
        queue=row.queue_name,
        interaction_id=int(row.interaction_id),
        reason=row.reason,
        priority=int(row.priority),
        due_at=row.due_at,
        status=row.status,
        assignee_id=row.assignee_id,
        evaluation_id=row.evaluation_id,
        version=int(row.version),
        created_at=row.created_at,
    )


def _item_query() -> Any:
    return select(review_items, review_queues.c.name.label("queue_name")).join(
        review_queues, review_queues.c.id == review_items.c.queue_id
    )


def get_assigned_item(connection: Connection, viewer: Viewer, item_id: int) -> AssignedItem:
    """A review item of the viewer (any item of the workspace for QA leads and admins)."""
    require(viewer, Action.REVIEW)
    row = connection.execute(
        _item_query().where(
            review_items.c.id == item_id, review_items.c.workspace_id == viewer.workspace.id
        )
    ).first()
    if row is None or (not whole_workspace(viewer) and row.assignee_id != viewer.account.id):
        raise NotFound(
            f"no review item {item_id}", key="review.error.no_item", params={"item_id": item_id}
        )
    return _item(row)


def my_open_item(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> AssignedItem | None:
    """The viewer's open item for this interaction, the most urgent first (``None``: none)."""
    row = connection.execute(
        _item_query()
        .where(
            review_items.c.interaction_id == interaction_id,
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(review_items.c.priority.desc(), review_items.c.id)
        .limit(1)
    ).first()
    return _item(row) if row is not None else None


def my_queue(connection: Connection, viewer: Viewer, *, limit: int = 200) -> list[QueueEntry]:
    """Open items assigned to the viewer, by priority and due time."""
    require(viewer, Action.REVIEW)
    rows = connection.execute(
        select(
            review_items,
            review_queues.c.name.label("queue_name"),
            interactions.c.channel,
            interactions.c.started_at,
            func.coalesce(interactions.c.agent_name, interactions.c.agent_external_id).label(
                "agent"
            ),
            func.coalesce(interactions.c.customer_name, interactions.c.customer_id).label(
                "customer"
            ),
            interactions.c.topic,
        )
        .join(review_queues, review_queues.c.id == review_items.c.queue_id)
        .join(interactions, interactions.c.id == review_items.c.interaction_id)
        .where(
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(*QUEUE_ORDER)
        .limit(limit)
    )
    found = rows.all()
    fitting = scorable(connection, viewer.workspace.id, [row.interaction_id for row in found])
    return [
        QueueEntry(
            _item(row),
            row.channel,
            row.started_at,
            row.agent,
            row.customer,
            row.topic,
            scorable=row.interaction_id in fitting,
        )
        for row in found
    ]


def next_in_queue(
    connection: Connection, viewer: Viewer, *, after: int | None = None
) -> AssignedItem | None:
    """The item to score next: the first of my queue other than ``after`` (the current one)
    that a scorecard fits and that I have not scored yet.

    Items no scorecard fits are passed over, and so are items of an interaction I
    already submitted an evaluation of (a second queue's item for it): opening one
    would show the finished evaluation again instead of new work.
    """
    entries = [
        entry for entry in my_queue(connection, viewer) if entry.item.id != after and entry.scorable
    ]
    if not entries:
        return None
    done = _scored_by(connection, viewer, [entry.item.interaction_id for entry in entries])
    for entry in entries:
        if entry.item.interaction_id not in done:
            return entry.item
    return None


def _scored_by(connection: Connection, viewer: Viewer, interaction_ids: list[int]) -> set[int]:
    """Those of ``interaction_ids`` the viewer has submitted a manual evaluation of."""
    rows = connection.execute(
        select(evaluations.c.interaction_id).where(
            evaluations.c.workspace_id == viewer.workspace.id,
            evaluations.c.kind == "manual",
            evaluations.c.status == "submitted",
            evaluations.c.reviewer_id == viewer.account.id,
            evaluations.c.interaction_id.in_(interaction_ids),
        )
    )
    return {int(row.interaction_id) for row in rows}


def complete_assigned_item(
    connection: Connection, item_id: int, evaluation_id: int, actor_id: int
) -> None:
    """Mark a queue item done with the evaluation that scored it (routing keeps the rules).

    An item done meanwhile with another evaluation stays as it is: the evaluation
    stands on its own.
    """
    status = connection.execute(
        select(review_items.c.status).where(review_items.c.id == item_id)
    ).scalar()
    if status is not None and status != "done":
        complete_item(connection, item_id, evaluation_id, actor_id)
