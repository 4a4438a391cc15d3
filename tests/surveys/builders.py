"""The conversations the survey and alert tests are about (imported with tests.factories)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import exchange, interaction_record


def moment(minutes_ago: float = 0) -> datetime:
    """An aware UTC time some minutes ago."""
    return datetime.now(UTC) - timedelta(minutes=minutes_ago)


def iso(value: datetime) -> str:
    """ISO-8601 with offset, as FORMAT.md wants it."""
    return value.isoformat()


def chat(
    external_id: str,
    *,
    started: datetime | None = None,
    reply_after: float = 30,
    agent: str = "a1",
    team: str = "L1",
    channel: str = "chat",
    tags: list[str] | None = None,
    language: str | None = "ru",
    survey: dict[str, Any] | None = None,
    queued_after: float | None = None,
) -> dict[str, Any]:
    """An inbound conversation whose agent answers ``reply_after`` seconds after the customer.

    A call has no messages; it waited ``queued_after`` seconds in the queue.
    """
    start = started or moment(30)
    is_call = channel == "call"
    return interaction_record(
        external_id,
        started=iso(start),
        channel=channel,
        agent_id=agent,
        agent_name="Анна Смирнова",
        team=team,
        customer_name="Иван Петров",
        queued_at=iso(start - timedelta(seconds=queued_after or 0)) if is_call else None,
        tags=tags or None,
        language=language or None,
        survey=survey or None,
        messages=[]
        if is_call
        else exchange(
            "Где мой заказ?",
            "Здравствуйте! Сейчас проверю.",
            at=iso(start),
            answered=iso(start + timedelta(seconds=reply_after)),
        ),
    )
