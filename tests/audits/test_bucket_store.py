"""Evidence kept in an S3-compatible bucket (KONTROL_FILE_STORE=s3), on a loopback server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import add_evidence, delete_audit
from kontrol.domain.errors import NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.settings import current_settings
from kontrol.store.tables import audit_evidence
from kontrol.uploads import BucketStore, file_store
from tests.audits.builders import PNG, person, small_audit
from tests.audits.test_audit_web import HTML, PDF, _audit, _upload
from tests.s3store import SECRET_KEY, Bucket

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_the_bucket_keeps_reads_and_deletes_files_under_the_area(
    bucket: Bucket, backend: str
) -> None:
    store = file_store("evidence", "unused-folder")
    assert isinstance(store, BucketStore)
    store.put("1/2/abc.pdf", PDF, "application/pdf")
    assert bucket.keys() == ["kontrol/evidence/1/2/abc.pdf"]
    assert store.get("1/2/abc.pdf") == PDF
    head = bucket.client.head_object(Bucket=bucket.name, Key="kontrol/evidence/1/2/abc.pdf")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentDisposition"] == "attachment"
    store.delete("1/2/abc.pdf")
    store.delete("1/2/abc.pdf")  # already gone: no error
    assert bucket.keys() == []
    with pytest.raises(NotFound):
        store.get("1/2/abc.pdf")
    with pytest.raises(NotFound):
        store.get("../evidence/1/2/abc.pdf")
    assert not Path("unused-folder").exists()


def test_the_secret_key_is_never_logged_nor_shown(
    bucket: Bucket, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        store = file_store("evidence", "unused")
        store.put("1/1/x.png", PNG, "image/png")
        assert store.get("1/1/x.png") == PNG
    assert caplog.records  # botocore did log its requests
    assert SECRET_KEY not in caplog.text
    assert SECRET_KEY not in repr(current_settings())
    assert SECRET_KEY not in str(current_settings().model_dump())


def test_evidence_goes_to_the_bucket_and_is_deleted_with_its_audit(
    engine: Engine, workspace: Workspace, bucket: Bucket, backend: str
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa)
        stored = add_evidence(
            connection, qa, audit.id, item_key="intake", filename="x.png", data=PNG
        )
    assert bucket.keys() == [f"kontrol/evidence/{stored.storage_key}"]
    assert not (Path(current_settings().evidence_dir) / stored.storage_key).exists()
    with engine.begin() as connection:
        delete_audit(connection, qa, audit.id)
    assert bucket.keys() == []


def test_evidence_from_the_bucket_is_served_never_as_html(
    client: TestClient, database_url: str, populated: Workspace, bucket: Bucket, backend: str
) -> None:
    audit_id = _audit(client, database_url, populated)
    assert _upload(client, audit_id, "plan.pdf", PDF, "text/html").status_code == 303  # type: ignore[attr-defined]
    assert _upload(client, audit_id, "evil.png", HTML, "image/png").status_code == 422  # type: ignore[attr-defined]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(select(audit_evidence)).one()
    engine.dispose()
    assert bucket.keys() == [f"kontrol/evidence/{row.storage_key}"]
    served = client.get(f"/audits/{audit_id}/evidence/{row.id}")
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert served.headers["x-content-type-options"] == "nosniff"
    bucket.client.delete_object(Bucket=bucket.name, Key=f"kontrol/evidence/{row.storage_key}")
    assert client.get(f"/audits/{audit_id}/evidence/{row.id}").status_code == 404
