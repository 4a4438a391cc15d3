"""The ``work_item`` record kind: imported like interactions, rejects with file, line, field."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import import_rejects, work_items, work_violations
from tests.factories import import_records
from tests.webapp import client, populated  # noqa: F401 - fixtures
from tests.worktools.builders import work_item


def test_work_items_are_stored_with_times_in_utc_and_history(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    history = [
        {"status": "new", "at": "2026-11-02T10:00:00+03:00"},
        {"status": "open", "at": "2026-11-03T09:00:00+03:00", "by": "a1"},
    ]
    record = work_item(
        "d-1",
        type="deal",
        status="open",
        created_at="2026-11-02T10:00:00+03:00",
        updated_at="2026-11-04T10:00:00+03:00",
        status_history=history,
        fields={"amount": 1200},
        stage_name="qualified",
    )
    report = import_records(engine, workspace, tmp_path, [record])
    assert (report.imported, report.rejected) == (1, 0)
    with engine.connect() as connection:
        row = connection.execute(select(work_items)).one()
    assert row.type == "deal" and row.owner_external_id == "a1"
    assert row.created_at.isoformat() == "2026-11-02T07:00:00"
    # The status has held since the last change of the history, not the last update.
    assert row.status_since.isoformat() == "2026-11-03T06:00:00"
    assert row.fields == {"amount": 1200}
    assert row.meta == {"stage_name": "qualified"}
    assert row.closed is False


def test_reimporting_the_same_id_updates_and_never_duplicates(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, [work_item("t-1")])
    report = import_records(
        engine, workspace, tmp_path, [work_item("t-1", status="done", resolution="Called back")]
    )
    assert (report.imported, report.updated) == (0, 1)
    with engine.connect() as connection:
        rows = connection.execute(select(work_items.c.status, work_items.c.closed)).all()
    assert [(row.status, row.closed) for row in rows] == [("done", True)]


def test_bad_work_items_are_rejected_with_file_line_and_field(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    records = [
        work_item("ok-1"),
        work_item("no-type", type=None),
        work_item("bad-time", due_at="tomorrow"),
        work_item("far", created_at="2199-01-01T00:00:00+00:00"),
        work_item("backwards", updated_at="2026-11-01T10:00:00+00:00"),
    ]
    report = import_records(engine, workspace, tmp_path, records, name="crm.jsonl")
    assert report.imported == 1 and report.rejected == 4
    found = {(r.line, r.field) for r in report.rejects}
    assert found == {(2, "type"), (3, "due_at"), (4, "created_at"), (5, "updated_at")}
    assert all(r.file.endswith("crm.jsonl") for r in report.rejects)
    backwards = next(r for r in report.rejects if r.line == 5)
    assert "before created_at" in backwards.error
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(import_rejects)).scalar() == 4


def test_a_fixed_work_item_closes_its_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, [work_item("t-9", type=None)])
    import_records(engine, workspace, tmp_path, [work_item("t-9")])
    with engine.connect() as connection:
        open_rejects = connection.execute(
            select(func.count())
            .select_from(import_rejects)
            .where(import_rejects.c.resolved_at.is_(None))
        ).scalar()
    assert open_rejects == 0


def test_the_ingest_api_takes_work_items_and_rejects_bad_ones_by_index_and_field(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=populated, name="crm", created_by="test")
    good = work_item("t-api", due_at="2026-11-03T10:00:00+00:00", kind=None)  # implied
    bad = work_item("t-bad", status=None)
    answer = client.post(
        "/api/v1/work-items?wait=true",
        json=[good, bad],
        headers={"Authorization": f"Bearer {key.secret}"},
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["imported"] == 1 and body["rejected"] == 1
    assert [(r["index"], r["field"]) for r in body["rejects"]] == [(1, "status")]
    with engine.connect() as connection:
        stored = connection.execute(select(work_items.c.external_id)).scalars().all()
        # Checked against the rules as soon as it was stored (wait=true).
        breaches = connection.execute(select(func.count()).select_from(work_violations)).scalar()
    assert stored == ["t-api"] and breaches == 1
    wrong = client.post(
        "/api/v1/work-items",
        json={"kind": "interaction", "id": "x"},
        headers={"Authorization": f"Bearer {key.secret}"},
    )
    assert wrong.status_code == 422 and wrong.json()["rejects"][0]["field"] == "kind"
