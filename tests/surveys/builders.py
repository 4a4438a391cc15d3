"""Small builders shared by the survey and alert tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import ImportReport, import_file


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
    """An inbound conversation whose agent answers ``reply_after`` seconds after the customer."""
    start = started or moment(30)
    record: dict[str, Any] = {
        "id": external_id,
        "channel": channel,
        "started_at": iso(start),
        "agent_id": agent,
        "agent_name": "Анна Смирнова",
        "team": team,
        "customer_id": f"c-{external_id}",
        "customer_name": "Иван Петров",
        "messages": [
            {"role": "customer", "text": "Где мой заказ?", "at": iso(start)},
            {
                "role": "agent",
                "text": "Здравствуйте! Сейчас проверю.",
                "at": iso(start + timedelta(seconds=reply_after)),
            },
        ],
    }
    if channel == "call":
        record["messages"] = []
        record["queued_at"] = iso(start - timedelta(seconds=queued_after or 0))
    if tags:
        record["tags"] = tags
    if language:
        record["language"] = language
    if survey:
        record["survey"] = survey
    return record


def load(
    engine: Engine, workspace: Workspace, tmp: Path, records: list[dict[str, Any]]
) -> ImportReport:
    """Import records through the file path, as a person would."""
    path = tmp / f"batch-{len(list(tmp.glob('batch-*')))}.jsonl"
    path.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in records) + "\n",
        encoding="utf-8",
    )
    return import_file(engine=engine, workspace=workspace, path=path)
