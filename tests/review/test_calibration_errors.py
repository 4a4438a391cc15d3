"""A calibration session set up wrongly is explained in Russian on its form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.factories import form_token, log_in
from tests.review.calibration_fixtures import Setup, build


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    return build(engine, workspace, tmp_path)


@pytest.fixture
def qa(database_url: str, setup: Setup) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        yield client


def _start(qa: TestClient, setup: Setup, **fields: object) -> str:
    data: dict[str, object] = {
        "csrf_token": form_token(qa, "/calibration/new"),
        "name": "Возвраты",
        "scorecard_id": str(setup.scorecard_id),
        "interaction_id": [str(setup.interactions["k1"])],
        "reviewer_id": [str(setup.viewers[p].account.id) for p in ("rev1", "rev2")],
        "deadline": "",
        "external_ids": "",
    }
    data.update(fields)
    answer = qa.post("/calibration", data=data)
    assert answer.status_code == 422
    return answer.text


def test_one_reviewer_is_not_enough_and_the_form_says_so_in_russian(
    qa: TestClient, setup: Setup
) -> None:
    page = _start(qa, setup, reviewer_id=[str(setup.viewers["rev1"].account.id)])
    assert "Проверяющие: пригласите хотя бы двух проверяющих" in page
    assert "invite at least two" not in page


def test_an_unknown_interaction_id_is_named_in_russian(qa: TestClient, setup: Setup) -> None:
    page = _start(qa, setup, interaction_id=[], external_ids="нет-такого")
    assert "Обращения: нет обращения с идентификатором «нет-такого»" in page
    assert "no interaction with id" not in page


def test_the_form_lists_every_error_at_once_next_to_its_field(qa: TestClient, setup: Setup) -> None:
    """Issue 15: only the first mistake was shown; now all, each next to its field."""
    page = _start(
        qa,
        setup,
        name=" ",
        reviewer_id=[str(setup.viewers["rev1"].account.id)],
        deadline="2020-01-01",
    )
    assert "Не сохранено: 3 ошибки" in page
    summary = page[page.index('id="session-errors"') :]
    for said in ("Название: ", "Проверяющие: пригласите хотя бы двух", "Срок: "):
        assert said in summary, said
    for field in ("name", "reviewers", "deadline"):
        assert f'<p class="error field-error" id="error-{field}">' in page, field
    assert 'id="error-interactions"' not in page
