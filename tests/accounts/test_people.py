"""The people page (/admin/people): members, adding, changing, removing; the last admin stays."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from kontrol.accounts.logins import Account, authenticate, grant
from kontrol.accounts.members import (
    change_member,
    list_members,
    read_member_input,
    remove_member,
)
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import memberships, users
from tests.accounts.world import World
from tests.factories import PASSWORD, form_token, log_in


def _admin(client: TestClient) -> str:
    client.cookies.clear()
    log_in(client, "admin")
    return form_token(client, "/admin/people")


def _row(page: str, username: str) -> str:
    found = re.search(rf'<tr data-user="{re.escape(username)}".*?</tr>', page, re.S)
    assert found, f"{username} is not listed"
    return found.group(0)


def test_the_page_lists_members_with_role_team_and_agent_id(
    app_client: TestClient, world: World
) -> None:
    _admin(app_client)
    page = app_client.get("/admin/people")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    agent = _row(page.text, "agent1")
    assert 'value="agent" selected' in agent
    assert 'name="team"' in agent and 'value="L1"' in agent
    assert 'value="a1"' in agent
    lead = _row(page.text, "lead2")
    assert 'value="team_lead" selected' in lead and 'value="L2"' in lead
    assert "outsider" not in page.text, "members of another workspace are not listed"
    # The password rule is on the page, in the person's language.
    assert "не короче 8 символов" in page.text
    assert 'href="/admin/people"' in page.text, "admins get the nav link"


def _invite(client: TestClient, token: str, **form: str) -> str:
    answer = client.post("/admin/people", data={"csrf_token": token, **form})
    assert answer.status_code == 200, answer.text[:300]
    notice = re.search(r'id="people-invited">([^<]*)<', answer.text)
    assert notice, "the page confirms the invitation"
    return notice.group(1)


def _accept_first_invitation(client: TestClient) -> None:
    page = client.get("/invitations").text
    found = re.search(r'action="(/invitations/\d+/accept)"', page)
    assert found, "the invitation is offered"
    answer = client.post(
        found.group(1),
        data={"csrf_token": form_token(client, "/invitations")},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_an_admin_invites_a_new_person_who_joins_once_they_accept(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    _invite(
        app_client,
        token,
        username="maria",
        display_name="Мария Ким",
        password="a long secret 9",
        role="agent",
        team="L1",
        agent_id="a2",
    )
    page = app_client.get("/admin/people").text
    assert 'data-invited="maria"' in page and 'data-user="maria"' not in page
    with world.engine.begin() as connection:
        stored = connection.execute(
            select(users.c.password_hash).where(users.c.username == "maria")
        ).scalar_one()
        assert stored.startswith("$argon2"), "only an argon2 hash is stored"
    app_client.cookies.clear()
    login = app_client.post(
        "/login",
        data={
            "username": "maria",
            "password": "a long secret 9",
            "csrf_token": form_token(app_client),
        },
        follow_redirects=False,
    )
    assert login.headers["location"] == "/invitations"
    assert app_client.get("/api/v1/interactions").status_code == 401, "not a member yet"
    _accept_first_invitation(app_client)
    listed = app_client.get("/api/v1/interactions").json()["items"]
    assert {item["external_id"] for item in listed} == {"i2"}, "agent a2 sees their own"


def test_inviting_an_existing_login_says_what_a_new_one_says_and_needs_consent(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    # The outsider is an admin of another workspace; "nobody-yet" exists nowhere.
    form = {"password": "any long secret", "role": "reviewer"}
    existing = _invite(app_client, token, username="outsider", **form)
    new = _invite(app_client, token, username="nobody-yet", **form)
    assert existing.replace("outsider", "X") == new.replace("nobody-yet", "X")
    with world.engine.connect() as connection:
        assert authenticate(connection, username="outsider", password=PASSWORD), "untouched"
        assert not authenticate(connection, username="outsider", password="any long secret")
        joined = connection.execute(
            select(memberships.c.id).where(
                memberships.c.user_id == world.users["outsider"],
                memberships.c.workspace_id == world.workspace.id,
            )
        ).first()
    assert joined is None, "nobody joins a workspace without accepting"
    # The outsider declines: still not a member, and the invitation is gone.
    app_client.cookies.clear()
    log_in(app_client, "outsider")
    page = app_client.get("/invitations").text
    decline = re.search(r'action="(/invitations/\d+/decline)"', page)
    assert decline
    app_client.post(decline.group(1), data={"csrf_token": form_token(app_client, "/invitations")})
    assert 'id="no-invitations"' in app_client.get("/invitations").text
    assert app_client.get("/api/v1/me").json()["workspace"] == "other client"


def test_withdrawing_an_invitation_removes_the_login_it_made(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    _invite(app_client, token, username="temp-hire", password="a long secret 9", role="reviewer")
    page = app_client.get("/admin/people").text
    withdraw = re.search(r'action="(/admin/invitations/\d+/withdraw)"', page)
    assert withdraw
    app_client.post(withdraw.group(1), data={"csrf_token": token})
    with world.engine.connect() as connection:
        gone = connection.execute(select(users.c.id).where(users.c.username == "temp-hire"))
        assert gone.first() is None


def test_a_member_invited_again_is_refused_as_already_a_member(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    again = app_client.post(
        "/admin/people",
        data={
            "csrf_token": token,
            "username": "agent1",
            "password": "long enough 1",
            "role": "agent",
            "agent_id": "a1",
        },
    )
    assert again.status_code == 409
    assert "уже в пространстве" in again.text


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"username": "nopass", "role": "agent", "agent_id": "a7"}, "password"),
        ({"username": "outsider", "role": "agent", "agent_id": "a7"}, "password"),
        ({"username": "short", "password": "short", "role": "agent", "agent_id": "a7"}, "password"),
        ({"username": "x", "password": "long enough 1", "role": "boss"}, "role"),
        ({"username": "x", "password": "long enough 1", "role": "team_lead"}, "team"),
        ({"username": "x", "password": "long enough 1", "role": "agent"}, "agent_id"),
        ({"username": "", "password": "long enough 1", "role": "admin"}, "username"),
    ],
)
def test_bad_input_names_the_field_and_keeps_what_was_typed(
    app_client: TestClient, world: World, form: dict[str, str], field: str
) -> None:
    token = _admin(app_client)
    answer = app_client.post("/admin/people", data={"csrf_token": token, **form})
    assert answer.status_code == 422
    error = re.search(r'id="people-error">([^<]*)<', answer.text)
    label = {
        "password": "Пароль",
        "role": "Роль",
        "team": "Группа",
        "agent_id": "Идентификатор оператора",
        "username": "Имя пользователя",
    }[field]
    assert error and error.group(1).startswith(f"{label}:"), answer.text[:300]
    if form["username"]:
        kept = re.search(r'name="username"[^>]*value="([^"]*)"', answer.text)
        assert kept and kept.group(1) == form["username"]
    assert "long enough 1" not in answer.text, "a password is never sent back"
    with world.engine.connect() as connection:
        assert connection.execute(select(users.c.id).where(users.c.username == "x")).first() is None


def test_an_admin_changes_role_team_and_agent_id(app_client: TestClient, world: World) -> None:
    token = _admin(app_client)
    answer = app_client.post(
        f"/admin/people/{world.users['agent3']}",
        data={"csrf_token": token, "role": "team_lead", "team": "L2", "agent_id": ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    app_client.cookies.clear()
    log_in(app_client, "agent3")
    listed = app_client.get("/api/v1/interactions").json()["items"]
    assert {item["external_id"] for item in listed} == {"i3"}
    assert app_client.get("/api/v1/me").json()["role"] == "team_lead"


def test_the_last_admin_can_be_neither_demoted_nor_removed(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    admin_id = world.users["admin"]
    demote = app_client.post(
        f"/admin/people/{admin_id}",
        data={"csrf_token": token, "role": "qa_lead", "team": "", "agent_id": ""},
    )
    assert demote.status_code == 409
    assert "последний администратор" in demote.text
    # The row shows what the admin tried, so they see what was refused.
    assert 'value="qa_lead" selected' in _row(demote.text, "admin")
    remove = app_client.post(f"/admin/people/{admin_id}/remove", data={"csrf_token": token})
    assert remove.status_code == 409
    with world.engine.connect() as connection:
        role = connection.execute(
            select(memberships.c.role).where(
                memberships.c.user_id == admin_id,
                memberships.c.workspace_id == world.workspace.id,
            )
        ).scalar_one()
    assert role == "admin"
    # With a second admin, the first may step down.
    with world.engine.begin() as connection:
        change_member(
            connection,
            world.workspace,
            world.users["qa"],
            read_member_input(role="admin", team="", agent_id=""),
        )
    assert (
        app_client.post(
            f"/admin/people/{admin_id}/remove",
            data={"csrf_token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )
    with world.engine.connect() as connection:
        names = {m.username for m in list_members(connection, world.workspace)}
    assert "admin" not in names and "qa" in names


def test_removing_a_member_keeps_the_account_and_its_other_workspaces(
    app_client: TestClient, world: World
) -> None:
    token = _admin(app_client)
    with world.engine.begin() as connection:
        _outsider_joins(connection, world)
    answer = app_client.post(
        f"/admin/people/{world.users['outsider']}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    app_client.cookies.clear()
    log_in(app_client, "outsider")
    assert app_client.get("/api/v1/me").json()["workspace"] == "other client"


def _outsider_joins(connection: Connection, world: World) -> None:
    """The outsider (admin of another workspace) has accepted to join as a reviewer."""
    account = Account(world.users["outsider"], "outsider", "outsider", "ru")
    grant(connection, account=account, workspace=world.workspace, role=WorkspaceRole.REVIEWER)


def test_people_of_another_workspace_are_not_found(app_client: TestClient, world: World) -> None:
    token = _admin(app_client)
    answer = app_client.post(
        f"/admin/people/{world.users['outsider']}",
        data={"csrf_token": token, "role": "agent", "team": "", "agent_id": "a1"},
    )
    assert answer.status_code == 404
    # Their own workspace keeps its only admin, whoever asks.
    with world.engine.begin() as connection, pytest.raises(Conflict, match="last admin"):
        remove_member(connection, world.other, world.users["outsider"])


def test_forms_without_the_session_token_are_refused(app_client: TestClient, world: World) -> None:
    _admin(app_client)
    answer = app_client.post(
        f"/admin/people/{world.users['agent1']}/remove", data={"csrf_token": "forged"}
    )
    assert answer.status_code == 403
    with world.engine.connect() as connection:
        assert any(m.username == "agent1" for m in list_members(connection, world.workspace))


def test_member_input_rules() -> None:
    assert read_member_input(role=" agent ", team="", agent_id=" a1 ").agent_id == "a1"
    assert read_member_input(role="admin", team="", agent_id="").role is WorkspaceRole.ADMIN
    with pytest.raises(InvalidInput, match="^team:"):
        read_member_input(role="team_lead", team=" ", agent_id="")
    with pytest.raises(InvalidInput, match="^agent_id:"):
        read_member_input(role="agent", team="L1", agent_id="x" * 201)


def test_demo_colleagues_fill_the_page_once(app_client: TestClient, world: World) -> None:
    from kontrol.demo.seed.accounts import DEMO_COLLEAGUES, seed_people_demo

    # The world already has a reviewer2 and a lead2: existing usernames are left alone.
    new = [entry for entry in DEMO_COLLEAGUES if entry[0] not in world.users]
    assert len(new) == len(DEMO_COLLEAGUES) - 2
    assert seed_people_demo(world.engine, world.workspace.id) == len(new)
    assert seed_people_demo(world.engine, world.workspace.id) == 0
    _admin(app_client)
    page = app_client.get("/admin/people").text
    lead = _row(page, "lead-en")
    assert 'value="team_lead" selected' in lead and 'value="EN Desk"' in lead
    assert 'value="a08"' in _row(page, "a08")
