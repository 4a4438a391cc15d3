"""The audit log: every kind of security-relevant action leaves its entry, admins only
read it, and its CSV export is formula-safe.

``CASES`` is the table: one step per :class:`AuditAction`, done the way a person
does it (through the app, as the admin unless the step logs in as someone else)
or, for the retention job, by the function the job calls. A test fails when a
kind of entry has no step here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.audit import AuditAction
from kontrol.speech.retention import RetentionPolicy, apply_retention, set_policy
from kontrol.store.tables import audit_log, invitations, users
from tests.accounts.routes import RULE_FORM, SCORECARD_YAML
from tests.accounts.world import World
from tests.factories import PASSWORD, form_token, log_in

Step = Callable[[TestClient, World], None]


def _post(
    client: TestClient, path: str, form: dict[str, str] | None = None, page: str = "/"
) -> int:
    data = {**(form or {}), "csrf_token": form_token(client, page)}
    return client.post(path, data=data, follow_redirects=False).status_code


def _login(client: TestClient, w: World) -> None:
    client.cookies.clear()
    log_in(client, "qa")


def _failed_login(client: TestClient, w: World) -> None:
    client.cookies.clear()
    data = {"username": "qa", "password": "wrong one", "csrf_token": form_token(client)}
    assert client.post("/login", data=data).status_code == 401


def _logout(client: TestClient, w: World) -> None:
    assert _post(client, "/logout", page="/account") == 303


def _password(client: TestClient, w: World) -> None:
    form = {
        "current_password": PASSWORD,
        "new_password": "a new password 1",
        "new_password_again": "a new password 1",
    }
    assert _post(client, "/account/password", form, page="/account") == 200


def _invite(client: TestClient, w: World) -> None:
    form = {"username": "newbie", "password": "long enough 1", "role": "agent", "agent_id": "a9"}
    assert _post(client, "/admin/people", form, page="/admin/people") == 200


def _withdraw(client: TestClient, w: World) -> None:
    path = f"/admin/invitations/{w.fresh_invitation()}/withdraw"
    assert _post(client, path, page="/admin/people") == 303


def _answer(outcome: str) -> Step:
    def step(client: TestClient, w: World) -> None:
        invitation_id = w.fresh_invitation()
        with w.engine.connect() as connection:
            username = connection.execute(
                select(users.c.username)
                .join(invitations, invitations.c.user_id == users.c.id)
                .where(invitations.c.id == invitation_id)
            ).scalar_one()
        client.cookies.clear()
        log_in(client, username)
        path = f"/invitations/{invitation_id}/{outcome}"
        assert _post(client, path, page="/invitations") == 303

    return step


def _change(client: TestClient, w: World) -> None:
    form = {"role": "qa_lead", "team": "", "agent_id": ""}
    assert _post(client, f"/admin/people/{w.fresh_member()}", form, page="/admin/people") == 303


def _remove(client: TestClient, w: World) -> None:
    path = f"/admin/people/{w.fresh_member()}/remove"
    assert _post(client, path, page="/admin/people") == 303


def _key_made(client: TestClient, w: World) -> None:
    assert _post(client, "/admin/api-keys", {"name": "helpdesk"}, page="/admin/api-keys") == 200


def _key_revoked(client: TestClient, w: World) -> None:
    path = f"/admin/api-keys/{w.fresh_api_key()}/revoke"
    assert _post(client, path, page="/admin/api-keys") == 303


def _key_used(client: TestClient, w: World) -> None:
    with w.engine.begin() as connection:
        made = create_api_key(connection, workspace=w.workspace, name="pbx", created_by="admin")
    headers = {"Authorization": f"Bearer {made.secret}"}
    record = {
        "source": "pbx",
        "channel": "chat",
        "started_at": "2026-11-25T10:00:00+03:00",
        "agent_id": "a1",
        "messages": [{"role": "customer", "text": "Где заказ?"}],
    }
    for n in range(2):  # the second use is not logged
        body = {**record, "id": f"pbx-{n}"}
        assert client.post("/api/v1/interactions", json=body, headers=headers).status_code == 200


def _token_made(client: TestClient, w: World) -> None:
    assert _post(client, "/account/tokens", {"name": "BI", "days": "30"}, page="/account") == 200


def _token_revoked(client: TestClient, w: World) -> None:
    path = f"/admin/tokens/{w.fresh_token('lead')}/revoke"
    assert _post(client, path, page="/admin/tokens") == 303


def _token_used(client: TestClient, w: World) -> None:
    from kontrol.accounts.tokens import create_personal_token

    with w.engine.begin() as connection:
        made = create_personal_token(
            connection,
            user_id=w.users["agent1"],
            workspace=w.workspace,
            name="sheet",
            days=30,
            actor="agent1",
        )
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {made.secret}"}
    for _ in range(2):
        assert client.get("/api/v1/me", headers=headers).status_code == 200


def _scorecard(client: TestClient, w: World) -> None:
    assert _post(client, "/scorecards", {"yaml": SCORECARD_YAML}, page="/account") == 303


def _checks(client: TestClient, w: World) -> None:
    form = {"language": "ru", "list_name": "greeting", "mode": "extend", "phrases": "добрый"}
    assert _post(client, "/phrases", form, page="/account") == 303


def _alert_rule(client: TestClient, w: World) -> None:
    assert _post(client, "/alerts/rules", RULE_FORM, page="/account") == 303


def _routing(client: TestClient, w: World) -> None:
    assert _post(client, "/review-rules/defaults", page="/account") == 303


def _export(client: TestClient, w: World) -> None:
    response = client.get("/dashboard?format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")


def _retention(client: TestClient, w: World) -> None:
    assert _post(client, "/privacy/retention", {"recordings_days": "90"}, page="/account") == 303


def _forget(client: TestClient, w: World) -> None:
    form = {"customer_id": "c-1", "confirm": "c-1"}
    assert _post(client, "/privacy/forget", form, page="/account") == 303


def _brand(client: TestClient, w: World) -> None:
    form = {"display_name": "Пекарня", "colour": "#aa3300"}
    assert _post(client, "/admin/brand", form, page="/account") == 303


def _retention_job(client: TestClient, w: World) -> None:
    with w.engine.begin() as connection:
        policy = RetentionPolicy(None, None, 30, None, False)
        set_policy(connection, w.workspace.id, policy, by="admin")
    with w.engine.begin() as connection:
        run = apply_retention(
            connection, w.workspace.id, recordings_dir=Path(w.folder), now=datetime(2030, 1, 1)
        )
    assert run.interactions > 0


@dataclass(frozen=True)
class Case:
    """A kind of entry and the step that must produce exactly one of it."""

    action: AuditAction
    step: Step
    actor: str = "admin"
    # How many entries the step makes (None: at least one).
    count: int | None = 1


CASES = [
    Case(AuditAction.LOGIN, _login, "qa"),
    Case(AuditAction.LOGIN_FAILED, _failed_login, "qa"),
    Case(AuditAction.LOGOUT, _logout),
    Case(AuditAction.PASSWORD_CHANGED, _password),
    Case(AuditAction.MEMBER_INVITED, _invite),
    Case(AuditAction.INVITATION_WITHDRAWN, _withdraw),
    Case(AuditAction.INVITATION_ACCEPTED, _answer("accept"), "invitee*"),
    Case(AuditAction.INVITATION_DECLINED, _answer("decline"), "invitee*"),
    Case(AuditAction.MEMBER_CHANGED, _change),
    Case(AuditAction.MEMBER_REMOVED, _remove),
    Case(AuditAction.API_KEY_CREATED, _key_made),
    Case(AuditAction.API_KEY_REVOKED, _key_revoked),
    Case(AuditAction.API_KEY_FIRST_USE, _key_used, "api:pbx"),
    Case(AuditAction.TOKEN_CREATED, _token_made),
    Case(AuditAction.TOKEN_REVOKED, _token_revoked),
    Case(AuditAction.TOKEN_FIRST_USE, _token_used, "agent1"),
    Case(AuditAction.SCORECARD_CHANGED, _scorecard),
    Case(AuditAction.CHECKS_CHANGED, _checks),
    Case(AuditAction.ALERT_RULE_CHANGED, _alert_rule),
    Case(AuditAction.ROUTING_CHANGED, _routing),
    Case(AuditAction.EXPORTED, _export),
    Case(AuditAction.RETENTION_CHANGED, _retention),
    Case(AuditAction.CUSTOMER_FORGOTTEN, _forget),
    Case(AuditAction.BRAND_CHANGED, _brand),
    Case(AuditAction.INTERACTIONS_DELETED, _retention_job, "retention", None),
]


def test_every_kind_of_entry_has_a_case() -> None:
    assert {case.action for case in CASES} == set(AuditAction)


def _entries(engine: Engine, action: AuditAction) -> list[tuple[int | None, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.workspace_id, audit_log.c.actor, audit_log.c.address).where(
                audit_log.c.action == action.value
            )
        ).all()
    return [(row.workspace_id, row.actor, row.address) for row in rows]


@pytest.mark.parametrize("case", CASES, ids=[case.action.value for case in CASES])
def test_each_action_writes_its_entry(
    app_client: TestClient, world: World, engine: Engine, case: Case
) -> None:
    log_in(app_client, "admin")
    before = _entries(engine, case.action)
    case.step(app_client, world)
    new = _entries(engine, case.action)[len(before) :]
    ours = [entry for entry in new if entry[0] == world.workspace.id]
    if case.count is None:
        assert ours, f"{case.action}: {new}"
    else:
        assert len(ours) == case.count, f"{case.action}: {new}"
    workspace_id, actor, address = ours[0]
    if case.actor.endswith("*"):
        assert actor.startswith(case.actor[:-1])
    else:
        assert actor == case.actor
    if case.actor not in ("retention", "api:pbx"):
        assert address  # the TestClient's address
    # The admin reads it on the page, in the person's language.
    app_client.cookies.clear()
    changed = case.action is AuditAction.PASSWORD_CHANGED
    log_in(app_client, "admin", "a new password 1" if changed else PASSWORD)
    page = app_client.get(f"/admin/audit?action={case.action.value}")
    assert page.status_code == 200
    assert page.text.count(f'data-action="{case.action.value}"') >= 1


def test_a_refused_change_leaves_no_entry(app_client: TestClient, world: World) -> None:
    log_in(app_client, "admin")
    bad = {"yaml": "name: [unclosed"}
    assert _post(app_client, "/scorecards", bad, page="/account") == 422
    assert _entries(world.engine, AuditAction.SCORECARD_CHANGED) == []


@pytest.mark.parametrize("username", ["qa", "reviewer", "lead", "agent1", "shopper", "recruiter"])
def test_only_admins_read_or_export_it(app_client: TestClient, world: World, username: str) -> None:
    log_in(app_client, username)
    for path in ("/admin/audit", "/admin/audit.csv", "/admin/audit?action=login"):
        assert app_client.get(path).status_code == 403, path
    assert 'href="/admin/audit"' not in app_client.get("/account").text


def test_filters_pages_escaping_and_a_formula_safe_export(
    app_client: TestClient, world: World, engine: Engine
) -> None:
    hostile = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    with engine.begin() as connection:
        for n in range(60):
            create_api_key(connection, workspace=world.workspace, name=f"k{n}", created_by="qa")
        for name in [*hostile, "<script>alert(1)</script>"]:
            create_api_key(connection, workspace=world.workspace, name=name, created_by="admin")
    log_in(app_client, "admin", PASSWORD)
    page = app_client.get("/admin/audit?action=api_key_created")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.text.count('data-action="api_key_created"') == 50
    assert 'id="audit-next"' in page.text and 'id="audit-prev"' not in page.text
    second = app_client.get("/admin/audit?action=api_key_created&offset=50")
    assert second.text.count('data-action="api_key_created"') == 15
    assert 'id="audit-prev"' in second.text
    by_qa = app_client.get("/admin/audit?actor=qa&action=api_key_created")
    assert by_qa.text.count('data-action="api_key_created"') == 50
    assert "Entries: 60" in by_qa.text or "Записей: 60" in by_qa.text
    future = app_client.get("/admin/audit?since=2099-01-01")
    assert 'data-action="' not in future.text
    assert app_client.get("/admin/audit?since=yesterday").status_code == 422
    assert app_client.get("/admin/audit?action=nonsense").status_code == 422

    export = app_client.get("/admin/audit.csv?action=api_key_created")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    # A Russian export: ";" between cells, as Russian Excel reads it.
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 65
    targets = {row[3] for row in rows[1:]}
    for name in hostile:
        assert "'" + name in targets
        assert name not in targets
    assert all(not cell.startswith(("=", "+", "@", "-")) for row in rows for cell in row)
    # Exporting is itself an entry.
    assert len(_entries(engine, AuditAction.EXPORTED)) == 1


def test_the_log_reads_in_russian_and_english(app_client: TestClient, world: World) -> None:
    log_in(app_client, "admin")
    for locale, title, action in (
        ("ru", "Журнал аудита", "Вход"),
        ("en", "Audit log", "Login"),
    ):
        _post(app_client, "/locale", {"locale": locale}, page="/account")
        page = app_client.get("/admin/audit")
        assert title in page.text and f"<td>{action}</td>" in page.text
        export = app_client.get("/admin/audit.csv").content.decode("utf-8-sig")
        assert action in export
