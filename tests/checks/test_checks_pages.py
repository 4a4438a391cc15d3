"""The checks in the web app: verdicts on the page, list filters, scorecards, phrase lists."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import form_token, import_records, interaction_record, log_in, message


def _id_of(client: TestClient, external_id: str) -> int:
    return int(client.get(f"/api/v1/interactions?q={external_id}").json()["items"][0]["id"])


def test_interaction_page_shows_verdicts_and_escaped_evidence(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get(f"/interactions/{_id_of(client, 'i2')}").text
    # The agent's greeting is marked in the transcript as the evidence of "greeting".
    assert re.search(r'<mark class="evidence evidence-pass"[^>]*>Здравствуйте</mark>', page)
    assert 'data-criterion="greeting"' in page
    assert "Стандарт обслуживания" in page  # the default Russian scorecard
    # Customer text stays escaped even when evidence splits it.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    api = client.get(f"/api/v1/interactions/{_id_of(client, 'i2')}/checks").json()
    assert api["checks"]["greeting"]["result"] == "pass"
    assert api["evaluations"][0]["scorecard"] == "default-ru"


def test_list_filters_by_failed_check_score_and_signal(client: TestClient) -> None:
    log_in(client, "admin")
    every = client.get("/api/v1/interactions").json()["items"]
    assert all(item["score"] is not None for item in every)
    failed = client.get("/api/v1/interactions?failed=closing_thanks").json()["items"]
    assert failed and len(failed) == len(every)  # nobody thanks in the sample
    low = min(item["score"] for item in every)
    only_low = client.get(f"/api/v1/interactions?score_max={low}").json()["items"]
    assert {item["score"] for item in only_low} == {low}
    assert client.get("/api/v1/interactions?signal=complaint").json()["items"] == []
    page = client.get("/interactions?failed=rating_request").text
    assert 'option value="rating_request" selected' in page
    assert client.get("/api/v1/interactions?score_min=abc").status_code == 422


def test_agents_see_scorecards_but_cannot_change_checks(client: TestClient) -> None:
    log_in(client, "agent1")
    assert "default-ru" in client.get("/scorecards").text
    assert client.get("/phrases").status_code == 403
    token = form_token(client, "/scorecards")
    saved = client.post(
        "/scorecards", data={"yaml": "name: x", "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 403
    api = client.post("/api/v1/custom-checks", json={"yaml": "id: x1\nrule: {phrases: [a]}"})
    assert api.status_code == 403


def test_qa_lead_edits_a_scorecard_into_a_new_version(client: TestClient) -> None:
    log_in(client, "qa")
    editor = client.get("/scorecards/default-en/edit").text
    assert "<textarea" in editor  # the YAML is still there to paste or import
    yaml_text = client.get("/api/v1/scorecards").json()["items"][0]["yaml"]
    token = form_token(client, "/scorecards/default-en/edit")
    broken = client.post("/scorecards", data={"yaml": "name: x\nsections: []", "csrf_token": token})
    assert broken.status_code == 422
    assert "Строка 2 · Разделы: нужен хотя бы один раздел" in broken.text
    changed = yaml_text.replace("pass_mark: 80", "pass_mark: 70")
    saved = client.post(
        "/scorecards", data={"yaml": changed, "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "v2" in page and "v1" in page


def test_qa_lead_extends_a_list_and_adds_a_custom_check(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/phrases?lang=ru").text
    assert "здравствуйте" in page  # the built-in list file is shown
    token = form_token(client, "/phrases")
    saved = client.post(
        "/phrases",
        data={
            "language": "ru",
            "list_name": "jargon",
            "mode": "extend",
            "phrases": "проверю",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    wrong = client.post(
        "/custom-checks", data={"yaml": "id: x1\nrule: {regex: '('}", "csrf_token": token}
    )
    assert wrong.status_code == 422 and "rule.regex" in wrong.text
    added = client.post(
        "/custom-checks",
        data={"yaml": "id: checks_order\nrule: {phrases: [проверю]}", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    settings = client.get("/api/v1/check-settings").json()
    assert settings["phrase_overrides"][0]["list"] == "jargon"
    assert settings["custom_checks"][0]["id"] == "checks_order"


def test_the_dissatisfied_signal_shows_on_the_page_and_in_the_list(client: TestClient) -> None:
    log_in(client, "admin")
    unhappy = _id_of(client, "i2")  # "Верните деньги": the customer is dissatisfied
    page = client.get(f"/interactions/{unhappy}").text
    said = r"<dt>Клиент высказал недовольство</dt>"
    assert re.search(said + r"<dd><span class=\"chip\">да</span>", page, re.I)
    calm = client.get(f"/interactions/{_id_of(client, 'i1')}").text
    assert re.search(r"<dt>Клиент высказал недовольство</dt><dd>нет</dd>", calm, re.I)
    items = {i["external_id"]: i for i in client.get("/api/v1/interactions").json()["items"]}
    assert items["i2"]["dissatisfied"] is True
    assert items["i1"]["dissatisfied"] is False
    listing = client.get("/interactions").text
    assert listing.count('<span class="chip">Недоволен</span>') == 1


def test_a_voiced_dissatisfaction_is_not_contradicted_by_a_polite_end(
    client: TestClient, engine: Engine, populated: Workspace, tmp_path: Path
) -> None:
    # Docs/ux.md, third walk-through, item 4: «Клиент недоволен: да» stood beside «Настрой
    # клиента в конце: доволен (+1,00)». The end is a tone, and a note says it cancels nothing.
    at = "2026-11-06T10:00:00+00:00"
    import_records(
        engine,
        populated,
        tmp_path,
        [
            interaction_record(
                "i9",
                started=at,
                agent_id="a1",
                team="L1",
                messages=[
                    message("customer", "Уже час пытаюсь оплатить, это издевательство.", at),
                    message("agent", "Здравствуйте! Попробуйте, пожалуйста, другую карту.", at),
                    message("customer", "получилось", at),
                    message("customer", "Больше ничего, спасибо.", at),
                ],
            )
        ],
    )
    log_in(client, "admin")
    page = client.get(f"/interactions/{_id_of(client, 'i9')}").text
    assert re.search(r"<dt>Клиент высказал недовольство</dt><dd><span class=\"chip\">да", page)
    assert re.search(r"<dt>Тон клиента в конце</dt><dd>позитивный \(\+1,00\)</dd>", page)
    assert 'id="dissatisfied-note"' in page and "его не отменяет" in page
    assert "доволен (" not in page
    # Without a voiced dissatisfaction there is no note.
    calm = client.get(f"/interactions/{_id_of(client, 'i1')}").text
    assert 'id="dissatisfied-note"' not in calm
