"""Competencies, the profile, training rules, proposals, assignments and their effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.staff.competencies import competency_profile, save_competency
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.training import (
    assign_module,
    complete_assignment,
    create_module,
    create_rule,
    list_training_assignments,
    module_effects,
    proposals,
)
from tests.staff.staff_world import NOW, START, TURN, World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


def _module(world: World, title: str = "Empathy in chat", criterion: str = "empathy") -> int:
    with world.engine.begin() as connection:
        return create_module(
            connection,
            world.viewer("qa"),
            title=title,
            kind="text",
            body="Name the feeling, then the fix.",
            criterion=criterion,
        ).id


def test_a_competency_links_criteria_topics_and_questions(world: World) -> None:
    with world.engine.begin() as connection:
        saved = save_competency(
            connection,
            world.viewer("qa"),
            key="Empathy",
            name="Эмпатия",
            criteria=["empathy", "tone"],
            topics=["эмпатия"],
            questions=["q-angry"],
        )
    assert (saved.key, saved.criteria, saved.topics, saved.questions) == (
        "empathy",
        ("empathy", "tone"),
        ("эмпатия",),
        ("q-angry",),
    )


def test_a_competency_naming_an_unknown_criterion_is_refused_with_its_name(world: World) -> None:
    with world.engine.begin() as connection, pytest.raises(StaffInputError) as refused:
        save_competency(
            connection, world.viewer("qa"), key="k", name="K", criteria=["no_such_thing"]
        )
    assert "no_such_thing" in str(refused.value)
    assert "no_such_thing" in refused.value.text("ru")


def test_the_profile_counts_the_linked_criteria_per_month(world: World) -> None:
    with world.engine.begin() as connection:
        save_competency(
            connection, world.viewer("qa"), key="empathy", name="E", criteria=["empathy"]
        )
        profile = competency_profile(connection, world.viewer("agent1"), "a1", now=NOW)
    line = profile.lines[0]
    # September: 10 failed of 16 evaluations; nothing in the other months.
    assert (line.months["2026-09"].n, line.months["2026-09"].mean) == (16, 0.375)
    assert line.months["2026-10"].n == 0
    assert line.overall.n == 16


def test_an_agent_sees_no_one_elses_profile(world: World) -> None:
    with world.engine.connect() as connection, pytest.raises(NotFound):
        competency_profile(connection, world.viewer("agent1"), "a3", now=NOW)


def test_a_rule_proposes_the_module_to_the_agent_below_it_only(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        create_rule(
            connection,
            world.viewer("qa"),
            criterion="empathy",
            threshold="70",
            window=10,
            module_id=module_id,
        )
        found = proposals(connection, world.viewer("qa"))
    # a1's last 10: 4 failed, 6 passed = 60% < 70%; a3 passes everything.
    assert [(p.agent, p.recent.n, p.recent.mean) for p in found] == [("a1", 10, 0.6)]


def test_a_rule_asks_for_the_whole_window_before_proposing(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        create_rule(
            connection,
            world.viewer("qa"),
            criterion="empathy",
            threshold=0.99,
            window=20,
            module_id=module_id,
        )
        assert proposals(connection, world.viewer("qa")) == []


def test_an_assigned_module_is_no_longer_proposed(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        create_rule(
            connection,
            world.viewer("qa"),
            criterion="empathy",
            threshold=70,
            window=10,
            module_id=module_id,
        )
        assign_module(connection, world.viewer("lead"), module_id=module_id, agent="a1")
        assert proposals(connection, world.viewer("qa")) == []


def test_before_and_after_show_the_evaluations_behind_them(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        new_id = assign_module(
            connection,
            world.viewer("qa"),
            module_id=module_id,
            agent="a1",
            due="2026-09-20",
            now=TURN - timedelta(days=2),
        )
        done = complete_assignment(
            connection, world.viewer("agent1"), new_id, now=TURN - timedelta(hours=1)
        )
        effect = module_effects(connection, world.viewer("qa"))[0]
    # Before: the 8 evaluations before the assignment, all failed; after: the 6 passed.
    assert (done.before.n, done.before.mean, done.after.n, done.after.mean) == (8, 0.0, 6, 1.0)
    assert done.verdict == "improved"
    assert (effect.measured, effect.verdict, effect.change) == (1, "improved", 1.0)


def test_a_module_that_does_not_move_its_criterion_says_so(world: World) -> None:
    module_id = _module(world, "Greeting again", "greeting")
    with world.engine.begin() as connection:
        new_id = assign_module(
            connection,
            world.viewer("qa"),
            module_id=module_id,
            agent="a1",
            now=START + timedelta(days=3),
        )
        complete_assignment(
            connection, world.viewer("agent1"), new_id, now=START + timedelta(days=4)
        )
        effect = module_effects(connection, world.viewer("qa"))[0]
    assert (effect.before.mean, effect.after.mean, effect.verdict) == (1.0, 1.0, "not_moved")


def test_a_module_with_too_few_evaluations_after_is_too_early_to_judge(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        new_id = assign_module(
            connection,
            world.viewer("qa"),
            module_id=module_id,
            agent="a1",
            now=START + timedelta(days=12),
        )
        done = complete_assignment(
            connection, world.viewer("agent1"), new_id, now=START + timedelta(days=12, hours=1)
        )
    assert (done.after.n, done.verdict) == (3, "pending")


def test_an_agent_sees_and_completes_only_their_own_training(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        own = assign_module(connection, world.viewer("qa"), module_id=module_id, agent="a1")
        other = assign_module(connection, world.viewer("qa"), module_id=module_id, agent="a3")
        seen = [a.id for a in list_training_assignments(connection, world.viewer("agent1"))]
        with pytest.raises(NotFound):
            complete_assignment(connection, world.viewer("agent1"), other)
        complete_assignment(connection, world.viewer("agent1"), own)
        with pytest.raises(Conflict):
            complete_assignment(connection, world.viewer("agent1"), own)
    assert seen == [own]


def test_a_team_lead_assigns_within_their_team_only(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection, pytest.raises(NotFound):
        assign_module(connection, world.viewer("lead"), module_id=module_id, agent="a3")


def test_agents_and_reviewers_do_not_assign_training(world: World) -> None:
    module_id = _module(world)
    with world.engine.begin() as connection:
        for who in ("agent1", "reviewer"):
            with pytest.raises(Forbidden):
                assign_module(connection, world.viewer(who), module_id=module_id, agent="a1")


def test_a_module_link_must_be_a_web_address(world: World) -> None:
    with world.engine.begin() as connection:
        for url in ("javascript:alert(1)", "data:text/html,x", "ftp://x/y"):
            with pytest.raises(StaffInputError, match="http"):
                create_module(connection, world.viewer("qa"), title="V", kind="video", url=url)
