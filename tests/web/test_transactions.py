"""One transaction per request (web/deps.py): committed when the handler returns,
before the answer is sent; rolled back when it raises."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import OperationalError

from kontrol.accounts.workspaces import create_workspace
from kontrol.domain.errors import Conflict
from kontrol.store.tables import workspaces
from kontrol.web.app import create_app
from kontrol.web.deps import Db, attempt


def _names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(workspaces.c.name)).scalars())


def test_a_request_commits_what_it_wrote_and_a_failed_one_nothing(
    database_url: str, engine: Engine
) -> None:
    app = create_app(database_url)

    def kept(db: Db) -> dict[str, bool]:
        create_workspace(db, name="kept")
        return {"ok": True}

    def refused(db: Db) -> dict[str, bool]:
        create_workspace(db, name="refused")
        raise Conflict("refused after writing")

    app.add_api_route("/api/v1/test-kept", kept, methods=["POST"])
    app.add_api_route("/api/v1/test-refused", refused, methods=["POST"])
    with TestClient(app) as client:
        assert client.post("/api/v1/test-kept").status_code == 200
        # Committed before the answer left: the next reader sees it at once.
        assert "kept" in _names(engine)
        answer = client.post("/api/v1/test-refused")
        assert answer.status_code == 409 and answer.json() == {"detail": "refused after writing"}
    assert "refused" not in _names(engine)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_form_that_reads_then_writes_is_not_refused_by_a_commit_in_between(
    database_url: str, engine: Engine
) -> None:
    # A refused-form call runs in a savepoint (attempt), which on SQLite opens the transaction
    # at its first read. Another writer (the app's background jobs) committing before
    # the call writes used to turn the write into "database is locked", a 500.
    app = create_app(database_url)
    other = create_engine(database_url, connect_args={"timeout": 0.2})
    others: list[str] = []

    def form(db: Db) -> dict[str, bool]:
        with attempt(db):
            db.execute(select(workspaces.c.name)).all()
            try:
                with other.begin() as connection:
                    create_workspace(connection, name="background")
                others.append("committed")
            except OperationalError:
                others.append("waited for the request")
            create_workspace(db, name="from the form")
        return {"ok": True}

    app.add_api_route("/api/v1/test-form", form, methods=["POST"])
    with TestClient(app) as client:
        assert client.post("/api/v1/test-form").status_code == 200
    other.dispose()
    assert others == ["waited for the request"]
    assert "from the form" in _names(engine)
