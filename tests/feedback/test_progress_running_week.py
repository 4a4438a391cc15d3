"""A week still running is compared with the same days of the week before, never with
that whole week, and only on enough evaluations; the page says the week is incomplete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.feedback import coaching
from kontrol.feedback.coaching import coaching_view
from kontrol.feedback.team_overview import MIN_EVALUATIONS
from kontrol.web.app import create_app
from tests.feedback.feedback_world import World, build_world, sign_in
from tests.feedback.progress_world import (
    ALL_MET,
    NO_GREETING,
    RUNNING_NOW,
    a_running_week,
)


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def client(
    database_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    # The page counts up to now: now is a Wednesday of the world's weeks.
    monkeypatch.setattr(coaching, "utcnow", lambda: RUNNING_NOW)
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


def _part(html: str, element_id: str, end: str = "</div>") -> str:
    start = html.index(">", html.index(f'id="{element_id}"')) + 1
    return html[start : html.index(end, start)]


def _two_and_two(world: World) -> None:
    """f1, f2 on 2 and 3 Nov (the week before); f3, f4 on 10 and 11 Nov (running)."""
    for external_id in ("f1", "f2", "f3"):
        world.evaluation(external_id, ALL_MET)
    world.evaluation("f4", NO_GREETING)


def test_the_running_week_is_compared_with_the_same_days_of_the_week_before(
    world: World, tmp_path: Path
) -> None:
    a_running_week(world, tmp_path)
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("qa"), "a1", now=RUNNING_NOW)
    running = view.running
    assert running is not None
    assert (running.key, running.previous_key) == ("2026-W46", "2026-W45")
    assert (running.dates.first, running.dates.last) == (date(2026, 11, 9), date(2026, 11, 11))
    assert (running.same_days.first, running.same_days.last) == (
        date(2026, 11, 2),
        date(2026, 11, 4),
    )
    assert (running.days, running.total) == (3, 7)
    # The whole week before holds the three late failures too: 62,5 over 8.
    assert view.scores["2026-W45"] == (8, 62.5)
    latest = view.latest_score
    assert latest is not None and latest.to_date and not latest.held_back
    assert (latest.score, latest.n, latest.previous, latest.previous_n) == (96.0, 5, 100.0, 5)
    assert latest.change == -4.0
    by_id = {c.criterion: c for c in view.criteria}
    # Greeting: 4 of 5 this week against 5 of 5 on the same days (not 8 of 8 the week).
    assert by_id["greeting"].trend == -0.2 and by_id["greeting"].to_date
    # Accuracy failed only late in the week before: no change against the same days.
    assert by_id["accuracy"].trend == 0.0
    assert view.as_json()["running"]["compared_with"]["date_to"] == "2026-11-04"


def test_too_few_evaluations_show_no_change(world: World) -> None:
    _two_and_two(world)
    assert MIN_EVALUATIONS > 2
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("qa"), "a1", now=RUNNING_NOW)
    latest = view.latest_score
    assert latest is not None and latest.to_date and latest.held_back
    assert (latest.n, latest.previous_n, latest.change) == (2, 2, None)
    assert all(c.trend is None and c.held_back for c in view.criteria)
    # Once the week is over, the two whole weeks are compared as before.
    with world.engine.connect() as connection:
        over = coaching_view(connection, world.viewer("qa"), "a1", now=RUNNING_NOW.replace(day=15))
    assert over.running is None
    finished = over.latest_score
    assert finished is not None and not finished.to_date and finished.change == -10.0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_page_says_the_week_is_incomplete_and_compares_like_with_like(
    client: TestClient, world: World, tmp_path: Path, backend: str
) -> None:
    a_running_week(world, tmp_path)
    sign_in(client, "agent1")
    page = client.get("/coaching/a1").text
    note = _text(_part(page, "partial-note", "</p>"))
    assert note.startswith("Текущая неделя неполная: 9–11 нояб., 3 из 7 дней.")
    assert "к тем же дням прошлой недели (2–4 нояб.)" in note
    assert f"хотя бы {MIN_EVALUATIONS} оценок" in note
    score = _text(_part(page, "progress-score"))
    assert "96 −4 к тем же дням прошлой недели" in score
    assert "в те же дни прошлой недели (2–4 нояб.) — 100" in score
    assert "к прошлой неделе" not in page
    # The running week's column is marked as incomplete.
    head = _text(page[page.index('id="weakest"') :].split("</thead>", 1)[0])
    assert "неполная" in head


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_page_says_why_it_shows_no_change(
    client: TestClient, world: World, backend: str
) -> None:
    _two_and_two(world)
    sign_in(client, "agent1")
    page = client.get("/coaching/a1").text
    score = _text(_part(page, "progress-score"))
    assert "к прошлой неделе" not in score and "trend-worse" not in _part(page, "progress-score")
    assert (
        "Изменение не показано: оценок пока мало — 2 на этой неделе и 2 в те же дни прошлой, "
        f"а для сравнения нужно хотя бы {MIN_EVALUATIONS} и там, и там."
    ) in score
    table = page[page.index('id="weakest"') :].split("</table>", 1)[0]
    assert "мало оценок" in _text(table) and "п. п." not in _text(table)
