"""Importing tells subscribers what it stored, once per committed batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol import events
from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions


@pytest.fixture
def seen() -> Iterator[list[events.Event]]:
    received: list[events.Event] = []

    def note(engine: Engine, event: events.Event) -> None:
        received.append(event)

    with events.subscribers.temporarily():
        for kind in (events.InteractionsStored, events.SurveysStored, events.OrdersStored):
            events.subscriber(kind)(note)
        yield received


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


CHAT = {
    "id": "c1",
    "channel": "chat",
    "started_at": "2026-11-02T10:00:00+00:00",
    "messages": [{"role": "customer", "text": "Где заказ?"}],
}


def test_import_publishes_new_changed_and_rated_interactions(
    engine: Engine, workspace: Workspace, tmp_path: Path, seen: list[events.Event]
) -> None:
    import_file(engine=engine, workspace=workspace, path=_write(tmp_path / "a.jsonl", [CHAT]))
    with engine.connect() as connection:
        stored = connection.execute(select(interactions.c.id)).scalar_one()
    assert seen == [events.InteractionsStored(workspace.id, (stored,))]

    seen.clear()
    import_file(engine=engine, workspace=workspace, path=_write(tmp_path / "b.jsonl", [CHAT]))
    assert seen == [], "an unchanged record publishes nothing"

    late_survey = {"kind": "survey", "interaction_id": "c1", "csat": 2}
    order = {
        "kind": "order",
        "id": "o1",
        "customer_id": "x",
        "at": "2026-11-02T10:00:00Z",
        "amount": 5,
    }
    import_file(
        engine=engine, workspace=workspace, path=_write(tmp_path / "c.jsonl", [late_survey, order])
    )
    assert events.SurveysStored(workspace.id, (stored,)) in seen
    assert [type(event) for event in seen] == [events.SurveysStored, events.OrdersStored]


def test_a_survey_waiting_for_its_interaction_is_published_when_it_is_linked(
    engine: Engine, workspace: Workspace, tmp_path: Path, seen: list[events.Event]
) -> None:
    early = {"kind": "survey", "interaction_id": "c1", "source": "import", "nps": 3}
    import_file(engine=engine, workspace=workspace, path=_write(tmp_path / "s.jsonl", [early]))
    assert seen == [], "an unlinked survey rates nothing yet"
    import_file(engine=engine, workspace=workspace, path=_write(tmp_path / "i.jsonl", [CHAT]))
    with engine.connect() as connection:
        stored = connection.execute(select(interactions.c.id)).scalar_one()
    assert events.InteractionsStored(workspace.id, (stored,)) in seen
    assert events.SurveysStored(workspace.id, (stored,)) in seen
