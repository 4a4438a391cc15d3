"""The web app while its database is gone, and after it is back (issue 20, "Faults").

A private PostgreSQL cluster is stopped under a running app: pages answer a
translated 503 page, the API and the ingest API a JSON problem, ``/healthz``
stays 200 and ``/readyz`` says which check fails. When the cluster is started
again the same app (no restart) serves everything again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.i18n import translate
from kontrol.store.database import make_engine
from kontrol.store.migrate import head_revision, upgrade
from kontrol.store.tables import interactions
from kontrol.web.app import create_app
from tests.deploy.conftest import PrivatePostgres
from tests.factories import import_records, log_in
from tests.webapp import PEOPLE, SAMPLE, record

pytestmark = pytest.mark.slow


def _ingest(client: TestClient, key: str, external_id: str) -> int:
    body = record(
        external_id, agent="a1", team="L1", started="2026-11-20T09:00:00+03:00", text="Алло"
    )
    response = client.post(
        "/api/v1/interactions",
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    if response.status_code == 503:
        assert response.json()["status"] == 503
    return response.status_code


def test_the_app_answers_503_while_the_database_is_down_and_recovers_without_a_restart(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    url = private_postgres.database("kontrol")
    engine = make_engine(url)
    upgrade(engine)
    workspace = ensure_workspace(engine, DEFAULT_WORKSPACE)
    import_records(engine, workspace, tmp_path, SAMPLE, name="sample.jsonl")
    from tests.factories import add_people

    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)
        key = create_api_key(
            connection, workspace=workspace, name="helpdesk", created_by="test"
        ).secret

    with TestClient(create_app(url), raise_server_exceptions=False) as client:
        log_in(client, "admin")
        assert client.get("/interactions").status_code == 200
        assert client.get("/api/v1/interactions").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"]["migration"] == head_revision()
        assert _ingest(client, key, "before") in (200, 201)

        private_postgres.stop()

        page = client.get("/interactions")
        assert page.status_code == 503
        assert page.headers["retry-after"]
        assert "text/html" in page.headers["content-type"]
        assert translate("ru", "error.unavailable") in page.text
        assert "Traceback" not in page.text
        english = client.get("/interactions", headers={"Accept-Language": "en"})
        assert english.status_code == 503

        api = client.get("/api/v1/interactions")
        assert api.status_code == 503
        assert api.json()["status"] == 503
        assert _ingest(client, key, "during") == 503

        assert client.get("/healthz").json()["status"] == "ok"
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["database"]["ok"] is False

        private_postgres.start()

        assert client.get("/interactions").status_code == 200
        assert client.get("/api/v1/interactions").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert _ingest(client, key, "after") in (200, 201)

    with engine.connect() as connection:
        stored = set(connection.execute(select(interactions.c.external_id)).scalars())
        count = connection.execute(select(func.count()).select_from(interactions)).scalar_one()
    assert {"before", "after"} <= stored
    assert "during" not in stored
    assert count == len(SAMPLE) + 2
    engine.dispose()


def test_readyz_names_a_database_behind_the_code(
    private_postgres: PrivatePostgres,
) -> None:
    url = private_postgres.database("old")
    engine = make_engine(url)
    upgrade(engine)
    with TestClient(create_app(url)) as client:
        with engine.begin() as connection:
            from sqlalchemy import text

            connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        answer = client.get("/readyz")
        assert answer.status_code == 503
        database = answer.json()["checks"]["database"]
        assert (database["migration"], database["expected_migration"]) == ("0001", head_revision())
        assert client.get("/healthz").status_code == 200
    engine.dispose()
