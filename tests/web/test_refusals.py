"""A refused form answers with the status of the one error map (web/errors.py).

A name that exists already is a conflict: 409 on every page, with the form shown
again with the message and what was typed, and nothing of the refused save kept.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontrol.store.tables import alert_rules
from tests.factories import form_token, log_in


def _rule(token: str, name: str) -> dict[str, str]:
    return {"csrf_token": token, "kind": "complaint", "name": name, "language": "en"}


def test_the_alert_rule_form_answers_a_taken_name_with_409(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "qa")
    token = form_token(client, "/alerts/rules/new?kind=complaint")
    first = client.post("/alerts/rules", data=_rule(token, "Жалобы"), follow_redirects=False)
    assert first.status_code == 303
    again = client.post("/alerts/rules", data=_rule(token, "Жалобы"))
    assert again.status_code == 409
    assert "правило «Жалобы» уже есть" in again.text and 'value="Жалобы"' in again.text
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(alert_rules)).scalar_one()
    assert count == 1


def test_a_refused_form_and_an_invalid_one_answer_like_the_api(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/admin/people")
    invalid = client.post(
        "/admin/people", data={"csrf_token": token, "username": "x", "role": "nobody"}
    )
    assert invalid.status_code == 422
    taken = client.post(
        "/admin/api-keys", data={"csrf_token": token, "name": "helpdesk"}, follow_redirects=False
    )
    assert taken.status_code == 200
    again = client.post("/admin/api-keys", data={"csrf_token": token, "name": "helpdesk"})
    assert again.status_code == 409 and "helpdesk" in again.text


def test_a_refusal_reads_in_the_person_s_language_on_pages_and_in_english_in_the_api(
    client: TestClient,
) -> None:
    from kontrol.accounts.policy import REFUSALS
    from kontrol.i18n import translations

    # Every rule in words has its Russian and English text in the catalogue.
    for action in REFUSALS:
        for locale in ("ru", "en"):
            assert f"refusal.{action.value}" in translations(locale), (locale, action)
    log_in(client, "agent1")
    page = client.get("/targets")
    assert page.status_code == 403
    assert "Операторы видят цели рядом со своими показателями на дашборде." in page.text
    api = client.get("/api/v1/rejects")
    assert api.status_code == 403
    assert api.json()["detail"] == "only admins and QA leads see import rejects"
