"""What a calibration session shows: where raters differ, agreement, distance from the reference.

Pure: takes the scorecard, each item's submitted answers by rater and the agreed
reference, and computes the figures (no I/O).

How answers enter the statistics:

- a pass/fail criterion is nominal, and ``na`` is one of its answers (a rater who
  says "not applicable" disagrees with one who says "fail");
- a 1-5 criterion is ordinal; ``na`` has no place on the scale, so it is left out
  of kappa and alpha (a missing value) but still counts in percent agreement,
  where two ``na`` agree;
- units are (interaction, criterion) pairs, grouped by scale: Cohen's kappa when
  exactly two raters submitted (unweighted for pass/fail, linear-weighted for 1-5),
  Fleiss' kappa when more did, Krippendorff's alpha always (nominal for pass/fail,
  ordinal for 1-5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import Criterion, Scorecard, Value, compute_score
from kontrol.review.agreement import (
    Agreement,
    Rating,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)

PASS_FAIL = "pass_fail"
MARKS = "1-5"
SCALE_VALUES: dict[str, tuple[Value, ...]] = {
    PASS_FAIL: ("pass", "fail", "na"),
    MARKS: (1, 2, 3, 4, 5, "na"),
}
ORDINAL_SCALE: list[Rating] = [1, 2, 3, 4, 5]

Answers = Mapping[str, Value]
"""A rater's answers to one interaction, by criterion id (absent: not answered)."""


def parse_answer(criterion: Criterion, raw: object) -> Value:
    """One answer from a form or JSON: ``pass``/``fail``/``na`` or a 1-5 mark; blank is none."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().lower() if not isinstance(raw, bool) else ""
    if criterion.scale == MARKS:
        if text == "na":
            return "na"
        if text in {"1", "2", "3", "4", "5"}:
            return int(text)
        raise InvalidInput(
            f"answers.{criterion.id}: expected a mark 1-5 or na, not {raw!r}",
            key="review.error.answer_mark",
            params={"id": criterion.id, "raw": raw},
        )
    if text in ("pass", "fail", "na"):
        return text
    raise InvalidInput(
        f"answers.{criterion.id}: expected pass, fail or na, not {raw!r}",
        key="review.error.answer_pass_fail",
        params={"id": criterion.id, "raw": raw},
    )


def parse_answers(scorecard: Scorecard, raw: Mapping[str, object]) -> dict[str, Value]:
    """Answers by criterion id; an id the scorecard does not have is an error."""
    by_id = {c.id: c for c in scorecard.criteria}
    unknown = sorted(set(raw) - set(by_id))
    if unknown:
        raise InvalidInput(
            f"answers.{unknown[0]}: {scorecard.name} has no such criterion",
            key="review.error.unknown_criterion",
            params={"unknown": unknown[0], "name": scorecard.name},
        )
    parsed = {cid: parse_answer(by_id[cid], value) for cid, value in raw.items()}
    return {cid: value for cid, value in parsed.items() if value is not None}


def missing_answers(scorecard: Scorecard, answers: Answers) -> list[str]:
    """Criteria left unanswered (a submitted or reference score answers all)."""
    return [c.id for c in scorecard.criteria if answers.get(c.id) is None]


def score_of(scorecard: Scorecard, answers: Answers) -> float | None:
    """The 0-100 score the scorecard's rule gives these answers."""
    return compute_score(scorecard, answers).score


def answers_to_items(scorecard: Scorecard, answers: Answers) -> list[dict[str, Value]]:
    """The stored form, in scorecard order (like ``evaluations.items``)."""
    return [{"criterion": c.id, "result": answers.get(c.id)} for c in scorecard.criteria]


def items_to_answers(items: object) -> dict[str, Value]:
    """Back from the stored form."""
    if not isinstance(items, list):
        return {}
    found: dict[str, Value] = {}
    for entry in items:
        if isinstance(entry, dict) and entry.get("result") is not None:
            found[str(entry["criterion"])] = entry["result"]
    return found


@dataclass(frozen=True, slots=True)
class ItemAnswers:
    """One interaction of the session: submitted answers by rater id, and the reference."""

    item_id: int
    by_rater: Mapping[int, Answers]
    reference: Answers | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """One criterion of one interaction: what each rater answered."""

    criterion: Criterion
    answers: Mapping[int, Value]
    spread: tuple[tuple[Value, int], ...]
    reference: Value

    @property
    def unanimous(self) -> bool:
        return len(self.answers) >= 2 and len(self.spread) == 1

    @property
    def differs(self) -> bool:
        """Raters disagree, or someone's answer is not the reference."""
        return len(self.spread) > 1 or bool(self.off_reference)

    @property
    def off_reference(self) -> frozenset[int]:
        if self.reference is None:
            return frozenset()
        return frozenset(r for r, v in self.answers.items() if v != self.reference)


@dataclass(frozen=True, slots=True)
class ItemFigures:
    """One interaction: its cells, each rater's score and the reference score."""

    item_id: int
    cells: tuple[Cell, ...]
    scores: Mapping[int, float | None]
    reference_score: float | None

    @property
    def disagreements(self) -> int:
        return sum(1 for c in self.cells if len(c.spread) > 1)


@dataclass(frozen=True, slots=True)
class CriterionFigures:
    """One criterion across the interactions of the session."""

    criterion: Criterion
    spread: tuple[tuple[Value, int], ...]
    percent: Agreement
    alpha: Agreement


