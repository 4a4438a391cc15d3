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
        "queue": "Чаты",
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


def test_the_repeat_contact_form_tells_the_lookback_it_is_set_to(
    populated: Workspace, client: TestClient
) -> None:
    log_in(client, "qa")
    page = client.get("/review-rules/new?kind=repeat_contact").text
    assert 'value="14"' in page
    assert "обращения за последние 14 дней, после которых клиент обратился снова" in page
    listed = client.get("/review-rules").text
    assert "обращения за последние 14 дней" in listed and "{window}" not in listed
