"""The alert pages: rules written in the form, the list, acknowledging, the badge."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import alert_rules, alerts
from kontrol.web.app import create_app
from tests.factories import form_token, import_records, log_in
from tests.surveys.builders import chat


def test_a_qa_lead_writes_a_rule_sees_the_alert_and_acknowledges_it(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: object
) -> None:
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        rules = client.get("/alerts/rules")
        kinds = set(re.findall(r"/alerts/rules/new\?kind=(\w+)", rules.text))
        assert kinds == {
            "csat_at_most",
            "nps_detractor",
            "complaint",
            "sla_breached",
            "complaints_spike",
            "critical_check_failed",
            "kpi_below_target",
            "mystery_low_score",
            "action_overdue",
        }
        token = form_token(client, "/alerts/rules/new?kind=complaint")
        refused = client.post(
            "/alerts/rules",
            data={
                "csrf_token": token,
                "kind": "complaint",
                "name": "Жалобы",
                "emails": "not-an-address",
            },
        )
        assert refused.status_code == 422 and "recipients.emails" in refused.text
        saved = client.post(
            "/alerts/rules",
            data={
                "csrf_token": token,
                "kind": "complaint",
                "name": "Жалобы <L1>",
                "team": "L1",
                "enabled": "1",
                "language": "en",
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert "Жалобы &lt;L1&gt;" in client.get("/alerts/rules").text
        import_records(engine, populated, tmp_path, [chat("z1", tags=["complaint"], team="L1")])  # type: ignore[arg-type]
        assert client.get("/alerts/badge").text.count(">1<") == 1
        listing = client.get("/alerts")
        assert "Жалоба" in listing.text or "Complaint" in listing.text
        with engine.connect() as connection:
            alert_id = connection.execute(select(alerts.c.id)).scalar_one()
        done = client.post(
            f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token}, follow_redirects=False
        )
        assert done.status_code == 303
        assert client.get("/alerts/badge").text == ""
        acknowledged = client.get("/alerts?show=acknowledged").text
        assert re.search(r"(Принято:|Acknowledged:) qa, \d{2}\.\d{2}\.\d{4} ", acknowledged)


def test_agents_neither_see_alerts_nor_edit_rules(
    database_url: str, populated: Workspace, engine: Engine
) -> None:
    with TestClient(create_app(database_url)) as client:
        log_in(client, "agent1")
        assert client.get("/alerts").status_code == 403
        assert client.get("/alerts/rules").status_code == 403
        assert client.get("/surveys/places").status_code == 403
        token = form_token(client, "/interactions")
        posted = client.post(
            "/alerts/rules", data={"csrf_token": token, "kind": "complaint", "name": "x"}
        )
        assert posted.status_code == 403
    with engine.connect() as connection:
        assert connection.execute(select(alert_rules.c.id)).first() is None
