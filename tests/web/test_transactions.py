"""One transaction per request (web/deps.py): committed when the handler returns,
before the answer is sent; rolled back when it raises."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import create_workspace
from kontrol.domain.errors import Conflict
from kontrol.store.tables import workspaces
from kontrol.web.app import create_app
from kontrol.web.deps import Db


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
