"""The JSON API of the people feature under ``/api/v1/staff``: competencies, training.

The endpoints take JSON bodies only (FastAPI refuses other content types), and
the session cookie is SameSite=Lax, so a cross-site form cannot post them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kontrol.accounts.policy import Action, require
from kontrol.staff.certification import (
    answer_roleplay,
    certificates,
    create_certification,
    grade,
    hand_in,
    list_certifications,
)
from kontrol.staff.competencies import competency_profile, list_competencies, save_competency
from kontrol.staff.hiring import (
    candidate_scores,
    compare_candidates,
    decide,
    hand_in_ratings,
    list_candidates,
    list_profiles,
)
from kontrol.staff.knowledge import (
    attempts_of,
    create_question,
    create_test,
    get_attempt,
    list_questions,
    list_tests,
    results_of_test,
    start_attempt,
)
from kontrol.staff.onboarding import (
    list_onboardings,
    onboarding_view,
    record_session,
    set_mentor,
    start_onboarding,
)
from kontrol.staff.roleplay import (
    create_scenario,
    list_scenarios,
    roleplays_of,
    start_practice,
)
from kontrol.staff.training import (
    assign_module,
    complete_assignment,
    create_module,
    create_rule,
    get_training_assignment,
    list_modules,
    list_training_assignments,
    list_training_rules,
    module_effects,
    proposals,
)
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


class CompetencyBody(BaseModel):
    """A competency and what measures it; saving an existing key replaces it."""

    key: str = Field(description="lowercase letters, digits, _ or -")
    name: str
    description: str = ""
    criteria: list[str] = Field(default_factory=list, description="scorecard criterion ids")
    topics: list[str] = Field(default_factory=list, description="quiz topics")
    questions: list[str] = Field(default_factory=list, description="interview question refs")


class ModuleBody(BaseModel):
    """A training module."""

    title: str
    kind: str = Field(description="text, file, video or roleplay")
    body: str = ""
    url: str = ""
    criterion: str = Field(default="", description="the criterion it should move")
    competency_id: int | None = None


class TrainingRuleBody(BaseModel):
    """Below ``threshold`` (per cent or fraction) over the last ``window`` evaluations."""

    criterion: str
    threshold: float = 70
    window: int = 20
    module_id: int


class AssignmentBody(BaseModel):
    """A module assigned to an agent."""

    module_id: int
    agent: str
    due: str = Field(default="", description="YYYY-MM-DD, workspace time")
    rule_id: int | None = None


@router.get("/competencies")
def api_competencies(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's competencies with their criteria, topics and questions."""
    require(viewer, Action.VIEW_TRAINING)
    return {"items": [c.as_json() for c in list_competencies(db, viewer.workspace.id)]}


@router.put("/competencies")
def api_save_competency(db: Db, viewer: CurrentViewer, body: CompetencyBody) -> dict[str, Any]:
    """Create a competency or replace the one with the same key."""
    return save_competency(db, viewer, **body.model_dump()).as_json()


