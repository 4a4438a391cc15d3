"""Issue 15: a new calibration session offers the scorecard that fits the workspace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import (
    ensure_default_scorecards,
    list_scorecards,
    preferred_scorecard,
    save_scorecard,
)
from kontrol.domain.clock import utcnow
from kontrol.store.tables import evaluations, memberships, users
from kontrol.web.app import create_app
from tests.factories import log_in
from tests.review.calibration_fixtures import Setup, build

RUSSIAN_CARD = """
name: a-ru-chat
title: Чат по-русски
language: ru
sections:
  - id: main
    title: Главное
    criteria:
      - {id: greeting, title: Поздоровался, weight: 1}
"""


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    return build(engine, workspace, tmp_path)


@pytest.fixture
def qa(database_url: str, setup: Setup) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        yield client


def _selected(form: str) -> str:
    """The title of the scorecard the form's select has chosen."""
    select_html = form.split('name="scorecard_id"', 1)[1].split("</select>", 1)[0]
    found = re.search(r"<option [^>]*selected[^>]*>([^<(]*)", select_html)
    assert found is not None, "no scorecard is preselected"
    return found.group(1).strip()


def _set_language(engine: Engine, setup: Setup, locale: str) -> None:
    admin = setup.viewers["admin"].account.id
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.id == admin).values(locale=locale))
        assert (
            connection.execute(
                select(memberships.c.role).where(memberships.c.user_id == admin)
            ).scalar_one()
            == "admin"
        )


def _use(engine: Engine, setup: Setup, scorecard_id: int, times: int) -> None:
    with engine.begin() as connection:
        for _ in range(times):
            connection.execute(
                evaluations.insert().values(
                    workspace_id=setup.workspace.id,
                    interaction_id=setup.interactions["k1"],
                    scorecard_id=scorecard_id,
                    kind="auto",
                    items=[],
                    created_at=utcnow(),
                )
            )


def test_a_russian_workspace_gets_the_russian_scorecard(
    engine: Engine, setup: Setup, qa: TestClient
) -> None:
    _set_language(engine, setup, "ru")
    # Sorted by name, "calib-card" and "default-en" came before "default-ru".
    assert _selected(qa.get("/calibration/new").text) == "Стандарт обслуживания"
    _set_language(engine, setup, "en")
    assert _selected(qa.get("/calibration/new").text) == "Service standard"


def test_among_those_in_the_language_the_most_used_comes_first(
    engine: Engine, setup: Setup, qa: TestClient
) -> None:
    _set_language(engine, setup, "ru")
    with engine.begin() as connection:
        ensure_default_scorecards(connection, setup.workspace.id)
        russian = save_scorecard(connection, setup.workspace.id, RUSSIAN_CARD)
        default_ru = next(
            c for c in list_scorecards(connection, setup.workspace.id) if c.name == "default-ru"
        )
    # Unused, the workspace's own Russian card still comes first by name.
    assert _selected(qa.get("/calibration/new").text) == "Чат по-русски"
    _use(engine, setup, default_ru.id, 3)
    _use(engine, setup, russian.id, 1)
    assert _selected(qa.get("/calibration/new").text) == "Стандарт обслуживания"
    # A card for every language but used most does not beat one in the language.
    _use(engine, setup, setup.scorecard_id, 10)
    with engine.connect() as connection:
        cards = list_scorecards(connection, setup.workspace.id)
        chosen = preferred_scorecard(connection, setup.workspace.id, cards, "ru")
        in_english = preferred_scorecard(connection, setup.workspace.id, cards, "en")
    assert chosen is not None and chosen.name == "default-ru"
    assert in_english is not None and in_english.name == "default-en"
