"""Personal API tokens: a person's token reads /api/v1 exactly as they would logged in.

The role half reuses the route table of tests/accounts/routes.py: every GET route
under /api/ answers a token of each role what it answers that role's session;
every other method under /api/ refuses the token (403: tokens only read), and
the ingest routes, which take workspace API keys, answer 401 as before.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontrol.accounts.members import MemberInput, change_member, remove_member
from kontrol.accounts.tokens import TOKEN_PREFIX, create_personal_token
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import audit_log, personal_tokens
from tests.accounts.routes import ROLES_ORDER, ROUTES
from tests.accounts.test_matrix import _call, _outcome
from tests.accounts.world import ROLE_LOGINS, World
from tests.factories import form_token, log_in


def _token(world: World, username: str, *, days: int = 30) -> str:
    with world.engine.begin() as connection:
        made = create_personal_token(
            connection,
            user_id=world.users[username],
            workspace=world.workspace,
            name=f"{username} script",
            days=days,
            actor=username,
        )
    return made.secret


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _seen(client: TestClient, secret: str) -> set[str]:
    response = client.get("/api/v1/interactions", headers=_bearer(secret))
    assert response.status_code == 200, response.text
    return {item["agent_id"] for item in response.json()["items"]}


def test_a_token_answers_what_its_persons_session_answers(
    app_client: TestClient, world: World
) -> None:
    wrong: list[str] = []
    api_routes = [route for route in ROUTES if route.path.startswith("/api/")]
    assert len(api_routes) > 50
    for role in ROLES_ORDER:
        secret = _token(world, ROLE_LOGINS[WorkspaceRole(role)])
        app_client.cookies.clear()
        app_client.headers["Authorization"] = f"Bearer {secret}"
        for route in api_routes:
            session_answer = route.outcome(role)
            if route.method == "GET":
                expected = session_answer
            elif set(route.expect) == {"u"}:
                expected = "u"  # ingest: a workspace API key, never a person's token
            else:
                expected = "-"  # tokens only read
            response = _call(app_client, route, world)
            got = _outcome(response)
            if got != expected:
                wrong.append(
                    f"{route.method} {route.path} with {role}'s token: expected {expected!r}, "
                    f"got {got!r} ({response.status_code} {response.text[:120]!r})"
                )
    assert not wrong, "\n".join(wrong)


def test_a_write_with_a_token_is_refused_with_a_reason(
    app_client: TestClient, world: World
) -> None:
    secret = _token(world, "admin")
    response = app_client.post(
        "/api/v1/tasks",
        headers=_bearer(secret),
        json={"kind": "callback", "title": "Call back", "agent": "a1"},
    )
    assert response.status_code == 403
    assert "only reads" in response.json()["detail"]


def test_the_scope_is_the_persons(app_client: TestClient, world: World) -> None:
    assert _seen(app_client, _token(world, "agent1")) == {"a1"}
    assert _seen(app_client, _token(world, "lead")) == {"a1", "a2"}
    assert _seen(app_client, _token(world, "qa")) == {"a1", "a2", "a3"}
    # Another workspace's admin with a token of their own workspace sees none of ours.
    with world.engine.begin() as connection:
        made = create_personal_token(
            connection,
            user_id=world.users["outsider"],
            workspace=world.other,
            name="theirs",
            days=30,
            actor="outsider",
        )
    assert _seen(app_client, made.secret) == set()
    me = app_client.get("/api/v1/me", headers=_bearer(made.secret)).json()
    assert world.workspace.name not in str(me)


def test_a_role_change_and_a_removal_apply_to_the_token_at_once(
    app_client: TestClient, world: World
) -> None:
    secret = _token(world, "agent1")
    assert _seen(app_client, secret) == {"a1"}
    with world.engine.begin() as connection:
        change_member(
            connection,
            world.workspace,
            world.users["agent1"],
            MemberInput(WorkspaceRole.QA_LEAD, None, None),
        )
    assert _seen(app_client, secret) == {"a1", "a2", "a3"}
    rejects = app_client.get("/api/v1/rejects", headers=_bearer(secret))
    assert rejects.status_code == 200
    with world.engine.begin() as connection:
        change_member(
            connection,
            world.workspace,
            world.users["agent1"],
            MemberInput(WorkspaceRole.AGENT, "L1", "a1"),
        )
    assert _seen(app_client, secret) == {"a1"}
    assert app_client.get("/api/v1/rejects", headers=_bearer(secret)).status_code == 403
    with world.engine.begin() as connection:
        remove_member(connection, world.workspace, world.users["agent1"])
    response = app_client.get("/api/v1/interactions", headers=_bearer(secret))
    assert response.status_code == 401
    with world.engine.connect() as connection:
        revoked = connection.execute(
            select(personal_tokens.c.revoked_at).where(
                personal_tokens.c.user_id == world.users["agent1"]
            )
        ).scalar_one()
    assert revoked is not None


def test_expired_revoked_and_unknown_tokens_get_401(
    app_client: TestClient, world: World, engine: Engine
) -> None:
    expired = _token(world, "qa")
    with engine.begin() as connection:
        connection.execute(
            update(personal_tokens)
            .where(personal_tokens.c.prefix == expired[:12])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    revoked = _token(world, "qa")
    log_in(app_client, "qa")
    token_id = _token_id(engine, revoked)
    answer = app_client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": form_token(app_client, "/account")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    app_client.cookies.clear()
    for secret in (expired, revoked, TOKEN_PREFIX + "x" * 43, "kpt_"):
        response = app_client.get("/api/v1/interactions", headers=_bearer(secret))
        assert response.status_code == 401, secret
        assert "token" in response.json()["detail"]
        # A write with a dead token: 401 too (who it is comes before what it may do).
        assert app_client.post("/api/v1/tasks", headers=_bearer(secret), json={}).status_code == 401


def _token_id(engine: Engine, secret: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(personal_tokens.c.id).where(personal_tokens.c.prefix == secret[:12])
            ).scalar_one()
        )


def test_made_on_the_account_page_shown_once_hashed_listed_with_last_use(
    app_client: TestClient, world: World, engine: Engine
) -> None:
    log_in(app_client, "reviewer")
    made = app_client.post(
        "/account/tokens",
        data={"name": "Power BI", "days": "90", "csrf_token": form_token(app_client, "/account")},
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    start = made.text.index('id="new-token-secret">') + len('id="new-token-secret">')
    secret = made.text[start : made.text.index("<", start)]
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    with engine.connect() as connection:
        row = connection.execute(select(personal_tokens)).one()
    # Only the hash is kept; the secret is nowhere in the table.
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(tuple(row))
    assert timedelta(days=89) < row.expires_at - row.created_at <= timedelta(days=90)
    assert row.last_used_at is None
    page = app_client.get("/account").text
    assert secret not in page and "Power BI" in page
    app_client.cookies.clear()
    assert app_client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    with engine.connect() as connection:
        assert connection.execute(select(personal_tokens.c.last_used_at)).scalar_one() is not None
    # A wrong expiry or an empty name: the page again, with the reason, in the person's language.
    log_in(app_client, "reviewer")
    for form in ({"name": "x", "days": "7"}, {"name": " ", "days": "30"}):
        answer = app_client.post(
            "/account/tokens", data={**form, "csrf_token": form_token(app_client, "/account")}
        )
        assert answer.status_code == 422
        assert 'id="token-error"' in answer.text


def test_an_admin_revokes_a_members_token(
    app_client: TestClient, world: World, engine: Engine
) -> None:
    secret = _token(world, "lead")
    log_in(app_client, "admin")
    page = app_client.get("/admin/tokens")
    assert page.status_code == 200 and secret[:12] in page.text and "lead" in page.text
    answer = app_client.post(
        f"/admin/tokens/{_token_id(engine, secret)}/revoke",
        data={"csrf_token": form_token(app_client, "/admin/tokens")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    app_client.cookies.clear()
    assert app_client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401
    with engine.connect() as connection:
        actions = set(connection.execute(select(audit_log.c.action)).scalars())
    assert {"token_created", "token_revoked"} <= actions
