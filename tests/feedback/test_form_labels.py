"""A refused form names the field by the label the form shows it under."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
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


def label_of(page: str, name: str) -> str:
    """The text of the ``<label>`` that holds the form field ``name``."""
    found = re.search(
        r'<label>([^<]+?)\s*(?:<br>)?\s*<(?:input|textarea|select)\b[^>]*\bname="'
        + re.escape(name)
        + '"',
        page,
    )
    assert found, f"no label for {name}"
    return html.unescape(found.group(1)).strip()


def test_the_task_form_names_a_refused_field_by_its_label(client: TestClient) -> None:
    sign_in(client, "lead")
    page = client.get("/tasks/new").text
    title, due, owner = (label_of(page, name) for name in ("title", "due", "owner_id"))
    assert title == "Название"
    base = {"kind": "coaching", "title": "Разбор звонка", "agent": "a1"}
    for field, value, label in (("title", "  ", title), ("due", "завтра", due)):
        refused = client.post(
            "/tasks", data={"csrf_token": form_token(client, "/tasks"), **base, field: value}
        )
        assert refused.status_code == 422
        assert f"{label}: " in html.unescape(refused.text), field
    refused = client.post(
        "/tasks", data={"csrf_token": form_token(client, "/tasks"), **base, "owner_id": "x"}
    )
    assert refused.status_code == 422 and f"{owner}: " in html.unescape(refused.text)


def test_the_dispute_form_names_a_refused_comment_by_its_label(
    client: TestClient, world: World
) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    sign_in(client, "agent1")
    raised = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={
            "csrf_token": form_token(client, f"/evaluations/{evaluation_id}"),
            "criterion": "empathy",
            "reason": "Я извинился",
        },
        follow_redirects=False,
    )
    assert raised.status_code == 303
    dispute = client.get("/api/v1/disputes").json()["items"][0]["id"]
    sign_in(client, "qa")
    page = client.get(f"/disputes/{dispute}").text
    comment = label_of(page, "comment")
    assert comment == "Комментарий"
    refused = client.post(
        f"/disputes/{dispute}/resolve",
        data={
            "csrf_token": form_token(client, f"/disputes/{dispute}"),
            "version": "1",
            "outcome": "upheld",
            "comment": " ",
        },
    )
    assert refused.status_code == 422
    assert f"{comment}: " in html.unescape(refused.text)


def test_the_task_form_lists_every_error_at_once_next_to_its_field(client: TestClient) -> None:
    """Issue 15: an empty title and a wrong due date gave only «Срок: …»."""
    sign_in(client, "lead")
    refused = client.post(
        "/tasks",
        data={
            "csrf_token": form_token(client, "/tasks"),
            "kind": "coaching",
            "title": " ",
            "agent": "a1",
            "due": "завтра",
        },
    )
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "Не сохранено: 2 ошибки" in page
    summary = page[page.index('id="task-errors"') :]
    assert summary.index("Название: ") < summary.index("Срок: ")
    for field in ("title", "due"):  # each field marked, its own line next to it
        assert f'id="field-{field}" aria-invalid="true" aria-describedby="error-{field}"' in page
        assert f'<p class="error field-error" id="error-{field}">' in page
    assert 'id="error-owner_id"' not in page  # a right field is not called wrong
