"""The demo workspace shows feedback at work: acknowledged, disputed, resolved, tasks."""

from __future__ import annotations

from sqlalchemy import func, select

from kontrol.demo.seed.feedback import seed_feedback_demo
from kontrol.domain.clock import utcnow
from kontrol.store.tables import corrective_tasks, disputes, evaluations
from tests.demos import DemoCopy


def test_demo_feedback(demo_copy: DemoCopy) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    manual_query = select(func.count()).where(evaluations.c.kind == "manual")
    with engine.connect() as connection:
        manual_before = connection.execute(manual_query).scalar()
    seed_feedback_demo(engine, workspace.id)  # a second call adds nothing
    with engine.connect() as connection:
        states: dict[str, int] = dict(
            connection.execute(
                select(disputes.c.status, func.count()).group_by(disputes.c.status)
            ).all()
        )
        acknowledged = connection.execute(
            select(func.count()).where(evaluations.c.acknowledged_at.is_not(None))
        ).scalar()
        manual = connection.execute(
            select(func.count()).where(evaluations.c.kind == "manual")
        ).scalar()
        tasks = connection.execute(
            select(corrective_tasks.c.kind, corrective_tasks.c.status, corrective_tasks.c.due_at)
        ).all()
    assert states == {"open": 1, "changed": 1}
    # The review demo scores its queue too, so the count is the feedback demo's four and more.
    assert acknowledged == 1 and manual == manual_before and manual >= 4
    assert sorted((t.kind, t.status) for t in tasks) == [
        ("callback", "open"),
        ("coaching", "open"),
        ("correction", "done"),
    ]
    callback = next(t for t in tasks if t.kind == "callback")
    assert callback.due_at is not None and callback.due_at < utcnow()
