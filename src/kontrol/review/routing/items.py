"""Review items: one interaction waiting in (or done from) one queue.

Items are listed in the order reviewers work in (highest priority, then the
earliest due), filtered on the queue page, and completed by the evaluation
that reviewed them. Every change is a ``review_events`` row; items carry a
``version`` and a stale edit raises :class:`Conflict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.review.history import record_event, stale_conflict
from kontrol.review.routing.queues import get_queue, item_scope
from kontrol.review.routing.scorable import scorable
from kontrol.store.tables import (
    evaluations,
    interactions,
    review_events,
    review_items,
    review_queues,
    review_rules,
    users,
)

ITEM_STATUSES = ("open", "done", "skipped")


@dataclass(frozen=True)
class ReviewItem:
    """One interaction waiting in (or done from) one queue. Times are naive UTC."""

    id: int
    workspace_id: int
    queue_id: int
    queue_name: str
    interaction_id: int
    external_id: str
    channel: str
    agent: str | None
    team: str | None
    started_at: datetime
    rule_id: int | None
    rule_name: str | None
    rule_kind: str | None
    reason: str
    priority: int
    due_at: datetime | None
    status: str
    assignee_id: int | None
    assignee_name: str | None
    assigned_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    evaluation_id: int | None
    version: int

    @property
    def overdue(self) -> bool:
        """Open and past its due time."""
        return self.status == "open" and self.due_at is not None and self.due_at < utcnow()

    def as_json(self) -> dict[str, Any]:
        """The item as the JSON API shows it."""

        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat() + "Z"

        return {
            "id": self.id,
            "queue": {"id": self.queue_id, "name": self.queue_name},
            "interaction": {
                "id": self.interaction_id,
                "external_id": self.external_id,
                "channel": self.channel,
                "agent": self.agent,
                "team": self.team,
                "started_at": moment(self.started_at),
            },
            "rule": None
            if self.rule_id is None
            else {"id": self.rule_id, "name": self.rule_name, "kind": self.rule_kind},
            "reason": self.reason,
            "priority": self.priority,
            "due_at": moment(self.due_at),
            "overdue": self.overdue,
            "status": self.status,
            "assignee": None
            if self.assignee_id is None
            else {"id": self.assignee_id, "name": self.assignee_name},
            "assigned_at": moment(self.assigned_at),
            "created_at": moment(self.created_at),
            "completed_at": moment(self.completed_at),
            "evaluation_id": self.evaluation_id,
            "version": self.version,
        }


def _items_query() -> Any:
    assignee = users.alias("assignee")
    return (
        select(
            review_items,
            review_queues.c.name.label("queue_name"),
            interactions.c.external_id,
            interactions.c.channel,
            interactions.c.agent_external_id,
            interactions.c.agent_name,
            interactions.c.team,
            interactions.c.started_at,
            review_rules.c.name.label("rule_name"),
            review_rules.c.kind.label("rule_kind"),
            assignee.c.display_name.label("assignee_name"),
        )
        .join(review_queues, review_queues.c.id == review_items.c.queue_id)
        .join(interactions, interactions.c.id == review_items.c.interaction_id)
        .outerjoin(review_rules, review_rules.c.id == review_items.c.rule_id)
        .outerjoin(assignee, assignee.c.id == review_items.c.assignee_id)
    )


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        id=row.id,
        workspace_id=row.workspace_id,
        queue_id=row.queue_id,
        queue_name=row.queue_name,
        interaction_id=row.interaction_id,
        external_id=row.external_id,
        channel=row.channel,
        agent=row.agent_name or row.agent_external_id,
        team=row.team,
        started_at=row.started_at,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        rule_kind=row.rule_kind,
        reason=row.reason,
        priority=row.priority,
        due_at=row.due_at,
        status=row.status,
        assignee_id=row.assignee_id,
        assignee_name=row.assignee_name,
        assigned_at=row.assigned_at,
        created_at=row.created_at,
        completed_at=row.completed_at,
        evaluation_id=row.evaluation_id,
        version=row.version,
    )


# The order reviewers work in: highest priority, then the earliest due (none due last).
QUEUE_ORDER = (
    review_items.c.priority.desc(),
    case((review_items.c.due_at.is_(None), 1), else_=0),
    review_items.c.due_at,
    review_items.c.id,
)


@dataclass(frozen=True)
class ItemFilters:
    """What the queue page narrows its items by."""

    status: str = "open"
    assignee: str = ""
    channel: str = ""
    overdue: bool = False

    def conditions(self, now: datetime) -> list[Any]:
        """The conditions on the items query; bad values are refused naming the field."""
        found: list[Any] = []
        if self.status not in (*ITEM_STATUSES, "all"):
            raise InvalidInput(
                f"status: one of {', '.join(ITEM_STATUSES)}, all",
                key="review.error.status_one_of",
                params={"join": ", ".join(ITEM_STATUSES)},
                where_key="error.where.field",
                where_params={"field": "status"},
            )
        if self.status != "all":
            found.append(review_items.c.status == self.status)
        if self.assignee == "none":
            found.append(review_items.c.assignee_id.is_(None))
        elif self.assignee:
            if not self.assignee.isdigit():
                raise InvalidInput(
                    "assignee: a user id or 'none'",
                    key="review.error.user_or_none",
                    where_key="error.where.field",
                    where_params={"field": "assignee"},
                )
            found.append(review_items.c.assignee_id == int(self.assignee))
        if self.channel:
            found.append(interactions.c.channel == self.channel)
        if self.overdue:
            found.append(review_items.c.due_at < now)
        return found


def list_items(
    connection: Connection,
    viewer: Viewer,
    queue_id: int,
    filters: ItemFilters | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """A queue's items the viewer may see, highest priority and earliest due first."""
    get_queue(connection, viewer, queue_id)
    conditions = (filters or ItemFilters()).conditions(utcnow())
    rows = connection.execute(
        _items_query()
        .where(item_scope(viewer), review_items.c.queue_id == queue_id, *conditions)
        .order_by(*QUEUE_ORDER)
        .limit(limit)
        .offset(offset)
    )
    return [_item(row) for row in rows]


