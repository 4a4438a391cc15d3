"""A low shop raises an alert like any other alert (the kind mystery_low_score)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.delivery import alert_link, describe
from kontrol.alerts.kinds import ALERT_KINDS
from kontrol.alerts.raising import check_scheduled
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.domain.clock import utcnow
from kontrol.store.tables import alerts
from tests.mystery.builders import add_programme, add_shop


def test_the_kind_comes_through_its_entry_point() -> None:
    assert "mystery_low_score" in ALERT_KINDS.all()


def test_a_recent_shop_below_the_threshold_raises_one_alert(
    engine: Engine, workspace: Workspace
) -> None:
    programme_id = add_programme(engine, workspace)
    now = utcnow()
    with engine.begin() as connection:
        common: dict[str, Any] = {
            "connection": connection,
            "workspace": workspace,
            "programme_id": programme_id,
        }
        low = add_shop(
            **common,
            target="our-calls",
            scenario="delivery-price",
            answers={"greeting": "pass", "correct": "fail", "polite": 5},
        )
        add_shop(
            **common,
            target="our-calls",
            scenario="delivery-price",
            visit_no=2,
            answers={"greeting": "pass", "correct": "pass", "polite": 5},
        )
        # Low too, but submitted long ago: history does not page anyone.
        add_shop(
            **common,
            target="our-calls",
            scenario="delivery-price",
            visit_no=3,
            answers={"greeting": "fail", "correct": "fail", "polite": 1},
            submitted_at=now - timedelta(days=30),
        )
        # Low and recent, but a competitor's: market research, not our service failing.
        add_shop(
            **common,
            target="rival-calls",
            scenario="delivery-price",
            answers={"greeting": "fail", "correct": "fail", "polite": 1},
        )
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(
                name="Низкий балл ТП", kind="mystery_low_score", params={"score_below": 70}
            ),
        )
    assert len(check_scheduled(engine, now=now)) == 1
    assert check_scheduled(engine, now=now) == []  # once per shop
    with engine.connect() as connection:
        raised = connection.execute(select(alerts)).one()
    assert raised.subject == f"mystery:{low}"
    assert raised.team == "L1"
    message = describe("mystery_low_score", raised.details, "ru")
    # The place and the scenario by their titles; the report is a link, not a path.
    assert "получил 0 баллов" in message and "/mystery/" not in message
    assert "Наш колл-центр" in message and "«Цена доставки»" in message
    assert "our-calls" not in message and "delivery-price" not in message
    link = alert_link("mystery_low_score", raised.details, None)
    assert link.path == f"/mystery/submissions/{low}"
