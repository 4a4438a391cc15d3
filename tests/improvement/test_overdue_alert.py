"""An action past its due date raises an alert like any other (the kind action_overdue)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.delivery import alert_link, describe
from kontrol.alerts.kinds import ALERT_KINDS
from kontrol.alerts.raising import check_scheduled
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.improvement.actions import create_action, today_of, update_action
from kontrol.store.tables import alerts
from tests.audits.builders import person


def test_the_kind_comes_through_its_entry_point() -> None:
    assert "action_overdue" in ALERT_KINDS.all()


def test_an_overdue_action_raises_one_alert_and_a_new_due_date_another(
    engine: Engine, workspace: Workspace
) -> None:
    now = utcnow()
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        today = today_of(qa)
        late = create_action(
            connection,
            qa,
            {
                "title": "Скрипт <возврата>",
                "team": "L1",
                "owner_id": str(qa.account.id),
                "due": (today - timedelta(days=3)).isoformat(),
            },
        )
        create_action(connection, qa, {"title": "Due today", "due": today.isoformat()})
        create_action(
            connection,
            qa,
            {
                "title": "Done late",
                "due": (today - timedelta(days=9)).isoformat(),
                "status": "done",
            },
        )
        create_action(connection, qa, {"title": "No date"})
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name="Просрочки плана", kind="action_overdue", params={"days_late": 2}),
        )
    assert len(check_scheduled(engine, now=now)) == 1
    assert check_scheduled(engine, now=now) == []  # once per action and due date
    with engine.connect() as connection:
        raised = connection.execute(select(alerts)).one()
    assert raised.subject == f"action:{late.id}"
    assert raised.team == "L1"
    message = describe("action_overdue", raised.details, "ru")
    # The action is a link of the alert, not a path in its text.
    assert "просрочено на 3 дня:" in message and "/actions/" not in message
    assert alert_link("action_overdue", raised.details, None).path == f"/actions/{late.id}"
    assert "Скрипт <возврата>" in message
    with engine.begin() as connection:
        moved = update_action(
            connection,
            qa,
            late.id,
            version=late.version,
            changes={"due": (today - timedelta(days=2)).isoformat()},
        )
    assert moved.due_on == today - timedelta(days=2)
    assert len(check_scheduled(engine, now=now)) == 1  # the new date was missed too
