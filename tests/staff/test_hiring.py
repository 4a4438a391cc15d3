"""Structured hiring: blind independent scores, agreement, comparison, decisions, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.staff.competencies import competency_profile, save_competency
from kontrol.staff.hiring import (
    JobProfile,
    add_candidate,
    add_guide_question,
    candidate_scores,
    compare_candidates,
    create_profile,
    decide,
    erase_expired_candidates,
    hand_in_ratings,
    list_candidates,
    set_retention_days,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.store.tables import staff_candidates
from tests.factories import add_people
from tests.staff.staff_world import World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    built = build_world(engine, workspace)
    with engine.begin() as connection:
        built.accounts.update(
            add_people(
                connection,
                workspace,
                [("recruiter", WorkspaceRole.RECRUITER, None, None)],
                shown_as=str.capitalize,
            )
        )
    return built


def _profile(world: World) -> JobProfile:
    with world.engine.begin() as connection:
        profile = create_profile(connection, world.viewer("recruiter"), title="Chat agent")
        for text in ("Angry customer?", "Refund steps?", "Rewrite this"):
            profile = add_guide_question(
                connection,
                world.viewer("recruiter"),
                profile.id,
                text=text,
                anchors=("poor", "fair", "great"),
            )
    return profile


def _candidate(world: World, profile: JobProfile, name: str = "Maria") -> int:
    ids = [world.accounts["qa"].id, world.accounts["lead"].id]
    with world.engine.begin() as connection:
        return add_candidate(
            connection,
            world.viewer("recruiter"),
            profile_id=profile.id,
            name=name,
            contact="+7 900",
            interviewer_ids=ids,
        ).id


def _ratings(profile: JobProfile, values: list[int]) -> dict[str, int | str]:
    return {str(q.id): r for q, r in zip(profile.questions, values, strict=True)}


def test_an_interviewer_sees_no_one_elses_scores_before_handing_in(world: World) -> None:
    profile = _profile(world)
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [5, 4, 4]))
        with pytest.raises(Forbidden):
            candidate_scores(connection, world.viewer("lead"), candidate)
        assert compare_candidates(connection, world.viewer("lead"), profile.id) == []
        hand_in_ratings(connection, world.viewer("lead"), candidate, _ratings(profile, [5, 4, 3]))
        seen = candidate_scores(connection, world.viewer("lead"), candidate)
    assert [q.ratings for q in seen.questions] == [
        {"Qa": 5, "Lead": 5},
        {"Qa": 4, "Lead": 4},
        {"Qa": 4, "Lead": 3},
    ]
    assert [q.spread for q in seen.questions] == [0, 0, 1]


def test_the_agreement_is_the_calibration_figure(world: World) -> None:
    profile = _profile(world)
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [1, 3, 5]))
        hand_in_ratings(connection, world.viewer("lead"), candidate, _ratings(profile, [1, 3, 5]))
        scores = candidate_scores(connection, world.viewer("recruiter"), candidate)
    assert (scores.agreement.statistic, scores.agreement.value, scores.agreement.units) == (
        "krippendorff_alpha",
        1.0,
        3,
    )
    assert scores.mean == 3.0


def test_scores_are_handed_in_once_and_complete(world: World) -> None:
    profile = _profile(world)
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        with pytest.raises(StaffInputError, match="Refund steps"):
            hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [5, 0, 4]))
        hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [5, 4, 4]))
        with pytest.raises(Conflict):
            hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [1, 1, 1]))
        with pytest.raises(Forbidden):
            hand_in_ratings(
                connection, world.viewer("admin"), candidate, _ratings(profile, [1, 1, 1])
            )


def test_interviewers_see_only_their_candidates_and_agents_none(world: World) -> None:
    profile = _profile(world)
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        other = add_candidate(
            connection,
            world.viewer("recruiter"),
            profile_id=profile.id,
            name="Oleg",
            interviewer_ids=[world.accounts["qa"].id],
        ).id
        assert [c.id for c in list_candidates(connection, world.viewer("lead"))] == [candidate]
        with pytest.raises(NotFound):
            candidate_scores(connection, world.viewer("lead"), other)
        with pytest.raises(Forbidden):
            list_candidates(connection, world.viewer("agent1"))


def test_a_decision_needs_a_reason(world: World) -> None:
    profile = _profile(world)
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        with pytest.raises(StaffInputError):
            decide(connection, world.viewer("recruiter"), candidate, decision="hire", reason=" ")
        done = decide(
            connection, world.viewer("recruiter"), candidate, decision="hire", reason="Calm, exact"
        )
    assert (done.decision, done.decision_reason, done.decided_by) == (
        "hire",
        "Calm, exact",
        "recruiter",
    )


def test_personal_data_is_erased_after_the_retention_period(world: World) -> None:
    profile = _profile(world)
    kept = _candidate(world, profile, "Kept")
    gone = _candidate(world, profile, "Gone")
    with world.engine.begin() as connection:
        set_retention_days(connection, world.viewer("recruiter"), "30")
        hand_in_ratings(connection, world.viewer("qa"), gone, _ratings(profile, [3, 3, 3]))
        decide(connection, world.viewer("recruiter"), gone, decision="reject", reason="Weak")
        connection.execute(
            staff_candidates.update()
            .where(staff_candidates.c.id == gone)
            .values(decided_at=utcnow() - timedelta(days=31))
        )
    assert erase_expired_candidates(world.engine) == 1
    with world.engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(select(staff_candidates)).all()}
        still = candidate_scores(connection, world.viewer("recruiter"), gone)
    assert (rows[gone].name, rows[gone].contact, rows[gone].decision_reason) == (None, None, None)
    assert rows[kept].name == "Kept"
    assert still.mean == 3.0


def test_a_hired_candidates_interview_joins_the_agents_competency_profile(world: World) -> None:
    with world.engine.begin() as connection:
        qa = world.viewer("qa")
        empathy = save_competency(
            connection, qa, key="empathy", name="Empathy", criteria=["empathy"]
        )
        before = competency_profile(connection, qa, "a1").lines[0].overall
        profile = create_profile(connection, world.viewer("recruiter"), title="Chat agent")
        profile = add_guide_question(
            connection,
            world.viewer("recruiter"),
            profile.id,
            text="Angry customer?",
            anchors=("poor", "fair", "great"),
            competency_id=empathy.id,
        )
    candidate = _candidate(world, profile)
    with world.engine.begin() as connection:
        hand_in_ratings(connection, world.viewer("qa"), candidate, _ratings(profile, [5]))
        hand_in_ratings(connection, world.viewer("lead"), candidate, _ratings(profile, [3]))
        with pytest.raises(StaffInputError) as rejected:
            decide(
                connection,
                world.viewer("recruiter"),
                candidate,
                decision="reject",
                reason="no",
                agent="a1",
            )
        with pytest.raises(StaffInputError) as unknown:
            decide(
                connection,
                world.viewer("recruiter"),
                candidate,
                decision="hire",
                reason="calm",
                agent="zz",
            )
        hired = decide(
            connection,
            world.viewer("recruiter"),
            candidate,
            decision="hire",
            reason="calm",
            agent="a1",
        )
        after = competency_profile(connection, world.viewer("qa"), "a1").lines[0]
    assert rejected.value.key == "staff.error.hired_agent_not_hired"
    assert unknown.value.key == "staff.error.hired_agent_unknown"
    assert hired.agent == "a1" and hired.as_json()["agent"] == "a1"
    # the two ratings (5 and 3: 1.0 and 0.5) join the QA marks of the same competency
    assert after.overall.n == before.n + 2
    month = max(k for k, cell in after.months.items() if cell.n)
    assert after.months[month].mean == 0.75 and after.months[month].n == 2
