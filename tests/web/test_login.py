"""Logging in and out, passwords and forms."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.store.tables import users
from tests.factories import PASSWORD, form_token, log_in


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/interactions", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_api_needs_a_login(client: TestClient) -> None:
    response = client.get("/api/v1/interactions")
    assert response.status_code == 401
    assert "log in" in response.json()["detail"]


def test_wrong_password_is_refused(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"username": "admin", "password": "wrong-password", "csrf_token": form_token(client)},
    )
    assert response.status_code == 401
    assert "Неверный логин или пароль" in response.text or "Wrong username" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_login_without_form_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_login_and_logout(client: TestClient) -> None:
    log_in(client, "admin")
    assert client.get("/api/v1/me").json()["role"] == "admin"
    token = form_token(client, "/interactions")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/api/v1/me").status_code == 401


def test_passwords_are_stored_hashed(client: TestClient, engine: Engine) -> None:
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalars().all()
    assert stored and all(value.startswith("$argon2") for value in stored)
    assert all(PASSWORD not in value for value in stored)


def test_language_switch_is_remembered(client: TestClient) -> None:
    log_in(client, "admin")
    token = form_token(client, "/interactions")
    response = client.post(
        "/locale",
        data={"locale": "en", "csrf_token": token, "next": "/interactions"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/interactions"
    page = client.get("/interactions").text
    assert "Interactions" in page and 'lang="en"' in page
    client.post("/locale", data={"locale": "ru", "csrf_token": token, "next": "/"})
    assert 'lang="ru"' in client.get("/interactions").text


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    token = form_token(client)
    response = client.post(
        "/locale",
        data={"locale": "en", "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
