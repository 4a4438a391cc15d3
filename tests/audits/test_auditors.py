"""The auditors named on an audit answer it and upload its evidence; nobody else below QA lead."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import (
    add_evidence,
    answers_of,
    complete_audit,
    create_audit,
    remove_evidence,
    save_answer,
)
from kontrol.audits.templates import save_template
from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import users
from tests.audits.builders import PNG, SMALL, person
from tests.factories import form_token, log_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

NOVEMBER = {"template": "small", "period_from": "2026-11-01", "period_to": "2026-11-30"}


def test_a_named_reviewer_answers_and_uploads_and_others_may_not(
    engine: Engine, workspace: Workspace, backend: str
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        named = person(connection, workspace, "rita", WorkspaceRole.REVIEWER)
        lead = person(connection, workspace, "lena", WorkspaceRole.TEAM_LEAD, team="L1")
        other = person(connection, workspace, "oleg", WorkspaceRole.REVIEWER)
        save_template(connection, workspace.id, SMALL, file="small.yaml")
        audit = create_audit(
            connection, qa, NOVEMBER, auditors=[str(named.account.id), str(lead.account.id)]
        )
        mine = create_audit(connection, qa, NOVEMBER)  # only qa audits this one
    with engine.begin() as connection:
        save_answer(connection, named, audit.id, item_key="intake", answer="partly")
        stored = add_evidence(
            connection, named, audit.id, item_key="intake", filename="a.png", data=PNG
        )
        save_answer(connection, lead, audit.id, item_key="offer", answer="4", comment="ok")
        answers = answers_of(connection, audit.id)
    assert answers[("intake", "")].answer == "partly"
    assert answers[("offer", "")].comment == "ok"
    assert stored.uploaded_by == "rita"
    with engine.begin() as connection:
        with pytest.raises(Forbidden, match="auditors"):
            save_answer(connection, other, audit.id, item_key="intake", answer="yes")
        with pytest.raises(Forbidden):
            add_evidence(connection, other, audit.id, item_key="intake", filename="b.png", data=PNG)
        with pytest.raises(Forbidden):
            remove_evidence(connection, other, audit.id, stored.id)
        with pytest.raises(Forbidden):
            save_answer(connection, named, mine.id, item_key="intake", answer="yes")
        # Answering is theirs; closing the audit stays with the QA lead.
        with pytest.raises(Forbidden):
            complete_audit(connection, named, audit.id, version=audit.version)
        remove_evidence(connection, named, audit.id, stored.id)


def test_a_named_team_lead_gets_the_checklist_and_saves_an_answer_on_the_page(
    client: TestClient, database_url: str, populated: Workspace, backend: str
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        qa = person(connection, populated, "qa2", WorkspaceRole.QA_LEAD)
        lead_id = connection.execute(users.select().where(users.c.username == "lead")).one().id
        save_template(connection, populated.id, SMALL, file="small.yaml")
        audit = create_audit(connection, qa, NOVEMBER, auditors=[str(lead_id)])
        other = create_audit(connection, qa, NOVEMBER)
    log_in(client, "lead")
    page = client.get(f"/audits/{audit.id}")
    assert page.status_code == 200 and 'action="/audits/' in page.text
    assert "complete-audit" not in page.text  # completing is the QA lead's
    token = form_token(client, f"/audits/{audit.id}")
    saved = client.post(
        f"/audits/{audit.id}/items/intake",
        data={"csrf_token": token, "answer": "yes", "comment": "Регламент соблюдается"},
        files={"file": ("фото.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with engine.connect() as connection:
        assert answers_of(connection, audit.id)[("intake", "")].answer == "yes"
    assert client.get(f"/audits/{other.id}", follow_redirects=False).status_code == 303
    refused = client.post(
        f"/audits/{other.id}/items/intake",
        data={"csrf_token": token, "answer": "yes"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    engine.dispose()
