"""Calibration pages name the agents of the conversations, not their ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import agents
from tests.review.calibration_fixtures import Setup, build
from tests.review.test_calibration_pages import Login, start_session
from tests.review.test_calibration_pages import app as app  # noqa: F401  (the web app)
from tests.review.test_calibration_pages import login as login  # noqa: F401  (logged-in clients)


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    found = build(engine, workspace, tmp_path)
    with engine.begin() as connection:
        for external_id, name in {"a1": "Анна Смирнова", "a2": "Дмитрий Козлов"}.items():
            connection.execute(
                update(agents)
                .where(agents.c.workspace_id == workspace.id, agents.c.external_id == external_id)
                .values(name=name)
            )
    return found


@pytest.mark.parametrize("backend", ["sqlite"])
def test_session_and_results_name_the_agents(setup: Setup, login: Login, backend: str) -> None:  # noqa: F811
    qa = login("qa")
    session_id = start_session(qa, setup, ["rev1", "rev2"])
    for path in (f"/calibration/{session_id}", f"/calibration/{session_id}/results"):
        page = qa.get(path)
        assert page.status_code == 200
        assert "Анна Смирнова" in page.text
        assert "Дмитрий Козлов" in page.text
        assert ">a1<" not in page.text
        assert ">a2<" not in page.text
