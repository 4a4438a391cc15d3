"""The history the feedback pages show, and the refusal of a save made on an old version.

Every step of the feedback workflow (evaluations, disputes, tasks) leaves a
``review_events`` row; a save names the version it edited, and one made on an
outdated version is refused with a ``Conflict`` that says who changed it last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    or_,
    select,
)

from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.store.tables import (
    review_events,
    users,
)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of an evaluation's history (its own, or of one of its disputes)."""

    at: datetime
    subject: str
    subject_id: int
    action: str
    actor: str | None
    details: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "subject": self.subject,
            "subject_id": self.subject_id,
            "action": self.action,
            "actor": self.actor,
            "details": self.details,
        }


def subject_events(
    connection: Connection, workspace_id: int, subjects: Sequence[tuple[str, Sequence[int]]]
) -> list[HistoryEntry]:
    """The events of these subjects (``[(subject, [ids]), ...]``), oldest first."""
    conditions = [
        and_(review_events.c.subject == subject, review_events.c.subject_id.in_(list(ids)))
        for subject, ids in subjects
        if ids
    ]
    if not conditions:
        return []
    rows = connection.execute(
        select(review_events, users.c.display_name)
        .outerjoin(users, users.c.id == review_events.c.actor_id)
        .where(review_events.c.workspace_id == workspace_id, or_(*conditions))
        .order_by(review_events.c.at, review_events.c.id)
    )
    return [
        HistoryEntry(
            row.at,
            row.subject,
            int(row.subject_id),
            row.action,
            row.display_name,
            row.details or {},
        )
        for row in rows
    ]


def stale(kind: str, number: int, who: str | None, when: datetime | None) -> Conflict:
    """The refusal of a save that names an outdated version."""
    by = f" by {who}" if who else ""
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    return Conflict(
        f"{kind} {number} was changed{by}{at}; reload to see the change",
        # One message per kind (evaluation, dispute, task), each language naming it its way.
        key=f"feedback.error.stale.{kind}" if who or when else f"feedback.error.stale_plain.{kind}",
        params={
            "number": number,
            "who": who or "—",
            "at": f"{when:%Y-%m-%d %H:%M}" if when else "—",
        },
    )


def last_actor(
    connection: Connection, subject: str, subject_id: int
) -> tuple[str | None, datetime | None]:
    """Who changed a thing last and when, from its history (for conflict messages)."""
    row = connection.execute(
        select(users.c.display_name, review_events.c.at)
        .select_from(review_events.outerjoin(users, users.c.id == review_events.c.actor_id))
        .where(review_events.c.subject == subject, review_events.c.subject_id == subject_id)
        .order_by(review_events.c.id.desc())
        .limit(1)
    ).first()
    return (row.display_name, row.at) if row is not None else (None, None)


def read_version(value: object, name: str = "version") -> int:
    """A version number from a form or a JSON body; ``InvalidInput`` names the field."""
    if isinstance(value, bool):
        raise InvalidInput(
            f"{name}: the version you saw (a whole number) is required",
            key="feedback.error.version",
            where_key="error.where.field",
            where_params={"field": name},
        )
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not text.isdigit():
        raise InvalidInput(
            f"{name}: the version you saw (a whole number) is required",
            key="feedback.error.version",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(text)
