"""Assigning a reason and a complaint type to every interaction.

The reason of an interaction is, in this order: its ``topic`` (the taxonomy
entry it names by code or by label in any language, ``Taxonomy.match``); else the
taxonomy entry whose phrases its customer's words name most; else the learned
model's class when the model is sure enough; else none. A complaint's type is a
tag that is a complaint-type code, else the phrase rules, else the model
learned from complaints typed by tag or rule. Each assignment records where it
came from, so the pages can say how much of a figure rests on a guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from kontrol.analysis.classifier import ReasonModel, train_model
from kontrol.analysis.phrases import PhraseRules
from kontrol.analysis.taxonomy import Taxonomy, load_taxonomy, stamp
from kontrol.store.database import commit_point
from kontrol.store.tables import interactions, messages, reason_assignments, reason_models
from kontrol.store.upsert import insert_many_ignoring_duplicates

CHUNK = 500
# Only the start of a long thread: the reason is stated early, and it bounds the work.
TEXT_LIMIT = 3000
TRAINING_LIMIT = 5000


@dataclass(frozen=True)
class ReasonAssignment:
    """What was assigned to one interaction, and from where."""

    reason: str | None
    reason_source: str
    reason_confidence: float | None
    complaint_type: str | None
    complaint_source: str | None


def conversation_texts(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The customer's words of each interaction (all words when the customer said none)."""
    customer: dict[int, list[str]] = defaultdict(list)
    everyone: dict[int, list[str]] = defaultdict(list)
    rows = connection.execute(
        select(messages.c.interaction_id, messages.c.role, messages.c.text)
        .where(messages.c.interaction_id.in_(ids))
        .order_by(messages.c.interaction_id, messages.c.seq)
    )
    for row in rows:
        everyone[row.interaction_id].append(row.text)
        if row.role == "customer":
            customer[row.interaction_id].append(row.text)
    return {i: "\n".join(customer.get(i) or everyone.get(i) or [])[:TEXT_LIMIT] for i in ids}


class Assigner:
    """The rules and models of one workspace, ready to assign."""

    def __init__(self, taxonomy: Taxonomy, models: dict[str, ReasonModel]) -> None:
        self.taxonomy = taxonomy
        self.rules = {kind: PhraseRules(taxonomy.of(kind)) for kind in ("reason", "complaint")}
        self.models = models
        self._complaint_codes = {r.code for r in taxonomy.complaints}

    def reason(self, topic: str | None, text: str) -> tuple[str | None, str, float | None]:
        """(reason, source, confidence) of one conversation."""
        if topic:
            # An imported topic that names a reason (its code or label) is that reason.
            return self.taxonomy.match("reason", topic) or topic, "topic", None
        return self._guess("reason", text)

    def complaint(self, tags: Iterable[str], text: str) -> tuple[str | None, str]:
        """(complaint type, source) of a complaint."""
        for tag in tags:
            if tag in self._complaint_codes:
                return tag, "tag"
        found, source, _ = self._guess("complaint", text)
        return found, source

    def _guess(self, kind: str, text: str) -> tuple[str | None, str, float | None]:
        if not text.strip():
            return None, "none", None
        match = self.rules[kind].match(text)
        if match is not None:
            return match.code, "rule", None
        model = self.models.get(kind)
        if model is not None:
            ((code, probability),) = model.predict([text])
            if code is not None:
                return code, "model", round(probability, 4)
        return None, "none", None


def load_assigner(connection: Connection, workspace_id: int) -> Assigner:
    """The workspace's taxonomy and saved models."""
    models = {
        row.kind: ReasonModel.from_json(row.model)
        for row in connection.execute(
            select(reason_models.c.kind, reason_models.c.model).where(
                reason_models.c.workspace_id == workspace_id
            )
        )
    }
    return Assigner(load_taxonomy(connection, workspace_id), models)


def assign_reasons(
    connection: Connection, workspace_id: int, ids: Sequence[int] | None = None
) -> int:
    """Assign reasons to these interactions (all of the workspace when None); returns how many."""
    assigner = load_assigner(connection, workspace_id)
    i = interactions
    query = select(i.c.id).where(i.c.workspace_id == workspace_id).order_by(i.c.id)
    wanted = list(ids) if ids is not None else list(connection.execute(query).scalars())
    written = 0
    for start in range(0, len(wanted), CHUNK):
        written += _assign_chunk(connection, workspace_id, assigner, wanted[start : start + CHUNK])
        commit_point(connection)
    return written


def assign_missing(connection: Connection, workspace_id: int) -> int:
    """Assign reasons to the interactions that have none yet."""
    i, a = interactions, reason_assignments
    missing = connection.execute(
        select(i.c.id)
        .select_from(i.outerjoin(a, a.c.interaction_id == i.c.id))
        .where(i.c.workspace_id == workspace_id, a.c.interaction_id.is_(None))
        .order_by(i.c.id)
    ).scalars()
    return assign_reasons(connection, workspace_id, list(missing))


