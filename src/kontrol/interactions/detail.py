"""One interaction: its conversation (call segments spoken over marked), survey and
the customer's other contacts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import NotFound
from kontrol.interactions.summaries import InteractionSummary, summary, summary_query
from kontrol.store.tables import interactions, messages, surveys


@dataclass(frozen=True)
class TranscriptMessage:
    """A message of a conversation, with its time in the workspace zone."""

    seq: int
    role: str
    text: str
    at: datetime | None
    start: float | None
    end: float | None
    author_id: str | None
    # A call segment that starts before the other side's previous segment ended.
    overlaps: bool = False

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "role": self.role,
            "text": self.text,
            "at": self.at.isoformat() if self.at else None,
            "start": self.start,
            "end": self.end,
            "author_id": self.author_id,
            "overlaps": self.overlaps,
        }


def mark_cross_talk(conversation: list[TranscriptMessage]) -> list[TranscriptMessage]:
    """Flag call segments spoken over the other party (agent and customer only)."""
    latest_end: dict[str, float] = {}
    marked = []
    for message in conversation:
        overlaps = False
        if message.start is not None and message.role in ("agent", "customer"):
            other = "customer" if message.role == "agent" else "agent"
            overlaps = message.start < latest_end.get(other, float("-inf"))
            if message.end is not None:
                latest_end[message.role] = max(latest_end.get(message.role, 0.0), message.end)
        marked.append(replace(message, overlaps=overlaps) if overlaps else message)
    return marked


@dataclass(frozen=True)
class Survey:
    """The customer's answers."""

    at: datetime | None
    csat: int | None
    nps: int | None
    ces: int | None
    comment: str | None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "at": self.at.isoformat() if self.at else None,
            "csat": self.csat,
            "nps": self.nps,
            "ces": self.ces,
            "comment": self.comment,
        }


@dataclass
class InteractionDetail:
    """One interaction with its conversation, survey and the customer's other contacts."""

    summary: InteractionSummary
    queued_at: datetime | None
    wrap_seconds: float | None
    case_id: str | None
    tags: list[str]
    cost: float | None
    recording: str | None
    meta: dict[str, Any]
    messages: list[TranscriptMessage]
    survey: Survey | None
    related: list[InteractionSummary] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        data = self.summary.as_json()
        data.update(
            queued_at=self.queued_at.isoformat() if self.queued_at else None,
            wrap_seconds=self.wrap_seconds,
            case_id=self.case_id,
            tags=self.tags,
            cost=self.cost,
            recording=self.recording,
            meta=self.meta,
            messages=[message.as_json() for message in self.messages],
            survey=self.survey.as_json() if self.survey else None,
            related=[item.as_json() for item in self.related],
        )
        return data


def get_interaction(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> InteractionDetail:
    """One interaction that ``viewer`` may see, with everything about it."""
    row = connection.execute(
        summary_query(viewer).where(interactions.c.id == interaction_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no interaction {interaction_id}",
            key="interactions.error.no_interaction",
            params={"interaction_id": interaction_id},
        )
    local = zone(viewer.workspace.timezone)
    full = connection.execute(select(interactions).where(interactions.c.id == interaction_id)).one()
    conversation = [
        TranscriptMessage(
            m.seq,
            m.role,
            m.text,
            from_utc(m.at, local) if m.at else None,
            m.start_s,
            m.end_s,
            m.author_id,
        )
        for m in connection.execute(
            select(messages)
            .where(messages.c.interaction_id == interaction_id)
            .order_by(messages.c.seq)
        )
    ]
    survey_row = connection.execute(
        select(surveys).where(surveys.c.interaction_id == interaction_id).limit(1)
    ).first()
    survey = (
        Survey(
            from_utc(survey_row.at, local) if survey_row.at else None,
            survey_row.csat,
            survey_row.nps,
            survey_row.ces,
            survey_row.comment,
        )
        if survey_row
        else None
    )
    related: list[InteractionSummary] = []
    if full.customer_id:
        related_rows = connection.execute(
            summary_query(viewer)
            .where(
                interactions.c.customer_id == full.customer_id,
                interactions.c.id != interaction_id,
            )
            .order_by(interactions.c.started_at.desc())
            .limit(50)
        )
        related = [summary(item, viewer) for item in related_rows]
    return InteractionDetail(
        summary=summary(row, viewer),
        queued_at=from_utc(full.queued_at, local) if full.queued_at else None,
        wrap_seconds=full.wrap_seconds,
        case_id=full.case_id,
        tags=list(full.tags or []),
        cost=full.cost,
        recording=full.recording,
        meta=dict(full.meta or {}),
        messages=mark_cross_talk(conversation),
        survey=survey,
        related=related,
    )
