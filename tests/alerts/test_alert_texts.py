"""Alert texts name things in words and link; default rule names follow the reader's language."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.delivery import describe, notification_for
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.demo.seed.alerts import DEMO_RULES
from kontrol.settings import Settings
from kontrol.store.tables import agents, alert_rules, alerts, interactions
from kontrol.web.app import create_app
from tests.factories import form_token, import_records, log_in
from tests.store.test_frozen_migrations import _migrate
from tests.surveys.builders import chat


def _english(client: TestClient) -> None:
    token = form_token(client, "/alerts")
    client.post("/locale", data={"locale": "en", "csrf_token": token, "next": "/alerts"})


def test_an_alert_names_the_agent_and_the_channel_and_links_the_conversation(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        connection.execute(
            agents.insert().values(
                workspace_id=populated.id, external_id="a01", name="Ольга Кузнецова", meta={}
            )
        )
        save_alert_rule(
            connection,
            populated,
            AlertRuleInput(name="Низкий CSAT", kind="csat_at_most", params={"threshold": 2}),
        )
    silent = chat("silent", agent="a01", channel="messenger", survey={"csat": 1})
    del silent["agent_name"]  # the conversation knows the agent by id only
    said = chat("said", survey={"csat": 2, "comment": "Ждал ответа час"})
    import_records(engine, populated, tmp_path, [silent, said])
    with engine.connect() as connection:
        rows = {
            row.external_id: row
            for row in connection.execute(
                select(alerts, interactions.c.external_id).join(
                    interactions, interactions.c.id == alerts.c.interaction_id
                )
            )
        }
    quiet = describe("csat_at_most", rows["silent"].details, "ru")
    assert quiet == "CSAT 1/5 — мессенджер, оператор Ольга Кузнецова, команда L1."
    assert "Комментарий" not in quiet and "a01" not in quiet and "silent" not in quiet
    spoken = describe("csat_at_most", rows["said"].details, "ru")
    assert spoken.endswith("Комментарий клиента: «Ждал ответа час»")
    assert describe("csat_at_most", rows["silent"].details, "en").startswith(
        "CSAT 1/5 — messenger, agent Ольга Кузнецова"
    )
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        page = client.get("/alerts").text
        assert "мессенджер, оператор Ольга Кузнецова" in page
        assert (
            f'<a href="/interactions/{rows["silent"].interaction_id}">Открыть обращение</a>' in page
        )
    # The notification links the same page (a link, not a path in the text).
    with engine.connect() as connection:
        note = notification_for(connection, rows["silent"].id, Settings())
    assert note.text.splitlines()[-1].endswith(f"/interactions/{rows['silent'].interaction_id}")


def test_default_rules_are_named_in_the_readers_language_written_ones_as_written(
    database_url: str, populated: Workspace, engine: Engine
) -> None:
    with engine.begin() as connection:
        for rule in DEMO_RULES:
            save_alert_rule(connection, populated, rule)
        save_alert_rule(connection, populated, AlertRuleInput(name="Мои жалобы", kind="complaint"))
        low_csat = connection.execute(
            select(alert_rules.c.id).where(alert_rules.c.name_key == "alerts.default.low_csat")
        ).scalar_one()
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        russian = client.get("/alerts/rules").text
        assert "Низкая оценка (CSAT ≤ 2)" in russian and "Мои жалобы" in russian
        _english(client)
        english = client.get("/alerts/rules").text
        assert (
            "Low rating (CSAT ≤ 2)" in english and "Rudeness and other critical errors" in english
        )
        assert "Низкая оценка" not in english and "Грубость" not in english
        assert "Мои жалобы" in english  # a person's name for their rule stays as written
        assert "Low rating (CSAT ≤ 2)" in client.get(f"/alerts/rules/{low_csat}").text
        assert "Low rating (CSAT ≤ 2)" in client.get("/alerts").text  # the rule filter
        # Saved unchanged from the English form, the rule keeps its catalogue name...
        form = {
            "csrf_token": form_token(client, f"/alerts/rules/{low_csat}"),
            "kind": "csat_at_most",
            "rule_id": str(low_csat),
            "param_threshold": "2",
            "language": "ru",
            "enabled": "1",
        }
        client.post("/alerts/rules", data={**form, "name": "Low rating (CSAT ≤ 2)"})
        with engine.connect() as connection:
            stored = connection.execute(
                select(alert_rules.c.name, alert_rules.c.name_key).where(
                    alert_rules.c.id == low_csat
                )
            ).one()
        assert tuple(stored) == ("Низкая оценка (CSAT ≤ 2)", "alerts.default.low_csat")
        assert "Низкая оценка (CSAT ≤ 2)" in _russian_rules(client)
        # ...renamed, it is the person's rule, named as they wrote it in every language.
        _english(client)
        client.post("/alerts/rules", data={**form, "name": "Оценки 1–2"})
        assert "Оценки 1–2" in client.get("/alerts/rules").text
        assert "Оценки 1–2" in _russian_rules(client)


def _russian_rules(client: TestClient) -> str:
    token = form_token(client, "/alerts/rules")
    client.post("/locale", data={"locale": "ru", "csrf_token": token, "next": "/alerts/rules"})
    return str(client.get("/alerts/rules").text)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_demo_rules_stored_before_get_their_catalogue_names(
    engine: Engine, workspace: Workspace, backend: str
) -> None:
    """Migration 0043: rules the demo seeded before are found by kind and Russian name."""
    _migrate(engine, "0040", down=True)
    now = datetime(2026, 12, 1)
    common = {
        "workspace_id": workspace.id,
        "params": "{}",
        "webhooks": "[]",
        "emails": "[]",
        "telegram_chats": "[]",
        "secret": "s" * 20,
        "language": "ru",
        "enabled": True,
        "created_at": now,
        "updated_at": now,
    }
    rules = [
        {**common, "name": "Низкая оценка (CSAT ≤ 2)", "kind": "csat_at_most"},
        {**common, "name": "Критик NPS", "kind": "complaint"},  # a person's rule, another kind
        {**common, "name": "Мои оценки", "kind": "csat_at_most"},
    ]
    with engine.begin() as connection:
        connection.execute(text(_INSERT), rules)
    _migrate(engine, "head")
    with engine.connect() as connection:
        keys = dict(connection.execute(select(alert_rules.c.name, alert_rules.c.name_key)).all())
    assert keys == {
        "Низкая оценка (CSAT ≤ 2)": "alerts.default.low_csat",
        "Критик NPS": None,
        "Мои оценки": None,
    }


_INSERT = (
    "INSERT INTO alert_rules (workspace_id, name, kind, params, webhooks, emails,"
    " telegram_chats, secret, language, enabled, created_at, updated_at) VALUES"
    " (:workspace_id, :name, :kind, :params, :webhooks, :emails, :telegram_chats, :secret,"
    " :language, :enabled, :created_at, :updated_at)"
)