def _assign_chunk(
    connection: Connection, workspace_id: int, assigner: Assigner, ids: Sequence[int]
) -> int:
    i = interactions
    rows = connection.execute(
        select(i.c.id, i.c.topic, i.c.tags, i.c.is_complaint).where(i.c.id.in_(ids))
    ).all()
    texts = conversation_texts(connection, [row.id for row in rows])
    now = stamp()
    values: list[dict[str, Any]] = []
    for row in rows:
        text = texts.get(row.id, "")
        reason, source, confidence = assigner.reason(row.topic, text)
        complaint_type = complaint_source = None
        if row.is_complaint or row.topic == "complaint":
            complaint_type, complaint_source = assigner.complaint(row.tags or [], text)
        values.append(
            {
                "interaction_id": row.id,
                "workspace_id": workspace_id,
                "reason": reason,
                "reason_source": source,
                "reason_confidence": confidence,
                "complaint_type": complaint_type,
                "complaint_source": complaint_source,
                "assigned_at": now,
            }
        )
    a = reason_assignments
    connection.execute(delete(a).where(a.c.interaction_id.in_([row.id for row in rows])))
    # Two imports of the same interactions at once (API pushes, a drainer) compute the same
    # rows from what is stored: the second writer's duplicates are left out, not an error.
    insert_many_ignoring_duplicates(connection, a, values, unique=["interaction_id"])
    return len(values)


def reassign_guesses(connection: Connection, workspace_id: int) -> int:
    """Assign again every reason that was not the interaction's topic (after the
    taxonomy or the model changed); topics stay as they are."""
    a = reason_assignments
    guessed = connection.execute(
        select(a.c.interaction_id)
        .where(a.c.workspace_id == workspace_id, a.c.reason_source != "topic")
        .order_by(a.c.interaction_id)
    ).scalars()
    return assign_reasons(connection, workspace_id, list(guessed)) + assign_missing(
        connection, workspace_id
    )


@dataclass(frozen=True)
class TrainingResult:
    """What one training run learned, per kind."""

    kind: str
    samples: int
    classes: int
    accuracy: float | None
    trained: bool


def train(connection: Connection, workspace_id: int) -> list[TrainingResult]:
    """Learn the reason model from interactions with a topic, and the complaint-type
    model from complaints typed by a tag or a rule; replaces the saved ones."""
    i, a = interactions, reason_assignments
    newest = (
        select(i.c.id, i.c.topic)
        .where(i.c.workspace_id == workspace_id, i.c.topic.is_not(None))
        .order_by(i.c.started_at.desc())
        .limit(TRAINING_LIMIT)
    )
    reason_rows = connection.execute(newest).all()
    complaint_rows = connection.execute(
        select(a.c.interaction_id, a.c.complaint_type)
        .where(
            a.c.workspace_id == workspace_id,
            a.c.complaint_type.is_not(None),
            a.c.complaint_source.in_(("tag", "rule")),
        )
        .order_by(a.c.interaction_id.desc())
        .limit(TRAINING_LIMIT)
    ).all()
    # Topics that name a reason by its label learn that reason, not a second class.
    taxonomy = load_taxonomy(connection, workspace_id)
    reason_pairs = [(r[0], taxonomy.match("reason", str(r[1])) or r[1]) for r in reason_rows]
    complaint_pairs = [(row[0], row[1]) for row in complaint_rows]
    results = []
    for kind, rows in (("reason", reason_pairs), ("complaint", complaint_pairs)):
        ids = [row[0] for row in rows]
        texts: dict[int, str] = {}
        for start in range(0, len(ids), CHUNK):
            texts.update(conversation_texts(connection, ids[start : start + CHUNK]))
        pairs = [(texts[row[0]], str(row[1])) for row in rows if texts.get(row[0], "").strip()]
        model = train_model([p[0] for p in pairs], [p[1] for p in pairs])
        _save_model(connection, workspace_id, kind, model)
        commit_point(connection)
        results.append(
            TrainingResult(
                kind=kind,
                samples=len(pairs),
                classes=len({p[1] for p in pairs}),
                accuracy=model.accuracy if model else None,
                trained=model is not None,
            )
        )
    return results


def _save_model(
    connection: Connection, workspace_id: int, kind: str, model: ReasonModel | None
) -> None:
    m = reason_models
    connection.execute(delete(m).where(m.c.workspace_id == workspace_id, m.c.kind == kind))
    if model is None:
        return
    connection.execute(
        m.insert().values(
            workspace_id=workspace_id,
            kind=kind,
            trained_at=stamp(),
            samples=model.samples,
            accuracy=model.accuracy,
            model=model.to_json(),
        )
    )


@dataclass(frozen=True)
class ModelInfo:
    """A saved model as the taxonomy page shows it."""

    kind: str
    trained_at: Any
    samples: int
    accuracy: float | None


def model_info(connection: Connection, workspace_id: int) -> list[ModelInfo]:
    """The saved models of the workspace."""
    m = reason_models
    return [
        ModelInfo(row.kind, row.trained_at, row.samples, row.accuracy)
        for row in connection.execute(
            select(m.c.kind, m.c.trained_at, m.c.samples, m.c.accuracy)
            .where(m.c.workspace_id == workspace_id)
            .order_by(m.c.kind)
        )
    ]
