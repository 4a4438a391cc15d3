"""Role plays in certification: a scenario to pass with a pass mark on the checks' score."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import default_scorecard_text, save_scorecard
from kontrol.staff.certification import (
    answer_roleplay,
    certificates,
    certify_if_complete,
    create_certification,
    list_certifications,
    requirements_of,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import create_scenario, start_practice
from kontrol.store.tables import staff_roleplays
from tests.staff.staff_world import NOW, World, build_world

SCRIPT = "Здравствуйте, мне не пришёл заказ!\n"


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


def _scenario(world: World) -> int:
    with world.engine.begin() as connection:
        return create_scenario(
            connection, world.viewer("qa"), title="Lost order", language="ru", script=SCRIPT
        ).id


def _finished_chat(world: World, scenario_id: int, score: float, at: datetime) -> None:
    """A finished practice chat of a1 with the checks' ``score`` (as the scoring stores it)."""
    with world.engine.begin() as connection:
        connection.execute(
            staff_roleplays.insert().values(
                workspace_id=world.workspace.id,
                scenario_id=scenario_id,
                agent_external_id="a1",
                transcript=[{"role": "customer", "text": "?", "at": at.isoformat()}],
                step=2,
                status="finished",
                score=score,
                results={},
                started_at=at - timedelta(minutes=5),
                finished_at=at,
            )
        )


def _certification(world: World, scenario_id: int, mark: float = 80) -> int:
    with world.engine.begin() as connection:
        return create_certification(
            connection,
            world.viewer("qa"),
            name="Chat line",
            test_ids=[],
            valid_days=90,
            roleplays={scenario_id: mark},
        ).id


def test_a_certification_keeps_its_role_play_and_pass_mark(world: World) -> None:
    scenario_id = _scenario(world)
    _certification(world, scenario_id, 75)
    with world.engine.connect() as connection:
        (found,) = list_certifications(connection, world.workspace.id)
    assert found.roleplays == ((scenario_id, 75.0),)
    assert found.as_json()["roleplays"] == [{"scenario_id": scenario_id, "pass_mark": 75.0}]


def test_a_role_play_below_the_pass_mark_does_not_certify(world: World) -> None:
    scenario_id = _scenario(world)
    _certification(world, scenario_id)
    _finished_chat(world, scenario_id, 60.0, NOW)
    with world.engine.begin() as connection:
        granted = certify_if_complete(connection, world.workspace.id, "a1")
        (certification,) = list_certifications(connection, world.workspace.id)
        (need,) = requirements_of(connection, world.workspace.id, certification, "a1")
    assert granted == []
    assert (need.kind, need.met_at, need.best) == ("roleplay", None, 60.0)


def test_a_role_play_at_the_pass_mark_certifies_from_that_chat(world: World) -> None:
    scenario_id = _scenario(world)
    _certification(world, scenario_id)
    _finished_chat(world, scenario_id, 60.0, NOW)
    _finished_chat(world, scenario_id, 80.0, NOW + timedelta(days=1))
    with world.engine.begin() as connection:
        certify_if_complete(connection, world.workspace.id, "a1")
        found = certificates(connection, world.viewer("agent1"))
    assert [(c.agent, c.granted_at, c.expires_at) for c in found] == [
        ("a1", NOW + timedelta(days=1), NOW + timedelta(days=91))
    ]


def test_re_certification_needs_a_new_passing_role_play(world: World) -> None:
    scenario_id = _scenario(world)
    _certification(world, scenario_id)
    _finished_chat(world, scenario_id, 90.0, NOW)
    with world.engine.begin() as connection:
        first = certify_if_complete(connection, world.workspace.id, "a1")
        again = certify_if_complete(connection, world.workspace.id, "a1")
    assert len(first) == 1
    assert again == []


def test_an_unknown_scenario_or_a_bad_pass_mark_is_refused(world: World) -> None:
    scenario_id = _scenario(world)
    with world.engine.begin() as connection:
        with pytest.raises(StaffInputError) as unknown:
            create_certification(
                connection, world.viewer("qa"), name="X", test_ids=[], roleplays={999: 80}
            )
        with pytest.raises(StaffInputError) as bad_mark:
            create_certification(
                connection, world.viewer("qa"), name="X", test_ids=[], roleplays={scenario_id: 150}
            )
        with pytest.raises(StaffInputError) as nothing:
            create_certification(connection, world.viewer("qa"), name="X", test_ids=[])
    assert unknown.value.key == "staff.error.certification_scenario"
    assert bad_mark.value.key == "staff.error.roleplay_pass_mark"
    assert nothing.value.key == "staff.error.certification_tests"


@pytest.mark.slow
def test_finishing_a_practice_chat_scored_by_the_checks_certifies(world: World) -> None:
    with world.engine.begin() as connection:
        save_scorecard(connection, world.workspace.id, default_scorecard_text("default-ru"))
    scenario_id = _scenario(world)
    _certification(world, scenario_id, mark=1)
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        chat = start_practice(connection, agent, scenario_id)
        chat = answer_roleplay(
            connection,
            agent,
            chat.id,
            "Здравствуйте! Меня зовут Анна. Понимаю, извините. Заказ привезут завтра. Спасибо!",
        )
        found = certificates(connection, agent)
        stored = connection.execute(select(staff_roleplays.c.score)).scalar()
    assert chat.status == "finished"
    assert chat.score is not None and chat.score >= 1
    assert stored == chat.score
    assert [c.certification.name for c in found] == ["Chat line"]
