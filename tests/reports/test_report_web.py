"""The JSON API, the dashboard's discipline tile, downloads, and `kontrol report`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.domain.clock import utcnow
from kontrol.reports.definitions import find_report
from kontrol.reports.runs import runs_of
from tests.factories import form_token, log_in
from tests.webapp import client, populated  # noqa: F401 - fixtures

PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_api_adds_a_report_previews_it_and_sends_it(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    created = client.post(
        "/api/v1/reports",
        json={
            "name": "QA за месяц",
            "kind": "qa_monthly",
            "formats": ["xlsx", "link"],
            "schedule": "monthly 1 10:00",
            "emails": ["qa-lead@example.test"],
        },
    )
    assert created.status_code == 201, created.text
    report = created.json()
    assert (report["period"], report["next_run_at"][8:16]) == ("month", "01T10:00")
    refused = client.post("/api/v1/reports", json={"name": "x", "schedule": "weekly 9 10:00"})
    assert refused.status_code == 422 and "weekly" in refused.json()["detail"]

    preview = client.get(f"/api/v1/reports/{report['id']}/preview").json()
    assert preview["title"] == "Ежемесячный отчёт о качестве"
    assert "/dashboard?period=month" in preview["link"]
    assert {"qa_score", "qa_fail", "evaluated"} <= set(preview["figures"])

    sent = client.post(f"/api/v1/reports/{report['id']}/send")
    assert sent.status_code == 202 and sent.json()["status"] == "queued"
    runs = client.get(f"/api/v1/reports/{report['id']}/runs").json()["runs"]
    assert [run["trigger"] for run in runs] == ["now"]
    # An agent does not see the regulation; a team lead does not see a report not theirs.
    log_in(client, "lead")
    assert client.get(f"/api/v1/reports/{report['id']}").status_code == 404
    assert client.get("/api/v1/reports").json() == {"reports": []}


def test_an_uploaded_file_is_downloaded_as_an_attachment_and_counts_on_the_dashboard(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    created = client.post(
        "/api/v1/reports",
        json={
            "name": "Жалобы",
            "source": "manual",
            "kind": None,
            "formats": ["pdf"],
            "schedule": "daily 18:00",
        },
    ).json()
    from kontrol.reports.jobs import tick

    tick(engine, now=utcnow())
    with engine.connect() as connection:
        (run,) = runs_of(connection, created["id"])
    uploaded = client.post(
        f"/api/v1/reports/runs/{run.id}/upload",
        files={"file": ("<script>.pdf", PDF, "text/html")},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "on_time"
    (stored,) = uploaded.json()["files"]
    assert stored["file_name"] == "script.pdf"
    download = client.get(stored["url"])
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"

    tick(engine, now=run.due_at + timedelta(minutes=1))
    page = client.get("/dashboard").text
    assert 'id="discipline-tile"' in page and "100 %" in page


def test_kontrol_report_run_and_list(
    engine: Engine, workspace: Workspace, tmp_path: Path, database_url: str
) -> None:
    from tests.reports.builders import fill, make_report

    people = fill(engine, workspace, tmp_path)
    make_report(engine, workspace, people["qa@example.test"], formats=["csv"], checks=[])
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["report", "run", "Сервис за неделю", "--db", database_url, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Сервис за неделю: sent" in result.output
    (written,) = out.iterdir()
    assert written.suffix == ".csv" and ";" in written.read_text(encoding="utf-8-sig")
    listed = CliRunner().invoke(app, ["report", "list", "--db", database_url])
    assert "Сервис за неделю\tservice_weekly\tweekly 1 09:00\tcsv\tsent" in listed.output
    with engine.connect() as connection:
        assert find_report(connection, workspace, "Сервис за неделю").kind == "service_weekly"
    missing = CliRunner().invoke(app, ["report", "run", "Нет такого", "--db", database_url])
    assert missing.exit_code == 2 and "no report called" in missing.output


def test_audit_and_mystery_reports_are_made_and_previewed_with_nothing_to_report(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    for name, kind, note in (
        ("Аудиты", "audits", "не завершено ни одного аудита"),
        ("Тайные покупки", "mystery", "не было и не планировалось тайных покупок"),
    ):
        created = client.post(
            "/api/v1/reports",
            json={"name": name, "kind": kind, "formats": ["pdf"], "schedule": "monthly 2 09:00"},
        )
        assert created.status_code == 201, created.text
        report = created.json()
        assert report["period"] == "month"
        preview = client.get(f"/api/v1/reports/{report['id']}/preview").json()
        assert preview["figures"] in (
            {"audits": 0, "mean_score": None, "findings": 0},
            {"shops": 0, "score": None, "pass_rate": None},
        )
        page = client.get(f"/reports/{report['id']}/preview")
        assert page.status_code == 200 and note in page.text


def test_a_refused_report_form_says_why_in_russian(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    form = {
        "csrf_token": form_token(client, "/reports/new"),
        "name": "Еженедельный",
        "source": "builtin",
        "kind": "service_weekly",
        "formats": "link",
        "frequency": "cron",
        "cron": "61 * * * *",
    }
    refused = client.post("/reports", data=form)
    assert refused.status_code == 422
    assert (
        "Расписание: в <code>cron</code> поле <code>minute</code> со значением «61»: "
        "нужно от 0 до 59" in refused.text
    )
    assert "expected" not in refused.text
    # The API keeps the English words.
    api = client.post(
        "/api/v1/reports", json={"name": "x", "formats": ["link"], "schedule": "cron 61 * * * *"}
    )
    assert api.json()["detail"] == "schedule: cron minute field '61': 0-59 expected"
    missing = client.get("/reports/987654")
    assert missing.status_code == 404 and "Отчёт № 987654 не найден" in missing.text
