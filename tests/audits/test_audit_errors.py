"""An audit that is not there is named in Russian on its page, in English by the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from tests.factories import log_in


def test_a_missing_audit_is_named_in_russian(client: TestClient, populated: Workspace) -> None:
    log_in(client, "qa")
    page = client.get("/audits/987654")
    assert page.status_code == 404
    assert "Аудита 987654 нет." in page.text
    assert "no audit" not in page.text
    api = client.get("/api/v1/audits/987654")
    assert api.status_code == 404
    assert api.json()["detail"] == "no audit 987654"
