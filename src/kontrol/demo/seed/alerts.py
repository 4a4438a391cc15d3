"""Demo surveys and alerts: a survey place with its QR code, and a few alert rules."""

from __future__ import annotations

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.store.tables import alert_rules
from kontrol.surveys.places import create_place

DEMO_RULES = (
    AlertRuleInput(name="Низкая оценка (CSAT ≤ 2)", kind="csat_at_most", params={"threshold": 2}),
    AlertRuleInput(name="Критик NPS", kind="nps_detractor"),
    AlertRuleInput(name="Жалобы «Линия 1»", kind="complaint", scope_team="Линия 1"),
    AlertRuleInput(name="SLA чатов и звонков", kind="sla_breached"),
    AlertRuleInput(name="Всплеск жалоб", kind="complaints_spike"),
    AlertRuleInput(name="Грубость и другие критичные ошибки", kind="critical_check_failed"),
    AlertRuleInput(
        name="План по показателям: хуже порога", kind="kpi_below_target", params={"level": 2}
    ),
)


def create_demo_surveys_and_alerts(engine: Engine, workspace: Workspace) -> None:
    """Rules first, so the demo import that follows raises real alerts; and a place
    (a QR code and a kiosk at a pick-up point)."""
    with engine.begin() as connection:
        known = connection.execute(
            select(alert_rules.c.id).where(alert_rules.c.workspace_id == workspace.id).limit(1)
        ).first()
        if known is not None:
            return
        for rule in DEMO_RULES:
            save_alert_rule(connection, workspace, rule)
        create_place(
            connection,
            workspace=workspace,
            name="Пункт выдачи на Тверской",
            kind="csat",
            language="ru",
            team="Линия 1",
            agent_id="a01",
            created_by="demo",
        )