@router.get("/modules")
def api_modules(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The module catalogue."""
    require(viewer, Action.VIEW_TRAINING)
    return {"items": [m.as_json() for m in list_modules(db, viewer.workspace.id)]}


@router.post("/modules", status_code=201)
def api_create_module(db: Db, viewer: CurrentViewer, body: ModuleBody) -> dict[str, Any]:
    """Add a module to the catalogue (admins, QA leads)."""
    return create_module(db, viewer, **body.model_dump()).as_json()


@router.get("/rules")
def api_rules(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Training rules."""
    require(viewer, Action.MANAGE_TRAINING)
    return {"items": [r.as_json() for r in list_training_rules(db, viewer.workspace.id)]}


@router.post("/rules", status_code=201)
def api_create_rule(db: Db, viewer: CurrentViewer, body: TrainingRuleBody) -> dict[str, Any]:
    """A rule proposing a module when a criterion keeps failing."""
    return create_rule(db, viewer, **body.model_dump()).as_json()


@router.get("/proposals")
def api_proposals(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Modules the rules propose now, with the figure behind each proposal."""
    return {"items": [p.as_json() for p in proposals(db, viewer)]}


@router.get("/assignments")
def api_training_assignments(
    db: Db, viewer: CurrentViewer, agent: str | None = None
) -> dict[str, Any]:
    """Assignments the caller may see (an agent: their own), with before and after."""
    return {"items": [a.as_json() for a in list_training_assignments(db, viewer, agent=agent)]}


@router.post("/assignments", status_code=201)
def api_assign_module(db: Db, viewer: CurrentViewer, body: AssignmentBody) -> dict[str, Any]:
    """Assign a module to an agent with a due date."""
    rule = next(
        (r for r in list_training_rules(db, viewer.workspace.id) if r.id == body.rule_id), None
    )
    new_id = assign_module(
        db,
        viewer,
        module_id=body.module_id,
        agent=body.agent,
        due=body.due,
        criterion=rule.criterion if rule else None,
        rule_id=body.rule_id,
    )
    return get_training_assignment(db, viewer, new_id).as_json()


@router.post("/assignments/{assignment_id}/complete")
def api_complete_training(db: Db, viewer: CurrentViewer, assignment_id: Id) -> dict[str, Any]:
    """The agent marks their module done (409 the second time)."""
    return complete_assignment(db, viewer, assignment_id).as_json()


@router.get("/effects")
def api_effects(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Per module: the criterion before and after, and whether it moved."""
    return {"items": [e.as_json() for e in module_effects(db, viewer)]}


@router.get("/profile/{agent_external_id}")
def api_profile(db: Db, viewer: CurrentViewer, agent_external_id: str) -> dict[str, Any]:
    """An agent's competency profile per month (agents: their own only)."""
    return competency_profile(db, viewer, agent_external_id).as_json()


# -- knowledge tests and certification ----------------------------------------------


class QuestionBody(BaseModel):
    """A question of the bank; ``correct`` are 0-based indexes into ``options``."""

    topic: str
    kind: str = Field(description="single, multiple or text")
    text: str
    options: list[str] = Field(default_factory=list)
    correct: list[int] = Field(default_factory=list)
    points: int = 1


class TestBody(BaseModel):
    """A test of questions of the bank."""

    title: str
    question_ids: list[int]
    pass_mark: float = Field(default=80, description="per cent (or a fraction)")
    time_limit_minutes: int = 15
    max_attempts: int = 2
    shuffle: bool = True


class AnswersBody(BaseModel):
    """Question id -> chosen indexes (choice questions) or the text (free text)."""

    answers: dict[str, list[int] | str]


class GradeBody(BaseModel):
    """Question id -> points awarded to a free-text answer."""

    points: dict[str, int]


class CertificationBody(BaseModel):
    """A certification: tests to pass, validity, reminders."""

    name: str
    test_ids: list[int]
    valid_days: int = 365
    remind_days: int = 30
    channel: str = Field(default="", description="email, telegram or webhook")
    target: str = ""
    roleplays: dict[int, float] = Field(
        default_factory=dict,
        description="role plays to pass: scenario id -> pass mark (0-100, the checks' score)",
    )


@router.get("/questions")
def api_questions(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The question bank (with the right answers: leads only)."""
    require(viewer, Action.MANAGE_TESTS)
    return {"items": [q.as_json() for q in list_questions(db, viewer.workspace.id)]}


@router.post("/questions", status_code=201)
def api_create_question(db: Db, viewer: CurrentViewer, body: QuestionBody) -> dict[str, Any]:
    """Add a question to the bank."""
    return create_question(db, viewer, **body.model_dump()).as_json()


@router.get("/tests")
def api_tests(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's tests."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return {"items": [t.as_json() for t in list_tests(db, viewer.workspace.id)]}


@router.post("/tests", status_code=201)
def api_create_test(db: Db, viewer: CurrentViewer, body: TestBody) -> dict[str, Any]:
    """Make a test."""
    return create_test(db, viewer, **body.model_dump()).as_json()


@router.post("/tests/{test_id}/attempts", status_code=201)
def api_start_attempt(db: Db, viewer: CurrentViewer, test_id: Id) -> dict[str, Any]:
    """The agent starts (or resumes) an attempt; the answer has the questions and deadline."""
    return start_attempt(db, viewer, test_id).as_json()


@router.get("/tests/{test_id}/results")
def api_test_results(db: Db, viewer: CurrentViewer, test_id: Id) -> dict[str, Any]:
    """Results per agent, team and question (worst question first)."""
    return results_of_test(db, viewer, test_id).as_json()


@router.get("/attempts")
def api_attempts(db: Db, viewer: CurrentViewer, agent: str | None = None) -> dict[str, Any]:
    """Attempts the caller may see (agents: their own)."""
    return {"items": [a.as_json() for a in attempts_of(db, viewer, agent=agent)]}


@router.get("/attempts/{attempt_id}")
def api_attempt(db: Db, viewer: CurrentViewer, attempt_id: Id) -> dict[str, Any]:
    """One attempt."""
    return get_attempt(db, viewer, attempt_id).as_json()


@router.post("/attempts/{attempt_id}/answers")
def api_hand_in(db: Db, viewer: CurrentViewer, attempt_id: Id, body: AnswersBody) -> dict[str, Any]:
    """Hand in the answers; after the deadline the attempt expires (409 when handed in)."""
    raw = {
        key: value if isinstance(value, str) else [str(v) for v in value]
        for key, value in body.answers.items()
    }
    return hand_in(db, viewer, attempt_id, raw).as_json()


@router.post("/attempts/{attempt_id}/grade")
def api_grade(db: Db, viewer: CurrentViewer, attempt_id: Id, body: GradeBody) -> dict[str, Any]:
    """Grade the free-text answers of an attempt."""
    points: dict[str, int | str] = dict(body.points)
    return grade(db, viewer, attempt_id, points).as_json()


@router.get("/certifications")
def api_certifications(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's certifications."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return {"items": [c.as_json() for c in list_certifications(db, viewer.workspace.id)]}


@router.post("/certifications", status_code=201)
def api_create_certification(
    db: Db, viewer: CurrentViewer, body: CertificationBody
) -> dict[str, Any]:
    """Define a certification."""
    return create_certification(db, viewer, **body.model_dump()).as_json()


@router.get("/certificates")
def api_certificates(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Current certificates (agents: their own), soonest expiry first."""
    return {"items": [c.as_json() for c in certificates(db, viewer)]}


# -- hiring --------------------------------------------------------------------------


class ScoresBody(BaseModel):
    """An interviewer's ratings: guide question id -> 1..5, and optional notes."""

    ratings: dict[str, int]
    notes: dict[str, str] = Field(default_factory=dict)


class DecisionBody(BaseModel):
    """hire or reject, with the reason."""

    decision: str
    reason: str
    # a hired candidate's agent id: their interview ratings join that agent's profile
    agent: str = ""


@router.get("/hiring/profiles")
def api_profiles(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Job profiles with their interview guides (questions and 1/3/5 anchors)."""
    return {"items": [p.as_json() for p in list_profiles(db, viewer)]}


@router.get("/hiring/candidates")
def api_candidates(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Candidates (interviewers: the ones they interview)."""
    return {"items": [c.as_json() for c in list_candidates(db, viewer)]}


@router.get("/hiring/candidates/{candidate_id}/scores")
def api_candidate_scores(db: Db, viewer: CurrentViewer, candidate_id: Id) -> dict[str, Any]:
    """Ratings, spread and agreement (403 while the caller's own scores are not in)."""
    return candidate_scores(db, viewer, candidate_id).as_json()


@router.post("/hiring/candidates/{candidate_id}/scores")
def api_submit_scores(
    db: Db, viewer: CurrentViewer, candidate_id: Id, body: ScoresBody
) -> dict[str, Any]:
    """An interviewer hands in their ratings (409 the second time)."""
    ratings: dict[str, int | str] = dict(body.ratings)
    return hand_in_ratings(db, viewer, candidate_id, ratings, body.notes).as_json()


@router.post("/hiring/candidates/{candidate_id}/decision")
def api_decide(
    db: Db, viewer: CurrentViewer, candidate_id: Id, body: DecisionBody
) -> dict[str, Any]:
    """Record the decision with its reason."""
    return decide(
        db, viewer, candidate_id, decision=body.decision, reason=body.reason, agent=body.agent
    ).as_json()


@router.get("/hiring/profiles/{profile_id}/compare")
def api_compare(db: Db, viewer: CurrentViewer, profile_id: Id) -> dict[str, Any]:
    """The candidates of a profile side by side."""
    return {"items": [r.as_json() for r in compare_candidates(db, viewer, profile_id)]}


# -- role plays ----------------------------------------------------------------------


class ScenarioBody(BaseModel):
    """A scenario: steps separated by blank lines, ``word, word => N`` branches."""

    title: str
    language: str = Field(description="ru or en")
    script: str


class RolePlayAnswerBody(BaseModel):
    """The agent's answer to the scripted customer."""

    text: str


@router.get("/scenarios")
def api_scenarios(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Role-play scenarios."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return {"items": [s.as_json() for s in list_scenarios(db, viewer.workspace.id)]}


@router.post("/scenarios", status_code=201)
def api_create_scenario(db: Db, viewer: CurrentViewer, body: ScenarioBody) -> dict[str, Any]:
    """Write a scenario (422 names the script line at fault)."""
    return create_scenario(db, viewer, **body.model_dump()).as_json()


@router.post("/scenarios/{scenario_id}/practice", status_code=201)
def api_practice(db: Db, viewer: CurrentViewer, scenario_id: Id) -> dict[str, Any]:
    """An agent starts a practice chat."""
    return start_practice(db, viewer, scenario_id).as_json()


@router.get("/roleplays")
def api_roleplays(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Practice chats (agents: their own) with transcripts and scores."""
    return {"items": [r.as_json() for r in roleplays_of(db, viewer)]}


@router.post("/roleplays/{roleplay_id}/answers")
def api_roleplay_answer(
    db: Db, viewer: CurrentViewer, roleplay_id: Id, body: RolePlayAnswerBody
) -> dict[str, Any]:
    """The agent answers; the customer replies, or the chat ends and is scored."""
    return answer_roleplay(db, viewer, roleplay_id, body.text).as_json()


# -- onboarding ----------------------------------------------------------------------


class OnboardingBody(BaseModel):
    """Start an agent's onboarding: the first 90 days from ``started_on``."""

    agent: str
    started_on: date | None = Field(default=None, description="default: today")
    mentor: str = Field(default="", description="the mentor's username")


class MentorBody(BaseModel):
    """The new agent's mentor, by username."""

    mentor: str


class SessionBody(BaseModel):
    """A feedback session held with the new agent."""

    held_on: date
    led_by: str = Field(description="username of the mentor or lead who held it")
    notes: str
    next_steps: str = ""


@router.get("/onboardings")
def api_onboardings(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Onboardings in reach (agents: their own), with mentors and sessions."""
    return {"items": [o.as_json() for o in list_onboardings(db, viewer)]}


@router.post("/onboardings", status_code=201)
def api_start_onboarding(db: Db, viewer: CurrentViewer, body: OnboardingBody) -> dict[str, Any]:
    """Start an agent's onboarding (a second one for the same agent is refused, 422)."""
    return start_onboarding(
        db, viewer, agent=body.agent, started_on=body.started_on, mentor=body.mentor
    ).as_json()


@router.get("/onboardings/{agent_external_id}")
def api_onboarding(db: Db, viewer: CurrentViewer, agent_external_id: str) -> dict[str, Any]:
    """One onboarding: KPIs against the team's, QA score by week, training, tests, sessions."""
    return onboarding_view(db, viewer, agent_external_id).as_json()


@router.put("/onboardings/{agent_external_id}/mentor")
def api_onboarding_mentor(
    db: Db, viewer: CurrentViewer, agent_external_id: str, body: MentorBody
) -> dict[str, Any]:
    """Name or change the mentor."""
    return set_mentor(db, viewer, agent_external_id, body.mentor).as_json()


@router.post("/onboardings/{agent_external_id}/sessions", status_code=201)
def api_onboarding_session(
    db: Db, viewer: CurrentViewer, agent_external_id: str, body: SessionBody
) -> dict[str, Any]:
    """Record a feedback session: date, who led it, notes, agreed next steps."""
    return record_session(db, viewer, agent_external_id, **body.model_dump()).as_json()
