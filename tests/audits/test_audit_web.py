"""Audit pages and API: evidence uploads stored safely, served safely; the PDF report."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.templates import save_template
from kontrol.store.tables import audit_evidence
from tests.audits.builders import PNG, SMALL
from tests.factories import form_token, log_in

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _audit(client: TestClient, database_url: str, workspace: Workspace) -> int:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        save_template(connection, workspace.id, SMALL)
    engine.dispose()
    log_in(client, "qa")
    token = form_token(client, "/audits/new")
    response = client.post(
        "/audits",
        data={
            "csrf_token": token,
            "template": "small",
            "title": "Аудит <b>ноября</b>",
            "period_from": "2026-11-01",
            "period_to": "2026-11-30",
            "competitors": "Соперник",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    found = re.match(r"/audits/(\d+)$", response.headers["location"])
    assert found
    return int(found.group(1))


def _upload(client: TestClient, audit_id: int, name: str, data: bytes, kind: str) -> object:
    token = form_token(client, f"/audits/{audit_id}")
    return client.post(
        f"/audits/{audit_id}/items/intake",
        data={"csrf_token": token, "answer": "partly", "comment": "Нет регламента"},
        files={"file": (name, data, kind)},
        follow_redirects=False,
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_photo_is_stored_by_its_bytes_and_shown_inline_as_an_image(
    client: TestClient, database_url: str, populated: Workspace, backend: str
) -> None:
    audit_id = _audit(client, database_url, populated)
    response = _upload(client, audit_id, "../../фото <script>.html", PNG, "text/html")
    assert response.status_code == 303  # type: ignore[attr-defined]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(select(audit_evidence)).one()
    engine.dispose()
    assert row.content_type == "image/png"
    assert row.filename == "фото_script.png"
    assert "/" not in row.storage_key.split("/", 2)[-1] and row.storage_key.endswith(".png")
    served = client.get(f"/audits/{audit_id}/evidence/{row.id}")
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline;")
    page = client.get(f"/audits/{audit_id}")
    assert "фото_script.png" in page.text and "<script>.html" not in page.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_pdf_is_offered_as_an_attachment_and_html_is_refused(
    client: TestClient, database_url: str, populated: Workspace, backend: str
) -> None:
    audit_id = _audit(client, database_url, populated)
    assert _upload(client, audit_id, "plan.pdf", PDF, "application/pdf").status_code == 303  # type: ignore[attr-defined]
    refused = _upload(client, audit_id, "evil.png", HTML, "image/png")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "принимаются только фото" in refused.text  # type: ignore[attr-defined]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(audit_evidence)).all()
    engine.dispose()
    assert [row.content_type for row in rows] == ["application/pdf"]
    served = client.get(f"/audits/{audit_id}/evidence/{rows[0].id}")
    assert served.headers["content-disposition"] == "attachment; filename*=UTF-8''plan.pdf"
    assert served.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_file_over_the_limit_is_refused(
    client: TestClient,
    database_url: str,
    populated: Workspace,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_EVIDENCE_MAX_BYTES", "100")
    audit_id = _audit(client, database_url, populated)
    refused = _upload(client, audit_id, "big.png", PNG + b"\x00" * 200, "image/png")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "файл больше" in refused.text  # type: ignore[attr-defined]
    # A request far over the limit is refused before its body is read.
    huge = _upload(client, audit_id, "huge.png", PNG + b"\x00" * 100_000, "image/png")
    assert huge.status_code == 413  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_pdf_report_carries_the_figures_in_cyrillic(
    client: TestClient, database_url: str, populated: Workspace, backend: str
) -> None:
    audit_id = _audit(client, database_url, populated)
    token = form_token(client, f"/audits/{audit_id}")
    for item, answer in (("offer", "4"), ("greeting", "72")):
        client.post(
            f"/audits/{audit_id}/items/{item}", data={"csrf_token": token, "answer": answer}
        )
    for subject, answer in (("", "60"), ("Соперник", "240")):
        client.post(
            f"/audits/{audit_id}/items/speed",
            data={"csrf_token": token, "answer": answer, "subject": subject},
        )
    response = client.get(f"/audits/{audit_id}/report.pdf")
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Аудит <b>ноября</b>" in text
    assert "Коммерческое предложение" in text and "Приветствие по стандарту" in text
    assert "72 %" in text and "80" in text  # greeting 72 of 90: a score of 80
    assert "Соперник" in text and "240" in text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_template_import_error_names_file_line_and_field(
    client: TestClient, database_url: str, populated: Workspace, backend: str
) -> None:
    log_in(client, "qa")
    token = form_token(client, "/audit-templates")
    broken = SMALL.replace("weight: 2", "weight: heavy")
    response = client.post(
        "/audit-templates",
        data={"csrf_token": token},
        files={"file": ("наш-шаблон.yaml", broken.encode(), "application/x-yaml")},
    )
    line = broken.splitlines().index("        weight: heavy") + 1
    assert response.status_code == 422
    assert f"наш-шаблон.yaml, строка {line}, поле areas[0].items[0](intake).weight" in response.text
    api = client.post("/api/v1/audit-templates", json={"yaml": broken, "file": "t.yaml"})
    assert api.status_code == 422
    assert api.json()["detail"].startswith(f"t.yaml, line {line}, field areas[0]")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_answers_and_completes_an_audit(
    client: TestClient, engine: Engine, database_url: str, populated: Workspace, backend: str
) -> None:
    audit_id = _audit(client, database_url, populated)
    for item, answer in (
        ("intake", "na"),
        ("offer", "5"),
        ("greeting", "90"),
        ("bots", "na"),
        ("speed", "100"),
    ):
        put = client.put(f"/api/v1/audits/{audit_id}/answers/{item}", json={"answer": answer})
        assert put.status_code == 200, put.text
    missing = client.post(f"/api/v1/audits/{audit_id}/complete", json={"version": 1})
    assert missing.status_code == 422 and "speed" in missing.json()["detail"]
    client.put(
        f"/api/v1/audits/{audit_id}/answers/speed", json={"answer": "300", "subject": "Соперник"}
    )
    done = client.post(f"/api/v1/audits/{audit_id}/complete", json={"version": 1})
    assert done.status_code == 200, done.text
    result = client.get(f"/api/v1/audits/{audit_id}").json()
    assert result["score"] == 100.0
    assert result["competitors"]["scores"] == [100.0, 40.0]
