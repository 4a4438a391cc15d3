"""The ingest API: machines push interactions and surveys with a workspace's API key."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from kontrol.accounts.apikeys import create_api_key, find_api_key, revoke_api_key
from kontrol.accounts.workspaces import Workspace, find_workspace
from kontrol.store.tables import api_keys, import_batches, import_rejects, interactions, surveys
from tests.factories import form_token, log_in
from tests.webapp import record


def _key(engine: Engine, workspace: str = "default", name: str = "helpdesk") -> str:
    with engine.begin() as connection:
        made = create_api_key(
            connection,
            workspace=find_workspace(connection, workspace),
            name=name,
            created_by="test",
        )
    return made.secret


def _post(
    client: TestClient, key: str, body: Any, path: str = "/api/v1/interactions", **headers: str
) -> Any:
    return client.post(
        path,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **headers},
    )


def _stored(engine: Engine, workspace_id: int, external_id: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(
                    interactions.c.workspace_id == workspace_id,
                    interactions.c.external_id == external_id,
                )
            ).scalar_one()
        )


NEW = record("api-1", agent="a1", team="L1", started="2026-11-20T09:00:00+03:00", text="Алло")


def test_one_interaction_is_stored_once_however_often_it_is_sent(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    first = _post(client, key, {**NEW, "source": "helpdesk"})
    assert first.status_code == 200, first.text
    assert first.json()["imported"] == 1 and first.json()["rejected"] == 0
    again = _post(client, key, {**NEW, "source": "helpdesk"})
    assert again.status_code == 200
    assert again.json()["unchanged"] == 1 and again.json()["imported"] == 0
    assert _stored(engine, populated.id, "api-1") == 1

    log_in(client, "admin")
    found = client.get("/api/v1/interactions", params={"q": "api-1"}).json()["items"]
    assert [item["external_id"] for item in found] == ["api-1"]


def test_a_batch_keeps_the_good_records_and_names_the_bad_ones(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    good_a = record("b-1", agent="a1", team="L1", started="2026-11-20T10:00:00Z", text="раз")
    bad_channel = {
        **record("b-2", agent="a1", team="L1", started="2026-11-20T10:00:00Z", text="два"),
        "channel": "fax",
    }
    good_b = record("b-3", agent="a2", team="L1", started="2026-11-20T11:00:00Z", text="три")
    response = _post(client, key, [good_a, bad_channel, good_b, "not a record"])
    assert response.status_code == 422
    body = response.json()
    assert body["imported"] == 2 and body["rejected"] == 2
    assert [(r["index"], r["field"]) for r in body["rejects"]] == [(1, "channel"), (3, None)]
    assert "channel" in body["rejects"][0]["error"]
    assert "2 of 4 records rejected" in body["detail"]
    assert _stored(engine, populated.id, "b-1") == 1 and _stored(engine, populated.id, "b-3") == 1
    assert _stored(engine, populated.id, "b-2") == 0

    # Nothing is lost: the rejects are stored like a file's, under the key's name.
    with engine.connect() as connection:
        stored = connection.execute(
            select(
                import_rejects.c.file,
                import_rejects.c.line,
                import_rejects.c.field,
                import_rejects.c.raw,
            )
            .where(import_rejects.c.file == "api:helpdesk")
            .order_by(import_rejects.c.line)
        ).all()
    assert [(row.line, row.field) for row in stored] == [(1, "channel"), (3, None)]
    with engine.connect() as connection:
        batches = connection.execute(
            select(
                import_batches.c.file, import_batches.c.imported, import_batches.c.rejected
            ).where(import_batches.c.file == "api:helpdesk")
        ).all()
    # The rejects hang on a batch row; a request without rejects leaves none.
    assert [tuple(row) for row in batches] == [("api:helpdesk", 2, 2)]
    assert _post(client, key, NEW).status_code == 200
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(import_batches.c.file == "api:helpdesk")
        ).scalar_one()
    assert count == 1
    assert json.loads(stored[0].raw)["id"] == "b-2"
    log_in(client, "admin")
    assert "api:helpdesk" in client.get("/rejects").text


def test_requests_without_a_valid_key_are_refused(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    assert client.post("/api/v1/interactions", json=NEW).status_code == 401
    assert _post(client, "kon_not-a-real-key", NEW).status_code == 401
    key = _key(engine)
    with engine.begin() as connection:
        revoke_api_key(connection, find_api_key(connection, populated, "helpdesk"))
    refused = _post(client, key, NEW)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert _stored(engine, populated.id, "api-1") == 0
    # A logged-in session is no API key: writes need one.
    log_in(client, "admin")
    assert client.post("/api/v1/interactions", json=NEW).status_code == 401


def test_a_key_writes_only_into_its_own_workspace(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    other_key = _key(engine, "other client", "their helpdesk")
    assert _post(client, other_key, NEW).status_code == 200
    with engine.connect() as connection:
        other = find_workspace(connection, "other client")
    assert _stored(engine, other.id, "api-1") == 1
    assert _stored(engine, populated.id, "api-1") == 0
    log_in(client, "admin")
    assert client.get("/api/v1/interactions", params={"q": "api-1"}).json()["items"] == []


def test_an_idempotency_key_replays_the_first_answer(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    first = _post(client, key, NEW, **{"Idempotency-Key": "push-42"})
    assert first.status_code == 200 and first.json()["imported"] == 1
    replay = _post(client, key, NEW, **{"Idempotency-Key": "push-42"})
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json(), "the replay says what the first request did"
    changed = {**NEW, "topic": "refund"}
    clash = _post(client, key, changed, **{"Idempotency-Key": "push-42"})
    assert clash.status_code == 409 and "Idempotency-Key" in clash.json()["detail"]
    assert _stored(engine, populated.id, "api-1") == 1


def test_surveys_arrive_by_their_own_endpoint(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    answer = _post(
        client, key, {"interaction_id": "i3", "csat": 2, "comment": "долго"}, "/api/v1/surveys"
    )
    assert answer.status_code == 200, answer.text
    with engine.connect() as connection:
        csat = connection.execute(
            select(surveys.c.csat)
            .join(interactions, interactions.c.id == surveys.c.interaction_id)
            .where(interactions.c.external_id == "i3")
        ).scalar_one()
    assert csat == 2
    wrong = _post(client, key, {**NEW, "kind": "interaction"}, "/api/v1/surveys")
    assert wrong.status_code == 422
    assert wrong.json()["rejects"][0]["field"] == "kind"
    bad = _post(client, key, {"interaction_id": "i3", "csat": 9}, "/api/v1/surveys")
    assert bad.status_code == 422 and bad.json()["rejects"][0]["field"] == "csat"


def test_a_body_that_is_not_json_is_answered_clearly(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    broken = client.post(
        "/api/v1/interactions",
        content=b'{"id": "x",',
        headers={"Authorization": f"Bearer {key}"},
    )
    assert broken.status_code == 422 and "broken JSON" in broken.json()["detail"]
    assert _post(client, key, []).status_code == 422
    too_many = _post(client, key, [NEW] * 1001)
    assert too_many.status_code == 422 and "1000" in too_many.json()["detail"]


def test_admins_make_a_key_in_the_app_see_it_once_and_revoke_it(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    log_in(client, "admin")
    made = client.post(
        "/admin/api-keys",
        data={"name": "телефония", "csrf_token": form_token(client, "/admin/api-keys")},
    )
    assert made.status_code == 200
    secret = re.search(r'id="new-key-secret">([^<]+)<', made.text)
    assert secret, "the new key is on the page"
    assert made.headers["cache-control"] == "no-store"
    listing = client.get("/admin/api-keys").text
    assert "телефония" in listing and secret.group(1) not in listing, "shown only once"
    twin = client.post(
        "/admin/api-keys",
        data={"name": "телефония", "csrf_token": form_token(client, "/admin/api-keys")},
    )
    assert twin.status_code == 409 and "Действующий ключ API «телефония» уже есть" in twin.text
    assert 'id="new-key-secret"' not in twin.text

    machine = TestClient(client.app)
    assert _post(machine, secret.group(1), NEW).status_code == 200
    with engine.connect() as connection:
        key_id, used = connection.execute(
            select(api_keys.c.id, api_keys.c.last_used_at).where(api_keys.c.name == "телефония")
        ).one()
    assert used is not None
    client.post(
        f"/admin/api-keys/{key_id}/revoke",
        data={"csrf_token": form_token(client, "/admin/api-keys")},
    )
    assert _post(machine, secret.group(1), NEW).status_code == 401
    assert (
        "отозван" in client.get("/admin/api-keys").text
        or "revoked" in client.get("/admin/api-keys").text
    )


def test_only_admins_manage_keys(client: TestClient, populated: Workspace) -> None:
    log_in(client, "qa")
    assert client.get("/admin/api-keys").status_code == 403
    assert client.get("/admin/jobs").status_code == 403
    assert "/admin/api-keys" not in client.get("/interactions").text
    token = form_token(client, "/interactions")
    refused = client.post("/admin/api-keys", data={"name": "sneaky", "csrf_token": token})
    assert refused.status_code == 403


def test_the_schema_documents_the_ingest_calls_and_their_key(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/interactions", "/api/v1/surveys"):
        post = schema["paths"][path]["post"]
        assert post["security"] == [{"HTTPBearer": []}]
        assert {"200", "401", "409", "422"} <= set(post["responses"])
        assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_a_key_revoked_by_another_process_is_refused_once_the_cache_lapses(
    client: TestClient, engine: Engine, populated: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_API_KEY_CACHE_SECONDS", "3600")
    key = _key(engine)
    assert _post(client, key, NEW).status_code == 200
    # Another process (the command line, another web worker) revokes it in the database.
    with engine.begin() as connection:
        connection.execute(update(api_keys).values(revoked_at=func.now()))
    assert _post(client, key, NEW).status_code == 200, "remembered for the cache's lifetime"
    monkeypatch.setenv("KONTROL_API_KEY_CACHE_SECONDS", "0")
    assert _post(client, key, NEW).status_code == 401


def test_ingest_answers_carry_the_security_headers_and_say_when_effects_run(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    key = _key(engine)
    queued = _post(client, key, {**NEW, "id": "lane-1"})
    assert queued.status_code == 200 and queued.json()["effects"] == "queued"
    assert queued.headers["content-type"] == "application/json"
    assert queued.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in queued.headers["content-security-policy"]
    done = _post(client, key, {**NEW, "id": "lane-2"}, path="/api/v1/interactions?wait=true")
    assert done.status_code == 200 and done.json()["effects"] == "done"
    refused = _post(client, key, {**NEW, "id": "lane-3"}, path="/api/v1/interactions?wait=maybe")
    assert refused.status_code == 422 and "wait" in refused.json()["detail"]
    assert _stored(engine, populated.id, "lane-3") == 0
    unauthorised = client.post("/api/v1/interactions", json=NEW)
    assert unauthorised.status_code == 401
    assert unauthorised.headers["x-frame-options"] == "DENY"
    # Other methods on the ingest paths are the app's: not allowed.
    assert client.get("/api/v1/surveys").status_code == 405
