"""Role plays: the scripted customer follows keywords; the checks score the transcript."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import default_scorecard_text, save_scorecard
from kontrol.domain.errors import Conflict, NotFound
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import (
    answer_practice,
    answer_public,
    create_scenario,
    parse_roleplay,
    public_roleplay,
    start_practice,
)
from tests.staff.staff_world import World, build_world

SCRIPT = """Здравствуйте, мне не пришёл заказ!
извин, понима => 3

Вы вообще меня слышите? Я жду неделю!
извин, понима => 3

Хорошо. Когда привезут?
"""


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    built = build_world(engine, workspace)
    with engine.begin() as connection:
        # The workspace's Russian card beside the small test card (which has no checks).
        save_scorecard(connection, workspace.id, default_scorecard_text("default-ru"))
    return built


def test_a_script_with_a_bad_branch_names_its_line() -> None:
    with pytest.raises(StaffInputError) as refused:
        parse_roleplay("Hello\nsorry -> 2\n")
    assert refused.value.values == {"line": 2}


def test_the_customer_follows_the_keywords(world: World) -> None:
    with world.engine.begin() as connection:
        scenario = create_scenario(
            connection, world.viewer("qa"), title="Lost order", language="ru", script=SCRIPT
        )
        chat = start_practice(connection, world.viewer("agent1"), scenario.id)
        cold = answer_practice(connection, world.viewer("agent1"), chat.id, "Номер заказа?")
        warm = answer_practice(
            connection, world.viewer("agent1"), chat.id, "Понимаю, извините за ожидание."
        )
    assert cold.transcript[-1]["text"] == "Вы вообще меня слышите? Я жду неделю!"
    assert warm.transcript[-1]["text"] == "Хорошо. Когда привезут?"


@pytest.mark.slow
def test_a_finished_role_play_is_scored_by_the_checks(world: World) -> None:
    with world.engine.begin() as connection:
        scenario = create_scenario(
            connection, world.viewer("qa"), title="Lost order", language="ru", script=SCRIPT
        )
        chat = start_practice(connection, world.viewer("agent1"), scenario.id)
        for text in (
            "Здравствуйте! Меня зовут Анна. Понимаю, извините за ожидание.",
            "Заказ привезут завтра до 18:00. Чем ещё могу помочь? Спасибо за обращение!",
        ):
            chat = answer_practice(connection, world.viewer("agent1"), chat.id, text)
        with pytest.raises(Conflict):
            answer_practice(connection, world.viewer("agent1"), chat.id, "Ещё")
    assert chat.status == "finished"
    assert chat.results["scorecard"] == "default-ru"
    assert chat.score is not None
    assert chat.results["checks"]["greeting"]["result"] == "pass"


def test_a_candidates_link_is_unknown_when_wrong(world: World) -> None:
    with world.engine.begin() as connection, pytest.raises(NotFound):
        public_roleplay(connection, "not-a-token")
    with world.engine.begin() as connection, pytest.raises(NotFound):
        answer_public(connection, "not-a-token", "Здравствуйте")
