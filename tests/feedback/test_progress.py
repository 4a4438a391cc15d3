"""The agent's progress: the score against the period before, what goes well, what to work on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.feedback.coaching import coaching_view
from kontrol.web.app import create_app
from tests.feedback.feedback_world import World, build_world, sign_in
from tests.feedback.progress_world import last_two_weeks


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    found = build_world(engine, workspace, tmp_path)
    last_two_weeks(found)
    return found


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</div>", start)]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_summary_puts_what_went_well_before_what_to_work_on(world: World, backend: str) -> None:
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("agent1"), "a1")
    latest = view.latest_score
    assert latest is not None
    assert (latest.score, latest.n, latest.previous, latest.change) == (42.5, 2, 37.5, 5.0)
    assert view.follows(latest.previous_key, latest.key)
    # Greeting improved from 50 % to 100 %; empathy, tone and accuracy are met below 80 %.
    assert [c.criterion for c in view.going_well] == ["greeting"]
    assert [c.criterion for c in view.to_work_on] == ["empathy", "tone", "accuracy"]
    greeting = view.going_well[0]
    assert (greeting.met, greeting.overall.n) == (3, 4)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_agent_reads_their_figures_in_words(
    client: TestClient, world: World, backend: str
) -> None:
    sign_in(client, "agent1")
    page = client.get("/coaching/a1")
    assert page.status_code == 200
    score = _text(_section(page.text, "progress-score"))
    assert "Оценка качества 42,5 +5 к прошлой неделе" in score
    assert "по 2 оценкам" in score and "37,5" in score
    well = _text(_section(page.text, "going-well"))
    assert "Greeted the customer выполнено в 3 из 4 оценок · +50 п. п. к прошлой неделе" in well
    work = _text(_section(page.text, "to-work-on"))
    assert "Showed empathy выполнено в 1 из 4 оценок" in work
    # The page says well before to work on, and shows no bare arrows or "0/2" counts.
    assert page.text.index('id="going-well"') < page.text.index('id="to-work-on"')
    table = page.text[page.text.index('id="weakest"') :]
    assert "▲" not in page.text and "▼" not in page.text
    assert not re.search(r"\b\d+/\d+\b", _text(table.split("</table>", 1)[0]))
    assert "2 из 2" in _text(table) and "2 оценки" in _text(table)
    # The heading names the agent; their id is in links only.
    heading = page.text.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Agent a1" in heading and "> a1" not in heading and "a1 ·" not in heading
