"""Disputes: an agent contests an evaluation, a QA lead decides.

An agent disputes a whole evaluation or one criterion, with a reason, within
the workspace's dispute window; one open dispute per (evaluation, criterion).
They may withdraw it while it is open. A QA lead (or an admin) resolves it:

- ``upheld``: the evaluation stands; the lead says why;
- ``changed``: the lead gives the new answer(s) of the disputed criterion (all
  criteria for a whole-evaluation dispute). A manual evaluation is rescored in
  place (``compute_score``, version + 1); for an automatic one, a manual
  evaluation by the lead is created beside it with the changed answers, and the
  KPIs take it from then on (the newest submitted manual evaluation counts).

Every step is kept in ``review_events`` with the answers and scores before and
after. Concurrent saves are refused (``Conflict``) rather than overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exists, select, update

from kontrol.accounts.access import Viewer, interaction_scope
from kontrol.accounts.policy import Action, require
from kontrol.checks.scoring import scorecard_by_id
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.domain.scorecard import Criterion, Scorecard, Value, compute_score
from kontrol.feedback.agent_view import (
    MANUAL,
    SUBMITTED,
    DisputeView,
    EvaluationSummary,
    dispute_query,
    dispute_refusal,
    dispute_view,
    find_evaluation,
    last_actor,
    lock_evaluation,
    stale,
)
from kontrol.review.history import record_event
from kontrol.store.tables import disputes, evaluations, interactions

OPEN = "open"
UPHELD = "upheld"
CHANGED = "changed"
WITHDRAWN = "withdrawn"
OUTCOMES = (UPHELD, CHANGED)
DISPUTE_STATES = ("open", "resolved", "all")
MAX_TEXT = 4000


def _text(value: str | None, name: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"{name}: required")
        return None
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name}: at most {MAX_TEXT} characters")
    return text


# -- raising and withdrawing --------------------------------------------------------------


def raise_dispute(
    connection: Connection,
    viewer: Viewer,
    evaluation_id: int,
    *,
    criterion: str | None,
    reason: str,
) -> DisputeView:
    """The evaluated agent disputes the evaluation (``criterion`` None) or one criterion."""
    require(viewer, Action.DISPUTE)
    summary = find_evaluation(connection, viewer, evaluation_id)
    refusal = dispute_refusal(viewer, summary)
    if refusal is not None:
        raise Forbidden(refusal)
    text = _text(reason, "reason")
    criterion = (criterion or "").strip() or None
    if criterion is not None:
        card = scorecard_by_id(connection, summary.scorecard_id).scorecard
        if criterion not in {c.id for c in card.criteria}:
            raise InvalidInput(f"criterion: {criterion!r} is not a criterion of this scorecard")
    # Lock the evaluation so that two simultaneous disputes of one criterion queue up.
    lock_evaluation(connection, evaluation_id)
    already = connection.execute(
        select(disputes.c.id).where(
            disputes.c.evaluation_id == evaluation_id,
            disputes.c.status == OPEN,
            disputes.c.criterion.is_(None)
            if criterion is None
            else disputes.c.criterion == criterion,
        )
    ).first()
    if already is not None:
        what = "the whole evaluation" if criterion is None else f"criterion {criterion!r}"
        raise Conflict(f"there is an open dispute of {what} already (dispute {already.id})")
    now = utcnow()
    new_id = connection.execute(
        disputes.insert().values(
            workspace_id=viewer.workspace.id,
            evaluation_id=evaluation_id,
            criterion=criterion,
            reason=text,
            status=OPEN,
            raised_by=viewer.account.id,
            raised_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    dispute_id = int(new_id[0])
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute_id,
        actor_id=viewer.account.id,
        action="raised",
        details={"evaluation_id": evaluation_id, "criterion": criterion, "reason": text},
        at=now,
    )
    return get_dispute(connection, viewer, dispute_id)


def _visible_dispute(connection: Connection, viewer: Viewer, dispute_id: int) -> Any:
    row = connection.execute(
        dispute_query()
        .join(evaluations, evaluations.c.id == disputes.c.evaluation_id)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(
            disputes.c.id == dispute_id,
            disputes.c.workspace_id == viewer.workspace.id,
            interaction_scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(f"no dispute {dispute_id}")
    return row


def get_dispute(connection: Connection, viewer: Viewer, dispute_id: int) -> DisputeView:
    """One dispute the viewer may see (of an interaction in their scope)."""
    require(viewer, Action.VIEW_EVALUATIONS)
    return dispute_view(_visible_dispute(connection, viewer, dispute_id))


def withdraw_dispute(
    connection: Connection, viewer: Viewer, dispute_id: int, *, version: int
) -> DisputeView:
    """The agent who raised an open dispute takes it back."""
    require(viewer, Action.DISPUTE)
    dispute = get_dispute(connection, viewer, dispute_id)
    if dispute.raised_by_id != viewer.account.id:
        raise Forbidden("only the agent who raised a dispute withdraws it")
    _require_open(dispute)
    _set_state(connection, dispute, version, status=WITHDRAWN, resolved_by=viewer.account.id)
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute_id,
        actor_id=viewer.account.id,
        action="withdrawn",
        details={"evaluation_id": dispute.evaluation_id, "criterion": dispute.criterion},
    )
    return get_dispute(connection, viewer, dispute_id)


def _require_open(dispute: DisputeView) -> None:
    if dispute.open:
        return
    when = f" on {dispute.resolved_at:%Y-%m-%d %H:%M} UTC" if dispute.resolved_at else ""
    by = f" by {dispute.resolved_by}" if dispute.resolved_by else ""
    raise Conflict(f"dispute {dispute.id} is {dispute.status} already{by}{when}; reload the page")


def _set_state(
    connection: Connection,
    dispute: DisputeView,
    version: int,
    *,
    status: str,
    resolved_by: int,
    resolution: str | None = None,
) -> None:
    done = connection.execute(
        update(disputes)
        .where(
            disputes.c.id == dispute.id, disputes.c.version == version, disputes.c.status == OPEN
        )
        .values(
            status=status,
            resolved_by=resolved_by,
            resolved_at=utcnow(),
            resolution=resolution,
            version=disputes.c.version + 1,
        )
    ).rowcount
    if not done:
        raise stale("dispute", dispute.id, *last_actor(connection, "dispute", dispute.id))


# -- the lead's list -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeItem:
    """A dispute in the lead's list, with its evaluation."""

    dispute: DisputeView
    evaluation: EvaluationSummary
    criterion_title: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.dispute.as_json(),
            "criterion_title": self.criterion_title,
            "evaluation": self.evaluation.as_json(),
        }