def get_item(connection: Connection, viewer: Viewer, item_id: int) -> ReviewItem:
    """One item the viewer may see (others, and other workspaces', are not found)."""
    require(viewer, Action.VIEW_QUEUES)
    row = connection.execute(
        _items_query().where(item_scope(viewer), review_items.c.id == item_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no review item {item_id}", key="review.error.no_item", params={"item_id": item_id}
        )
    return _item(row)


def items_of_interaction(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> list[ReviewItem]:
    """The items of one interaction the viewer may see (every queue it is in)."""
    if not allowed(viewer, Action.VIEW_QUEUES):
        return []
    rows = connection.execute(
        _items_query()
        .where(item_scope(viewer), review_items.c.interaction_id == interaction_id)
        .order_by(review_items.c.id)
    )
    return [_item(row) for row in rows]


def next_item(connection: Connection, viewer: Viewer) -> ReviewItem | None:
    """The viewer's next open item a scorecard fits: highest priority first, then the
    earliest due (items none fits are passed over)."""
    require(viewer, Action.REVIEW)
    rows = connection.execute(
        _items_query()
        .where(
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(*QUEUE_ORDER)
        .limit(200)
    ).all()
    fitting = scorable(connection, viewer.workspace.id, [row.interaction_id for row in rows])
    row = next((row for row in rows if row.interaction_id in fitting), None)
    return None if row is None else _item(row)


def _item_by_id(connection: Connection, item_id: int) -> ReviewItem:
    row = connection.execute(_items_query().where(review_items.c.id == item_id)).first()
    if row is None:
        raise NotFound(
            f"no review item {item_id}", key="review.error.no_item", params={"item_id": item_id}
        )
    return _item(row)


def complete_item(
    connection: Connection, item_id: int, evaluation_id: int, actor_id: int | None
) -> ReviewItem:
    """Mark an item done with the evaluation that reviewed it.

    The interaction's other open items (in other queues) are done with the same
    evaluation: it is reviewed once. Completing again with the same evaluation
    changes nothing; with another one it is a :class:`Conflict`.
    """
    item = _item_by_id(connection, item_id)
    rated = connection.execute(
        select(evaluations.c.interaction_id).where(
            evaluations.c.id == evaluation_id, evaluations.c.workspace_id == item.workspace_id
        )
    ).scalar()
    if rated is None:
        raise NotFound(
            f"no evaluation {evaluation_id}",
            key="review.error.no_evaluation",
            params={"evaluation_id": evaluation_id},
        )
    if rated != item.interaction_id:
        raise InvalidInput(
            f"evaluation_id: evaluation {evaluation_id} rates another interaction "
            f"than item {item_id}",
            key="review.error.other_interaction",
            params={"evaluation_id": evaluation_id, "item_id": item_id},
            where_key="error.where.field",
            where_params={"field": "evaluation_id"},
        )
    if item.status == "done":
        if item.evaluation_id == evaluation_id:
            return item
        raise Conflict(
            f"review item {item_id} is done already with evaluation {item.evaluation_id}",
            key="review.error.item_done_with",
            params={"item_id": item_id, "evaluation_id": item.evaluation_id},
        )
    now = utcnow()
    others = connection.execute(
        select(review_items.c.id, review_items.c.version).where(
            review_items.c.workspace_id == item.workspace_id,
            review_items.c.interaction_id == item.interaction_id,
            review_items.c.status != "done",
        )
    ).all()
    for other_id, version in others:
        changed = connection.execute(
            update(review_items)
            .where(review_items.c.id == other_id, review_items.c.version == version)
            .values(
                status="done",
                completed_at=now,
                evaluation_id=evaluation_id,
                version=review_items.c.version + 1,
            )
        ).rowcount
        if not changed:
            raise stale_conflict(connection, item.workspace_id, "item", other_id)
        details: dict[str, Any] = {"evaluation_id": evaluation_id}
        if other_id != item_id:
            details["with_item"] = item_id
        record_event(connection, item.workspace_id, "item", other_id, actor_id, "done", details)
    return _item_by_id(connection, item_id)


def skipped_by(connection: Connection, workspace_id: int, item_id: int) -> list[int]:
    """Who passed the item on already (it never goes back to them)."""
    return [
        int(actor)
        for actor in connection.execute(
            select(review_events.c.actor_id).where(
                review_events.c.workspace_id == workspace_id,
                review_events.c.subject == "item",
                review_events.c.subject_id == item_id,
                review_events.c.action == "skipped",
                review_events.c.actor_id.is_not(None),
            )
        ).scalars()
    ]


@dataclass(frozen=True)
class SkipNote:
    """A reviewer passed an item on: who, why and when (naive UTC)."""

    by: str | None
    reason: str
    at: datetime


def skip_notes(
    connection: Connection, workspace_id: int, item_ids: Sequence[int]
) -> dict[int, list[SkipNote]]:
    """The skips of these items, oldest first, so a QA lead sees why an item waits."""
    found: dict[int, list[SkipNote]] = {}
    for start in range(0, len(item_ids), 400):
        rows = connection.execute(
            select(
                review_events.c.subject_id,
                review_events.c.details,
                review_events.c.at,
                users.c.display_name,
            )
            .outerjoin(users, users.c.id == review_events.c.actor_id)
            .where(
                review_events.c.workspace_id == workspace_id,
                review_events.c.subject == "item",
                review_events.c.subject_id.in_(item_ids[start : start + 400]),
                review_events.c.action == "skipped",
            )
            .order_by(review_events.c.id)
        )
        for item_id, details, at, name in rows:
            note = SkipNote(name, str((details or {}).get("reason", "")), at)
            found.setdefault(int(item_id), []).append(note)
    return found
