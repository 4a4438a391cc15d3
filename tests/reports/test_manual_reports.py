"""Reports prepared by people: deadlines, safe uploads, on time / late / missing, discipline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Forbidden, InvalidInput
from kontrol.reports.definitions import ReportInput, save_report
from kontrol.reports.files import check_report_upload, read_report_file
from kontrol.reports.jobs import tick
from kontrol.reports.manual import discipline, upload
from kontrol.reports.runs import runs_of
from kontrol.store.tables import report_definitions
from tests.alerts.test_alert_delivery import Inbox
from tests.factories import viewer_of
from tests.reports.builders import add_report_people
from tests.s3store import Bucket

SAVED = datetime(2026, 11, 2, 8, 0)  # Monday
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _manual(engine: Engine, workspace: Workspace, owner_id: int) -> int:
    with engine.begin() as connection:
        report = save_report(
            connection,
            workspace,
            ReportInput(
                name="Отчёт о жалобах",
                source="manual",
                kind=None,
                formats=["pdf", "xlsx"],
                schedule="weekly 5 18:00",
                owner_id=owner_id,
                description="Из CRM; сверяется с журналом жалоб",
            ),
            now=SAVED,
        )
    return report.id


def test_deadlines_are_opened_reminded_and_missed_ones_alert_the_owner(
    engine: Engine, workspace: Workspace, tmp_path: Path, smtp: Inbox
) -> None:
    people = add_report_people(engine, workspace)
    owner = people["qa@example.test"]
    report_id = _manual(engine, workspace, owner.id)
    friday = datetime(2026, 11, 6, 18, 0)

    tick(engine, now=SAVED)
    tick(engine, now=friday - timedelta(hours=3))
    with engine.connect() as connection:
        (waiting,) = runs_of(connection, report_id)
    assert (waiting.status, waiting.due_at) == ("waiting", friday)
    assert [line["step"] for line in waiting.log][-2:] == ["reminded", "owner_alerted"]

    tick(engine, now=friday + timedelta(minutes=1))
    tick(engine, now=friday + timedelta(minutes=2))
    with engine.connect() as connection:
        runs = runs_of(connection, report_id)
    assert [run.status for run in runs] == ["waiting", "missing"]
    assert runs[0].due_at == friday + timedelta(days=7)
    # One reminder and one alert, both to the owner, whose login is an address.
    assert [to for to, _ in smtp.messages] == [["qa@example.test"], ["qa@example.test"]]


def test_the_owner_uploads_on_time_or_late_and_discipline_counts_it(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    people = add_report_people(engine, workspace)
    owner = people["lead"]
    report_id = _manual(engine, workspace, owner.id)
    friday = datetime(2026, 11, 6, 18, 0)
    tick(engine, now=SAVED)
    with engine.begin() as connection:
        viewer = viewer_of(connection, owner, workspace)
        (first,) = runs_of(connection, report_id)
        run, stored = upload(
            connection,
            viewer,
            first.id,
            file_name="../../жалобы ноябрь.pdf",
            data=PDF,
            now=friday - timedelta(hours=1),
        )
    assert run.status == "on_time"
    assert stored.file_name == "жалобы_ноябрь.pdf"
    tick(engine, now=friday + timedelta(minutes=1))
    tick(engine, now=friday + timedelta(days=7, minutes=1))
    with engine.begin() as connection:
        second = next(
            r for r in runs_of(connection, report_id) if r.due_at == friday + timedelta(days=7)
        )
        assert second.status == "missing"
        late, _ = upload(
            connection,
            viewer,
            second.id,
            file_name="week.pdf",
            data=PDF,
            now=friday + timedelta(days=7, hours=2),
        )
        assert late.status == "late"
        found = discipline(connection, workspace.id, now=friday + timedelta(days=15))
    (row,) = found.rows
    assert (row.on_time, row.late, row.missing, row.owner) == (1, 1, 1, "lead")
    assert found.share == pytest.approx(100 / 3)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "HTML"),
        ("report.pdf", b"PK\x03\x04[Content_Types].xml", "content is XLSX"),
        ("report.csv", b"a;b\n1;2\n", "this report takes pdf, xlsx"),
        ("report.pdf", b"", "empty"),
    ],
)
def test_an_unsafe_or_wrong_upload_is_refused(name: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_report_upload(name, data, ["pdf", "xlsx"])


def test_only_the_owner_or_a_qa_lead_hands_the_report_in(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    people = add_report_people(engine, workspace)
    report_id = _manual(engine, workspace, people["qa@example.test"].id)
    tick(engine, now=SAVED)
    with engine.begin() as connection:
        # The lead receives the report but does not own it.
        connection.execute(
            update(report_definitions)
            .where(report_definitions.c.id == report_id)
            .values(member_ids=[people["lead"].id])
        )
        (run,) = runs_of(connection, report_id)
        lead = viewer_of(connection, people["lead"], workspace)
        with pytest.raises(Forbidden):
            upload(connection, lead, run.id, file_name="r.pdf", data=PDF)


def test_with_a_bucket_an_uploaded_report_is_kept_and_read_there(
    engine: Engine, workspace: Workspace, report_files: Path, bucket: Bucket
) -> None:
    owner = add_report_people(engine, workspace)["lead"]
    report_id = _manual(engine, workspace, owner.id)
    tick(engine, now=SAVED)
    with engine.begin() as connection:
        viewer = viewer_of(connection, owner, workspace)
        (first,) = runs_of(connection, report_id)
        _, stored = upload(connection, viewer, first.id, file_name="week.pdf", data=PDF, now=SAVED)
    assert bucket.keys() == [f"kontrol/reports/{stored.path}"]
    assert not report_files.exists() or list(report_files.rglob("*.pdf")) == []
    assert read_report_file(stored) == PDF
    head = bucket.client.head_object(Bucket=bucket.name, Key=f"kontrol/reports/{stored.path}")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentDisposition"] == "attachment"
