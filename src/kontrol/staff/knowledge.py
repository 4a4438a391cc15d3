"""Knowledge tests: question banks, tests, attempts with a server-side time limit, grading.

A question belongs to a quiz topic (competencies link to topics) and is single
choice, multiple choice (all right choices and no wrong one earn its points) or
free text (a lead awards 0..points). A test has a pass mark, a time limit, a
number of attempts and shuffling. An attempt's deadline is fixed when it
starts; answers that arrive after it (plus ``GRACE`` for the network) are not
counted and the attempt is ``expired``. The layout (question and choice order)
is drawn once per attempt and stored, so a reload shows the same order and the
answers map back to the bank's indexes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import AGENT, Action, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.feedback.coaching import coaching_agents
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.rows import insert_row
from kontrol.store.tables import staff_attempts, staff_questions, staff_tests

KINDS = ("single", "multiple", "text")
GRACE = timedelta(seconds=30)
IN_PROGRESS, TO_GRADE, GRADED, EXPIRED = "in_progress", "to_grade", "graded", "expired"


@dataclass(frozen=True, slots=True)
class Question:
    """A question of the bank."""

    id: int
    topic: str
    kind: str
    text: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    points: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "text": self.text,
            "options": list(self.options),
            "correct": list(self.correct),
            "points": self.points,
        }


def _question(row: Any) -> Question:
    return Question(
        row.id, row.topic, row.kind, row.text, tuple(row.options), tuple(row.correct), row.points
    )


def list_questions(connection: Connection, workspace_id: int) -> list[Question]:
    """The question bank by topic."""
    rows = connection.execute(
        select(staff_questions)
        .where(staff_questions.c.workspace_id == workspace_id)
        .order_by(staff_questions.c.topic, staff_questions.c.id)
    )
    return [_question(row) for row in rows]


def create_question(
    connection: Connection,
    viewer: Viewer,
    *,
    topic: str,
    kind: str,
    text: str,
    options: Sequence[str] = (),
    correct: Sequence[int] = (),
    points: int = 1,
) -> Question:
    """Add a question to the bank (admins, QA leads)."""
    require(viewer, Action.MANAGE_TESTS)
    topic, text = topic.strip(), text.strip()
    if not topic or len(topic) > 120:
        raise StaffInputError("staff.error.topic")
    if not text or len(text) > 4000:
        raise StaffInputError("staff.error.question_text")
    if kind not in KINDS:
        raise StaffInputError("staff.error.question_kind")
    choices = [option.strip() for option in options if option.strip()]
    right = sorted(set(correct))
    if kind == "text":
        choices, right = [], []
    elif len(choices) < 2 or any(len(c) > 500 for c in choices):
        raise StaffInputError("staff.error.options")
    elif not right or any(not 0 <= i < len(choices) for i in right):
        raise StaffInputError("staff.error.correct")
    elif kind == "single" and len(right) != 1:
        raise StaffInputError("staff.error.single")
    if not 1 <= points <= 100:
        raise StaffInputError("staff.error.points")
    new_id = insert_row(
        connection,
        insert(staff_questions).values(
            workspace_id=viewer.workspace.id,
            topic=topic,
            kind=kind,
            text=text,
            options=choices,
            correct=right,
            points=points,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return next(q for q in list_questions(connection, viewer.workspace.id) if q.id == new_id)


@dataclass(frozen=True, slots=True)
class KnowledgeTest:
    """A test: its questions, pass mark (a fraction), time limit, attempts and shuffling."""

    id: int
    title: str
    question_ids: tuple[int, ...]
    pass_mark: float
    time_limit_minutes: int
    max_attempts: int
    shuffle: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "question_ids": list(self.question_ids),
            "pass_mark": self.pass_mark,
            "time_limit_minutes": self.time_limit_minutes,
            "max_attempts": self.max_attempts,
            "shuffle": self.shuffle,
        }


def _test(row: Any) -> KnowledgeTest:
    return KnowledgeTest(
        row.id,
        row.title,
        tuple(row.question_ids),
        row.pass_mark,
        row.time_limit_minutes,
        row.max_attempts,
        row.shuffle,
    )


def list_tests(connection: Connection, workspace_id: int) -> list[KnowledgeTest]:
    """The workspace's tests by title."""
    rows = connection.execute(
        select(staff_tests)
        .where(staff_tests.c.workspace_id == workspace_id)
        .order_by(staff_tests.c.title)
    )
    return [_test(row) for row in rows]


