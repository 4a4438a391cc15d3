"""Every feedback page and API endpoint, for a role that may and a role that may not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task
from kontrol.web.app import create_app
from tests.factories import form_token
from tests.feedback.feedback_world import ALL_PASS, World, build_world, sign_in


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def call(client: TestClient, method: str, path: str, body: Any = None, *, csrf: str) -> int:
    if path.startswith("/api/"):
        response = client.request(method, path, json=body)
    elif method == "GET":
        response = client.get(path, follow_redirects=False)
    else:
        data = {"csrf_token": csrf, **(body or {})}
        response = client.post(path, data=data, follow_redirects=False)
    status: int = response.status_code
    return status


def test_each_endpoint_allows_one_role_and_refuses_another(
    client: TestClient, world: World
) -> None:
    evaluation = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    second = world.evaluation("f2", {**ALL_PASS, "tone": 2})
    third = world.evaluation("f3", ALL_PASS)
    fourth = world.evaluation("f4", ALL_PASS)
    with world.engine.begin() as connection:
        agent = world.viewer("agent1")
        dispute = raise_dispute(connection, agent, evaluation, criterion="empathy", reason="r").id
        spare = raise_dispute(connection, agent, second, criterion=None, reason="r").id
        task = create_task(
            connection,
            world.viewer("qa"),
            TaskInput(
                kind="callback",
                title="Call back",
                agent="a1",
                owner_id=str(world.accounts["agent1"].id),
            ),
        ).id
    resolve = {"version": 1, "outcome": "upheld", "comment": "stands"}
    # (who, method, path, body, expected): a refused role first, then one that may.
    cases: list[tuple[str, str, str, Any, int]] = [
        ("agent2", "GET", f"/evaluations/{evaluation}", None, 404),
        ("agent1", "GET", f"/evaluations/{evaluation}", None, 200),
        ("agent3", "GET", "/evaluations", None, 200),
        ("lead2", "GET", f"/api/v1/evaluations/{evaluation}", None, 404),
        ("lead", "GET", f"/api/v1/evaluations/{evaluation}", None, 200),
        ("anonymous", "GET", "/api/v1/evaluations", None, 401),
        ("reviewer", "GET", "/api/v1/evaluations", None, 200),
        ("lead", "POST", f"/evaluations/{third}/acknowledge", {"version": "1"}, 403),
        ("agent1", "POST", f"/evaluations/{third}/acknowledge", {"version": "1"}, 303),
        ("qa", "POST", f"/api/v1/evaluations/{fourth}/acknowledge", {"version": 1}, 403),
        ("agent1", "POST", f"/api/v1/evaluations/{fourth}/acknowledge", {"version": 1}, 200),
        ("lead", "POST", f"/evaluations/{second}/disputes", {"reason": "x"}, 403),
        (
            "agent1",
            "POST",
            f"/evaluations/{second}/disputes",
            {"criterion": "tone", "reason": "x"},
            303,
        ),
        ("qa", "POST", f"/api/v1/evaluations/{second}/disputes", {"reason": "x"}, 403),
        (
            "agent1",
            "POST",
            f"/api/v1/evaluations/{second}/disputes",
            {"criterion": "greeting", "reason": "x"},
            201,
        ),
        ("anonymous", "GET", "/disputes", None, 303),
        ("agent1", "GET", "/disputes", None, 200),
        ("agent1", "GET", "/api/v1/disputes", None, 200),
        ("lead", "GET", f"/disputes/{dispute}", None, 403),
        ("admin", "GET", f"/disputes/{dispute}", None, 200),
        ("agent2", "POST", f"/disputes/{spare}/withdraw", {"version": "1"}, 404),
        ("agent1", "POST", f"/disputes/{spare}/withdraw", {"version": "1"}, 303),
        ("lead", "POST", f"/disputes/{dispute}/resolve", resolve, 403),
        ("reviewer", "POST", f"/api/v1/disputes/{dispute}/resolve", resolve, 403),
        ("admin", "POST", f"/api/v1/disputes/{dispute}/resolve", resolve, 200),
        ("lead", "POST", "/disputes/settings", {"days": "5"}, 403),
        ("admin", "POST", "/disputes/settings", {"days": "5"}, 303),
        ("anonymous", "GET", "/tasks", None, 303),
        ("agent3", "GET", "/tasks", None, 200),
        ("agent1", "GET", "/api/v1/tasks", None, 200),
        ("agent1", "GET", "/tasks/new", None, 403),
        ("reviewer", "GET", "/tasks/new", None, 200),
        ("agent1", "POST", "/tasks", {"kind": "other", "title": "x"}, 403),
        ("reviewer", "POST", "/tasks", {"kind": "other", "title": "x", "agent": "a1"}, 303),
        ("agent1", "POST", "/api/v1/tasks", {"kind": "other", "title": "x"}, 403),
        ("qa", "POST", "/api/v1/tasks", {"kind": "other", "title": "x", "agent": "a2"}, 201),
        ("lead2", "GET", f"/tasks/{task}", None, 404),
        ("agent1", "GET", f"/tasks/{task}", None, 200),
        ("lead2", "GET", f"/api/v1/tasks/{task}", None, 404),
        ("lead", "GET", f"/api/v1/tasks/{task}", None, 200),
        ("agent3", "POST", f"/tasks/{task}", {"version": "1", "status": "in_progress"}, 404),
        ("agent1", "POST", f"/tasks/{task}", {"version": "1", "status": "in_progress"}, 303),
        ("agent1", "PATCH", f"/api/v1/tasks/{task}", {"version": 2, "title": "Mine now"}, 403),
        ("lead", "PATCH", f"/api/v1/tasks/{task}", {"version": 2, "title": "Call back today"}, 200),
        ("agent2", "GET", "/coaching/a1", None, 404),
        ("agent1", "GET", "/coaching/a1", None, 200),
        ("lead2", "GET", "/api/v1/coaching/a1", None, 404),
        ("lead", "GET", "/api/v1/coaching/a1", None, 200),
        ("anonymous", "GET", "/coaching", None, 303),
        ("lead", "GET", "/coaching", None, 200),
    ]
    current = None
    csrf = ""
    for who, method, path, body, expected in cases:
        if who != current:
            current = who
            if who == "anonymous":
                client.cookies.clear()
                csrf = form_token(client)
            else:
                csrf = sign_in(client, who)
        assert call(client, method, path, body, csrf=csrf) == expected, (who, method, path)
