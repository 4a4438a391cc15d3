"""Structured hiring: job profiles, interview guides, blind independent scores, decisions.

Each question of a profile's guide measures a competency and carries rating
anchors (what a 1, a 3 and a 5 answer sounds like). Several interviewers score
a candidate independently: until an interviewer has handed in their own
scores, they see nobody else's (the figures and the comparison included).
Hiring managers who do not interview the candidate see everything. After that,
the spread per question and the agreement (Krippendorff's alpha, ordinal, the
figure review/agreement.py computes for calibration) show how far the
interviewers agree. Candidates of a profile are compared side by side, and the
decision is recorded with its reason.

A candidate's personal data (name, contact, notes) is kept for the
workspace's retention period after the decision (or after they were added,
without one), then erased by a daily job; the anonymous scores stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import POLICY, Action, allowed, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.jobs import JobContext, job
from kontrol.review.agreement import Agreement, krippendorff_alpha
from kontrol.staff.competencies import list_competencies
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.rows import insert_row
from kontrol.store.tables import (
    agents,
    app_settings,
    memberships,
    staff_candidates,
    staff_interview_questions,
    staff_interview_scores,
    staff_interviewers,
    staff_job_profiles,
    users,
)

DECISIONS = ("hire", "reject")
DEFAULT_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 3650


@dataclass(frozen=True, slots=True)
class GuideQuestion:
    """A question of an interview guide with its rating anchors."""

    id: int
    competency_id: int | None
    competency: str | None
    text: str
    anchors: tuple[str, str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "competency_id": self.competency_id,
            "competency": self.competency,
            "text": self.text,
            "anchors": {"1": self.anchors[0], "3": self.anchors[1], "5": self.anchors[2]},
        }


@dataclass(frozen=True, slots=True)
class JobProfile:
    """A job profile and its interview guide."""

    id: int
    title: str
    requirements: str | None
    questions: tuple[GuideQuestion, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "requirements": self.requirements,
            "questions": [q.as_json() for q in self.questions],
        }


def list_profiles(connection: Connection, viewer: Viewer) -> list[JobProfile]:
    """The workspace's job profiles with their guides."""
    require(viewer, Action.INTERVIEW)
    workspace_id = viewer.workspace.id
    names = {c.id: c.name for c in list_competencies(connection, workspace_id)}
    questions: dict[int, list[GuideQuestion]] = {}
    rows = connection.execute(
        select(staff_interview_questions)
        .join(staff_job_profiles, staff_job_profiles.c.id == staff_interview_questions.c.profile_id)
        .where(staff_job_profiles.c.workspace_id == workspace_id)
        .order_by(staff_interview_questions.c.id)
    )
    for row in rows:
        questions.setdefault(row.profile_id, []).append(
            GuideQuestion(
                row.id,
                row.competency_id,
                names.get(row.competency_id) if row.competency_id else None,
                row.text,
                (row.anchor_1, row.anchor_3, row.anchor_5),
            )
        )
    found = connection.execute(
        select(staff_job_profiles)
        .where(staff_job_profiles.c.workspace_id == workspace_id)
        .order_by(staff_job_profiles.c.title)
    )
    return [
        JobProfile(row.id, row.title, row.requirements, tuple(questions.get(row.id, [])))
        for row in found
    ]


def get_profile(connection: Connection, viewer: Viewer, profile_id: int) -> JobProfile:
    """One job profile of the workspace; ``NotFound`` otherwise."""
    for profile in list_profiles(connection, viewer):
        if profile.id == profile_id:
            return profile
    raise NotFound(
        f"no job profile {profile_id}",
        key="staff.error.no_job_profile",
        params={"profile_id": profile_id},
    )


