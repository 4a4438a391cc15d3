"""Amounts on the analysis pages carry the workspace's currency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.costs import load_costs
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n.formats import money
from kontrol.web.app import create_app
from tests.analysis.builders import contact
from tests.factories import add_people, form_token, import_records, log_in

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def test_money_is_written_with_its_sign() -> None:
    assert money(1234.5, "RUB", "ru") == "1\u202f234,50\u00a0₽"
    assert money(1234.5, "USD", "en") == "$1\u202f234.50"
    assert money(-3, "EUR", "en") == "\u2212€3.00"
    assert money(7, "KZT", "en") == "7.00\u00a0₸"
    assert money(7, None, "ru") == "7,00"


@pytest.fixture
def client(
    database_url: str, engine: Engine, workspace: Workspace, tmp_path: Path
) -> Iterator[TestClient]:
    records = [
        contact("m1", started="2026-11-02T10:00:00+00:00", text="?", topic="refund", cost=1200.0)
    ]
    import_records(engine, workspace, tmp_path, records)
    with engine.begin() as connection:
        add_people(connection, workspace, [("qa", WorkspaceRole.QA_LEAD, None, None)])
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _cost_cells(html: str) -> str:
    table = html[html.index('id="reasons"') :].split("</table>", 1)[0]
    return " ".join(table.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_the_reasons_show_costs_in_the_workspace_currency(
    client: TestClient, engine: Engine, workspace: Workspace
) -> None:
    log_in(client, "qa")
    # A Russian workspace counts in roubles until another currency is chosen.
    assert "1 200,00 ₽" in _cost_cells(client.get(f"/analysis/reasons?{NOVEMBER}").text)
    token = form_token(client, "/analysis/taxonomy")
    saved = client.post(
        "/analysis/costs",
        data={"currency": "usd", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with engine.connect() as connection:
        assert load_costs(connection, workspace.id).currency == "USD"
    assert "1 200,00 $" in _cost_cells(client.get(f"/analysis/reasons?{NOVEMBER}").text)
    refused = client.post(
        "/analysis/costs", data={"currency": "XXX", "csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 422 and "валюта — одна из" in refused.text
