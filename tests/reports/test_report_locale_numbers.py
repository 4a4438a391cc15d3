"""A report's numbers as its reader writes them: decimal commas in Russian, rounded CSV."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.reports import views
from kontrol.reports.content import Column, ReportContent, ReportSection, ReportTable, figure_text
from kontrol.reports.formats import report_csv
from kontrol.web.app import create_app
from tests.factories import log_in
from tests.reports.builders import fill, make_report

TABLE = ReportTable(
    "Показатели",
    [Column("Команда"), Column("CSAT", "%"), Column("Оценка", "points-plain"), Column("Время")],
    [["L1", 56.4567, 72.91, 57.7938], ["L2", 80.0, -3.25, 1204.5]],
)
CONTENT = ReportContent("Отчёт", "02.11–08.11", [ReportSection("Итоги", tables=[TABLE])], "/x")


def test_figures_have_the_readers_decimal_mark() -> None:
    assert figure_text(56.4567, "%", "ru") == "56,5 %"
    assert figure_text(56.4567, "%", "en") == "56.5 %"
    assert figure_text(72.91, "points-plain", "ru") == "72,9"
    assert figure_text(-3.25, "points", "ru") == "\u22123"
    assert figure_text(4.0, "points", "en") == "+4"


def test_the_csv_holds_rounded_values_in_each_language() -> None:
    russian = report_csv(CONTENT, "ru").decode("utf-8-sig")
    assert "L1;56,46;72,91;57,79" in russian
    assert "57,7938" not in russian and "56,4567" not in russian
    english = report_csv(CONTENT, "en").decode("utf-8-sig")
    assert "L1,56.46,72.91,57.79" in english and "L2,80,-3.25,1204.5" in english


@pytest.fixture
def client(database_url: str, engine: Engine, workspace: Workspace, tmp_path: Path) -> TestClient:
    people = fill(engine, workspace, tmp_path)
    make_report(engine, workspace, people["qa@example.test"])
    return TestClient(create_app(database_url))


def test_the_russian_preview_writes_decimal_commas(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The week the test data fills is the one "send now" would send.
    monkeypatch.setattr(views, "utcnow", lambda: datetime(2026, 11, 16, 8, 0))
    with client:
        log_in(client, "qa@example.test")
        report_id = client.get("/api/v1/reports").json()["reports"][0]["id"]
        page = client.get(f"/reports/{report_id}/preview")
        assert page.status_code == 200
        preview = page.text[page.text.index('id="report-preview"') :]
        cells = re.findall(r'<td class="num">([^<]*)</td>', preview)
        assert any("," in cell for cell in cells)  # the figures are there, with commas
        assert not [cell for cell in cells if re.search(r"\d\.\d", cell)]
        csv = client.get(f"/reports/{report_id}/preview?format=csv").content.decode("utf-8-sig")
        assert not re.search(r"\d,\d{3,}(;|\r)", csv)  # nothing past two decimal places
