"""The effects backlog in production shape: ``kontrol worker`` processes drain it.

A worker is killed with SIGKILL while it works on a batch; a second worker
takes the rows up once the first one's claim has run out, and every pushed
interaction ends scored and counted exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.pushes import ingest
from kontrol.store.tables import (
    check_outcomes,
    effects_backlog,
    evaluations,
    interaction_facts,
    kpi_rollups,
)
from tests.jobs.test_redis_worker import _start_worker, _stop, _wait, pytestmark, queue_env

__all__ = ["pytestmark", "queue_env"]

PUSHED = 400


def _record(number: int) -> bytes:
    return json.dumps(
        {
            "source": "pbx",
            "id": f"k-{number}",
            "channel": "chat",
            "started_at": "2026-11-25T10:00:00Z",
            "agent_id": f"a{number % 5}",
            "customer_id": f"c{number % 50}",
            "messages": [
                {"role": "customer", "text": "Где мой заказ?", "at": "2026-11-25T10:00:00Z"},
                {"role": "agent", "text": "Добрый день! Заказ приедет сегодня до 18:00."},
            ],
        },
        ensure_ascii=False,
    ).encode()


def _scalar(engine: Engine, query: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())  # type: ignore[call-overload]


def test_a_worker_killed_mid_batch_loses_no_effects_and_doubles_none(
    engine: Engine, workspace: Workspace, queue_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**queue_env, "KONTROL_EFFECTS_LEASE_SECONDS": "3"}
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="pbx", created_by="t").key
    for number in range(PUSHED):
        assert (
            ingest(engine=engine, key=key, endpoint="interactions", body=_record(number)).status
            == 200
        )
    waiting = select(func.count()).select_from(effects_backlog)
    held = waiting.where(effects_backlog.c.claimed_by.is_not(None))
    assert _scalar(engine, waiting) == PUSHED
    log = tmp_path / "workers.log"
    first = _start_worker(env, log)
    second = None
    try:
        _wait(lambda: _scalar(engine, held) > 0, "the first worker to claim a batch", log)
        first.kill()  # SIGKILL: no clean-up of any kind
        first.wait(30)
        assert _scalar(engine, held) > 0, "the killed worker's claim outlives it"
        second = _start_worker(env, log)
        _wait(lambda: _scalar(engine, waiting) == 0, "the second worker to drain", log, 180)
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert _scalar(engine, select(func.count()).select_from(check_outcomes)) == PUSHED
    assert _scalar(engine, select(func.count()).select_from(interaction_facts)) == PUSHED
    assert _scalar(engine, select(func.sum(kpi_rollups.c.rows))) == PUSHED
    pairs = select(evaluations.c.interaction_id, evaluations.c.scorecard_id).distinct()
    assert _scalar(engine, select(func.count()).select_from(evaluations)) == _scalar(
        engine, select(func.count()).select_from(pairs.subquery())
    ), "no interaction was evaluated twice on one scorecard"
