"""The rejects page as a manager reads it: a download, records in words, no CLI to type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import import_records, interaction_record, log_in
from tests.webapp import client, populated  # noqa: F401  (fixtures)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_the_rejects_page_offers_the_file_and_reads_the_record(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    bad = interaction_record(
        "bad-1",
        started="2026-11-02T10:00:00+03:00",
        messages=[{"role": "customer", "text": "Здравствуйте"}],
        topic="delivery",
    )
    bad["survey"] = {"csat": 9}
    import_records(engine, populated, tmp_path, [bad], name="bad.jsonl")
    log_in(client, "qa")
    page = client.get("/rejects").text
    assert 'href="/rejects/export.jsonl"' in page and "Скачать файл с ошибками" in page
    assert "kontrol rejects export" not in page
    # The JSON record reads as fields by their names, not as raw JSON.
    assert "<dt>Тема</dt><dd>delivery</dd>" in page
    assert "{&#34;id&#34;" not in page and '{"id"' not in page
    exported = client.get("/rejects/export.jsonl")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.text.splitlines()
    assert "{broken" in lines
    assert any(json.loads(line).get("id") == "bad-1" for line in lines if "bad-1" in line)


def test_an_agent_may_not_download_the_rejects(client: TestClient) -> None:  # noqa: F811
    log_in(client, "agent1")
    assert client.get("/rejects/export.jsonl").status_code == 403