def list_disputes(
    connection: Connection,
    viewer: Viewer,
    *,
    state: str = "open",
    agent: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DisputeItem]:
    """Disputes of the evaluations the viewer may see; open ones oldest first."""
    require(viewer, Action.VIEW_EVALUATIONS)
    if state not in DISPUTE_STATES:
        raise InvalidInput(f"state: one of {', '.join(DISPUTE_STATES)}")
    query = (
        dispute_query()
        .join(evaluations, evaluations.c.id == disputes.c.evaluation_id)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(disputes.c.workspace_id == viewer.workspace.id, interaction_scope(viewer))
    )
    if agent:
        query = query.where(interactions.c.agent_external_id == agent)
    if state == "open":
        query = query.where(disputes.c.status == OPEN).order_by(disputes.c.raised_at, disputes.c.id)
    else:
        if state == "resolved":
            query = query.where(disputes.c.status != OPEN)
        query = query.order_by(disputes.c.raised_at.desc(), disputes.c.id.desc())
    rows = connection.execute(query.limit(limit).offset(offset)).all()
    found: list[DisputeItem] = []
    summaries: dict[int, EvaluationSummary] = {}
    for row in rows:
        evaluation_id = int(row.evaluation_id)
        if evaluation_id not in summaries:
            try:
                summaries[evaluation_id] = find_evaluation(connection, viewer, evaluation_id)
            except NotFound:
                continue  # a draft or a superseded automatic version: not shown
        summary = summaries[evaluation_id]
        title = None
        if row.criterion is not None:
            card = scorecard_by_id(connection, summary.scorecard_id).scorecard
            title = next((c.title for c in card.criteria if c.id == row.criterion), row.criterion)
        found.append(DisputeItem(dispute_view(row), summary, title))
    return found


