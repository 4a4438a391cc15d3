"""The language-model criteria page and the answers on the interaction page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.judging.answering import judge_interactions
from kontrol.judging.criteria import import_criteria_yaml
from kontrol.judging.endpoint import save_endpoint
from kontrol.store.tables import interactions
from tests.factories import form_token, log_in
from tests.judging.llm_server import ChatServer, verdict
from tests.webapp import client, populated  # noqa: F401  (fixtures)

# The pages' logic does not depend on the database: one backend (the judging tests run both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

CRITERIA = """criteria:
  - name: refund
    title: Обработал возврат
    question: Did the agent handle the refund request?
    scorecard: default-ru
    criterion: solution_correct
  - name: invented
    title: Цитата выдумана
    question: Did the agent promise a discount?
"""


@pytest.fixture
def llm() -> Iterator[ChatServer]:
    def answer(body: dict[str, Any]) -> str:
        if "discount" in body["messages"][1]["content"]:
            return verdict("pass", "A discount was promised.", "скидка 50% навсегда")
        return verdict("fail", "The agent only said <b>hello</b>.", "<script>alert(1)</script>")

    server = ChatServer(answer).start()
    yield server
    server.stop()


def test_the_interaction_page_shows_each_answer_with_the_quote_escaped_and_its_state(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    llm: ChatServer,
) -> None:
    with engine.begin() as connection:
        save_endpoint(
            connection,
            populated.id,
            base_url=llm.url,
            model="m",
            api_key=None,
            mask_personal_data=True,
            daily_budget=10,
            timeout_seconds=5,
            enabled=True,
            user_id=None,
        )
        import_criteria_yaml(connection, populated.id, CRITERIA, user_id=None)
        i2 = (
            connection.execute(interactions.select().where(interactions.c.external_id == "i2"))
            .one()
            .id
        )
    judge_interactions(engine, populated.id, [i2])
    log_in(client, "admin")
    page = client.get(f"/interactions/{i2}").text
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in page
    assert "<script>alert(1)" not in page and "<b>hello</b>" not in page
    assert 'data-judging="refund"' in page and "judging-answered" in page
    assert "judging-void" in page  # the invented quote
    assert "теневой" in page or "shadow" in page


def test_the_admin_sets_the_endpoint_and_the_key_is_never_shown_back(
    client: TestClient,  # noqa: F811
) -> None:
    log_in(client, "admin")
    token = form_token(client, "/judging")
    saved = client.post(
        "/judging/endpoint",
        data={
            "csrf_token": token,
            "base_url": "http://127.0.0.1:11434/v1/",
            "model": "qwen2.5:7b-instruct",
            "api_key": "sk-very-secret-abcd",
            "daily_budget": "200",
            "timeout_seconds": "20",
            "mask_personal_data": "1",
            "enabled": "1",
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200 and 'id="judging-done"' in saved.text
    assert "sk-very-secret" not in saved.text and "…abcd" in saved.text
    assert 'value="http://127.0.0.1:11434/v1"' in saved.text
    refused = client.post(
        "/judging/endpoint",
        data={"csrf_token": token, "base_url": "ftp://x", "model": "m"},
    )
    assert refused.status_code == 422 and "base_url" in refused.text


def test_a_qa_lead_imports_exports_and_turns_a_criterion_on(
    client: TestClient,  # noqa: F811
) -> None:
    log_in(client, "qa")
    token = form_token(client, "/judging")
    assert 'id="endpoint-form"' not in client.get("/judging").text  # admins only
    bad = client.post(
        "/judging/criteria",
        files={"file": ("mine.yaml", b"criteria:\n  - name: x\n    title: X\n    question: 7\n")},
        data={"csrf_token": token},
    )
    assert bad.status_code == 422
    assert "mine.yaml, line 4: criteria[0].question" in bad.text
    ok = client.post(
        "/judging/criteria", data={"csrf_token": token, "yaml": CRITERIA}, follow_redirects=False
    )
    assert ok.status_code == 303
    exported = client.get("/judging/criteria.yaml")
    assert exported.headers["content-type"].startswith("application/x-yaml")
    assert "name: refund" in exported.text and "criterion: solution_correct" in exported.text
    page = client.get("/judging").text
    assert 'data-criterion="refund"' in page
    action = re.search(r'action="(/judging/criteria/\d+/shadow)"', page)
    assert action
    live = client.post(
        action.group(1), data={"csrf_token": token, "shadow": "0"}, follow_redirects=False
    )
    assert live.status_code == 303 and live.headers["location"] == "/judging?done=live"
