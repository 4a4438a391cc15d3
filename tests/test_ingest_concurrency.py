"""Requests that arrive at once: the same record from two pushes, new agents in both."""

from __future__ import annotations

import json
import threading

from sqlalchemy import Engine, func, select

from kontrol.services.apikeys import create_api_key
from kontrol.services.ingest_api import IngestAnswer, ingest
from kontrol.services.workspaces import Workspace
from kontrol.store.tables import agents, interactions


def test_simultaneous_requests_store_each_record_once(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="pbx", created_by="t").key

    def body(number: int) -> bytes:
        # Every request names the same new agent; pairs of requests send the same call.
        return json.dumps(
            {
                "source": "pbx",
                "id": f"call-{number // 2}",
                "channel": "call",
                "started_at": "2026-11-25T10:00:00Z",
                "agent_id": "new-agent",
                "messages": [{"role": "agent", "text": "Слушаю вас", "start": 0, "end": 1.2}],
            }
        ).encode()

    answers: list[IngestAnswer] = []
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def push(number: int) -> None:
        start.wait()
        try:
            answers.append(
                ingest(engine=engine, key=key, endpoint="interactions", body=body(number))
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [answer.status for answer in answers] == [200] * 8
    assert sum(answer.body["imported"] for answer in answers) == 4
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(interactions)).scalar() == 4
        assert connection.execute(select(func.count()).select_from(agents)).scalar() == 1
