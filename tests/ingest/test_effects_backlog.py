"""The ingest API answers once records are stored; their effects follow from the backlog."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from kontrol.accounts.apikeys import ApiKey, create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest import effects_backlog
from kontrol.ingest.effects_backlog import (
    BacklogDrainer,
    backlog_state,
    drain_backlog,
    drain_once,
    wait_until_drained,
)
from kontrol.ingest.group_commits import StoreBatcher
from kontrol.ingest.pushes import ingest
from kontrol.jobs import run_due_jobs
from kontrol.store.tables import (
    check_outcomes,
    evaluations,
    interaction_facts,
    interactions,
    job_runs,
    messages,
)
from kontrol.store.tables import (
    effects_backlog as backlog,
)


def _key(engine: Engine, workspace: Workspace) -> ApiKey:
    with engine.begin() as connection:
        return create_api_key(connection, workspace=workspace, name="pbx", created_by="t").key


def _body(number: int, text: str = "Сейчас проверю.") -> bytes:
    return json.dumps(
        {
            "source": "pbx",
            "id": f"call-{number}",
            "channel": "chat",
            "started_at": "2026-11-25T10:00:00Z",
            "agent_id": f"a{number % 3}",
            "customer_id": f"c{number}",
            "messages": [
                {"role": "customer", "text": "Где мой заказ?", "at": "2026-11-25T10:00:00Z"},
                {"role": "agent", "text": text, "at": "2026-11-25T10:00:30Z"},
            ],
        },
        ensure_ascii=False,
    ).encode()


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_answer_comes_when_stored_and_the_effects_follow_from_the_backlog(
    engine: Engine, workspace: Workspace
) -> None:
    key = _key(engine, workspace)
    answer = ingest(engine=engine, key=key, endpoint="interactions", body=_body(1))
    assert answer.status == 200
    assert answer.body["imported"] == 1 and answer.body["effects"] == "queued"
    assert _count(engine, interactions) == 1
    assert _count(engine, check_outcomes) == 0, "not scored before a drainer ran"
    with engine.connect() as connection:
        assert backlog_state(connection, workspace.id).waiting == 1
    assert drain_backlog(engine) == 1
    assert _count(engine, check_outcomes) == _count(engine, interaction_facts) == 1
    assert _count(engine, evaluations) >= 1
    with engine.connect() as connection:
        assert backlog_state(connection).waiting == 0


def test_wait_answers_after_the_effects_and_leaves_no_backlog(
    engine: Engine, workspace: Workspace
) -> None:
    key = _key(engine, workspace)
    answer = ingest(engine=engine, key=key, endpoint="interactions", body=_body(2), wait=True)
    assert answer.status == 200 and answer.body["effects"] == "done"
    assert _count(engine, check_outcomes) == _count(engine, interaction_facts) == 1
    assert _count(engine, backlog) == 0


def test_rows_a_killed_drainer_held_are_taken_up_once_its_claim_runs_out(
    engine: Engine, workspace: Workspace
) -> None:
    key = _key(engine, workspace)
    for number in range(3):
        ingest(engine=engine, key=key, endpoint="interactions", body=_body(number))
    # A drainer claims the rows and dies before running them: nobody else may take them.
    claimed = effects_backlog._claim(engine, "dead-host:1:effects", 10)
    assert len(claimed) == 3
    assert drain_once(engine, runner="other:2:effects") == 0
    assert _count(engine, check_outcomes) == 0
    # Its claim runs out: another drainer runs them, once each, and they are gone.
    with engine.begin() as connection:
        connection.execute(update(backlog).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert drain_backlog(engine, runner="other:2:effects") == 3
    assert _count(engine, check_outcomes) == 3
    assert _count(engine, backlog) == 0


def test_a_batch_whose_effects_fail_becomes_retried_jobs(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _key(engine, workspace)
    ingest(engine=engine, key=key, endpoint="interactions", body=_body(7))
    real_publish = effects_backlog.publish

    def broken(*_args: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(effects_backlog, "publish", broken)
    assert drain_once(engine) == 1
    assert _count(engine, backlog) == 0, "the rows became a job run"
    with engine.connect() as connection:
        run = connection.execute(
            select(job_runs).where(job_runs.c.name == effects_backlog.RETRY_JOB)
        ).one()
    assert run.status == "queued" and run.payload["kind"] == "interaction"
    monkeypatch.setattr(effects_backlog, "publish", real_publish)
    assert run_due_jobs(engine) == 1
    assert _count(engine, check_outcomes) == 1


def test_the_drainer_thread_works_off_what_requests_queue(
    engine: Engine, workspace: Workspace
) -> None:
    key = _key(engine, workspace)
    drainer = BacklogDrainer(engine)
    drainer.start()
    try:
        for number in range(5):
            ingest(engine=engine, key=key, endpoint="interactions", body=_body(number))
        assert wait_until_drained(engine, timeout=60)
    finally:
        drainer.stop()
    assert _count(engine, check_outcomes) == 5


def test_concurrent_requests_are_stored_together_each_with_its_own_counts(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kontrol.ingest import group_commits
    from kontrol.ingest import pushes as ingest_api

    batcher = StoreBatcher()
    monkeypatch.setattr(ingest_api, "_STORES", batcher)
    groups: list[int] = []
    real = group_commits._store_group

    def counting(group: Any) -> None:
        groups.append(len(group))
        real(group)

    monkeypatch.setattr(group_commits, "_store_group", counting)
    key = _key(engine, workspace)
    answers: dict[int, Any] = {}

    def push(thread: int) -> None:
        for round_ in range(4):
            number = thread * 100 + round_
            answers[number] = ingest(
                engine=engine, key=key, endpoint="interactions", body=_body(number)
            )

    threads = [threading.Thread(target=push, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == 32
    assert all(a.status == 200 and a.body["imported"] == 1 for a in answers.values())
    assert sum(groups) == 32
    assert _count(engine, interactions) == 32 and _count(engine, messages) == 64
    assert _count(engine, backlog) == 32
    # Sending the same record again changes nothing; sending it changed updates it.
    again = ingest(engine=engine, key=key, endpoint="interactions", body=_body(0))
    changed = ingest(engine=engine, key=key, endpoint="interactions", body=_body(1, "Готово."))
    assert (again.body["unchanged"], changed.body["updated"]) == (1, 1)


def test_updates_of_one_record_from_many_threads_keep_their_order(
    engine: Engine, workspace: Workspace
) -> None:
    """Each thread sends its own record three times, changed each time: the last
    version sent is the one stored, however the requests were grouped."""
    key = _key(engine, workspace)

    def push(thread: int) -> None:
        for version in range(3):
            body = _body(thread, f"версия {version}")
            ingest(engine=engine, key=key, endpoint="interactions", body=body)

    threads = [threading.Thread(target=push, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    with engine.connect() as connection:
        texts = set(
            connection.execute(select(messages.c.text).where(messages.c.role == "agent")).scalars()
        )
    assert texts == {"версия 2"}
    assert _count(engine, interactions) == 6


def test_a_request_with_a_bad_record_keeps_the_rest_and_queues_their_effects(
    engine: Engine, workspace: Workspace
) -> None:
    key = _key(engine, workspace)
    good = json.loads(_body(1))
    bad = {**json.loads(_body(2)), "channel": "pager"}
    answer = ingest(
        engine=engine, key=key, endpoint="interactions", body=json.dumps([good, bad]).encode()
    )
    assert answer.status == 422 and answer.body["imported"] == 1
    assert answer.body["rejects"][0]["field"] == "channel"
    assert drain_backlog(engine) == 1
    assert _count(engine, check_outcomes) == 1
