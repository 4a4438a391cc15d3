"""The analysis pages, their JSON API and the CLI, over the web test world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kontrol.cli.main import app
from tests.factories import form_token, log_in

runner = CliRunner()
# Each test starts the app on both databases: seconds each on a busy machine.
pytestmark = pytest.mark.slow
RANGE = "date_from=2026-11-01&date_to=2026-11-30"


def test_reasons_page_leads_to_the_conversations_of_a_reason(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get(f"/analysis/reasons?{RANGE}")
    assert page.status_code == 200
    assert 'id="reasons"' in page.text
    assert "Доставка" in page.text and "Возврат" in page.text
    assert "<script>alert(1)</script>" not in page.text
    detail = client.get(f"/analysis/reasons/refund?{RANGE}")
    assert detail.status_code == 200
    assert detail.text.count('href="/interactions/') == 1


def test_agents_may_not_see_the_analysis(client: TestClient) -> None:
    log_in(client, "agent1")
    assert client.get("/analysis/bottlenecks").status_code == 403
    assert client.get("/api/v1/analysis/reasons").status_code == 403


def test_bottlenecks_and_business_pages_render(client: TestClient) -> None:
    log_in(client, "admin")
    bottlenecks = client.get(f"/analysis/bottlenecks?{RANGE}")
    assert bottlenecks.status_code == 200
    assert 'class="heat-map"' in bottlenecks.text
    assert "/actions/new?title=" in bottlenecks.text and "source=analysis%3A" in bottlenecks.text
    business = client.get("/analysis/business?period=week")
    assert business.status_code == 200
    assert "связь, а не причина" in business.text


def test_bad_taxonomy_is_refused_with_its_line_and_kept_in_the_form(client: TestClient) -> None:
    log_in(client, "qa")
    bad = "reasons:\n  - code: ok\n    ru: Да\n"
    answer = client.post(
        "/analysis/taxonomy",
        data={"taxonomy_yaml": bad, "csrf_token": form_token(client, "/analysis/taxonomy")},
    )
    assert answer.status_code == 422
    assert "taxonomy.yaml:2: reasons[1].en: a name is required" in answer.text
    assert "Не сохранено" in answer.text
    assert client.get("/api/v1/analysis/taxonomy").json()["default"] is True


def test_saved_taxonomy_assigns_the_reasons_again(client: TestClient) -> None:
    log_in(client, "qa")
    text = "reasons:\n  - {code: parcel, ru: Посылка, en: Parcel, phrases: {en: [parcel]}}\n"
    saved = client.put("/api/v1/analysis/taxonomy", json={"yaml": text})
    assert saved.status_code == 200
    assert "parcel" in client.get("/api/v1/analysis/taxonomy").json()["yaml"]
    rows = client.get(f"/api/v1/analysis/reasons?{RANGE}").json()["rows"]
    assert {row["code"] for row in rows} == {"delivery", "refund"}  # every sample has a topic


def test_api_answers_json_for_each_view(client: TestClient) -> None:
    log_in(client, "qa")
    reasons = client.get(f"/api/v1/analysis/reasons?{RANGE}&period=week").json()
    delivery = next(row for row in reasons["rows"] if row["code"] == "delivery")
    assert delivery["contacts"] == 3 and delivery["trend"]
    bottlenecks = client.get(f"/api/v1/analysis/bottlenecks?{RANGE}").json()
    assert {c["channel"] for c in bottlenecks["channels"]} == {"chat", "email", "call"}
    business = client.get("/api/v1/analysis/business?period=week").json()
    assert business["note"] == "association, not proof of cause"
    assert set(business["series"]) >= {"csat", "repeat_order", "revenue"}


def test_cli_prints_reasons_and_loads_a_taxonomy(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["analysis", "reasons", "--db", database_url, "--from", "2026-11-01", "--to", "2026-11-30"],
    )
    assert result.exit_code == 0, result.output
    codes = {row["code"] for row in json.loads(result.stdout)["rows"]}
    assert codes == {"delivery", "refund"}
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text("reasons:\n  - code: X\n    ru: a\n    en: b\n", encoding="utf-8")
    refused = runner.invoke(
        app, ["analysis", "taxonomy", "--db", database_url, "--load", str(broken)]
    )
    assert refused.exit_code != 0
    assert f"{broken}:2: reasons[1].code" in refused.stderr


def test_one_entry_form_adds_a_reason_and_names_a_bad_field(client: TestClient) -> None:
    log_in(client, "qa")
    fields = {"kind": "reason", "code": "parcel", "label_ru": "Посылка", "label_en": " "}
    token = form_token(client, "/analysis/taxonomy")
    refused = client.post("/analysis/taxonomy/entry", data={**fields, "csrf_token": token})
    assert refused.status_code == 422
    assert "label_en: укажите название" in refused.text
    fields.update(label_en="Parcel", phrases_en="parcel\nlost package")
    saved = client.post(
        "/analysis/taxonomy/entry", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    taxonomy = client.get("/api/v1/analysis/taxonomy").json()
    assert taxonomy["default"] is False
    assert "lost package" in taxonomy["yaml"] and "delivery" in taxonomy["yaml"]
