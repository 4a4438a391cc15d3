"""The routing rule form: filters ticked from lists, what was typed kept after a refusal."""

from __future__ import annotations

import re

import yaml
from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from tests import webapp as web_fixtures
from tests.factories import form_token, log_in

populated = web_fixtures.populated
client = web_fixtures.client


def _ticked(html: str, name: str) -> list[str]:
    boxes = re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"( checked)?>', html)
    return [value for value, checked in boxes if checked]


def _offered(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"', html)


def test_filters_are_checkboxes_named_in_russian(populated: Workspace, client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/review-rules/new?kind=csat_low").text
    assert "через запятую" not in page
    assert _offered(page, "filter_channel")[:2] == ["call", "chat"]
    assert "> Звонок</label>" in page and "> Чат</label>" in page
    assert "L1" in _offered(page, "filter_team")
    assert _offered(page, "filter_language") == ["ru", "en"]
    assert "> русский</label>" in page and "> английский</label>" in page
    # Nothing is ticked for a new rule: any channel, team and language; leads not included.
    for name in ("filter_channel", "filter_team", "filter_language", "assign_qa_leads"):
        assert _ticked(page, name) == []


def test_a_refused_rule_keeps_everything_typed_and_saves_lists(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    fields: dict[str, str | list[str]] = {
        "csrf_token": form_token(client, "/review-rules"),
        "kind": "csat_low",
        "name": "Плохие оценки в чате",
        "queue": "new",
        "new_queue": "Чаты",
        "priority": "high",
        "due_hours": "12",
        "param_max": "9",
        "filter_channel": ["chat", "messenger"],
        "filter_team": ["L1"],
        "filter_language": ["ru"],
        "assign_qa_leads": "1",
        "active": "1",
    }
    refused = client.post("/review-rules", data=fields)
    assert refused.status_code == 422
    page = refused.text
    assert 'value="Чаты"' in page and 'value="12"' in page and 'value="9"' in page
    assert 'value="high" selected' in page
    assert _ticked(page, "filter_channel") == ["chat", "messenger"]
    assert _ticked(page, "filter_team") == ["L1"]
    assert _ticked(page, "filter_language") == ["ru"]
    assert _ticked(page, "assign_qa_leads") == ["1"]
    saved = client.post("/review-rules", data={**fields, "param_max": "2"}, follow_redirects=False)
    assert saved.status_code == 303
    # Stored as before: lists of codes (the YAML export shows them).
    exported = yaml.safe_load(client.get("/review-rules/export.yaml").text)
    rule = next(item for item in exported["rules"] if item["name"] == "Плохие оценки в чате")
    assert rule["filters"] == {"channel": ["chat", "messenger"], "language": ["ru"], "team": ["L1"]}
    listing = client.get("/review-rules").text
    rule_id = re.findall(r'href="/review-rules/(\d+)">Плохие оценки в чате<', listing)[0]
    edit = client.get(f"/review-rules/{rule_id}").text
    assert _ticked(edit, "filter_channel") == ["chat", "messenger"]
    assert _ticked(edit, "filter_team") == ["L1"]


def _fields(client: TestClient, **changes: str) -> dict[str, str]:
    fields = {
        "csrf_token": form_token(client, "/review-rules"),
        "kind": "ces_low",
        "name": "Трудно клиенту",
        "queue": "new",
        "new_queue": "Трудные обращения",
        "priority": "normal",
        "due_hours": "24",
        "param_max": "3",
        "param_max_age_days": "14",
        "active": "1",
    }
    return {**fields, **changes}


def _queue_options(html: str) -> dict[str, str]:
    select = html.split('<select name="queue"', 1)[1].split("</select>", 1)[0]
    return {
        label: value
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select)
    }


def test_every_error_at_once_next_to_its_field_named_as_on_the_form(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    refused = client.post(
        "/review-rules",
        data=_fields(client, name="", due_hours="много", param_max="7", param_max_age_days="-1"),
    )
    assert refused.status_code == 422
    page = refused.text
    summary = page.split('id="routing-errors"', 1)[1].split("</div>", 1)[0]
    assert "Правило не сохранено: 4 ошибки." in summary
    assert re.findall(r'<a href="#field-([^"]+)">([^<]+)</a>', summary) == [
        ("name", "Название"),
        ("params-max", "Не выше"),
        ("params-max_age_days", "Только обращения за последние N дней (0 — любые)"),
        ("due_hours", "Срок (часов)"),
    ]
    # No raw parameter paths, and each message sits next to its own field.
    assert "params." not in page.replace('id="field-params-', "").replace("#field-params-", "")
    assert (
        'id="field-due_hours" name="due_hours" inputmode="numeric" value="много" '
        'aria-invalid="true"' in page
    )
    assert 'id="error-due_hours">нужно целое число, а не «много»</p>' in page
    assert 'id="error-params-max_age_days">допустимо от 0 до 3650, а не -1</p>' in page


def test_the_ces_threshold_shows_its_scale_and_the_error_explains_it(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    form = client.get("/review-rules/new?kind=ces_low").text
    scale = "Шкала CES — от 1 (очень трудно) до 7 (очень легко)."
    assert scale in form.split('id="scale-max"', 1)[1].split("</p>", 1)[0]
    assert 'Не выше <span class="muted">(от 1 до 6)</span>' in form
    # CSAT tells its own scale; a kind without a threshold shows none.
    assert (
        "Шкала CSAT — от 1 (очень плохо) до 5 (отлично)."
        in client.get("/review-rules/new?kind=csat_low").text
    )
    assert 'id="scale-' not in client.get("/review-rules/new?kind=complaint").text
    refused = client.post("/review-rules", data=_fields(client, param_max="7")).text
    error = refused.split('id="error-params-max">', 1)[1].split("</p>", 1)[0]
    assert error.startswith("допустимо от 1 до 6, а не 7. " + scale)
    assert "при 7 в очередь попадал бы каждый ответ" in error


def test_the_queue_is_chosen_from_the_existing_ones_or_named_as_new(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    assert _queue_options(client.get("/review-rules/new?kind=ces_low").text) == {
        "— выберите очередь —": "",
        "Новая очередь…": "new",
    }
    created = client.post("/review-rules", data=_fields(client), follow_redirects=False)
    assert created.status_code == 303
    options = _queue_options(client.get("/review-rules/new?kind=csat_low").text)
    assert list(options) == ["— выберите очередь —", "Трудные обращения", "Новая очередь…"]
    queue_id = options["Трудные обращения"]
    # A typed name is no choice: nothing is created from a typo.
    typo = client.post(
        "/review-rules", data=_fields(client, name="Другое", queue="Трудные обращеня")
    )
    assert typo.status_code == 422
    assert "выберите очередь из списка или «Новая очередь…»" in typo.text
    unnamed = client.post("/review-rules", data=_fields(client, name="Другое", new_queue=" "))
    assert unnamed.status_code == 422
    assert "введите название новой очереди" in unnamed.text
    assert list(_queue_options(unnamed.text)) == list(options)
    chosen = client.post(
        "/review-rules", data=_fields(client, name="Другое", queue=queue_id), follow_redirects=False
    )
    assert chosen.status_code == 303
    exported = yaml.safe_load(client.get("/review-rules/export.yaml").text)
    queues = {item["name"]: item["queue"] for item in exported["rules"]}
    assert queues["Другое"] == queues["Трудно клиенту"] == "Трудные обращения"
    listing = client.get("/review-rules").text
    rule_id = re.findall(r'href="/review-rules/(\d+)">Другое<', listing)[0]
    edit = client.get(f"/review-rules/{rule_id}").text
    assert f'<option value="{queue_id}" selected>Трудные обращения</option>' in edit
    # A name taken by another rule is told next to the name, with the rest of the form kept.
    taken = client.post("/review-rules", data=_fields(client, queue=queue_id))
    assert taken.status_code == 422
    assert 'id="error-name">правило с таким названием уже есть' in taken.text


def test_the_repeat_contact_form_tells_the_lookback_it_is_set_to(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    page = client.get("/review-rules/new?kind=repeat_contact").text
    assert 'value="14"' in page
    assert "обращения за последние 14 дней, после которых клиент обратился снова" in page
    listed = client.get("/review-rules").text
    assert "обращения за последние 14 дней" in listed and "{window}" not in listed
