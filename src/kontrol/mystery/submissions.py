"""Submitting a shop, reading it back, and linking a shop of our own to its interaction.

A submission holds when and on which channel the shop happened, the contact the
shopper used, the conversation (a transcript and/or uploaded files), the
checklist answers, a comment and the score (the scorecard rule of
domain/scorecard.py). A shop of one of our own targets is linked to the
imported interaction of the same channel whose customer is the shopper's
contact and which started within ``LINK_WINDOW`` of the shop: at once if it is
already there, otherwise when it arrives (the subscriber in mystery/linking.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, true, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import to_utc, utcnow, zone
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, KontrolError, NotFound
from kontrol.domain.scorecard import CHANNELS, Criterion, Value, compute_score
from kontrol.mystery.assignments import Assignment, get_assignment, month_of
from kontrol.mystery.programmes import Programme, ShopScenario, ShopTarget, get_programme
from kontrol.mystery.uploads import (
    MAX_FILES,
    CheckedFile,
    Upload,
    check_upload,
    remove_file,
    write_file,
)
from kontrol.store.tables import (
    interactions,
    mystery_answers,
    mystery_assignments,
    mystery_files,
    mystery_programmes,
    mystery_shoppers,
    mystery_submissions,
    users,
)

LINK_WINDOW = timedelta(minutes=45)
MAX_TEXT = 50_000
# A shop may be reported this long after it happened, and not in the future.
MAX_AGE = timedelta(days=120)
CLOCK_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class SubmissionInput:
    """What a shopper reports; ``happened_at`` is local time of the workspace."""

    happened_at: datetime
    channel: str
    contact: str = ""
    agent_name: str = ""
    transcript: str = ""
    comment: str = ""
    answers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class StoredFile:
    id: int
    kind: str
    name: str
    content_type: str
    size: int

    @property
    def image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class Answer:
    criterion: Criterion
    value: str | None
    fraction: float | None


@dataclass(frozen=True)
class Submission:
    """A stored shop with what it was about."""

    id: int
    programme: Programme
    assignment_id: int
    target: ShopTarget
    scenario: ShopScenario
    shopper_id: int | None
    shopper_name: str | None
    happened_at: datetime
    month: str
    channel: str
    contact: str | None
    agent_name: str | None
    transcript: str | None
    comment: str | None
    score: float | None
    passed: bool | None
    critical_failed: bool
    interaction_id: int | None
    submitted_at: datetime
    answers: tuple[tuple[str, tuple[Answer, ...]], ...]
    files: tuple[StoredFile, ...]

    @property
    def low(self) -> bool:
        """Below the checklist's pass mark (or a critical criterion failed)."""
        return self.passed is False


