"""The figures of a calibration session from answers (pure, no database)."""

from __future__ import annotations

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import load_scorecard
from kontrol.review.agreement import NO_VARIATION, UNEQUAL_RATERS, krippendorff_alpha
from kontrol.review.calibration.figures import ItemAnswers, parse_answers, session_figures
from tests.review.calibration_fixtures import SCORECARD

CARD = load_scorecard(SCORECARD)


def test_everyone_passing_everything_is_full_agreement_but_undefined_kappa() -> None:
    same = {"greeting": "pass", "solution": "pass", "overall": 5}
    items = [ItemAnswers(i, {1: same, 2: same, 3: same}) for i in (10, 11)]
    figures = session_figures(CARD, items)
    pass_fail, marks = figures.scales
    assert pass_fail.percent.value == 1.0 and marks.percent.value == 1.0
    for figure in (pass_fail.fleiss, pass_fail.alpha, marks.fleiss, marks.alpha):
        assert figure is not None and figure.value is None and figure.reason == NO_VARIATION
    assert all(not cell.differs for item in figures.items for cell in item.cells)


def test_na_is_an_answer_on_pass_fail_and_missing_on_marks() -> None:
    items = [
        ItemAnswers(
            10, {1: {"greeting": "na", "overall": "na"}, 2: {"greeting": "na", "overall": 2}}
        ),
        ItemAnswers(
            11, {1: {"greeting": "fail", "overall": 4}, 2: {"greeting": "pass", "overall": 4}}
        ),
        ItemAnswers(
            12, {1: {"greeting": "pass", "overall": 1}, 2: {"greeting": "pass", "overall": 2}}
        ),
    ]
    figures = session_figures(CARD, items)
    greeting, _, overall = figures.criteria
    # Two "na" agree; fail/pass disagree; pass/pass agree.
    assert greeting.percent.value == pytest.approx(2 / 3)
    assert greeting.alpha.value == pytest.approx(
        krippendorff_alpha([["na", "na"], ["fail", "pass"], ["pass", "pass"]]).value
    )
    assert greeting.spread == (("pass", 3), ("fail", 1), ("na", 2))
    # On the 1-5 scale "na" leaves item 10 with one value: not pairable.
    assert overall.alpha.units == 2
    assert overall.alpha.value == pytest.approx(
        krippendorff_alpha([[4, 4], [1, 2]], level="ordinal").value
    )
    assert overall.percent.value == pytest.approx(1 / 3)
    assert overall.spread == ((1, 1), (2, 2), (4, 2), ("na", 1))


def test_fleiss_on_marks_says_why_when_an_na_leaves_a_gap() -> None:
    items = [
        ItemAnswers(10, {1: {"overall": 3}, 2: {"overall": 3}, 3: {"overall": "na"}}),
        ItemAnswers(11, {1: {"overall": 5}, 2: {"overall": 4}, 3: {"overall": 4}}),
    ]
    marks = next(s for s in session_figures(CARD, items).scales if s.scale == "1-5")
    assert marks.fleiss is not None and marks.fleiss.reason == UNEQUAL_RATERS
    assert marks.alpha.value is not None


def test_deviation_counts_only_where_a_reference_exists() -> None:
    reference = {"greeting": "pass", "solution": "fail", "overall": 3}
    items = [
        ItemAnswers(10, {1: reference, 2: {**reference, "overall": 5}}, reference),
        ItemAnswers(11, {1: reference, 2: reference}),
    ]
    first, second = session_figures(CARD, items).deviations
    assert (first.criteria_compared, first.criteria_matched) == (3, 3)
    assert (second.criteria_compared, second.criteria_matched) == (3, 2)
    # Scores: reference (1 + 0 + 0.5) / 4 = 37.5; rater 2 (1 + 0 + 1) / 4 = 50.
    assert second.mean_abs_score_difference == pytest.approx(12.5)
    assert first.items_compared == 1


def test_answers_are_read_from_forms_and_json() -> None:
    assert parse_answers(CARD, {"greeting": " PASS ", "overall": "4", "solution": ""}) == {
        "greeting": "pass",
        "overall": 4,
    }
    assert parse_answers(CARD, {"overall": 5, "solution": None}) == {"overall": 5}
    with pytest.raises(InvalidInput, match="answers.overall: expected a mark 1-5"):
        parse_answers(CARD, {"overall": True})
