"""Measuring the reason assignment: precision and recall per reason on a labelled set.

Each labelled message is assigned by the phrase rules, and (when a model is
given) by the model where no rule matches, exactly as interactions are. A
message whose label is ``none`` counts as a false positive for whatever
reason it was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kontrol.analysis.assignment import Assigner
from kontrol.analysis.classifier import ReasonModel
from kontrol.analysis.taxonomy import Taxonomy


@dataclass(frozen=True)
class LabelledReason:
    """A message with its language and the reason a person gave it (``none``: no reason)."""

    language: str
    text: str
    label: str


@dataclass(frozen=True)
class ReasonScore:
    """Precision and recall of one reason in one language (None: nothing to divide by)."""

    reason: str
    language: str
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        """Share of the messages given this reason that a person gave it too."""
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Share of the messages a person gave this reason that the engine found."""
        return self.correct / self.support if self.support else None


def measure_assignment(
    taxonomy: Taxonomy, model: ReasonModel | None, items: Sequence[LabelledReason]
) -> tuple[list[ReasonScore], list[tuple[LabelledReason, str | None, str]]]:
    """Scores per reason and language, and every message with (guess, source)."""
    assigner = Assigner(taxonomy, {"reason": model} if model is not None else {})
    guesses = []
    for item in items:
        code, source, _ = assigner.reason(None, item.text)
        guesses.append((item, code, source))
    scores = []
    for language in sorted({item.language for item in items}):
        for reason in [r.code for r in taxonomy.reasons]:
            mine = [(i, g) for i, g, _ in guesses if i.language == language]
            scores.append(
                ReasonScore(
                    reason=reason,
                    language=language,
                    support=sum(1 for i, _ in mine if i.label == reason),
                    predicted=sum(1 for _, g in mine if g == reason),
                    correct=sum(1 for i, g in mine if g == reason and i.label == reason),
                )
            )
    return scores, guesses
