"""A QR or kiosk rating is a rating, not a fake conversation full of "na" verdicts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import rescore_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.kpis import compute
from kontrol.store.tables import check_outcomes, evaluations, interactions
from kontrol.surveys.places import SurveyPlace, create_place
from kontrol.web.app import create_app
from tests.factories import add_person, import_records, log_in
from tests.surveys.builders import chat


@pytest.fixture
def place(engine: Engine, workspace: Workspace, tmp_path: Path) -> SurveyPlace:
    """A pick-up point of agent a1 (team L1), and one ordinary chat beside it."""
    import_records(engine, workspace, tmp_path, [chat("ch-1")])
    with engine.begin() as connection:
        add_person(connection, workspace, "head", WorkspaceRole.QA_LEAD)
        return create_place(
            connection,
            workspace=workspace,
            name="Пункт выдачи на Тверской",
            created_by="test",
            agent_id="a1",
            team="L1",
        )


@pytest.fixture
def client(database_url: str, place: SurveyPlace) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        yield client


def _answer(client: TestClient, path: str, score: str) -> None:
    page = client.get(path)
    token = re.search(r'name="form" value="([^"]+)"', page.text)
    assert token, page.text
    answer = client.post(path, data={"score": score, "form": token.group(1), "comment": "Долго"})
    assert answer.status_code == 200, answer.text


def _rating_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(interactions.c.id).where(interactions.c.channel == "visit")
            ).scalar_one()
        )


def test_a_qr_rating_gets_no_automatic_evaluation_yet_counts_in_csat(
    engine: Engine, workspace: Workspace, place: SurveyPlace, client: TestClient
) -> None:
    _answer(client, place.public_path, "2")
    rating = _rating_id(engine)
    # A rescore (after a scorecard change) leaves it alone as well.
    rescore_workspace(engine, workspace.id)
    with engine.connect() as connection:
        checked = connection.execute(
            select(func.count()).where(check_outcomes.c.interaction_id == rating)
        ).scalar_one()
        evaluated = connection.execute(
            select(func.count()).where(evaluations.c.interaction_id == rating)
        ).scalar_one()
        chat_evaluated = connection.execute(
            select(func.count()).where(evaluations.c.interaction_id != rating)
        ).scalar_one()
        [by_channel] = [
            row
            for row in compute(
                connection, workspace=workspace, metrics=["csat_avg"], by=["channel"]
            )
            if row["channel"] == "visit"
        ]
    assert (checked, evaluated) == (0, 0)
    assert chat_evaluated > 0, "the chat beside it is still checked"
    assert by_channel["csat_avg"] == 2.0


def test_the_rating_shows_as_a_rating_at_its_place_not_an_empty_chat(
    engine: Engine, place: SurveyPlace, client: TestClient
) -> None:
    _answer(client, place.kiosk_path, "5")
    rating = _rating_id(engine)
    log_in(client, "head")
    page = client.get(f"/interactions/{rating}")
    assert page.status_code == 200
    assert 'id="rating-only"' in page.text
    assert "на планшете-киоске: «Пункт выдачи на Тверской»" in page.text
    # No transcript to read, no checks to show, nothing to evaluate by hand.
    assert "нет расшифровки" not in page.text
    assert 'id="evaluate-start"' not in page.text
    listing = client.get("/interactions")
    row = next(r for r in listing.text.split("<tr>") if f"/interactions/{rating}" in r)
    assert "Оценка без разговора" in row and "без разговора</span>" in row
