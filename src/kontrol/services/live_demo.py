"""Demo surveys and alerts: a survey place with its QR code, a few rules, some answers."""

from __future__ import annotations

from sqlalchemy import Engine, select

from kontrol.services.alerting import RuleInput, save_rule
from kontrol.services.survey_places import create_place
from kontrol.services.surveys import answer_place, place_page
from kontrol.services.workspaces import Workspace
from kontrol.store.tables import alert_rules

DEMO_RULES = (
    RuleInput(name="Низкая оценка (CSAT ≤ 2)", kind="csat_at_most", params={"threshold": 2}),
    RuleInput(name="Критик NPS", kind="nps_detractor"),
    RuleInput(name="Жалобы «Линия 1»", kind="complaint", scope_team="Линия 1"),
    RuleInput(name="SLA чатов и звонков", kind="sla_breached"),
    RuleInput(name="Всплеск жалоб", kind="complaints_spike"),
)


def create_demo_surveys_and_alerts(engine: Engine, workspace: Workspace) -> None:
    """Rules first, so the demo import that follows raises real alerts; then a place
    (a QR code at a pick-up point) with a few answers."""
    with engine.begin() as connection:
        known = connection.execute(
            select(alert_rules.c.id).where(alert_rules.c.workspace_id == workspace.id).limit(1)
        ).first()
        if known is not None:
            return
        for rule in DEMO_RULES:
            save_rule(connection, workspace, rule)
        place = create_place(
            connection,
            workspace=workspace,
            name="Пункт выдачи на Тверской",
            kind="csat",
            language="ru",
            team="Линия 1",
            agent_id="a01",
            created_by="demo",
        )
    with engine.connect() as connection:
        page = place_page(connection, place.public_token, kiosk=False)
    for score, comment in ((5, "Быстро выдали заказ"), (4, None), (2, "Долго искали посылку")):
        answer_place(engine, page, score=score, comment=comment, language="ru")
