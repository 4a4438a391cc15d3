"""The demo's improvement plan: actions from the latest audit's findings and from red
figures of the dashboard, some overdue, one done, made through the ordinary calls."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from kontrol.audits.conduct import get_audit
from kontrol.audits.results import audit_results, finding_defaults
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.improvement.actions import create_action, today_of, update_action
from kontrol.improvement.effects import baseline_of
from kontrol.store.tables import improvement_actions

# What the team lead does about the three weightiest findings: (owner, days from today, status).
PLAN = (
    ("lead", -5, "in_progress"),
    ("qa", -2, "open"),
    ("lead", 14, "open"),
    ("admin", 21, "open"),
)


def seed_improvement_demo(engine: Engine, workspace_id: int, audit_id: int | None) -> int:
    """Actions of the plan; how many were made (none when the plan has any already)."""
    made = 0
    with engine.begin() as connection:
        qa = demo_viewer(connection, workspace_id, "qa")
        if qa is None:
            return 0
        found = connection.execute(
            select(improvement_actions.c.id)
            .where(improvement_actions.c.workspace_id == workspace_id)
            .limit(1)
        ).first()
        if found is not None:
            return 0
        people = {
            name: viewer.account.id
            for name in ("lead", "qa", "admin", "agent")
            if (viewer := demo_viewer(connection, workspace_id, name)) is not None
        }
        today = today_of(qa)
        if audit_id is not None:
            results = audit_results(connection, get_audit(connection, qa, audit_id))
            for finding, (owner, days, status) in zip(results.findings, PLAN, strict=False):
                source = f"audit:{audit_id}:item:{finding.item.key}"
                values = finding_defaults(connection, qa, source)
                values.update(
                    source=source,
                    owner_id=str(people.get(owner, "")),
                    due=(today + timedelta(days=days)).isoformat(),
                    status=status,
                    details=finding.answer.comment
                    if finding.answer and finding.answer.comment
                    else "",
                )
                create_action(connection, qa, values)
                made += 1
        # From the dashboard: first response time of Line 1, overdue; and a finished one.
        create_action(
            connection,
            qa,
            {
                "title": "Дежурный на входящих в «Линии 1» с 9 до 11: быстрее первый ответ",
                "source": "dashboard:frt",
                "metric": "frt",
                "target": "60",
                "team": "Линия 1",
                "owner_id": str(people.get("lead", "")),
                "due": (today - timedelta(days=20)).isoformat(),
            },
            baseline=baseline_of(connection, qa.workspace, "frt", "Линия 1", today),
        )
        made += 1
        done = create_action(
            connection,
            qa,
            {
                "title": "Шаблоны ответов на частые вопросы о доставке",
                "source": "dashboard:csat",
                "metric": "csat",
                "target": "70",
                "owner_id": str(people.get("qa", "")),
                "due": (today - timedelta(days=10)).isoformat(),
                "note": "Шаблоны добавлены в базу знаний, операторы обучены.",
            },
            baseline=baseline_of(connection, qa.workspace, "csat", None, today),
        )
        update_action(connection, qa, done.id, version=done.version, changes={"status": "done"})
        made += 1
        if "agent" in people:
            create_action(
                connection,
                qa,
                {
                    "title": "Разобрать с наставником три разговора без уточняющих вопросов",
                    "source": "review:coaching",
                    "agent": "a01",
                    "team": "Линия 1",
                    "owner_id": str(people["agent"]),
                    "due": (today + timedelta(days=7)).isoformat(),
                },
            )
            made += 1
    return made
