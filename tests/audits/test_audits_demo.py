"""The demo shows audits at work: a completed audit with competitors side by side and the
previous audit, a photo, and an improvement plan with overdue actions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kontrol.audits.conduct import get_audit, list_audits
from kontrol.audits.results import audit_results
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.audits import seed_audits_demo
from kontrol.improvement.actions import list_actions, today_of
from kontrol.store.tables import audit_evidence
from tests.demos import DemoCopy


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_demo_audits_and_plan(demo_copy: DemoCopy, backend: str) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    assert seed_audits_demo(engine, workspace.id) is None  # a second call adds nothing
    with engine.connect() as connection:
        qa = demo_viewer(connection, workspace.id, "qa")
        assert qa is not None
        found = list_audits(connection, qa)
        latest = next(a for a in found if a.status == "completed" and a.title == "Аудит сервиса")
        results = audit_results(connection, get_audit(connection, qa, latest.id))
        photos = connection.execute(
            select(audit_evidence.c.content_type).where(audit_evidence.c.audit_id == latest.id)
        ).all()
        plan = list_actions(connection, qa)
        today = today_of(qa)
        agent = demo_viewer(connection, workspace.id, "agent")
        assert agent is not None
        agents_plan = list_actions(connection, agent)
    assert sorted(a.status for a in found) == ["completed", "completed", "draft"]
    assert results.previous_audit is not None and results.score is not None
    assert results.subjects == ("", "СервисПлюс", "Быстрый ответ")
    assert all(score is not None for score in results.competitor_scores.values())
    measured = [i for area in results.areas for i in area.items if i.answer and i.answer.measured]
    assert any(
        i.item.measure == "check:promise_kept" and i.answer.value is not None for i in measured
    )  # type: ignore[union-attr]
    assert photos and {row.content_type for row in photos} == {"image/png"}
    overdue = [a for a in plan if a.overdue(today)]
    assert len(overdue) >= 2 and plan[0].overdue(today)
    assert any(a.source and a.source.startswith(f"audit:{latest.id}:item:") for a in plan)
    assert [a.agent_external_id for a in agents_plan] == ["a01"]