@dataclass(frozen=True, slots=True)
class ScaleFigures:
    """The session's agreement over every (interaction, criterion) of one scale."""

    scale: str
    raters: int
    percent: Agreement
    cohen: Agreement | None
    fleiss: Agreement | None
    alpha: Agreement


@dataclass(frozen=True, slots=True)
class RaterDeviation:
    """How far one rater was from the agreed reference in one session."""

    rater_id: int
    criteria_compared: int
    criteria_matched: int
    items_compared: int
    mean_abs_score_difference: float | None

    @property
    def match_share(self) -> float | None:
        if not self.criteria_compared:
            return None
        return self.criteria_matched / self.criteria_compared


@dataclass(frozen=True, slots=True)
class SessionFigures:
    """Everything the results page shows."""

    raters: tuple[int, ...]
    items: tuple[ItemFigures, ...]
    criteria: tuple[CriterionFigures, ...]
    scales: tuple[ScaleFigures, ...]
    deviations: tuple[RaterDeviation, ...]


def _spread(criterion: Criterion, values: Sequence[Value]) -> tuple[tuple[Value, int], ...]:
    counted: Counter[Value] = Counter(v for v in values if v is not None)
    order = SCALE_VALUES.get(criterion.scale, ())
    return tuple((v, counted[v]) for v in order if counted[v])


def _for_statistics(criterion: Criterion, value: Value) -> Rating | None:
    """The value as kappa and alpha see it (``na`` on a 1-5 scale is missing)."""
    if value is None or (criterion.scale == MARKS and value == "na"):
        return None
    return value


def _alpha(scale: str, units: list[list[Rating | None]]) -> Agreement:
    if scale == MARKS:
        return krippendorff_alpha(units, level="ordinal", order=ORDINAL_SCALE)
    return krippendorff_alpha(units, level="nominal")


def session_figures(scorecard: Scorecard, items: Sequence[ItemAnswers]) -> SessionFigures:
    """Differences, agreement and deviation from the reference for a session's submitted scores."""
    raters = tuple(sorted({r for item in items for r in item.by_rater}))
    criteria = scorecard.criteria
    item_figures: list[ItemFigures] = []
    for item in items:
        cells = []
        for criterion in criteria:
            answers = {r: item.by_rater[r].get(criterion.id) for r in raters if r in item.by_rater}
            reference = item.reference.get(criterion.id) if item.reference else None
            cells.append(
                Cell(criterion, answers, _spread(criterion, list(answers.values())), reference)
            )
        item_figures.append(
            ItemFigures(
                item_id=item.item_id,
                cells=tuple(cells),
                scores={r: score_of(scorecard, a) for r, a in item.by_rater.items()},
                reference_score=score_of(scorecard, item.reference) if item.reference else None,
            )
        )

    per_criterion = []
    for index, criterion in enumerate(criteria):
        cells = [f.cells[index] for f in item_figures]
        raw_units = [list(c.answers.values()) for c in cells]
        stat_units = [[_for_statistics(criterion, v) for v in u] for u in raw_units]
        per_criterion.append(
            CriterionFigures(
                criterion=criterion,
                spread=_spread(criterion, [v for u in raw_units for v in u]),
                percent=percent_agreement(raw_units),
                alpha=_alpha(criterion.scale, stat_units),
            )
        )

    scales = []
    for scale in (PASS_FAIL, MARKS):
        chosen = [i for i, c in enumerate(criteria) if c.scale == scale]
        if not chosen:
            continue
        raw: list[list[Value]] = []
        stat: list[list[Rating | None]] = []
        for f in item_figures:
            for i in chosen:
                cell = f.cells[i]
                raw.append([cell.answers.get(r) for r in raters])
                stat.append([_for_statistics(cell.criterion, cell.answers.get(r)) for r in raters])
        cohen = None
        fleiss = None
        if len(raters) == 2:
            first = [u[0] for u in stat]
            second = [u[1] for u in stat]
            if scale == MARKS:
                cohen = cohen_kappa(first, second, weights="linear", categories=ORDINAL_SCALE)
            else:
                cohen = cohen_kappa(first, second)
        elif len(raters) > 2:
            fleiss = fleiss_kappa(stat)
        scales.append(
            ScaleFigures(
                scale=scale,
                raters=len(raters),
                percent=percent_agreement(raw),
                cohen=cohen,
                fleiss=fleiss,
                alpha=_alpha(scale, stat),
            )
        )

    return SessionFigures(
        raters=raters,
        items=tuple(item_figures),
        criteria=tuple(per_criterion),
        scales=tuple(scales),
        deviations=tuple(_deviation(r, item_figures) for r in raters),
    )


def _deviation(rater: int, items: Sequence[ItemFigures]) -> RaterDeviation:
    compared = matched = 0
    differences: list[float] = []
    for item in items:
        for cell in item.cells:
            answer = cell.answers.get(rater)
            if cell.reference is None or answer is None:
                continue
            compared += 1
            matched += answer == cell.reference
        own = item.scores.get(rater)
        if own is not None and item.reference_score is not None:
            differences.append(abs(own - item.reference_score))
    return RaterDeviation(
        rater_id=rater,
        criteria_compared=compared,
        criteria_matched=matched,
        items_compared=len(differences),
        mean_abs_score_difference=sum(differences) / len(differences) if differences else None,
    )
