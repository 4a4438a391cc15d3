"""Wrong passwords are limited per account and per address (issue 20, defect 4)."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from fastapi.testclient import TestClient

from kontrol.accounts import login_limits
from kontrol.ratelimit import RedisRateLimiter
from tests.factories import PASSWORD, form_token

REDIS_URL = "redis://127.0.0.1:6379/0"


def _try(client: TestClient, username: str, password: str) -> int:
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(client)},
        follow_redirects=False,
    )
    return answer.status_code


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert [_try(client, "agent1", "wrong guess") for _ in range(5)] == [401] * 5
    with caplog.at_level(logging.WARNING, logger="kontrol.logins"):
        assert _try(client, "agent1", PASSWORD) == 429
    page = client.post(
        "/login",
        data={"username": "agent1", "password": PASSWORD, "csrf_token": form_token(client)},
    ).text
    assert "Слишком много неверных паролей для этого логина" in page
    assert any("login refused" in record.getMessage() for record in caplog.records)
    # Another account from the same address is not locked out by it.
    assert _try(client, "agent3", PASSWORD) == 303


def test_a_good_login_forgives_the_accounts_earlier_mistakes(client: TestClient) -> None:
    for _ in range(4):
        _try(client, "qa", "wrong guess")
    assert _try(client, "qa", PASSWORD) == 303
    for _ in range(4):
        _try(client, "qa", "wrong guess")
    assert _try(client, "qa", PASSWORD) == 303


def test_one_address_guessing_many_accounts_is_stopped(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_LOGIN_FAILURES_PER_ADDRESS", "6")
    for index in range(6):
        assert _try(client, f"nobody{index}", "wrong guess") == 401
    assert _try(client, "admin", PASSWORD) == 429
    assert (
        "Слишком много неудачных входов с этого адреса"
        in client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": form_token(client)},
        ).text
    )


def test_with_redis_the_counters_are_shared_by_every_process() -> None:
    key = f"login:test:{uuid.uuid4()}"
    one, two = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
    one.hit(key, 0, 900)
    two.hit(key, 0, 900)
    assert one.count(key, 900) == 2 and two.count(key, 900) == 2
    one.clear(key, 900)
    assert two.count(key, 900) == 0


def test_password_checks_take_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTROL_PASSWORD_CHECKS_AT_ONCE", "1")
    with login_limits.password_check_turn():
        turns = login_limits._checks[1]
        # The one turn is taken: another check would wait.
        assert turns.acquire(blocking=False) is False
    assert turns.acquire(blocking=False) is True
    turns.release()


def test_a_wrong_password_keeps_the_username_but_never_the_password(client: TestClient) -> None:
    answer = client.post(
        "/login",
        data={
            "username": "agent1",
            "password": "неверный пароль",
            "csrf_token": form_token(client),
        },
    )
    assert answer.status_code == 401
    assert 'name="username" autocomplete="username" required value="agent1"' in answer.text
    assert "typo-Secret-42" not in answer.text
    # The cursor waits in the password field.
    assert re.search(r'name="password"[^>]*autofocus', answer.text)
