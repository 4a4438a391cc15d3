"""The history of the review workflow: who did what to which item or rule, and when.

Every state change writes a ``review_events`` row; an edit made on an old
version is refused with a :class:`Conflict` that names who changed it last.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict
from kontrol.store.tables import review_events, users


def record_event(
    connection: Connection,
    workspace_id: int,
    subject: str,
    subject_id: int,
    actor_id: int | None,
    action: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Write one ``review_events`` row: who did what to which thing (now, unless ``at``)."""
    connection.execute(
        review_events.insert().values(
            workspace_id=workspace_id,
            subject=subject,
            subject_id=subject_id,
            actor_id=actor_id,
            action=action,
            details=details or {},
            at=at or utcnow(),
        )
    )


def history(connection: Connection, workspace_id: int, subject: str, subject_id: int) -> list[Any]:
    """The ``review_events`` of one item or rule, oldest first (with the actor's name)."""
    return list(
        connection.execute(
            select(review_events, users.c.display_name.label("actor"))
            .outerjoin(users, users.c.id == review_events.c.actor_id)
            .where(
                review_events.c.workspace_id == workspace_id,
                review_events.c.subject == subject,
                review_events.c.subject_id == subject_id,
            )
            .order_by(review_events.c.id)
        ).all()
    )


def stale_conflict(
    connection: Connection, workspace_id: int, subject: str, subject_id: int
) -> Conflict:
    """The error of an edit made on an old version: who changed it last, and when."""
    events = history(connection, workspace_id, subject, subject_id)
    if events:
        last = events[-1]
        who = last.actor or "the routing rules"
        return Conflict(
            f"{subject} {subject_id} was changed by {who} at "
            f"{last.at:%Y-%m-%d %H:%M} UTC; reload to see the change"
        )
    return Conflict(f"{subject} {subject_id} was changed meanwhile; reload to see the change")
