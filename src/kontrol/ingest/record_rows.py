"""Records -> rows: the stored shape of a validated interaction, message, survey, agent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kontrol.domain.clock import to_utc, utcnow
from kontrol.domain.vocabulary import COMPLAINT_TAG
from kontrol.ingest.batches import ImportState, content_hash
from kontrol.ingest.schema import AgentRecord, InteractionRecord, SurveyAnswers
from kontrol.redaction import redact

MESSAGE_COLUMNS = ("interaction_id", "seq", "role", "text", "at", "start_s", "end_s", "author_id")


def interaction_row(state: ImportState, record: InteractionRecord, digest: str) -> dict[str, Any]:
    """The ``interactions`` row of ``record``; a missing team is the agent's known team."""
    now = utcnow()
    meta = dict(record.meta)
    meta.update(record.extras())
    team = record.team
    if team is None and record.agent_id is not None:
        team = state.agent_teams.get(record.agent_id)
    return {
        "workspace_id": state.workspace.id,
        "source": record.source,
        "external_id": record.id,
        "channel": record.channel.value,
        "direction": record.direction.value,
        "queued_at": state.utc(record.queued_at),
        "started_at": state.utc(record.started_at),
        "ended_at": state.utc(record.ended_at),
        "wrap_seconds": record.wrap_seconds,
        "status": record.status.value if record.status else None,
        "case_id": record.case_id,
        "agent_external_id": record.agent_id,
        "agent_name": record.agent_name,
        "team": team,
        "customer_id": record.customer_id,
        "customer_name": record.customer_name,
        # Without a text to detect it from, the language is the workspace's (``ru`` in a
        # Russian one): the checks and scorecards of that language apply.
        "language": record.language or (None if has_text(record) else state.language),
        "topic": record.topic,
        "tags": list(record.tags),
        "is_complaint": COMPLAINT_TAG in record.tags,
        "cost": record.cost,
        "recording": record.recording,
        "meta": meta,
        "message_count": len(record.messages),
        "content_hash": digest,
        "imported_at": now,
        "updated_at": now,
    }


def has_text(record: InteractionRecord) -> bool:
    """Whether the interaction has a word of conversation (a call row of a spreadsheet
    with only its agent, date and duration has none)."""
    return any(message.text.strip() for message in record.messages)


def message_rows(
    state: ImportState, interaction_id: int, record: InteractionRecord
) -> Iterator[tuple[Any, ...]]:
    """Rows in ``MESSAGE_COLUMNS`` order."""
    for seq, message in enumerate(record.messages):
        yield (
            interaction_id,
            seq,
            message.role.value,
            redact(message.text) if state.redact else message.text,
            None if message.at is None else to_utc(message.at, state.local),
            message.start,
            message.end,
            message.author_id,
        )


def survey_row(
    state: ImportState,
    source: str,
    interaction_external_id: str,
    answers: SurveyAnswers,
    digest: str,
) -> dict[str, Any]:
    """The ``surveys`` row of one interaction's answers (linked later, when it is known)."""
    return {
        "workspace_id": state.workspace.id,
        "source": source,
        "interaction_external_id": interaction_external_id,
        "interaction_id": None,
        "at": state.utc(answers.at),
        "csat": answers.csat,
        "nps": answers.nps,
        "ces": answers.ces,
        "comment": redact(answers.comment) if state.redact and answers.comment else answers.comment,
        "content_hash": digest,
        "updated_at": utcnow(),
    }


def agent_row(state: ImportState, record: AgentRecord) -> dict[str, Any]:
    """The ``agents`` row of ``record``."""
    data = record.model_dump(mode="json", exclude_none=True)
    return {
        "workspace_id": state.workspace.id,
        "external_id": record.id,
        "name": record.name,
        "team": record.team,
        "hired_at": state.utc(record.hired_at),
        "hourly_cost": record.hourly_cost,
        "meta": record.extras(),
        "content_hash": content_hash(data),
    }
