"""`kontrol apikey` and `kontrol jobs`: keys made on the command line, the dead-letter list."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.cli.main import app
from kontrol.jobs import enqueue
from kontrol.jobs.backends import drain
from kontrol.settings import Settings
from kontrol.web.app import create_app
from tests.jobs import sample_jobs

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    assert sample_jobs.broken is not None
    yield


def test_apikey_create_prints_the_key_once_and_it_works_until_revoked(
    database_url: str, engine: Engine
) -> None:
    made = runner.invoke(app, ["apikey", "create", "asterisk", "--db", database_url])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("kon_") and len(secret) > 40
    listed = runner.invoke(app, ["apikey", "list", "--db", database_url])
    assert "asterisk" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout, "lists never show the key"
    again = runner.invoke(app, ["apikey", "create", "asterisk", "--db", database_url])
    assert again.exit_code == 2 and "exists already" in again.output

    record = {
        "id": "call-1",
        "channel": "call",
        "started_at": "2026-11-20T10:00:00Z",
        "messages": [{"role": "agent", "text": "Добрый день", "start": 0.5, "end": 1.5}],
    }
    with TestClient(create_app(database_url)) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.post("/api/v1/interactions", json=record, headers=headers).status_code == 200
        revoked = runner.invoke(app, ["apikey", "revoke", "asterisk", "--db", database_url])
        assert revoked.exit_code == 0, revoked.output
        assert client.post("/api/v1/interactions", json=record, headers=headers).status_code == 401
    assert "revoked" in runner.invoke(app, ["apikey", "list", "--db", database_url]).stdout
    missing = runner.invoke(app, ["apikey", "revoke", "asterisk", "--db", database_url])
    assert missing.exit_code == 2 and "no active API key" in missing.output
    nowhere = runner.invoke(
        app, ["apikey", "create", "x", "--workspace", "nope", "--db", database_url]
    )
    assert nowhere.exit_code == 2 and "no workspace" in nowhere.output


def _admin_of_default(engine: Engine) -> int:
    """Make the user ``admin`` an admin of ``default``; that workspace's id."""
    from kontrol.accounts.logins import add_user
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.domain.roles import WorkspaceRole
    from tests.factories import PASSWORD

    with engine.begin() as connection:
        add_user(
            connection,
            username="admin",
            password=PASSWORD,
            workspace_name="default",
            role=WorkspaceRole.ADMIN,
        )
        return find_workspace(connection, "default").id


def test_jobs_list_shows_dead_letters_and_retry_queues_them_again(
    database_url: str, engine: Engine
) -> None:
    run_id = enqueue(engine, "test.broken", name="cli")
    drain(engine, Settings())
    dead = runner.invoke(app, ["jobs", "list", "--status", "dead", "--db", database_url])
    assert dead.exit_code == 0
    assert f"{run_id}\ttest.broken\tdead\t3/3" in dead.stdout
    assert "broken on purpose" in dead.stdout
    retried = runner.invoke(app, ["jobs", "retry", str(run_id), "--db", database_url])
    assert retried.exit_code == 0 and "queued again" in retried.stdout
    done = runner.invoke(
        app, ["jobs", "retry", str(enqueue(engine, "test.count", name="y")), "--db", database_url]
    )
    assert done.exit_code == 2 and "only dead or failed" in done.output


def test_the_jobs_page_lists_dead_runs_with_a_retry_button(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from tests.factories import form_token, log_in

    workspace_id = _admin_of_default(engine)
    mine = enqueue(engine, "test.broken", name="page", workspace_id=workspace_id)
    theirs = enqueue(engine, "test.broken", name="other")  # belongs to no workspace
    drain(engine, Settings())
    # Keep the app's own runner from running the retried job before we look.
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "3600")
    with TestClient(create_app(database_url)) as client:
        log_in(client, "admin")
        page = client.get("/admin/jobs?status=dead").text
        assert "test.broken" in page and "broken on purpose" in page
        assert f"/admin/jobs/{mine}/retry" in page
        assert f"/admin/jobs/{theirs}/retry" not in page, "only this workspace's runs"
        token = form_token(client, "/admin/jobs")
        answer = client.post(f"/admin/jobs/{mine}/retry", data={"csrf_token": token})
        assert answer.status_code == 200  # followed the redirect back to the page
        assert re.search(r"dead \(0\)|мёртвая \(0\)", answer.text)
        foreign = client.post(f"/admin/jobs/{theirs}/retry", data={"csrf_token": token})
        assert foreign.status_code == 404


def test_the_jobs_page_and_list_tell_how_many_pushed_records_wait_for_their_effects(
    database_url: str, engine: Engine
) -> None:
    from kontrol.ingest.effects_backlog import queue_effects
    from tests.factories import log_in

    workspace_id = _admin_of_default(engine)
    with engine.begin() as connection:
        # Rows of interactions that do not exist: a drainer would run nothing for them,
        # but they wait until one takes them (this test starts none before it looks).
        queue_effects(connection, workspace_id, interactions=[9001, 9002])
    listed = runner.invoke(app, ["jobs", "list", "--db", database_url])
    assert listed.exit_code == 0
    assert "effects backlog: 2 records waiting" in listed.stderr
    client = TestClient(create_app(database_url))  # no lifespan: no drainer thread
    log_in(client, "admin")
    page = client.get("/admin/jobs").text
    assert re.search(r'id="effects-backlog">[^<]*\b2\b', page), page
