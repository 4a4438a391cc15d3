"""Demo surveys and alerts: a survey place with its QR code, and a few alert rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import DEFAULT_NAME_PREFIX, AlertRuleInput, save_alert_rule
from kontrol.i18n import translate
from kontrol.store.tables import alert_rules
from kontrol.surveys.places import create_place


def default_rule(key: str, kind: str, **fields: Any) -> AlertRuleInput:
    """A rule Kontrol writes: named by its catalogue entry ``alerts.default.<key>``, so each
    reader sees the name in their language (``name`` keeps the Russian, unique as ever)."""
    name_key = f"{DEFAULT_NAME_PREFIX}{key}"
    return AlertRuleInput(name=translate("ru", name_key), kind=kind, name_key=name_key, **fields)


DEMO_RULES = (
    default_rule("low_csat", "csat_at_most", params={"threshold": 2}),
    default_rule("nps_detractor", "nps_detractor"),
    default_rule("complaints_line_1", "complaint", scope_team="Линия 1"),
    default_rule("sla", "sla_breached"),
    default_rule("complaints_spike", "complaints_spike"),
    default_rule("critical", "critical_check_failed"),
    default_rule("kpi_plan", "kpi_below_target", params={"level": 2}),
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