def _clean(value: str, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(
            f"{field}: at most {limit} characters",
            key="mystery.error.too_long",
            params={"limit": limit},
            where_key="error.where.field",
            where_params={"field": field},
        )
    return text


def _answer_value(criterion: Criterion, answers: Mapping[str, str]) -> Value:
    """The answer given to one criterion of the checklist; ``InvalidInput`` naming it."""
    raw = str(answers.get(criterion.id) or "").strip()
    where = f"answers.{criterion.id}"
    if not raw:
        raise InvalidInput(
            f"{where}: not answered ({criterion.title})",
            key="mystery.error.not_answered",
            params={"title": criterion.title},
            where_key="error.where.field",
            where_params={"field": where},
        )
    if raw == "na":
        return "na"
    if criterion.scale == "1-5":
        if raw not in ("1", "2", "3", "4", "5"):
            raise InvalidInput(
                f"{where}: a mark from 1 to 5 or na",
                key="mystery.error.mark",
                where_key="error.where.field",
                where_params={"field": where},
            )
        return int(raw)
    if raw in ("pass", "fail"):
        return raw
    raise InvalidInput(
        f"{where}: pass, fail or na",
        key="mystery.error.pass_fail",
        where_key="error.where.field",
        where_params={"field": where},
    )


def _answer_values(
    scenario: ShopScenario,
    answers: Mapping[str, str],
    problems: dict[str, KontrolError] | None = None,
) -> dict[str, Value]:
    """The checklist's answers; with ``problems``, each wrong one is kept there, not raised."""
    values: dict[str, Value] = {}
    for criterion in scenario.checklist.criteria:
        try:
            values[criterion.id] = _answer_value(criterion, answers)
        except InvalidInput as error:
            if problems is None:
                raise
            problems[f"answers.{criterion.id}"] = error
    unknown = sorted(set(answers) - {c.id for c in scenario.checklist.criteria})
    if unknown:
        refused = InvalidInput(
            f"answers.{unknown[0][:60]}: not a criterion of this scenario",
            key="mystery.error.not_criterion",
            where_key="error.where.field",
            where_params={"field": f"answers.{unknown[0][:60]}"},
        )
        if problems is None:
            raise refused
        problems["answers"] = refused
    return values


def _checked_moment(workspace: Workspace, happened_at: datetime, now: datetime) -> datetime:
    happened = to_utc(happened_at, zone(workspace.timezone))
    if happened > now + CLOCK_SLACK:
        raise InvalidInput(
            "happened_at: the shop cannot be in the future",
            key="mystery.error.future",
            where_key="error.where.field",
            where_params={"field": "happened_at"},
        )
    if happened < now - MAX_AGE:
        raise InvalidInput(
            f"happened_at: older than {MAX_AGE.days} days",
            key="mystery.error.too_old",
            params={"days": MAX_AGE.days},
            where_key="error.where.field",
            where_params={"field": "happened_at"},
        )
    return happened


def _checked_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InvalidInput(
            f"channel: expected one of {', '.join(CHANNELS)}",
            key="mystery.error.channel",
            params={"channels": ", ".join(CHANNELS)},
            where_key="error.where.field",
            where_params={"field": "channel"},
        )


def _checked_files(uploads: Sequence[Upload]) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        raise InvalidInput(
            f"files: at most {MAX_FILES}",
            key="mystery.error.too_many_files",
            params={"max_files": MAX_FILES},
            where_key="error.where.field",
            where_params={"field": "files"},
        )
    return [check_upload(u, i) for i, u in enumerate(uploads)]


def _checked_conversation(transcript: str, files: Sequence[object]) -> None:
    if not transcript and not files:
        raise InvalidInput(
            "conversation: add a recording, chat screenshots or the transcript text",
            key="mystery.error.no_conversation",
            where_key="error.where.field",
            where_params={"field": "conversation"},
        )


def shop_problems(
    viewer: Viewer,
    assignment: Assignment,
    data: SubmissionInput,
    uploads: Sequence[Upload] = (),
    *,
    moment_typed: bool = True,
) -> dict[str, KontrolError]:
    """Every wrong field of a shop's form at once, by field (empty: none found).

    ``submit_shop`` stops at the first; the form shows them all, each next to its
    field. ``moment_typed=False``: the page could not read the moment (and says so).
    """
    problems: dict[str, KontrolError] = {}
    checks: list[tuple[str, Callable[[], object]]] = []
    if moment_typed:
        moment = data.happened_at
        checks.append(("happened_at", lambda: _checked_moment(viewer.workspace, moment, utcnow())))
    transcript = (data.transcript or "").strip()
    checks += [
        ("channel", lambda: _checked_channel(data.channel)),
        ("transcript", lambda: _clean(data.transcript or "", "transcript", MAX_TEXT)),
        ("files", lambda: _checked_files(uploads)),
        ("conversation", lambda: _checked_conversation(transcript, uploads)),
    ]
    for field, check in checks:
        try:
            check()
        except InvalidInput as error:
            problems[field] = error
    _answer_values(assignment.scenario, data.answers or {}, problems)
    return problems


def submit_shop(
    connection: Connection,
    viewer: Viewer,
    assignment_id: int,
    data: SubmissionInput,
    uploads: Sequence[Upload] = (),
) -> int:
    """Store the shop of one of the viewer's assignments; returns the submission id."""
    if not allowed(viewer, Action.SHOP):
        raise Forbidden("only mystery shoppers submit shops", key="mystery.error.shoppers_only")
    assignment = get_assignment(connection, viewer, assignment_id)
    if assignment.shopper_id != viewer.account.id:
        raise NotFound(
            f"no assignment {assignment_id}",
            key="mystery.error.no_assignment",
            params={"assignment_id": assignment_id},
        )
    if assignment.done:
        raise Conflict("this visit has been submitted already", key="mystery.error.submitted")
    workspace = viewer.workspace
    now = utcnow()
    happened = _checked_moment(workspace, data.happened_at, now)
    _checked_channel(data.channel)
    transcript = _clean(data.transcript, "transcript", MAX_TEXT)
    checked = _checked_files(uploads)
    _checked_conversation(transcript, checked)
    values = _answer_values(assignment.scenario, data.answers or {})
    score = compute_score(assignment.scenario.checklist, values)
    target = assignment.target
    claimed = connection.execute(
        update(mystery_assignments)
        .where(mystery_assignments.c.id == assignment.id, mystery_assignments.c.status == "open")
        .values(status="done")
    ).rowcount
    if claimed != 1:
        raise Conflict("this visit has been submitted already", key="mystery.error.submitted")
    inserted = connection.execute(
        mystery_submissions.insert().values(
            workspace_id=workspace.id,
            programme_id=assignment.programme_id,
            assignment_id=assignment.id,
            shopper_id=viewer.account.id,
            target_key=target.key,
            scenario_key=assignment.scenario.key,
            target_kind=target.kind,
            team=target.team,
            happened_at=happened,
            month=month_of(happened, workspace),
            channel=data.channel,
            contact=_clean(data.contact, "contact", 200) or None,
            agent_name=_clean(data.agent_name, "agent_name", 200) or None,
            transcript=transcript or None,
            comment=_clean(data.comment, "comment", 5000) or None,
            score=score.score,
            passed=score.passed,
            critical_failed=score.critical_failed,
            submitted_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    submission_id = int(inserted[0])
    connection.execute(
        mystery_answers.insert(),
        [
            {
                "submission_id": submission_id,
                "criterion_key": outcome.criterion.id,
                "value": str(outcome.result),
                "fraction": outcome.fraction,
            }
            for outcome in score.outcomes
        ],
    )
    for file in checked:
        path = write_file(file, workspace.id)
        connection.execute(
            mystery_files.insert().values(
                workspace_id=workspace.id,
                submission_id=submission_id,
                kind=file.kind,
                name=file.name,
                content_type=file.content_type,
                size=len(file.content),
                sha256=file.sha256,
                path=path,
                created_at=now,
            )
        )
    if target.own:
        link_submission(connection, workspace.id, submission_id)
    return submission_id


# -- linking to interactions ---------------------------------------------------------


def _contacts(contact: str) -> list[str]:
    """The ways an imported customer id may spell the shopper's contact."""
    digits = re.sub(r"\D", "", contact)
    found = [contact, contact.lower()]
    if len(digits) >= 6:
        found += [digits, "+" + digits]
    return list(dict.fromkeys(found))


def find_interaction(
    connection: Connection,
    workspace_id: int,
    *,
    channel: str,
    happened_at: datetime,
    contact: str,
    team: str | None = None,
) -> int | None:
    """The interaction a shop of our own became: same channel and customer, close in time."""
    if not contact:
        return None
    names = _contacts(contact)
    query = (
        select(interactions.c.id, interactions.c.started_at)
        .where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.channel == channel,
            interactions.c.started_at >= happened_at - LINK_WINDOW,
            interactions.c.started_at <= happened_at + LINK_WINDOW,
            or_(interactions.c.customer_id.in_(names), interactions.c.customer_name.in_(names)),
        )
        .limit(50)
    )
    if team:
        query = query.where(or_(interactions.c.team == team, interactions.c.team.is_(None)))
    rows = list(connection.execute(query))
    if not rows:
        return None
    closest = min(rows, key=lambda r: (abs((r.started_at - happened_at).total_seconds()), r.id))
    return int(closest.id)


def link_submission(connection: Connection, workspace_id: int, submission_id: int) -> int | None:
    """Link one unlinked own shop to its interaction, if it has arrived; returns its id."""
    row = connection.execute(
        select(mystery_submissions).where(
            mystery_submissions.c.id == submission_id,
            mystery_submissions.c.workspace_id == workspace_id,
        )
    ).first()
    if row is None or row.interaction_id is not None or row.target_kind != "own":
        return None
    found = find_interaction(
        connection,
        workspace_id,
        channel=row.channel,
        happened_at=row.happened_at,
        contact=row.contact or "",
        team=row.team,
    )
    if found is not None:
        connection.execute(
            update(mystery_submissions)
            .where(mystery_submissions.c.id == submission_id)
            .values(interaction_id=found)
        )
    return found


def unlinked_own_shops(connection: Connection, workspace_id: int, *, since: datetime) -> list[int]:
    """Own shops since ``since`` still waiting for their interaction."""
    rows = connection.execute(
        select(mystery_submissions.c.id).where(
            mystery_submissions.c.workspace_id == workspace_id,
            mystery_submissions.c.target_kind == "own",
            mystery_submissions.c.interaction_id.is_(None),
            mystery_submissions.c.contact.is_not(None),
            mystery_submissions.c.happened_at >= since,
        )
    )
    return [int(r.id) for r in rows]


# -- reading -------------------------------------------------------------------------


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    if allowed(viewer, Action.VIEW_MYSTERY):
        return true()
    return and_(mystery_submissions.c.shopper_id == viewer.account.id)


def get_submission(connection: Connection, viewer: Viewer, submission_id: int) -> Submission:
    """One submission in the viewer's scope (a shopper: their own), else 404."""
    row = connection.execute(
        select(mystery_submissions, users.c.display_name.label("shopper_name"))
        .outerjoin(users, users.c.id == mystery_submissions.c.shopper_id)
        .where(
            mystery_submissions.c.workspace_id == viewer.workspace.id,
            mystery_submissions.c.id == submission_id,
            _scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no submission {submission_id}",
            key="mystery.error.no_submission",
            params={"submission_id": submission_id},
        )
    programme = get_programme(connection, viewer.workspace, row.programme_id)
    scenario = programme.spec.scenario(row.scenario_key)
    stored = {
        a.criterion_key: a
        for a in connection.execute(
            select(mystery_answers).where(mystery_answers.c.submission_id == row.id)
        )
    }
    sections = []
    for section in scenario.checklist.sections:
        answers = []
        for criterion in section.criteria:
            answer = stored.get(criterion.id)
            answers.append(
                Answer(
                    criterion,
                    answer.value if answer is not None else None,
                    answer.fraction if answer is not None else None,
                )
            )
        sections.append((section.title, tuple(answers)))
    files = tuple(
        StoredFile(f.id, f.kind, f.name, f.content_type, f.size)
        for f in connection.execute(
            select(mystery_files)
            .where(mystery_files.c.submission_id == row.id)
            .order_by(mystery_files.c.id)
        )
    )
    return Submission(
        id=row.id,
        programme=programme,
        assignment_id=row.assignment_id,
        target=programme.spec.target(row.target_key),
        scenario=scenario,
        shopper_id=row.shopper_id,
        shopper_name=row.shopper_name,
        happened_at=row.happened_at,
        month=row.month,
        channel=row.channel,
        contact=row.contact,
        agent_name=row.agent_name,
        transcript=row.transcript,
        comment=row.comment,
        score=row.score,
        passed=row.passed,
        critical_failed=row.critical_failed,
        interaction_id=row.interaction_id,
        submitted_at=row.submitted_at,
        answers=tuple(sections),
        files=files,
    )


def submission_of(connection: Connection, viewer: Viewer, assignment: Assignment) -> int | None:
    """The id of the submission of a done assignment."""
    row = connection.execute(
        select(mystery_submissions.c.id).where(
            mystery_submissions.c.assignment_id == assignment.id, _scope(viewer)
        )
    ).first()
    return int(row.id) if row is not None else None


@dataclass(frozen=True)
class SubmissionRow:
    """A line of the submissions list."""

    id: int
    programme_id: int
    programme_title: str
    target_key: str
    target_kind: str
    scenario_key: str
    shopper_name: str | None
    happened_at: datetime
    channel: str
    score: float | None
    passed: bool | None
    interaction_id: int | None


def list_submissions(
    connection: Connection,
    viewer: Viewer,
    *,
    programme_id: int | None = None,
    month: str | None = None,
    limit: int = 200,
) -> list[SubmissionRow]:
    """Submissions in the viewer's scope, newest first."""
    return _submission_rows(
        connection, viewer.workspace.id, _scope(viewer), programme_id, month, limit
    )


def programme_submissions(
    connection: Connection,
    workspace: Workspace,
    programme_id: int,
    *,
    month: str | None = None,
    limit: int = 10_000,
) -> list[SubmissionRow]:
    """Every submission of a programme, newest first (the command line)."""
    return _submission_rows(connection, workspace.id, true(), programme_id, month, limit)


def _submission_rows(
    connection: Connection,
    workspace_id: int,
    scope: ColumnElement[bool],
    programme_id: int | None,
    month: str | None,
    limit: int,
) -> list[SubmissionRow]:
    query = (
        select(
            mystery_submissions,
            mystery_programmes.c.title.label("programme_title"),
            users.c.display_name.label("shopper_name"),
        )
        .join(mystery_programmes, mystery_programmes.c.id == mystery_submissions.c.programme_id)
        .outerjoin(users, users.c.id == mystery_submissions.c.shopper_id)
        .where(mystery_submissions.c.workspace_id == workspace_id, scope)
        .order_by(mystery_submissions.c.happened_at.desc(), mystery_submissions.c.id.desc())
        .limit(limit)
    )
    if programme_id is not None:
        query = query.where(mystery_submissions.c.programme_id == programme_id)
    if month:
        query = query.where(mystery_submissions.c.month == month)
    return [
        SubmissionRow(
            id=r.id,
            programme_id=r.programme_id,
            programme_title=r.programme_title,
            target_key=r.target_key,
            target_kind=r.target_kind,
            scenario_key=r.scenario_key,
            shopper_name=r.shopper_name,
            happened_at=r.happened_at,
            channel=r.channel,
            score=r.score,
            passed=r.passed,
            interaction_id=r.interaction_id,
        )
        for r in connection.execute(query)
    ]


def file_of(connection: Connection, viewer: Viewer, file_id: int) -> tuple[StoredFile, str]:
    """A file of a submission the viewer may see, and its stored path."""
    row = connection.execute(
        select(mystery_files)
        .join(mystery_submissions, mystery_submissions.c.id == mystery_files.c.submission_id)
        .where(
            mystery_files.c.workspace_id == viewer.workspace.id,
            mystery_files.c.id == file_id,
            _scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no file {file_id}", key="mystery.error.no_file", params={"file_id": file_id}
        )
    return StoredFile(row.id, row.kind, row.name, row.content_type, row.size), str(row.path)


def delete_programme(connection: Connection, workspace: Workspace, programme_id: int) -> int:
    """Delete a programme, its visits, shops and their files; returns how many files went."""
    get_programme(connection, workspace, programme_id)
    paths = [
        str(r.path)
        for r in connection.execute(
            select(mystery_files.c.path)
            .join(mystery_submissions, mystery_submissions.c.id == mystery_files.c.submission_id)
            .where(mystery_submissions.c.programme_id == programme_id)
        )
    ]
    # Children first: SQLite without foreign keys enforced would keep them otherwise.
    submission_ids = select(mystery_submissions.c.id).where(
        mystery_submissions.c.programme_id == programme_id
    )
    connection.execute(
        mystery_files.delete().where(mystery_files.c.submission_id.in_(submission_ids))
    )
    connection.execute(
        mystery_answers.delete().where(mystery_answers.c.submission_id.in_(submission_ids))
    )
    connection.execute(
        mystery_submissions.delete().where(mystery_submissions.c.programme_id == programme_id)
    )
    connection.execute(
        mystery_assignments.delete().where(mystery_assignments.c.programme_id == programme_id)
    )
    connection.execute(
        mystery_shoppers.delete().where(mystery_shoppers.c.programme_id == programme_id)
    )
    connection.execute(mystery_programmes.delete().where(mystery_programmes.c.id == programme_id))
    for path in paths:
        remove_file(path)
    return len(paths)


def count_submissions(connection: Connection, workspace_id: int) -> int:
    """How many shops the workspace holds."""
    return int(
        connection.execute(
            select(func.count()).where(mystery_submissions.c.workspace_id == workspace_id)
        ).scalar_one()
    )


def submission_json(submission: Submission) -> dict[str, Any]:
    """A submission for the JSON API."""
    return {
        "id": submission.id,
        "programme": submission.programme.name,
        "assignment_id": submission.assignment_id,
        "target": submission.target.key,
        "target_kind": submission.target.kind,
        "scenario": submission.scenario.key,
        "shopper": submission.shopper_name,
        "happened_at": submission.happened_at.isoformat() + "Z",
        "month": submission.month,
        "channel": submission.channel,
        "contact": submission.contact,
        "agent_name": submission.agent_name,
        "transcript": submission.transcript,
        "comment": submission.comment,
        "score": submission.score,
        "passed": submission.passed,
        "critical_failed": submission.critical_failed,
        "interaction_id": submission.interaction_id,
        "submitted_at": submission.submitted_at.isoformat() + "Z",
        "answers": {
            a.criterion.id: a.value for _title, answers in submission.answers for a in answers
        },
        "files": [
            {
                "id": f.id,
                "kind": f.kind,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
            }
            for f in submission.files
        ],
    }
