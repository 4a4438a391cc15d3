"""The labels: reviewers' answers to one scorecard criterion, the rule's verdict on the
same conversations, the conversations' text, and the fixed held-back split."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from kontrol.learning.model import text_tokens
from kontrol.review.evaluations import submitted_answers
from kontrol.store.tables import check_outcomes, messages

VERDICTS = ("pass", "fail", "na")
# One review in this many is held back from training to measure the model (by a hash
# of the interaction id: the same conversations every time, whatever the order).
HOLD_ONE_IN = 5
BATCH = 500


def held_back(interaction_id: int) -> bool:
    """Whether the interaction's reviews measure the models rather than train them."""
    digest = hashlib.sha256(f"kontrol-learning:{interaction_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % HOLD_ONE_IN == 0


@dataclass(frozen=True, slots=True)
class Review:
    """A reviewer's answer to the criterion and what the rule said of the same conversation."""

    interaction_id: int
    result: str
    rule: str | None

    @property
    def labelled(self) -> bool:
        """Pass or fail: the answers a model learns (``na`` says the criterion did not apply)."""
        return self.result in ("pass", "fail")


def scorecard_answers(
    connection: Connection, workspace_id: int, scorecard: str
) -> dict[str, dict[int, str]]:
    """Per criterion, the reviewers' answers by interaction (the latest review wins)."""
    return submitted_answers(connection, workspace_id, scorecard, VERDICTS)


def reviewer_answers(
    connection: Connection, workspace_id: int, scorecard: str, criterion: str
) -> dict[int, str]:
    """The reviewers' answer to one criterion by interaction (the latest review wins)."""
    return scorecard_answers(connection, workspace_id, scorecard).get(criterion, {})


def check_verdicts(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Every check's stored verdict by interaction and check."""
    out: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        for row in connection.execute(
            select(check_outcomes.c.interaction_id, check_outcomes.c.verdicts).where(
                check_outcomes.c.interaction_id.in_(chunk)
            )
        ):
            found = out.setdefault(int(row.interaction_id), {})
            for check_id, verdict in (row.verdicts or {}).items():
                result = verdict.get("result") if isinstance(verdict, dict) else None
                if result in VERDICTS:
                    found[str(check_id)] = str(result)
    return out


def rule_verdicts(connection: Connection, ids: Sequence[int], check_id: str) -> dict[int, str]:
    """One check's stored verdict by interaction (absent: the check gave none)."""
    return {
        i: found[check_id]
        for i, found in check_verdicts(connection, ids).items()
        if check_id in found
    }


def reviews_of(
    connection: Connection,
    workspace_id: int,
    scorecard: str,
    criterion: str,
    check_id: str,
    *,
    answers: dict[int, str] | None = None,
    verdicts: dict[int, dict[str, str]] | None = None,
) -> list[Review]:
    """Every reviewed conversation of the criterion, in interaction order.

    A training of the whole workspace passes the criterion's ``answers`` and the
    ``verdicts`` of every check (:func:`check_verdicts`), read once for all criteria.
    """
    if answers is None:
        answers = reviewer_answers(connection, workspace_id, scorecard, criterion)
    ids = sorted(answers)
    if verdicts is None:
        rules = rule_verdicts(connection, ids, check_id)
    else:
        rules = {i: verdicts[i][check_id] for i in ids if check_id in verdicts.get(i, {})}
    return [Review(i, answers[i], rules.get(i)) for i in ids]


def transcripts(connection: Connection, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """The conversations' messages as (role, text), in order (the caller checked the ids)."""
    out: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        for row in connection.execute(
            select(messages.c.interaction_id, messages.c.role, messages.c.text)
            .where(messages.c.interaction_id.in_(chunk))
            .order_by(messages.c.interaction_id, messages.c.seq)
        ):
            out[int(row.interaction_id)].append((str(row.role), str(row.text or "")))
    return out


class ConversationWords:
    """The text tokens of conversations (model.text_tokens), each made once.

    Reading and lemmatising a conversation does not depend on the criterion: a
    training of the workspace or a prediction shares them across its criteria.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._made: dict[int, list[str]] = {}

    def of(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """The tokens of each of these conversations (the caller checked the ids)."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._made]
        if missing:
            texts = transcripts(self.connection, missing)
            for i in missing:
                self._made[i] = text_tokens(texts[i])
        return {i: self._made[i] for i in ids}
