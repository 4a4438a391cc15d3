"""How the language model's answers agree with reviewers' manual answers on the same
scorecard criterion (count, agreement, Cohen's kappa), and what the interaction page shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from kontrol.judging.answering import ANSWERED
from kontrol.judging.asking import VERDICTS, quote_span
from kontrol.judging.criteria import JudgingCriterion, list_criteria
from kontrol.judging.endpoint import endpoint_of
from kontrol.review.agreement import cohen_kappa
from kontrol.review.evaluations import submitted_answers
from kontrol.store.tables import judging_answers, messages


@dataclass(frozen=True, slots=True)
class ModelAgreement:
    """A criterion's answers beside reviewers' on the same interactions."""

    count: int
    agreed: int
    kappa: float | None

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.agreed / self.count, 1) if self.count else None


def answered_verdicts(
    connection: Connection, workspace_id: int, criterion_id: int
) -> dict[int, str]:
    """The criterion's answered verdicts by interaction (void, deferred, failed left out)."""
    return {
        int(row.interaction_id): str(row.verdict)
        for row in connection.execute(
            select(judging_answers.c.interaction_id, judging_answers.c.verdict).where(
                judging_answers.c.workspace_id == workspace_id,
                judging_answers.c.criterion_id == criterion_id,
                judging_answers.c.state == ANSWERED,
            )
        )
    }


def model_agreement(
    connection: Connection, workspace_id: int, criterion: JudgingCriterion
) -> ModelAgreement:
    """Agreement of the model's answers with submitted manual answers to the attached criterion."""
    if not criterion.scorecard or not criterion.criterion:
        return ModelAgreement(0, 0, None)
    machine = answered_verdicts(connection, workspace_id, criterion.id)
    if not machine:
        return ModelAgreement(0, 0, None)
    reviewed = submitted_answers(connection, workspace_id, criterion.scorecard, VERDICTS)
    people = {
        i: result for i, result in reviewed.get(criterion.criterion, {}).items() if i in machine
    }
    pairs = [(machine[i], people[i]) for i in sorted(people)]
    if not pairs:
        return ModelAgreement(0, 0, None)
    figure = cohen_kappa([m for m, _ in pairs], [p for _, p in pairs])
    kappa = round(figure.value, 3) if figure.value is not None else None
    return ModelAgreement(len(pairs), sum(1 for m, p in pairs if m == p), kappa)


@dataclass(frozen=True, slots=True)
class ModelJudgement:
    """One criterion's answer as the interaction page shows it.

    ``state``: answered, void, deferred, failed, or waiting (not asked yet). The
    quote's context is split in three (before, quote, after) so the template marks
    the quote without building HTML from text.
    """

    criterion: JudgingCriterion
    state: str
    verdict: str | None
    reason: str
    quote: str
    message: int | None
    before: str
    after: str
    # Why the answer does not count, as a message key (``judging.problem.<key>``).
    problem: str | None = None


# What Kontrol wrote before the model's own reason, by the key the page translates.
PROBLEMS = (
    ("quote not found in the transcript: ", "unfound"),
    ("no quote given for ", "no_quote"),
    ("malformed answer", "malformed"),
    ("the endpoint refused the request", "refused"),
)


def _problem(state: str, reason: str) -> tuple[str | None, str]:
    """(the problem's key, the rest of the reason) of a stored answer."""
    if state == "deferred":
        return "budget", ""
    if state == "failed":
        return "unreachable", reason
    if state != "void":
        return None, reason
    for prefix, key in PROBLEMS:
        if reason.startswith(prefix):
            rest = reason[len(prefix) :]
            return key, rest.partition(": ")[2] if key == "no_quote" else rest.lstrip(" :")
    return "malformed", reason


def _context(texts: list[str], quote: str) -> tuple[int | None, str, str, str]:
    """(message number, text before, the quote as written there, text after)."""
    if not quote:
        return None, "", "", ""
    for number, text in enumerate(texts, start=1):
        span = quote_span(text, quote)
        if span is not None:
            start, end = span
            before = text[max(0, start - 80) : start]
            after = text[end : end + 80]
            return (
                number,
                ("…" if start > 80 else "") + before,
                text[start:end],
                after + ("…" if end + 80 < len(text) else ""),
            )
    return None, "", quote, ""


def interaction_judgements(
    connection: Connection, workspace_id: int, interaction_id: int
) -> list[ModelJudgement]:
    """Every enabled criterion's answer for the interaction page (the caller checked access)."""
    criteria = list_criteria(connection, workspace_id, enabled_only=True)
    if not criteria:
        return []
    endpoint = endpoint_of(connection, workspace_id)
    asking = endpoint is not None and endpoint.enabled
    answers = {
        int(row.criterion_id): row
        for row in connection.execute(
            select(judging_answers).where(
                judging_answers.c.interaction_id == interaction_id,
                judging_answers.c.workspace_id == workspace_id,
            )
        )
    }
    texts = [
        str(text)
        for text in connection.execute(
            select(messages.c.text)
            .where(messages.c.interaction_id == interaction_id)
            .order_by(messages.c.seq)
        ).scalars()
        if str(text).strip()
    ]
    out = []
    for criterion in criteria:
        row = answers.get(criterion.id)
        if row is None:
            if not asking:
                continue
            out.append(ModelJudgement(criterion, "waiting", None, "", "", None, "", ""))
            continue
        number, before, quote, after = _context(texts, row.quote or "")
        problem, reason = _problem(row.state, row.reason or "")
        out.append(
            ModelJudgement(
                criterion, row.state, row.verdict, reason, quote, number, before, after, problem
            )
        )
    return out
