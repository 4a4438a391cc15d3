"""Script pages and API: the library, the editor's new version, YAML faults, the widget."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import form_token, log_in
from tests.webapp import client, populated  # noqa: F401  (fixtures)

# The pages' logic does not depend on the database: one backend (the store tests run both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _with_examples(client: TestClient) -> str:  # noqa: F811
    log_in(client, "qa")
    token = form_token(client, "/scripts")
    client.post("/scripts/examples", data={"csrf_token": token})
    return token


def test_the_library_finds_a_script_by_the_customers_words(client: TestClient) -> None:  # noqa: F811
    _with_examples(client)
    page = client.get("/scripts", params={"q": "заблокирована"})
    assert 'href="/scripts/card-blocked"' in page.text
    assert 'href="/scripts/refund"' not in page.text


def test_the_editor_saves_a_new_version_with_the_moved_step(client: TestClient) -> None:  # noqa: F811
    _with_examples(client)
    editor = client.get("/scripts/complaint/edit").text
    fields = dict(
        re.findall(
            r'name="(step-\d+-(?:id|kind|title_ru|title_en|position|criterion))" value="([^"]*)"',
            editor,
        )
    )
    fields.update(dict(re.findall(r'name="(step-\d+-\w+)" rows="2">([^<]*)</textarea>', editor)))
    for k, v in re.findall(
        r'<select name="(step-\d+-kind)">.*?<option value="(\w+)" selected', editor
    ):
        fields[k] = v
    fields["step-5-position"] = "1.5"  # "thanks" right after the greeting
    response = client.post(
        "/scripts/complaint/edit",
        data={
            **fields,
            "version": "1",
            "note": "Благодарим сразу",
            "csrf_token": form_token(client, "/scripts"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/api/v1/scripts/complaint").json()
    assert page["version"] == 2
    assert [s["id"] for s in page["script"]["steps"]][:2] == ["greeting", "thanks"]
    assert page["versions"][0]["note"] == "Благодарим сразу"


def test_a_yaml_fault_is_shown_in_russian_with_line_and_field(client: TestClient) -> None:  # noqa: F811
    token = _with_examples(client)
    bad = (
        "name: broken\ntitle: Сломанный\ntopic: x\nsteps:\n"
        "  - id: a\n    kind: maybe\n    title: A\n"
    )
    response = client.post("/scripts/import", data={"yaml": bad, "csrf_token": token})
    assert response.status_code == 422
    assert "form, строка 6, поле steps[0].kind" in response.text
    assert "вид шага: question, solution или standard" in response.text


def test_the_api_answers_a_fault_with_its_line_and_field(client: TestClient) -> None:  # noqa: F811
    log_in(client, "qa")
    response = client.post(
        "/api/v1/scripts", json={"yaml": "name: x1\ntitle: T\ntopic: t\nsteps: 3\n"}
    )
    assert response.status_code == 422
    assert (response.json()["line"], response.json()["field"]) == (4, "steps")


def test_the_widget_may_be_framed_and_reads_only_by_its_token(client: TestClient) -> None:  # noqa: F811
    token = _with_examples(client)
    made = client.post("/scripts/widget", data={"label": "Zendesk", "csrf_token": token}).text
    secret = re.search(r"/w/scripts/(ksw_[\w-]+)", made)
    assert secret is not None
    client.post("/logout", data={"csrf_token": form_token(client, "/scripts")})
    widget = client.get(f"/w/scripts/{secret.group(1)}/refund", params={"lang": "en"})
    assert widget.status_code == 200
    assert "frame-ancestors *" in widget.headers["content-security-policy"]
    assert "x-frame-options" not in widget.headers
    assert 'data-copy="May I ask why you&#39;d like to return it?"' in widget.text
    assert client.get("/w/scripts/ksw_wrong/refund").status_code == 404
    assert client.get("/login").headers["x-frame-options"] == "DENY"


def test_an_agent_may_suggest_a_change_but_not_edit(client: TestClient) -> None:  # noqa: F811
    _with_examples(client)
    client.post("/logout", data={"csrf_token": form_token(client, "/scripts")})
    log_in(client, "agent1")
    token = form_token(client, "/scripts/refund")
    sent = client.post(
        "/scripts/refund/steps/ask_payment/feedback",
        data={"text": "Клиенты не помнят способ оплаты", "csrf_token": token},
    )
    assert sent.status_code == 200
    assert client.get("/scripts/refund/edit").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "qa")
    assert "Клиенты не помнят способ оплаты" in client.get("/scripts/refund/adherence").text


def test_scripts_name_their_topic_in_words(client: TestClient) -> None:  # noqa: F811
    # Issue 15: «Тема: card_blocked» was the topic's code.
    _with_examples(client)
    library = client.get("/scripts").text
    script = client.get("/scripts/card-blocked").text
    for page in (library, script):
        assert "Тема: Блокировка карты" in page
        assert "Тема: card_blocked" not in page
