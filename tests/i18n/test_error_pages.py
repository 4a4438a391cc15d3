"""Domain errors a page shows read in Russian, not in the English of the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import form_token, log_in


def test_a_wrong_filter_date_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    # A page keeps its menu and filters and says which date it set aside (date_filters.py).
    page = client.get("/interactions?date_from=31.11.2026")
    assert page.status_code == 200
    assert "«31.11.2026» — такой даты нет" in page.text
    assert "not a date" not in page.text
    api = client.get("/api/v1/interactions?date_from=31.11.2026")
    assert api.json()["detail"] == "date_from: not a date (YYYY-MM-DD): '31.11.2026'"


def test_an_unknown_interaction_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/interactions/999999")
    assert page.status_code == 404
    assert "Обращение 999999 не найдено." in page.text
    assert "no interaction" not in page.text


def test_a_wrong_webhook_of_an_alert_rule_reads_in_russian(client: TestClient) -> None:
    log_in(client, "qa")
    token = form_token(client, "/alerts/rules/new?kind=complaint")
    form = {"csrf_token": token, "kind": "complaint", "name": "Жалобы", "webhooks": "ftp://x"}
    page = client.post("/alerts/rules", data=form)
    assert page.status_code == 422
    assert "это не адрес http(s): «ftp://x»" in page.text
    assert "not an http(s) URL" not in page.text


def test_a_reversed_dashboard_range_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/dashboard?date_from=2026-12-01&date_to=2026-11-01")
    assert page.status_code == 200
    assert "(01.11.2026) раньше, чем" in page.text
    assert "after date_to" not in page.text


def test_a_too_long_survey_place_name_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/surveys/places")
    page = client.post("/surveys/places", data={"csrf_token": token, "name": "Я" * 201})
    assert page.status_code == 422
    assert "Название: от 1 до 200 символов" in page.text
    assert "characters" not in page.text


def test_a_negative_cost_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/analysis/business")
    page = client.post("/analysis/costs", data={"csrf_token": token, "cost_per_minute": "-5"})
    assert "стоимость не может быть отрицательной" in page.text
    assert "a cost is zero or more" not in page.text


def test_unknown_scorecards_scripts_and_work_items_read_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    pages = {
        "/scorecards/nosuch": "Оценочного листа «nosuch» нет.",
        "/scripts/nosuch": "Скрипт «nosuch» не найден.",
        "/work/items/999999": "Такой задачи нет.",
    }
    for address, russian in pages.items():
        page = client.get(address)
        assert page.status_code == 404, address
        assert russian in page.text, address
        assert "no such" not in page.text and "no scorecard" not in page.text, address


def test_a_wrong_language_model_address_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/judging")
    form = {"csrf_token": token, "base_url": "ftp://x", "model": "m", "daily_budget": "10"}
    page = client.post("/judging/endpoint", data=form)
    assert page.status_code == 422
    assert "нужен адрес, начинающийся с http:// или https://" in page.text
    assert "expected an http" not in page.text


def test_a_too_long_retention_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/privacy")
    page = client.post("/privacy/retention", data={"csrf_token": token, "recordings_days": "99999"})
    assert page.status_code == 422
    assert "Записи, дней: целое число дней от 1 до" in page.text
    assert "a whole number of days" not in page.text


def test_a_rules_file_without_rules_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/work/rules")
    page = client.post("/work/rules", data={"csrf_token": token, "rules": "hello"})
    assert page.status_code == 422
    assert "строка 1: нужен список правил под ключом" in page.text
    assert "expected a list of rules" not in page.text
