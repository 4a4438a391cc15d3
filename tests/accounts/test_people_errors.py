"""Inviting a person wrongly is explained in Russian on the people page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from tests.factories import form_token, log_in


def _invite(client: TestClient, **fields: str) -> str:
    data = {
        "csrf_token": form_token(client, "/admin/people"),
        "username": "olga",
        "display_name": "Ольга",
        "password": "долгий-пароль-2026",
        "role": "agent",
        "team": "",
        "agent_id": "",
    }
    data.update(fields)
    answer = client.post("/admin/people", data=data)
    assert answer.status_code == 422
    return answer.text


def test_a_team_lead_without_a_team_is_refused_in_russian(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    page = _invite(client, role="team_lead")
    assert "Группа: руководителю группы нужна группа, которой он руководит" in page
    assert "a team lead needs" not in page


def test_an_agent_without_an_agent_id_is_refused_in_russian(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    page = _invite(client, role="agent")
    assert "Идентификатор оператора: оператору нужен его идентификатор" in page
    assert "an agent needs" not in page
