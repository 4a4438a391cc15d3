"""Fixtures of the web tests: a workspace with people of every role (see conftest)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.logins import add_user
from kontrol.accounts.workspaces import Workspace, create_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.ingest.importing import import_file
from kontrol.web.app import create_app
from kontrol.web.pages import surveys as survey_pages

PASSWORD = "correct horse battery"


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
    data: dict[str, object] = {
        "id": external_id,
        "channel": channel,
        "started_at": started,
        "agent_id": agent,
        "team": team,
        "customer_id": customer,
        "customer_name": "Иван Петров",
        "topic": topic,
        "messages": [
            {"role": "customer", "text": text, "at": started},
            {"role": "agent", "text": "Здравствуйте! Сейчас проверю.", "at": started},
        ],
    }
    if csat is not None:
        data["survey"] = {"csat": csat, "comment": "<b>спасибо</b>"}
    return {key: value for key, value in data.items() if value is not None}


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


@pytest.fixture
def populated(engine: Engine, workspace: Workspace, tmp_path: Path) -> Workspace:
    """The default workspace with four interactions and five people."""
    path = tmp_path / "sample.jsonl"
    path.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in SAMPLE) + "\n{broken\n",
        encoding="utf-8",
    )
    import_file(engine=engine, workspace=workspace, path=path)
    with engine.begin() as connection:
        for username, role, agent, team in [
            ("admin", WorkspaceRole.ADMIN, None, None),
            ("qa", WorkspaceRole.QA_LEAD, None, None),
            ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
            ("agent1", WorkspaceRole.AGENT, "a1", None),
            ("agent3", WorkspaceRole.AGENT, "a3", None),
        ]:
            add_user(
                connection,
                username=username,
                password=PASSWORD,
                workspace_name=workspace.name,
                role=role,
                agent_external_id=agent,
                team=team,
            )
        other = create_workspace(connection, name="other client")
        add_user(
            connection,
            username="outsider",
            password=PASSWORD,
            workspace_name=other.name,
            role=WorkspaceRole.ADMIN,
        )
    return workspace


@pytest.fixture
def client(database_url: str, populated: Workspace) -> Iterator[TestClient]:
    """A browser-like client of the app (not logged in)."""
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def form_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a form on ``path`` carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no form token on {path}"
    return found.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Each test starts with empty in-memory rate-limit counters of the survey pages."""
    survey_pages._limiters.clear()
    yield
    survey_pages._limiters.clear()
