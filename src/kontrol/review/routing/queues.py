"""Review queues: their counts, the people who review and how much each holds.

Routing rules fill the queues (review/routing/runs.py), assignment spreads
the work (review/routing/assignment.py), reviewers work the items
(review/routing/items.py). Reviewers see only the items given to them; QA
leads and admins see every item of the workspace and each reviewer's load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import POLICY, Action, allowed, interaction_reach, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import (
    memberships,
    review_items,
    review_queues,
    users,
)

# Who may be given review items: the roles that may review (accounts/policy.py);
# QA leads only when the rule says so.
ASSIGNABLE = tuple(role for role in WorkspaceRole if role in POLICY[Action.REVIEW])


@dataclass(frozen=True)
class ReviewQueue:
    """A queue of a workspace with its counts (for a reviewer: their own items only)."""

    id: int
    name: str
    description: str | None
    open: int = 0
    overdue: int = 0
    unassigned: int = 0
    skipped: int = 0
    done: int = 0


@dataclass(frozen=True)
class ReviewerLoad:
    """How much open work one person of the workspace holds."""

    user_id: int
    display_name: str
    role: str
    open: int
    overdue: int
    done: int
    last_assigned_at: datetime | None


def item_scope(viewer: Viewer) -> Any:
    """Items the viewer may see: the workspace's, or (reviewers) those assigned to them."""
    condition = review_items.c.workspace_id == viewer.workspace.id
    if interaction_reach(viewer) == "review":
        return condition & (review_items.c.assignee_id == viewer.account.id)
    return condition


def list_queues(connection: Connection, viewer: Viewer) -> list[ReviewQueue]:
    """The workspace's queues with counts of the items the viewer may see."""
    require(viewer, Action.VIEW_QUEUES)
    now = utcnow()
    status = review_items.c.status
    is_open = status == "open"
    counts = (
        select(
            review_items.c.queue_id,
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((is_open & (review_items.c.due_at < now), 1), else_=0)).label("overdue"),
            func.sum(case((is_open & review_items.c.assignee_id.is_(None), 1), else_=0)).label(
                "unassigned"
            ),
            func.sum(case((status == "skipped", 1), else_=0)).label("skipped"),
            func.sum(case((status == "done", 1), else_=0)).label("done"),
        )
        .where(item_scope(viewer))
        .group_by(review_items.c.queue_id)
        .subquery()
    )
    rows = connection.execute(
        select(review_queues, counts)
        .outerjoin(counts, counts.c.queue_id == review_queues.c.id)
        .where(review_queues.c.workspace_id == viewer.workspace.id)
        .order_by(review_queues.c.name)
    )
    return [
        ReviewQueue(
            id=row.id,
            name=row.name,
            description=row.description,
            open=int(row.open or 0),
            overdue=int(row.overdue or 0),
            unassigned=int(row.unassigned or 0),
            skipped=int(row.skipped or 0),
            done=int(row.done or 0),
        )
        for row in rows
    ]


def get_queue(connection: Connection, viewer: Viewer, queue_id: int) -> ReviewQueue:
    """One queue of the viewer's workspace (with the viewer's counts)."""
    for queue in list_queues(connection, viewer):
        if queue.id == queue_id:
            return queue
    raise NotFound(
        f"no queue {queue_id}", key="review.error.no_queue", params={"queue_id": queue_id}
    )


def reviewer_loads(connection: Connection, viewer: Viewer) -> list[ReviewerLoad]:
    """Open, overdue and done items per person who reviews (QA leads and admins only)."""
    require(viewer, Action.ASSIGN_REVIEWS)
    now = utcnow()
    is_open = review_items.c.status == "open"
    counts = (
        select(
            review_items.c.assignee_id,
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((is_open & (review_items.c.due_at < now), 1), else_=0)).label("overdue"),
            func.sum(case((review_items.c.status == "done", 1), else_=0)).label("done"),
            func.max(review_items.c.assigned_at).label("last_assigned_at"),
        )
        .where(review_items.c.workspace_id == viewer.workspace.id)
        .group_by(review_items.c.assignee_id)
        .subquery()
    )
    rows = connection.execute(
        select(users.c.id, users.c.display_name, memberships.c.role, counts)
        .join(memberships, memberships.c.user_id == users.c.id)
        .outerjoin(counts, counts.c.assignee_id == users.c.id)
        .where(
            memberships.c.workspace_id == viewer.workspace.id,
            memberships.c.role.in_([role.value for role in ASSIGNABLE]),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.display_name)
    )
    return [
        ReviewerLoad(
            user_id=row.id,
            display_name=row.display_name,
            role=row.role,
            open=int(row.open or 0),
            overdue=int(row.overdue or 0),
            done=int(row.done or 0),
            last_assigned_at=row.last_assigned_at,
        )
        for row in rows
        if row.role == WorkspaceRole.REVIEWER.value or row.open or row.done
    ]


def assignable_people(connection: Connection, workspace_id: int) -> list[tuple[int, str, str]]:
    """(user id, name, role) of everyone an item may be given to, by name."""
    rows = connection.execute(
        select(users.c.id, users.c.display_name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(
            memberships.c.workspace_id == workspace_id,
            memberships.c.role.in_([role.value for role in ASSIGNABLE]),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.display_name)
    )
    return [(row.id, row.display_name, row.role) for row in rows]


def can_see_queues(viewer: Viewer) -> bool:
    """Whether the nav shows the review queues."""
    return allowed(viewer, Action.VIEW_QUEUES)


def queue_names(connection: Connection, workspace_id: int) -> list[tuple[int, str]]:
    """(id, name) of the workspace's queues, by name: what a rule form offers to fill."""
    rows = connection.execute(
        select(review_queues.c.id, review_queues.c.name)
        .where(review_queues.c.workspace_id == workspace_id)
        .order_by(review_queues.c.name)
    )
    return [(int(row.id), row.name) for row in rows]
