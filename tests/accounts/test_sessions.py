"""Sessions live on the server: logging out, a password change, a removed member and
the timeouts end them, and a cookie copied before stops working (issue 20, defect 5)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app as cli
from kontrol.domain.clock import utcnow
from kontrol.store.tables import login_sessions, users
from kontrol.web.app import create_app
from tests.factories import PASSWORD, form_token, log_in


def _logged_in(client: TestClient) -> bool:
    answer = client.get("/interactions", follow_redirects=False)
    return answer.status_code == 200


def _second_browser(client: TestClient, database_url: str, username: str) -> TestClient:
    other = TestClient(create_app(database_url))
    other.__enter__()
    log_in(other, username)
    return other


def _sessions_of(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        user_id = connection.execute(
            select(users.c.id).where(users.c.username == username)
        ).scalar()
        rows = connection.execute(
            select(login_sessions.c.token_hash).where(login_sessions.c.user_id == user_id)
        ).all()
    return len(rows)


def test_a_cookie_copied_before_logout_logs_no_one_in_after_it(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "agent1")
    copied = dict(client.cookies)
    assert _logged_in(client)
    client.post("/logout", data={"csrf_token": form_token(client, "/interactions")})
    assert _sessions_of(engine, "agent1") == 0
    client.cookies.clear()
    client.cookies.update(copied)
    answer = client.get("/interactions", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/login")


def test_the_session_cookie_holds_a_token_whose_hash_alone_is_stored(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "qa")
    with engine.connect() as connection:
        stored = connection.execute(select(login_sessions.c.token_hash)).scalars().all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in client.cookies["kontrol_session"]


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(
    client: TestClient, engine: Engine, database_url: str
) -> None:
    log_in(client, "lead")
    other = _second_browser(client, database_url, "lead")
    try:
        assert _logged_in(other)
        answer = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new secret",
                "new_password_again": "a brand new secret",
                "csrf_token": form_token(client, "/account"),
            },
        )
        assert answer.status_code == 200 and 'id="password-changed"' in answer.text
        assert _logged_in(client)
        assert not _logged_in(other)
    finally:
        other.__exit__(None, None, None)


def test_a_wrong_current_password_is_refused_in_the_users_language(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "lead")
    answer = client.post(
        "/account/password",
        data={
            "current_password": "not the password",
            "new_password": "a brand new secret",
            "new_password_again": "a brand new secret",
            "csrf_token": form_token(client, "/account"),
        },
    )
    assert answer.status_code == 422
    assert "Текущий пароль указан неверно" in answer.text
    assert _logged_in(client)


def test_an_admin_removing_a_member_ends_their_sessions(
    client: TestClient, engine: Engine, database_url: str, populated: Workspace
) -> None:
    agent = _second_browser(client, database_url, "agent3")
    try:
        assert _logged_in(agent)
        log_in(client, "admin")
        with engine.connect() as connection:
            user_id = connection.execute(
                select(users.c.id).where(users.c.username == "agent3")
            ).scalar()
        client.post(
            f"/admin/people/{user_id}/remove",
            data={"csrf_token": form_token(client, "/admin/people")},
        )
        assert _sessions_of(engine, "agent3") == 0
        assert not _logged_in(agent)
    finally:
        agent.__exit__(None, None, None)


def test_a_session_idle_too_long_ends(client: TestClient, engine: Engine) -> None:
    log_in(client, "agent1")
    with engine.begin() as connection:
        connection.execute(
            update(login_sessions).values(last_seen_at=utcnow() - timedelta(hours=13))
        )
    assert not _logged_in(client)
    # The idle row goes with the next login of anyone (no cleaning job needed).
    log_in(client, "qa")
    assert _sessions_of(engine, "agent1") == 0


def test_a_session_past_its_absolute_end_ends_however_busy(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "agent1")
    with engine.begin() as connection:
        connection.execute(
            update(login_sessions).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert not _logged_in(client)


def test_the_cookie_is_secure_when_served_over_https(
    database_url: str, populated: Workspace
) -> None:
    with TestClient(create_app(database_url), base_url="https://testserver") as secure:
        log_in(secure, "agent1")
        login = secure.post(
            "/login",
            data={"username": "agent1", "password": PASSWORD, "csrf_token": form_token(secure)},
            follow_redirects=False,
        )
        assert "secure" in login.headers["set-cookie"].lower()
    with TestClient(create_app(database_url)) as plain:
        login = plain.post(
            "/login",
            data={"username": "agent1", "password": PASSWORD, "csrf_token": form_token(plain)},
            follow_redirects=False,
        )
        assert "secure" not in login.headers["set-cookie"].lower()


def test_an_operators_password_reset_ends_every_session(
    client: TestClient, engine: Engine, database_url: str
) -> None:
    log_in(client, "qa")
    result = CliRunner().invoke(
        cli,
        ["user", "password", "qa", "--db", database_url],
        env={"KONTROL_NEW_PASSWORD": "reset by the operator"},
    )
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    assert not _logged_in(client)
