"""One conversation, one local time: every page shows times on the workspace's clock.

The walk-through of 2026-12-07 (Russian demo, Europe/Moscow) found HD-70413 at
«09:02» on /evaluations and «12:02» on /calibration/1; a queue item starting
«08:03» in the queue and «11:03» in its workspace; «UTC» after scorecard
versions and review deadlines. Stored times are UTC; people read them in the
workspace's zone, through the one ``moment`` filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import set_timezone
from kontrol.domain.clock import zone
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import (
    alerts,
    calibration_items,
    corrective_tasks,
    evaluations,
    interactions,
    review_items,
    scorecards,
)
from kontrol.web.app import create_app
from tests.demos import Demo, DemoCopy
from tests.factories import add_people, log_in

pytestmark = pytest.mark.slow
MOSCOW = "Europe/Moscow"


def _local(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone(MOSCOW)).strftime("%d.%m.%Y %H:%M")


def _as_stored(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def demo(demo_copy: DemoCopy) -> Demo:
    """A copy of the run's small demo (tests/demos.py); ``moscow`` moves its workspace.

    The demo is built once per run in a UTC workspace; the stored times are UTC
    either way (the generator's contacts are the same whatever the workspace's
    zone), so moving the workspace to Moscow afterwards is what a workspace
    that changes its zone sees, and every page must follow it.
    """
    return demo_copy()


@pytest.fixture
def moscow(demo: Demo) -> Iterator[TestClient]:
    """The demo in a Moscow workspace, and a signed-in administrator."""
    moved = set_timezone(demo.engine, demo.workspace, MOSCOW)
    assert moved.timezone == MOSCOW
    with demo.engine.begin() as connection:
        add_people(connection, moved, [("boss", WorkspaceRole.ADMIN, None, None)])
    with TestClient(create_app(demo.url)) as client:
        log_in(client, "boss")
        yield client


def _conversation(engine: Engine) -> dict[str, object]:
    """A conversation in a calibration session, in a review queue and evaluated."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                interactions.c.external_id,
                interactions.c.agent_external_id,
                interactions.c.started_at,
                calibration_items.c.session_id,
                review_items.c.id.label("item_id"),
                review_items.c.queue_id,
                evaluations.c.id.label("evaluation_id"),
            )
            .join(calibration_items, calibration_items.c.interaction_id == interactions.c.id)
            .join(review_items, review_items.c.interaction_id == interactions.c.id)
            .join(evaluations, evaluations.c.interaction_id == interactions.c.id)
            .order_by(interactions.c.started_at.desc())
        ).first()
    assert row is not None, "the demo has a calibrated, queued, evaluated conversation"
    return dict(row._mapping)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_one_conversation_reads_the_same_local_time_everywhere(
    moscow: TestClient, demo: Demo, backend: str
) -> None:
    found = _conversation(demo.engine)
    started = found["started_at"]
    assert isinstance(started, datetime)
    local, stored = _local(started), _as_stored(started)
    assert local != stored
    pages = {
        "evaluations list": f"/evaluations?agent={found['agent_external_id']}",
        "interactions list": f"/interactions?q={found['external_id']}",
        "calibration": f"/calibration/{found['session_id']}",
        "review queue": f"/queues/{found['queue_id']}?status=all",
        "review item": f"/review/items/{found['item_id']}",
        "evaluation": f"/evaluations/{found['evaluation_id']}",
    }
    wrong = {}
    for name, path in pages.items():
        response = moscow.get(path)
        assert response.status_code == 200, (name, response.status_code)
        text = _text(response.text)
        if local not in text or stored in text or " UTC" in text:
            wrong[name] = (path, local in text, stored in text)
    assert not wrong, f"{found['external_id']} should read {local} everywhere: {wrong}"
    # One demo copy serves both: the times of versions, tasks and alerts too.
    _versions_tasks_and_alerts_read_the_local_time(moscow, demo.engine)


def _versions_tasks_and_alerts_read_the_local_time(moscow: TestClient, engine: Engine) -> None:
    with engine.connect() as connection:
        version = connection.execute(
            select(scorecards.c.name, scorecards.c.created_at).order_by(scorecards.c.id)
        ).first()
        task = connection.execute(
            select(corrective_tasks.c.id, corrective_tasks.c.created_at)
        ).first()
        alert = connection.execute(select(alerts.c.raised_at).order_by(alerts.c.id.desc())).first()
    assert version is not None and task is not None and alert is not None
    for path, moment in (
        (f"/scorecards/{version.name}", version.created_at),
        (f"/tasks/{task.id}", task.created_at),
        ("/alerts", alert.raised_at),
    ):
        text = _text(moscow.get(path).text)
        assert _local(moment) in text, path
        assert _as_stored(moment) not in text and " UTC" not in text, path
    queue = _text(moscow.get("/review").text)
    assert "UTC" not in queue and MOSCOW in queue