def get_test(connection: Connection, workspace_id: int, test_id: int) -> KnowledgeTest:
    """One test of the workspace; ``NotFound`` otherwise."""
    row = connection.execute(
        select(staff_tests).where(
            staff_tests.c.id == test_id, staff_tests.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no test {test_id}", key="staff.error.no_test", params={"test_id": test_id})
    return _test(row)


def create_test(
    connection: Connection,
    viewer: Viewer,
    *,
    title: str,
    question_ids: Sequence[int],
    pass_mark: float | str = 80,
    time_limit_minutes: int = 15,
    max_attempts: int = 2,
    shuffle: bool = True,
) -> KnowledgeTest:
    """Make a test of questions of the bank (admins, QA leads)."""
    require(viewer, Action.MANAGE_TESTS)
    title = title.strip()
    if not title or len(title) > 200:
        raise StaffInputError("staff.error.test_title")
    known = {q.id for q in list_questions(connection, viewer.workspace.id)}
    chosen = list(dict.fromkeys(question_ids))
    if not chosen or not set(chosen) <= known:
        raise StaffInputError("staff.error.test_questions")
    try:
        mark = float(str(pass_mark).strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise StaffInputError("staff.error.pass_mark") from None
    mark = mark / 100 if mark > 1 else mark
    if not 0 < mark <= 1:
        raise StaffInputError("staff.error.pass_mark")
    if not 1 <= time_limit_minutes <= 240:
        raise StaffInputError("staff.error.time_limit")
    if not 1 <= max_attempts <= 20:
        raise StaffInputError("staff.error.attempts")
    taken = connection.execute(
        select(staff_tests.c.id).where(
            staff_tests.c.workspace_id == viewer.workspace.id, staff_tests.c.title == title
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.test_taken", title=title)
    new_id = insert_row(
        connection,
        insert(staff_tests).values(
            workspace_id=viewer.workspace.id,
            title=title,
            question_ids=chosen,
            pass_mark=round(mark, 4),
            time_limit_minutes=time_limit_minutes,
            max_attempts=max_attempts,
            shuffle=shuffle,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return get_test(connection, viewer.workspace.id, new_id)


# -- attempts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """A question as this attempt shows it: choices in the attempt's order."""

    question: Question
    # (index in the bank, text) in the order shown
    choices: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt with its questions as shown, answers and result."""

    id: int
    test: KnowledgeTest
    agent: str
    started_at: datetime
    deadline_at: datetime
    submitted_at: datetime | None
    status: str
    score: float | None
    passed: bool | None
    shown: tuple[ShownQuestion, ...]
    answers: Mapping[str, Any]

    def seconds_left(self, now: datetime | None = None) -> int:
        """Seconds until the deadline (0 when past)."""
        return max(0, int((self.deadline_at - (now or utcnow())).total_seconds()))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "test_id": self.test.id,
            "test_title": self.test.title,
            "agent": self.agent,
            "started_at": self.started_at.isoformat(),
            "deadline_at": self.deadline_at.isoformat(),
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "status": self.status,
            "score": self.score,
            "passed": self.passed,
            "questions": [
                {
                    "id": s.question.id,
                    "kind": s.question.kind,
                    "text": s.question.text,
                    "choices": [{"index": i, "text": t} for i, t in s.choices],
                }
                for s in self.shown
            ],
            "answers": dict(self.answers) if self.status != IN_PROGRESS else {},
        }


def _layout(test: KnowledgeTest, bank: Mapping[int, Question], seed: int) -> list[dict[str, Any]]:
    dice = random.Random(seed)
    order = list(test.question_ids)
    if test.shuffle:
        dice.shuffle(order)
    layout = []
    for question_id in order:
        indexes = list(range(len(bank[question_id].options)))
        if test.shuffle:
            dice.shuffle(indexes)
        layout.append({"question": question_id, "options": indexes})
    return layout


def _attempt(row: Any, test: KnowledgeTest, bank: Mapping[int, Question]) -> Attempt:
    shown = []
    for entry in row.layout:
        question = bank.get(int(entry["question"]))
        if question is None:
            continue
        choices = tuple((i, question.options[i]) for i in entry["options"])
        shown.append(ShownQuestion(question, choices))
    return Attempt(
        row.id,
        test,
        row.agent_external_id,
        row.started_at,
        row.deadline_at,
        row.submitted_at,
        row.status,
        row.score,
        row.passed,
        tuple(shown),
        row.answers or {},
    )


def _bank(connection: Connection, workspace_id: int) -> dict[int, Question]:
    return {q.id: q for q in list_questions(connection, workspace_id)}


def attempts_of(
    connection: Connection,
    viewer: Viewer,
    *,
    agent: str | None = None,
    test_id: int | None = None,
) -> list[Attempt]:
    """Attempts ``viewer`` may see (agents: their own; team leads: their team), newest first."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    workspace_id = viewer.workspace.id
    query = select(staff_attempts).where(staff_attempts.c.workspace_id == workspace_id)
    if viewer.role is AGENT:
        query = query.where(
            staff_attempts.c.agent_external_id == (viewer.membership.agent_external_id or "")
        )
    else:
        visible = sorted(a.external_id for a in coaching_agents(connection, viewer))
        query = query.where(staff_attempts.c.agent_external_id.in_(visible))
    if agent is not None:
        query = query.where(staff_attempts.c.agent_external_id == agent)
    if test_id is not None:
        query = query.where(staff_attempts.c.test_id == test_id)
    rows = connection.execute(
        query.order_by(staff_attempts.c.started_at.desc(), staff_attempts.c.id.desc())
    ).all()
    tests = {t.id: t for t in list_tests(connection, workspace_id)}
    bank = _bank(connection, workspace_id)
    return [_attempt(row, tests[row.test_id], bank) for row in rows]


def get_attempt(connection: Connection, viewer: Viewer, attempt_id: int) -> Attempt:
    """One attempt ``viewer`` may see; ``NotFound`` for the others, as for unknown ones."""
    for attempt in attempts_of(connection, viewer):
        if attempt.id == attempt_id:
            return attempt
    raise NotFound(
        f"no attempt {attempt_id}", key="staff.error.no_attempt", params={"attempt_id": attempt_id}
    )


def start_attempt(
    connection: Connection, viewer: Viewer, test_id: int, *, now: datetime | None = None
) -> Attempt:
    """The agent starts a test: the deadline runs from now. An open attempt is resumed."""
    require(viewer, Action.TAKE_TESTS)
    agent = viewer.membership.agent_external_id
    if not agent:
        raise Forbidden(
            "this agent account is not linked to an agent id", key="staff.error.account_not_agent"
        )
    test = get_test(connection, viewer.workspace.id, test_id)
    moment = now or utcnow()
    mine = attempts_of(connection, viewer, test_id=test.id)
    for attempt in mine:
        if attempt.status == IN_PROGRESS and attempt.deadline_at + GRACE > moment:
            return attempt
    expire_overdue(connection, viewer.workspace.id, now=moment)
    if len(mine) >= test.max_attempts:
        raise Conflict(
            f"all {test.max_attempts} attempts at this test are used",
            key="staff.error.attempts_used",
            params={"max_attempts": test.max_attempts},
        )
    bank = _bank(connection, viewer.workspace.id)
    new_id = insert_row(
        connection,
        insert(staff_attempts).values(
            workspace_id=viewer.workspace.id,
            test_id=test.id,
            agent_external_id=agent,
            user_id=viewer.account.id,
            started_at=moment,
            deadline_at=moment + timedelta(minutes=test.time_limit_minutes),
            layout=_layout(test, bank, random.SystemRandom().randrange(2**31)),
            status=IN_PROGRESS,
        ),
    )
    return get_attempt(connection, viewer, new_id)


def _mark(question: Question, answer: Mapping[str, Any]) -> float | None:
    """Points earned for a choice question; None for free text (a lead grades it)."""
    if question.kind == "text":
        return None
    chosen = sorted({int(c) for c in answer.get("choices", [])})
    return float(question.points) if chosen == sorted(question.correct) else 0.0


def _clean_answers(
    attempt: Attempt, raw: Mapping[str, Sequence[str] | str]
) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    for shown in attempt.shown:
        question = shown.question
        given = raw.get(str(question.id), [])
        values = [given] if isinstance(given, str) else list(given)
        if question.kind == "text":
            text = (values[0] if values else "").strip()
            if len(text) > 4000:
                raise StaffInputError("staff.error.answer_too_long")
            answers[str(question.id)] = {"text": text, "points": None}
            continue
        valid = {i for i, _ in shown.choices}
        chosen = sorted({int(v) for v in values if str(v).isdigit() and int(v) in valid})
        if question.kind == "single":
            chosen = chosen[:1]
        entry: dict[str, Any] = {"choices": chosen}
        entry["points"] = _mark(question, entry)
        answers[str(question.id)] = entry
    return answers


def _result(attempt: Attempt, answers: Mapping[str, Mapping[str, Any]]) -> tuple[float, bool]:
    total = sum(s.question.points for s in attempt.shown)
    earned = sum(float(a.get("points") or 0.0) for a in answers.values())
    score = round(earned / total, 4) if total else 0.0
    return score, score >= attempt.test.pass_mark


def submit_attempt(
    connection: Connection,
    viewer: Viewer,
    attempt_id: int,
    raw: Mapping[str, Sequence[str] | str],
    *,
    now: datetime | None = None,
) -> Attempt:
    """The agent hands in their answers; late answers are not counted (the attempt expires)."""
    require(viewer, Action.TAKE_TESTS)
    attempt = get_attempt(connection, viewer, attempt_id)
    if attempt.agent != viewer.membership.agent_external_id:
        raise NotFound(
            f"no attempt {attempt_id}",
            key="staff.error.no_attempt",
            params={"attempt_id": attempt_id},
        )
    if attempt.status != IN_PROGRESS:
        raise Conflict("this attempt is already handed in", key="staff.error.attempt_handed_in")
    moment = now or utcnow()
    if moment > attempt.deadline_at + GRACE:
        _expire(connection, attempt.id, moment)
        return get_attempt(connection, viewer, attempt_id)
    answers = _clean_answers(attempt, raw)
    waiting = any(a.get("points") is None for a in answers.values())
    score, passed = _result(attempt, answers)
    connection.execute(
        update(staff_attempts)
        .where(staff_attempts.c.id == attempt.id, staff_attempts.c.status == IN_PROGRESS)
        .values(
            answers=answers,
            submitted_at=moment,
            status=TO_GRADE if waiting else GRADED,
            score=None if waiting else score,
            passed=None if waiting else passed,
        )
    )
    return get_attempt(connection, viewer, attempt_id)


def _expire(connection: Connection, attempt_id: int, moment: datetime) -> None:
    connection.execute(
        update(staff_attempts)
        .where(staff_attempts.c.id == attempt_id, staff_attempts.c.status == IN_PROGRESS)
        .values(status=EXPIRED, submitted_at=moment, score=0.0, passed=False, answers={})
    )


def expire_overdue(
    connection: Connection, workspace_id: int, *, now: datetime | None = None
) -> int:
    """Close the attempts whose deadline (and grace) has passed; how many."""
    moment = now or utcnow()
    return connection.execute(
        update(staff_attempts)
        .where(
            staff_attempts.c.workspace_id == workspace_id,
            staff_attempts.c.status == IN_PROGRESS,
            staff_attempts.c.deadline_at + GRACE < moment,
        )
        .values(status=EXPIRED, submitted_at=moment, score=0.0, passed=False, answers={})
    ).rowcount


def grade_attempt(
    connection: Connection,
    viewer: Viewer,
    attempt_id: int,
    points: Mapping[str, int | str],
) -> Attempt:
    """A lead awards points to the free-text answers; the attempt gets its score."""
    require(viewer, Action.GRADE_TESTS)
    attempt = get_attempt(connection, viewer, attempt_id)
    if attempt.status != TO_GRADE:
        raise Conflict(
            "this attempt has no answers waiting for a grade", key="staff.error.nothing_to_grade"
        )
    answers = {key: dict(value) for key, value in attempt.answers.items()}
    for shown in attempt.shown:
        question = shown.question
        if question.kind != "text":
            continue
        raw = str(points.get(str(question.id), "")).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= question.points:
            raise StaffInputError("staff.error.grade", points=question.points)
        answers[str(question.id)]["points"] = float(raw)
    score, passed = _result(attempt, answers)
    connection.execute(
        update(staff_attempts)
        .where(staff_attempts.c.id == attempt.id, staff_attempts.c.status == TO_GRADE)
        .values(
            answers=answers,
            status=GRADED,
            score=score,
            passed=passed,
            graded_by=viewer.account.username,
        )
    )
    return get_attempt(connection, viewer, attempt_id)


# -- results -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """How a question fared: answered, right, the share right."""

    question: Question
    answered: int
    right: int

    @property
    def share_right(self) -> float | None:
        return round(self.right / self.answered, 4) if self.answered else None

    def as_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question.id,
            "topic": self.question.topic,
            "text": self.question.text,
            "answered": self.answered,
            "right": self.right,
            "share_right": self.share_right,
        }


@dataclass(frozen=True, slots=True)
class GroupResult:
    """An agent's or a team's results on one test."""

    name: str
    attempts: int
    passed: int
    best: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "attempts": self.attempts,
            "passed": self.passed,
            "best": self.best,
        }


@dataclass(frozen=True, slots=True)
class KnowledgeResults:
    """A test's results per agent, per team and per question (worst first)."""

    test: KnowledgeTest
    agents: list[GroupResult]
    teams: list[GroupResult]
    questions: list[QuestionResult]

    def as_json(self) -> dict[str, Any]:
        return {
            "test": self.test.as_json(),
            "agents": [g.as_json() for g in self.agents],
            "teams": [g.as_json() for g in self.teams],
            "questions": [q.as_json() for q in self.questions],
        }


def _groups(attempts: Sequence[Attempt], key: Mapping[str, str]) -> list[GroupResult]:
    grouped: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        grouped.setdefault(key.get(attempt.agent, attempt.agent), []).append(attempt)
    result = []
    for name, own in sorted(grouped.items()):
        scores = [a.score for a in own if a.score is not None]
        result.append(
            GroupResult(name, len(own), sum(1 for a in own if a.passed), max(scores, default=None))
        )
    return result


def results_of_test(connection: Connection, viewer: Viewer, test_id: int) -> KnowledgeResults:
    """Results of one test in ``viewer``'s scope (leads: the questions most get wrong first)."""
    require(viewer, Action.GRADE_TESTS)
    test = get_test(connection, viewer.workspace.id, test_id)
    done = [a for a in attempts_of(connection, viewer, test_id=test.id) if a.status == GRADED]
    people = coaching_agents(connection, viewer)
    teams = {p.external_id: p.team or "—" for p in people}
    names = {p.external_id: p.name or p.external_id for p in people}
    tallies: dict[int, list[int]] = {}
    for attempt in done:
        for shown in attempt.shown:
            answer = attempt.answers.get(str(shown.question.id)) or {}
            counted = tallies.setdefault(shown.question.id, [0, 0])
            counted[0] += 1
            if float(answer.get("points") or 0) >= shown.question.points:
                counted[1] += 1
    bank = _bank(connection, viewer.workspace.id)
    questions = [
        QuestionResult(bank[q], *tallies.get(q, [0, 0])) for q in test.question_ids if q in bank
    ]
    questions.sort(key=lambda q: (q.share_right is None, q.share_right or 0.0))
    return KnowledgeResults(test, _groups(done, names), _groups(done, teams), questions)


def topic_marks(
    connection: Connection, workspace_id: int, agent: str
) -> dict[str, list[tuple[datetime, float]]]:
    """Per quiz topic, the agent's graded answers: (when handed in, fraction of the points)."""
    bank = _bank(connection, workspace_id)
    rows = connection.execute(
        select(staff_attempts.c.submitted_at, staff_attempts.c.answers).where(
            staff_attempts.c.workspace_id == workspace_id,
            staff_attempts.c.agent_external_id == agent,
            staff_attempts.c.status == GRADED,
        )
    )
    marks: dict[str, list[tuple[datetime, float]]] = {}
    for row in rows:
        for key, answer in (row.answers or {}).items():
            question = bank.get(int(key))
            if question is None or answer.get("points") is None:
                continue
            fraction = float(answer["points"]) / question.points
            marks.setdefault(question.topic, []).append((row.submitted_at, fraction))
    return marks
