"""Domain errors a page shows read in Russian, not in the English of the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import log_in


def test_a_wrong_filter_date_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/interactions?date_from=31.11.2026")
    assert page.status_code == 422
    assert "Дата с: не дата (ГГГГ-ММ-ДД): «31.11.2026»" in page.text
    assert "not a date" not in page.text
    api = client.get("/api/v1/interactions?date_from=31.11.2026")
    assert api.json()["detail"] == "date_from: not a date (YYYY-MM-DD): '31.11.2026'"


def test_an_unknown_interaction_reads_in_russian(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/interactions/999999")
    assert page.status_code == 404
    assert "Обращение 999999 не найдено." in page.text
    assert "no interaction" not in page.text
