"""Fixtures of the web tests: a workspace with people of every role (see conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts import login_limits
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.web.app import create_app
from kontrol.web.pages import surveys as survey_pages
from tests.factories import (
    PersonRow,
    add_outsider,
    add_people,
    exchange,
    import_records,
    interaction_record,
)


def record(
    external_id: str,
    *,
    agent: str | None,
    team: str | None,
    started: str,
    text: str,
    channel: str = "chat",
    customer: str = "c1",
    csat: int | None = None,
    topic: str = "delivery",
) -> dict[str, object]:
    """One interaction in the interchange format."""
    return interaction_record(
        external_id,
        started=started,
        channel=channel,
        customer=customer,
        agent_id=agent,
        team=team,
        customer_name="Иван Петров",
        topic=topic,
        messages=exchange(text, "Здравствуйте! Сейчас проверю.", at=started),
        survey=None if csat is None else {"csat": csat, "comment": "<b>спасибо</b>"},
    )


SAMPLE = [
    record(
        "i1",
        agent="a1",
        team="L1",
        started="2026-11-02T10:00:00+00:00",
        text="Где мой заказ?",
        csat=5,
    ),
    record(
        "i2",
        agent="a2",
        team="L1",
        started="2026-11-03T10:00:00+00:00",
        text="Верните деньги <script>alert(1)</script>",
        csat=1,
        topic="refund",
    ),
    record(
        "i3",
        agent="a3",
        team="L2",
        started="2026-11-04T10:00:00+00:00",
        text="When will my parcel arrive?",
        channel="email",
        customer="c2",
    ),
    record(
        "i4",
        agent="a1",
        team="L1",
        started="2026-11-05T10:00:00+00:00",
        text="Снова про заказ",
        channel="call",
    ),
]


PEOPLE: list[PersonRow] = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
    ("agent3", WorkspaceRole.AGENT, "a3", None),
]


@pytest.fixture
def populated(engine: Engine, workspace: Workspace, tmp_path: Path) -> Workspace:
    """The default workspace with four interactions and five people."""
    import_records(engine, workspace, tmp_path, SAMPLE, name="sample.jsonl", tail="{broken\n")
    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)
        add_outsider(connection)
    return workspace


@pytest.fixture
def client(database_url: str, populated: Workspace) -> Iterator[TestClient]:
    """A browser-like client of the app (not logged in)."""
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Each test starts with empty in-memory rate-limit counters (survey pages, logins)."""
    survey_pages._limiters.clear()
    login_limits._limiter.cache_clear()
    yield
    survey_pages._limiters.clear()
    login_limits._limiter.cache_clear()