def create_profile(
    connection: Connection, viewer: Viewer, *, title: str, requirements: str = ""
) -> JobProfile:
    """A new job profile (recruiters, admins, QA leads)."""
    require(viewer, Action.MANAGE_HIRING)
    title = title.strip()
    if not title or len(title) > 200:
        raise StaffInputError("staff.error.profile_title")
    taken = connection.execute(
        select(staff_job_profiles.c.id).where(
            staff_job_profiles.c.workspace_id == viewer.workspace.id,
            staff_job_profiles.c.title == title,
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.profile_taken", title=title)
    new_id = insert_row(
        connection,
        insert(staff_job_profiles).values(
            workspace_id=viewer.workspace.id,
            title=title,
            requirements=requirements.strip() or None,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return get_profile(connection, viewer, new_id)


def add_guide_question(
    connection: Connection,
    viewer: Viewer,
    profile_id: int,
    *,
    text: str,
    anchors: tuple[str, str, str],
    competency_id: int | None = None,
) -> JobProfile:
    """Add a question with its 1/3/5 anchors to a profile's interview guide."""
    require(viewer, Action.MANAGE_HIRING)
    profile = get_profile(connection, viewer, profile_id)
    text = text.strip()
    cleaned = tuple(anchor.strip() for anchor in anchors)
    if not text or len(text) > 2000:
        raise StaffInputError("staff.error.interview_question")
    if not all(cleaned) or any(len(a) > 1000 for a in cleaned):
        raise StaffInputError("staff.error.anchors")
    if competency_id is not None and competency_id not in {
        c.id for c in list_competencies(connection, viewer.workspace.id)
    }:
        raise NotFound(
            f"no competency {competency_id}",
            key="staff.error.no_competency",
            params={"competency_id": competency_id},
        )
    connection.execute(
        insert(staff_interview_questions).values(
            profile_id=profile.id,
            competency_id=competency_id,
            text=text,
            anchor_1=cleaned[0],
            anchor_3=cleaned[1],
            anchor_5=cleaned[2],
        )
    )
    return get_profile(connection, viewer, profile.id)


# -- candidates ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interviewer:
    """An interviewer of a candidate: who, and whether they handed in."""

    user_id: int
    name: str
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate (personal data ``None`` once erased)."""

    id: int
    profile_id: int
    name: str | None
    contact: str | None
    notes: str | None
    created_at: datetime
    decision: str | None
    decision_reason: str | None
    decided_by: str | None
    erased: bool
    interviewers: tuple[Interviewer, ...]
    # the agent a hired candidate became (their interview ratings join the agent's profile)
    agent: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile_id": self.profile_id,
            "name": self.name,
            "contact": self.contact,
            "notes": self.notes,
            "decision": self.decision,
            "decision_reason": self.decision_reason,
            "decided_by": self.decided_by,
            "erased": self.erased,
            "agent": self.agent,
            "interviewers": [
                {"user_id": i.user_id, "name": i.name, "submitted": i.submitted_at is not None}
                for i in self.interviewers
            ],
        }


def _interviewers(connection: Connection, candidate_ids: list[int]) -> dict[int, list[Any]]:
    rows = connection.execute(
        select(
            staff_interviewers.c.id,
            staff_interviewers.c.candidate_id,
            staff_interviewers.c.user_id,
            staff_interviewers.c.submitted_at,
            users.c.display_name,
            users.c.username,
        )
        .join(users, users.c.id == staff_interviewers.c.user_id)
        .where(staff_interviewers.c.candidate_id.in_(candidate_ids))
        .order_by(staff_interviewers.c.id)
    )
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.candidate_id, []).append(row)
    return found


def list_candidates(
    connection: Connection, viewer: Viewer, *, profile_id: int | None = None
) -> list[Candidate]:
    """Candidates ``viewer`` may see: managers all, interviewers those they interview."""
    require(viewer, Action.INTERVIEW)
    query = select(staff_candidates).where(staff_candidates.c.workspace_id == viewer.workspace.id)
    if not allowed(viewer, Action.MANAGE_HIRING):
        mine = select(staff_interviewers.c.candidate_id).where(
            staff_interviewers.c.user_id == viewer.account.id
        )
        query = query.where(staff_candidates.c.id.in_(mine))
    if profile_id is not None:
        query = query.where(staff_candidates.c.profile_id == profile_id)
    rows = connection.execute(query.order_by(staff_candidates.c.created_at)).all()
    people = _interviewers(connection, [row.id for row in rows])
    return [
        Candidate(
            row.id,
            row.profile_id,
            row.name,
            row.contact,
            row.notes,
            row.created_at,
            row.decision,
            row.decision_reason,
            row.decided_by,
            row.erased_at is not None,
            tuple(
                Interviewer(p.user_id, p.display_name or p.username, p.submitted_at)
                for p in people.get(row.id, [])
            ),
            row.agent_external_id,
        )
        for row in rows
    ]


def get_candidate(connection: Connection, viewer: Viewer, candidate_id: int) -> Candidate:
    """One candidate ``viewer`` may see; ``NotFound`` for the others, as for unknown ones."""
    for candidate in list_candidates(connection, viewer):
        if candidate.id == candidate_id:
            return candidate
    raise NotFound(
        f"no candidate {candidate_id}",
        key="staff.error.no_candidate",
        params={"candidate_id": candidate_id},
    )


def possible_interviewers(connection: Connection, viewer: Viewer) -> list[tuple[int, str]]:
    """Members who may interview: (user id, name)."""
    require(viewer, Action.MANAGE_HIRING)
    roles = sorted(role.value for role in POLICY[Action.INTERVIEW])
    rows = connection.execute(
        select(users.c.id, users.c.display_name, users.c.username)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == viewer.workspace.id, memberships.c.role.in_(roles))
        .order_by(users.c.display_name, users.c.username)
    )
    return [(row.id, row.display_name or row.username) for row in rows]


def add_candidate(
    connection: Connection,
    viewer: Viewer,
    *,
    profile_id: int,
    name: str,
    contact: str = "",
    notes: str = "",
    interviewer_ids: list[int],
) -> Candidate:
    """Add a candidate for a profile with the people who will interview them."""
    require(viewer, Action.MANAGE_HIRING)
    profile = get_profile(connection, viewer, profile_id)
    name = name.strip()
    if not name or len(name) > 200 or len(contact) > 300 or len(notes) > 4000:
        raise StaffInputError("staff.error.candidate")
    allowed_ids = {user_id for user_id, _ in possible_interviewers(connection, viewer)}
    chosen = list(dict.fromkeys(interviewer_ids))
    if not chosen or not set(chosen) <= allowed_ids:
        raise StaffInputError("staff.error.interviewers")
    new_id = insert_row(
        connection,
        insert(staff_candidates).values(
            workspace_id=viewer.workspace.id,
            profile_id=profile.id,
            name=name,
            contact=contact.strip() or None,
            notes=notes.strip() or None,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    connection.execute(
        insert(staff_interviewers), [{"candidate_id": new_id, "user_id": u} for u in chosen]
    )
    return get_candidate(connection, viewer, new_id)


def hand_in_ratings(
    connection: Connection,
    viewer: Viewer,
    candidate_id: int,
    ratings: Mapping[str, int | str],
    notes: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
) -> Candidate:
    """An interviewer hands in a 1-5 rating for every question of the guide (once)."""
    require(viewer, Action.INTERVIEW)
    candidate = get_candidate(connection, viewer, candidate_id)
    row = connection.execute(
        select(staff_interviewers).where(
            staff_interviewers.c.candidate_id == candidate.id,
            staff_interviewers.c.user_id == viewer.account.id,
        )
    ).first()
    if row is None:
        raise Forbidden(
            "only the candidate's interviewers score them", key="staff.error.not_interviewer"
        )
    if row.submitted_at is not None:
        raise Conflict(
            "your scores for this candidate are already handed in",
            key="staff.error.scores_handed_in",
        )
    profile = get_profile(connection, viewer, candidate.profile_id)
    values = []
    for question in profile.questions:
        raw = str(ratings.get(str(question.id), "")).strip()
        if raw not in ("1", "2", "3", "4", "5"):
            raise StaffInputError("staff.error.rating", question=question.text[:60])
        note = (notes or {}).get(str(question.id), "").strip()[:2000] or None
        values.append(
            {"interviewer_id": row.id, "question_id": question.id, "rating": int(raw), "note": note}
        )
    claimed = connection.execute(
        update(staff_interviewers)
        .where(staff_interviewers.c.id == row.id, staff_interviewers.c.submitted_at.is_(None))
        .values(submitted_at=now or utcnow())
    ).rowcount
    if not claimed:
        raise Conflict(
            "your scores for this candidate are already handed in",
            key="staff.error.scores_handed_in",
        )
    if values:
        connection.execute(insert(staff_interview_scores), values)
    return get_candidate(connection, viewer, candidate.id)


def may_see_scores(viewer: Viewer, candidate: Candidate) -> bool:
    """Blind until one's own scores are in; managers not interviewing see all."""
    for person in candidate.interviewers:
        if person.user_id == viewer.account.id:
            return person.submitted_at is not None
    return allowed(viewer, Action.MANAGE_HIRING)


@dataclass(frozen=True, slots=True)
class QuestionSpread:
    """The ratings of one guide question, by interviewer name."""

    question: GuideQuestion
    ratings: dict[str, int]

    @property
    def spread(self) -> int | None:
        values = list(self.ratings.values())
        return max(values) - min(values) if len(values) >= 2 else None

    @property
    def mean(self) -> float | None:
        values = list(self.ratings.values())
        return round(sum(values) / len(values), 2) if values else None


@dataclass(slots=True)
class CandidateScores:
    """Every handed-in rating of a candidate, the spread per question and the agreement."""

    candidate: Candidate
    questions: list[QuestionSpread]
    agreement: Agreement
    by_competency: dict[str, float | None] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        values = [r for q in self.questions for r in q.ratings.values()]
        return round(sum(values) / len(values), 2) if values else None

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate.as_json(),
            "mean": self.mean,
            "agreement": {
                "statistic": self.agreement.statistic,
                "value": self.agreement.value,
                "units": self.agreement.units,
                "reason": self.agreement.reason,
            },
            "by_competency": self.by_competency,
            "questions": [
                {
                    **q.question.as_json(),
                    "ratings": q.ratings,
                    "spread": q.spread,
                    "mean": q.mean,
                }
                for q in self.questions
            ],
        }


def candidate_scores(connection: Connection, viewer: Viewer, candidate_id: int) -> CandidateScores:
    """The handed-in ratings of a candidate; ``Forbidden`` while ``viewer`` is still blind."""
    candidate = get_candidate(connection, viewer, candidate_id)
    if not may_see_scores(viewer, candidate):
        raise Forbidden(
            "hand in your own scores first: the others' stay hidden until then",
            key="staff.error.scores_hidden",
        )
    profile = get_profile(connection, viewer, candidate.profile_id)
    rows = connection.execute(
        select(
            staff_interview_scores.c.question_id,
            staff_interview_scores.c.rating,
            staff_interviewers.c.user_id,
        )
        .join(
            staff_interviewers, staff_interviewers.c.id == staff_interview_scores.c.interviewer_id
        )
        .where(
            staff_interviewers.c.candidate_id == candidate.id,
            staff_interviewers.c.submitted_at.is_not(None),
        )
    )
    names = {p.user_id: p.name for p in candidate.interviewers}
    given: dict[int, dict[str, int]] = {}
    for row in rows:
        given.setdefault(row.question_id, {})[names.get(row.user_id, str(row.user_id))] = row.rating
    spreads = [QuestionSpread(q, given.get(q.id, {})) for q in profile.questions]
    raters = [p.name for p in candidate.interviewers]
    units = [[s.ratings.get(name) for name in raters] for s in spreads]
    agreement = krippendorff_alpha(units, level="ordinal", order=[1, 2, 3, 4, 5])
    by_competency: dict[str, list[int]] = {}
    for s in spreads:
        by_competency.setdefault(s.question.competency or "—", []).extend(s.ratings.values())
    return CandidateScores(
        candidate,
        spreads,
        agreement,
        {key: round(sum(v) / len(v), 2) if v else None for key, v in sorted(by_competency.items())},
    )


def compare_candidates(
    connection: Connection, viewer: Viewer, profile_id: int
) -> list[CandidateScores]:
    """The candidates of a profile side by side (those whose scores ``viewer`` may see)."""
    require(viewer, Action.INTERVIEW)
    profile = get_profile(connection, viewer, profile_id)
    return [
        candidate_scores(connection, viewer, c.id)
        for c in list_candidates(connection, viewer, profile_id=profile.id)
        if may_see_scores(viewer, c)
    ]


def decide(
    connection: Connection,
    viewer: Viewer,
    candidate_id: int,
    *,
    decision: str,
    reason: str,
    agent: str = "",
) -> Candidate:
    """Record the decision on a candidate with its reason; a hired candidate may be linked
    to the agent id they got, so their interview ratings join that agent's profile."""
    require(viewer, Action.MANAGE_HIRING)
    candidate = get_candidate(connection, viewer, candidate_id)
    if candidate.erased:
        raise Conflict("this candidate's data was erased", key="staff.error.candidate_erased")
    reason = reason.strip()
    if decision not in DECISIONS:
        raise StaffInputError("staff.error.decision")
    if not reason or len(reason) > 4000:
        raise StaffInputError("staff.error.decision_reason")
    agent = agent.strip()
    if agent and decision != "hire":
        raise StaffInputError("staff.error.hired_agent_not_hired")
    if agent and not _agent_exists(connection, viewer.workspace.id, agent):
        raise StaffInputError("staff.error.hired_agent_unknown", agent=agent)
    connection.execute(
        update(staff_candidates)
        .where(staff_candidates.c.id == candidate.id)
        .values(
            decision=decision,
            decision_reason=reason,
            decided_by=viewer.account.username,
            decided_at=utcnow(),
            agent_external_id=agent or None,
        )
    )
    return get_candidate(connection, viewer, candidate.id)


def _agent_exists(connection: Connection, workspace_id: int, agent: str) -> bool:
    return (
        connection.execute(
            select(agents.c.id).where(
                agents.c.workspace_id == workspace_id, agents.c.external_id == agent
            )
        ).first()
        is not None
    )


# -- retention -----------------------------------------------------------------------


def _retention_key(workspace_id: int) -> str:
    return f"candidate_retention_days:{workspace_id}"


def retention_days(connection: Connection, workspace_id: int) -> int:
    """How many days a candidate's personal data is kept in this workspace."""
    value = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == _retention_key(workspace_id))
    ).scalar()
    return int(value) if value is not None and str(value).isdigit() else DEFAULT_RETENTION_DAYS


def set_retention_days(connection: Connection, viewer: Viewer, days: str | int) -> int:
    """Set the retention period (recruiters, admins, QA leads)."""
    require(viewer, Action.MANAGE_HIRING)
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise StaffInputError("staff.error.retention")
    key = _retention_key(viewer.workspace.id)
    connection.execute(delete(app_settings).where(app_settings.c.key == key))
    connection.execute(insert(app_settings).values(key=key, value=text))
    return int(text)


def erase_expired_candidates(engine: Engine, *, now: datetime | None = None) -> int:
    """Erase the personal data of candidates past their workspace's retention; how many."""
    moment = now or utcnow()
    erased = 0
    with engine.begin() as connection:
        workspace_ids = connection.execute(
            select(staff_candidates.c.workspace_id)
            .where(staff_candidates.c.erased_at.is_(None))
            .distinct()
        ).scalars()
        for workspace_id in list(workspace_ids):
            limit = moment - timedelta(days=retention_days(connection, workspace_id))
            erased += connection.execute(
                update(staff_candidates)
                .where(
                    staff_candidates.c.workspace_id == workspace_id,
                    staff_candidates.c.erased_at.is_(None),
                    or_(
                        staff_candidates.c.decided_at < limit,
                        and_(
                            staff_candidates.c.decided_at.is_(None),
                            staff_candidates.c.created_at < limit,
                        ),
                    ),
                )
                .values(name=None, contact=None, notes=None, decision_reason=None, erased_at=moment)
            ).rowcount
    return erased


@job("staff.erase_candidates", every=timedelta(hours=24), max_attempts=3)
def erase_candidates_job(ctx: JobContext, *, due: str) -> None:
    """Daily: erase candidates' personal data past the workspace's retention setting."""
    erase_expired_candidates(ctx.engine)
