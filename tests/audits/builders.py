"""Builders of the audit tests: a small template, people, interactions with bots and greetings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from kontrol.accounts.access import Viewer
from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import Audit, create_audit
from kontrol.audits.templates import save_template
from kontrol.domain.roles import WorkspaceRole
from tests.factories import add_person, import_records, interaction_record, message, viewer_of

# Three areas of our own and one of competitors; one measured item, one needing evidence.
SMALL = """\
name: small
title: Небольшой аудит
language: ru
areas:
  - id: processes
    title: Процессы
    items:
      - key: intake
        title: Приём обращений по регламенту
        weight: 2
        scale: yes_partly_no
        evidence: true
      - key: offer
        title: Коммерческое предложение
        scale: one_to_five
  - id: people
    title: Персонал
    items:
      - key: greeting
        title: Приветствие по стандарту
        scale: number
        target: 90
        unit: "%"
        measure: check:greeting
  - id: technology
    title: Технологии
    items:
      - key: bots
        title: Бот закрывает простые вопросы
        scale: number
        target: 50
        unit: "%"
        measure: bot_containment
  - id: competitors
    title: Конкуренты
    items:
      - key: speed
        title: Скорость ответа в чате
        scale: number
        target: 120
        direction: lower
        unit: с
"""

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def person(
    connection: Connection,
    workspace: Workspace,
    name: str,
    role: WorkspaceRole,
    team: str | None = None,
    agent: str | None = None,
) -> Viewer:
    """A member of ``workspace`` in ``role``, as a viewer."""
    account = add_person(connection, workspace, name, role, agent=agent, team=team)
    return viewer_of(connection, account, workspace)


def chat(
    external_id: str, *, day: int, greeting: bool, bot_only: bool = False, with_bot: bool = False
) -> dict[str, Any]:
    """A chat of 2026-11-<day>: greeted or not; with a bot, and answered by it alone or not."""
    at = f"2026-11-{day:02d}T10:00:00+00:00"
    messages = [message("customer", "Где мой заказ?", at)]
    if with_bot or bot_only:
        messages.append(message("bot", "Я бот. Номер заказа?", at))
    if not bot_only:
        hello = "Здравствуйте! Меня зовут Анна. " if greeting else ""
        messages.append(message("agent", hello + "Заказ в пути, приедет завтра.", at))
    return interaction_record(
        external_id,
        started=at,
        agent_id=None if bot_only else "a1",
        team=None if bot_only else "L1",
        messages=messages,
    )


def import_chats(
    engine: Engine, workspace: Workspace, folder: Path, chats: list[dict[str, Any]]
) -> None:
    import_records(engine, workspace, folder, chats)


def small_audit(connection: Connection, viewer: Viewer, **values: str) -> Audit:
    """A draft audit of the small template over November 2026."""
    save_template(connection, viewer.workspace.id, SMALL, file="small.yaml")
    return create_audit(
        connection,
        viewer,
        {
            "template": "small",
            "period_from": "2026-11-01",
            "period_to": "2026-11-30",
            **values,
        },
    )