# -- resolving ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a lead decided, and which evaluation now holds the changed answers."""

    dispute: DisputeView
    evaluation_id: int
    created_evaluation_id: int | None
    score_before: float | None
    score_after: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "dispute": self.dispute.as_json(),
            "evaluation_id": self.evaluation_id,
            "created_evaluation_id": self.created_evaluation_id,
            "score_before": self.score_before,
            "score_after": self.score_after,
        }


def answer_value(criterion: Criterion, answer: object, name: str) -> Value:
    """A new answer for ``criterion`` as ``compute_score`` takes it; ``InvalidInput`` otherwise."""
    text = str(answer if answer is not None else "").strip().lower()
    if text == "na":
        return "na"
    if criterion.scale == "1-5":
        if text in ("1", "2", "3", "4", "5"):
            return int(text)
        raise InvalidInput(f"{name}: a mark 1-5 or na for {criterion.id!r}")
    if text in ("pass", "fail"):
        return text
    raise InvalidInput(f"{name}: pass, fail or na for {criterion.id!r}")


def _results(scorecard: Scorecard, items: list[dict[str, Any]]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    known = {c.id: c for c in scorecard.criteria}
    for item in items:
        result = item.get("result")
        criterion = known.get(str(item.get("criterion")))
        if criterion is None or result is None:
            continue
        out[criterion.id] = int(result) if str(result).isdigit() else str(result)
    return out


def _rescored_items(
    scorecard: Scorecard, items: list[dict[str, Any]], results: Mapping[str, Value]
) -> tuple[list[dict[str, Any]], float | None, bool | None]:
    """Manual-evaluation items with ``results`` applied, and the new score (``compute_score``).

    Comments stay; ``auto_result`` keeps the machine's answer (taken from the
    items themselves when they are an automatic evaluation's).
    """
    score = compute_score(scorecard, results)
    previous = {item.get("criterion"): item for item in items}
    new_items = []
    for outcome in score.outcomes:
        old = previous.get(outcome.criterion.id, {})
        item = {
            "criterion": outcome.criterion.id,
            "check": outcome.criterion.check,
            "result": None if outcome.result is None else str(outcome.result),
            "fraction": outcome.fraction,
            "critical": outcome.criterion.critical,
        }
        item["comment"] = old.get("comment")
        item["auto_result"] = old.get("auto_result") if "auto_result" in old else old.get("result")
        new_items.append(item)
    return new_items, score.score, score.passed


def resolve_dispute(
    connection: Connection,
    viewer: Viewer,
    dispute_id: int,
    *,
    version: int,
    outcome: str,
    comment: str,
    answers: Mapping[str, object] | None = None,
    evaluation_version: int | None = None,
) -> Resolution:
    """Decide an open dispute: ``upheld`` or ``changed`` (with the new ``answers`` by criterion).

    ``version`` is the dispute's version the lead saw; for ``changed`` on a
    manual evaluation, ``evaluation_version`` is the evaluation's. A stale one
    of either is refused with ``Conflict`` and nothing is saved.
    """
    require(viewer, Action.RESOLVE_DISPUTES)
    dispute = get_dispute(connection, viewer, dispute_id)
    _require_open(dispute)
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome: {' or '.join(OUTCOMES)}")
    text = _text(comment, "comment")
    assert text is not None
    row = lock_evaluation(connection, dispute.evaluation_id)
    if row is None:
        raise NotFound(f"no evaluation {dispute.evaluation_id}")
    # The dispute first: of two leads resolving at once, the second hears about the dispute.
    _set_state(
        connection, dispute, version, status=outcome, resolved_by=viewer.account.id, resolution=text
    )
    change = Change(int(row.id), None, row.score, {}, {})
    if outcome == CHANGED:
        change = _change_answers(
            connection, viewer, dispute, row, answers or {}, evaluation_version, text
        )
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute.id,
        actor_id=viewer.account.id,
        action="resolved",
        details={
            "outcome": outcome,
            "comment": text,
            "evaluation_id": dispute.evaluation_id,
            "criterion": dispute.criterion,
            "changed_evaluation_id": change.evaluation_id if outcome == CHANGED else None,
            "created_evaluation_id": change.created_evaluation_id,
            "answers_before": change.answers_before,
            "answers_after": change.answers_after,
            "score_before": row.score,
            "score_after": change.score,
        },
    )
    return Resolution(
        get_dispute(connection, viewer, dispute_id),
        change.evaluation_id,
        change.created_evaluation_id,
        row.score,
        change.score,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """Where a dispute's changed answers went, and the score they give."""

    evaluation_id: int
    created_evaluation_id: int | None
    score: float | None
    answers_before: dict[str, str | None]
    answers_after: dict[str, str | None]


def _change_answers(
    connection: Connection,
    viewer: Viewer,
    dispute: DisputeView,
    row: Any,
    answers: Mapping[str, object],
    evaluation_version: int | None,
    comment: str,
) -> Change:
    """Apply the lead's answers: to the manual evaluation, or a new one beside an auto one."""
    scorecard = scorecard_by_id(connection, int(row.scorecard_id)).scorecard
    criteria = {c.id: c for c in scorecard.criteria}
    given = {str(k): v for k, v in answers.items() if str(v if v is not None else "").strip()}
    if not given:
        raise InvalidInput("answers: give the new answer of the disputed criterion")
    if dispute.criterion is not None and set(given) != {dispute.criterion}:
        raise InvalidInput(
            f"answers: only the disputed criterion {dispute.criterion!r} may be changed"
        )
    before = _results(scorecard, list(row.items or []))
    after = dict(before)
    for criterion_id, answer in given.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(f"answers.{criterion_id}: not a criterion of this scorecard")
        after[criterion_id] = answer_value(criterion, answer, f"answers.{criterion_id}")
    changed = sorted(c for c in given if before.get(c) != after.get(c))
    if not changed:
        raise InvalidInput("answers: these are the answers already given; resolve as upheld")
    answers_before = {c: None if before.get(c) is None else str(before[c]) for c in changed}
    answers_after = {c: None if after.get(c) is None else str(after[c]) for c in changed}
    items, score, passed = _rescored_items(scorecard, list(row.items or []), after)
    now = utcnow()
    details = {
        "dispute_id": dispute.id,
        "answers_before": answers_before,
        "answers_after": answers_after,
        "score_before": row.score,
        "score_after": score,
    }
    if row.kind == MANUAL:
        if evaluation_version is None:
            raise InvalidInput("evaluation_version: the evaluation's version you saw is required")
        done = connection.execute(
            update(evaluations)
            .where(evaluations.c.id == row.id, evaluations.c.version == evaluation_version)
            .values(
                items=items,
                score=score,
                passed=passed,
                version=evaluations.c.version + 1,
                updated_at=now,
            )
        ).rowcount
        if not done:
            raise stale(
                "evaluation", int(row.id), *last_actor(connection, "evaluation", int(row.id))
            )
        target_id, created_id, action = int(row.id), None, "changed"
        details["version"] = int(row.version) + 1
    else:
        manual_exists = connection.execute(
            select(
                exists().where(
                    evaluations.c.interaction_id == row.interaction_id,
                    evaluations.c.kind == MANUAL,
                    evaluations.c.status == SUBMITTED,
                )
            )
        ).scalar()
        if manual_exists:
            raise Conflict(
                "a reviewer has scored this interaction since the dispute was raised; "
                "resolve this dispute as upheld and change the manual evaluation instead"
            )
        new_id = connection.execute(
            evaluations.insert().values(
                workspace_id=row.workspace_id,
                interaction_id=row.interaction_id,
                scorecard_id=row.scorecard_id,
                kind=MANUAL,
                score=score,
                passed=passed,
                items=items,
                created_at=now,
                status=SUBMITTED,
                reviewer_id=viewer.account.id,
                comment=comment,
                auto_evaluation_id=row.id,
                version=1,
                updated_at=now,
            )
        ).inserted_primary_key
        assert new_id is not None
        target_id = created_id = int(new_id[0])
        action = SUBMITTED
        details["auto_evaluation_id"] = int(row.id)
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="evaluation",
        subject_id=target_id,
        actor_id=viewer.account.id,
        action=action,
        details=details,
        at=now,
    )
    return Change(target_id, created_id, score, answers_before, answers_after)
