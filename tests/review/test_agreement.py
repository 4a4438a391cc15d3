"""Agreement statistics against published worked examples, an independent
implementation, closed forms derived from the definitions, and real multi-rater data.

``agreement_reference.json`` holds the published cases (copied with their source
notes from shared/data/stats_reference) and Krippendorff's alpha of the SGD
satisfaction labels computed by the ``krippendorff`` package (see its "about").
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.review.agreement import (
    NO_UNITS,
    NO_VARIATION,
    UNEQUAL_RATERS,
    Level,
    Rating,
    Weighting,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    fleiss_kappa_table,
    krippendorff_alpha,
    percent_agreement,
    units_from_coders,
)
from tests.conftest import shared_data

REFERENCE = json.loads((Path(__file__).parent / "agreement_reference.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = REFERENCE["cases"]


def cases(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if c["kind"] == kind]


# --- published worked examples ------------------------------------------------


@pytest.mark.parametrize("case", cases("fleiss"))
def test_fleiss_kappa_matches_published_example(case: dict[str, Any]) -> None:
    result = fleiss_kappa_table(case["table"])
    assert result.value == pytest.approx(case["expected"], abs=case["tol"])
    assert result.units == len(case["table"])


def test_fleiss_kappa_from_raw_ratings_matches_the_table() -> None:
    (case,) = [c for c in CASES if "raw_ratings_subject_x_rater" in c]
    raw = fleiss_kappa(case["raw_ratings_subject_x_rater"])
    assert raw.value == pytest.approx(case["expected"], abs=case["tol"])
    # The source notes the category totals of this data set.
    totals = Counter(v for row in case["raw_ratings_subject_x_rater"] for v in row)
    assert [totals[c] for c in (1, 2, 3, 4, 5)] == [26, 26, 30, 55, 43]


@pytest.mark.parametrize("case", cases("cohen"))
def test_cohen_kappa_matches_published_example(case: dict[str, Any]) -> None:
    # The SAS case gives disagreement weights 0, 1, 2 by |i - j|: linear weights.
    weights: Weighting = "linear" if case.get("weights") == [0, 1, 2] else "none"
    result = cohen_kappa_table(case["table"], weights=weights)
    assert result.value == pytest.approx(case["expected"], abs=case["tol"])


@pytest.mark.parametrize("case", cases("cohen"))
def test_cohen_kappa_from_rating_lists_equals_the_table(case: dict[str, Any]) -> None:
    """Expand the table into one (first, second) pair per counted item."""
    first: list[int] = []
    second: list[int] = []
    for i, row in enumerate(case["table"]):
        for j, count in enumerate(row):
            first += [i] * count
            second += [j] * count
    weights: Weighting = "linear" if case.get("weights") else "none"
    size = len(case["table"])
    result = cohen_kappa(first, second, weights=weights, categories=list(range(size)))
    assert result.value == pytest.approx(case["expected"], abs=case["tol"])
    assert result.units == len(first)


def test_cohen_kappa_wikipedia_example_terms() -> None:
    result = cohen_kappa_table([[20, 5], [10, 15]])
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)


@pytest.mark.parametrize("case", cases("krippendorff"))
def test_krippendorff_alpha_matches_published_example(case: dict[str, Any]) -> None:
    result = krippendorff_alpha(units_from_coders(case["data"]), level=case["level"])
    assert result.value == pytest.approx(case["expected"], abs=case["tol"])


def test_krippendorff_2011_example_counts_only_pairable_units() -> None:
    (case,) = [c for c in CASES if c["id"] == "kripp_nominal_4coders_12units"]
    result = krippendorff_alpha(units_from_coders(case["data"]), level="nominal")
    # Unit 12 has a single value (3 by coder B): it cannot be paired, so 11 units count.
    assert result.units == 11


# --- the real multi-rater data (SGD: 3-7 raters per item, 1-5) ---------------


def sgd_units() -> dict[str, list[list[int]]]:
    path = shared_data("user_satisfaction_sim", "SGD.txt")
    every: list[list[int]] = []
    overall: list[list[int]] = []
    for line in path.read_text("utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 4 and fields[3].strip():
            ratings = [int(x) for x in fields[3].split(",")]
            every.append(ratings)
            if fields[1] == "OVERALL":
                overall.append(ratings)
    return {"all_rows": every, "overall_rows": overall}


@pytest.fixture(scope="module")
def sgd() -> dict[str, list[list[int]]]:
    return sgd_units()


def test_sgd_data_has_varying_numbers_of_raters(sgd: dict[str, list[list[int]]]) -> None:
    sizes = Counter(len(u) for u in sgd["all_rows"])
    assert len(sgd["all_rows"]) == 13833 and len(sgd["overall_rows"]) == 1000
    assert min(sizes) == 3 and max(sizes) == 7


@pytest.mark.parametrize("rows", ["all_rows", "overall_rows"])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_on_sgd_matches_the_krippendorff_package(
    sgd: dict[str, list[list[int]]], rows: str, level: Level
) -> None:
    block = REFERENCE["sgd_krippendorff"]
    result = krippendorff_alpha(sgd[rows], level=level)
    assert result.value == pytest.approx(block["alpha"][rows][level], abs=block["tol"])
    assert result.units == len(sgd[rows])


# Closed forms derived from the definition of alpha, computed without a coincidence
# matrix. With m_u values in unit u and n values in all:
#   nominal: D_o = (1/n) Σ_u (m_u² − Σ_c n_uc²)/(m_u − 1),  D_e = (n² − Σ_c n_c²)/(n(n − 1))
#   interval: Σ_{i≠j in u} (v_i − v_j)² = 2 m_u SS_u, so
#             α = 1 − (n − 1) Σ_u [m_u SS_u/(m_u − 1)] / (n SS)
#   ordinal: δ²(c, k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² is exactly the squared
#            difference of the mid-ranks of c and k among all n values, so ordinal
#            alpha is interval alpha on mid-ranks.


def nominal_alpha_by_counts(units: Sequence[Sequence[int]]) -> float:
    n = sum(len(u) for u in units)
    within = sum(
        (len(u) ** 2 - sum(c * c for c in Counter(u).values())) / (len(u) - 1) for u in units
    )
    totals = Counter(v for u in units for v in u)
    return 1 - (n - 1) * within / (n * n - sum(c * c for c in totals.values()))


def interval_alpha_by_variance(units: Sequence[Sequence[float]]) -> float:
    values = [v for u in units for v in u]
    n = len(values)
    mean = sum(values) / n
    total_ss = sum((v - mean) ** 2 for v in values)
    within = 0.0
    for u in units:
        m = len(u)
        unit_mean = sum(u) / m
        within += m * sum((v - unit_mean) ** 2 for v in u) / (m - 1)
    return 1 - (n - 1) * within / (n * total_ss)


def mid_ranks(units: Sequence[Sequence[int]]) -> list[list[float]]:
    totals = Counter(v for u in units for v in u)
    rank: dict[int, float] = {}
    below = 0
    for value in sorted(totals):
        rank[value] = below + (totals[value] + 1) / 2
        below += totals[value]
    return [[rank[v] for v in u] for u in units]


@pytest.mark.parametrize("rows", ["all_rows", "overall_rows"])
def test_krippendorff_on_sgd_matches_closed_forms(
    sgd: dict[str, list[list[int]]], rows: str
) -> None:
    units = sgd[rows]
    floats = [[float(v) for v in u] for u in units]
    nominal = krippendorff_alpha(units, level="nominal").value
    interval = krippendorff_alpha(units, level="interval").value
    ordinal = krippendorff_alpha(units, level="ordinal").value
    assert nominal == pytest.approx(nominal_alpha_by_counts(units), abs=1e-12)
    assert interval == pytest.approx(interval_alpha_by_variance(floats), abs=1e-12)
    assert ordinal == pytest.approx(interval_alpha_by_variance(mid_ranks(units)), abs=1e-12)


@pytest.mark.parametrize("raters", [3, 4, 5])
def test_fleiss_on_complete_sgd_subsets_agrees_with_nominal_alpha(
    sgd: dict[str, list[list[int]]], raters: int
) -> None:
    """With m raters on each of N items (n = N·m values), the definitions give
    D_o = 1 − P̄ and D_e = n (1 − P̄_e)/(n − 1), hence κ_Fleiss = 1 − (1 − α) n/(n − 1)."""
    subset = [u for u in sgd["all_rows"] if len(u) == raters]
    fleiss = fleiss_kappa(subset)
    alpha = krippendorff_alpha(subset, level="nominal")
    assert fleiss.value is not None and alpha.value is not None
    n = len(subset) * raters
    assert fleiss.value == pytest.approx(1 - (1 - alpha.value) * n / (n - 1), abs=1e-12)
    # P̄ of Fleiss is the mean share of agreeing pairs: percent agreement.
    assert fleiss.observed == pytest.approx(percent_agreement(subset).value, abs=1e-12)


def test_fleiss_refuses_the_whole_sgd_data_where_raters_vary(
    sgd: dict[str, list[list[int]]],
) -> None:
    result = fleiss_kappa(sgd["all_rows"])
    assert result.value is None and result.reason == UNEQUAL_RATERS


def test_quadratic_cohen_on_sgd_equals_its_moment_form(sgd: dict[str, list[list[int]]]) -> None:
    """Quadratic-weighted kappa on an equally spaced scale is
    2·cov(X, Y) / (var X + var Y + (mean X − mean Y)²) with population moments."""
    x = [u[0] for u in sgd["overall_rows"]]
    y = [u[1] for u in sgd["overall_rows"]]
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / n
    vx = sum((a - mx) ** 2 for a in x) / n
    vy = sum((b - my) ** 2 for b in y) / n
    expected = 2 * cov / (vx + vy + (mx - my) ** 2)
    result = cohen_kappa(x, y, weights="quadratic", categories=[1, 2, 3, 4, 5])
    assert result.value == pytest.approx(expected, abs=1e-12)


def test_unweighted_cohen_on_sgd_from_observed_and_chance_agreement(
    sgd: dict[str, list[list[int]]],
) -> None:
    x = [u[0] for u in sgd["overall_rows"]]
    y = [u[2] for u in sgd["overall_rows"]]
    n = len(x)
    p_o = sum(a == b for a, b in zip(x, y, strict=True)) / n
    cx, cy = Counter(x), Counter(y)
    p_e = sum(cx[c] * cy[c] for c in cx) / (n * n)
    result = cohen_kappa(x, y)
    assert result.value == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)
    pairs: list[list[Rating]] = [[a, b] for a, b in zip(x, y, strict=True)]
    assert percent_agreement(pairs).value == pytest.approx(p_o)


# --- properties ---------------------------------------------------------------

PERFECT: list[list[Rating | None]] = [[1, 1, 1], [2, 2], [5, 5, 5, 5], [3, 3, None], [4, 4, 4]]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_is_one_for_perfect_agreement_with_varying_raters(level: Level) -> None:
    result = krippendorff_alpha(PERFECT, level=level)
    assert result.value == pytest.approx(1.0)
    assert result.observed == 0.0


def test_kappas_are_one_for_perfect_agreement() -> None:
    assert fleiss_kappa([[1, 1, 1], [2, 2, 2], [5, 5, 5]]).value == pytest.approx(1.0)
    for weights in ("none", "linear", "quadratic"):
        assert cohen_kappa([1, 2, 3, 2], [1, 2, 3, 2], weights=weights).value == pytest.approx(1.0)
    assert percent_agreement(PERFECT).value == 1.0


def test_systematic_disagreement_gives_negative_figures() -> None:
    first: list[Rating] = ["pass", "fail"] * 5
    second: list[Rating] = ["fail", "pass"] * 5
    assert cohen_kappa(first, second).value == pytest.approx(-1.0)
    pairs = [[a, b] for a, b in zip(first, second, strict=True)]
    alpha = krippendorff_alpha(pairs)
    assert alpha.value is not None and alpha.value < 0
    assert percent_agreement(pairs).value == 0.0


def test_ordinal_alpha_ignores_unused_levels_of_the_scale() -> None:
    units = [[1, 2], [2, 2], [4, 5], [5, 5]]
    plain = krippendorff_alpha(units, level="ordinal")
    with_scale = krippendorff_alpha(units, level="ordinal", order=[1, 2, 3, 4, 5])
    assert plain.value == pytest.approx(with_scale.value)


def test_ordinal_labels_follow_the_given_order() -> None:
    order = ["poor", "fair", "good", "excellent"]
    units = [["poor", "fair"], ["good", "excellent"], ["fair", "fair"], ["excellent", "good"]]
    coded = [[order.index(v) for v in u] for u in units]
    labelled = krippendorff_alpha(units, level="ordinal", order=order)
    assert labelled.value == pytest.approx(krippendorff_alpha(coded, level="ordinal").value)


def test_weighted_kappa_uses_the_scale_not_only_the_answers_seen() -> None:
    # Answers 1, 2 and 5 only: on the 1-5 scale 2 and 5 are three steps apart.
    first = [1, 2, 5, 5, 2]
    second = [2, 2, 5, 2, 1]
    on_scale = cohen_kappa(first, second, weights="linear", categories=[1, 2, 3, 4, 5])
    seen_only = cohen_kappa(first, second, weights="linear")
    assert on_scale.value != pytest.approx(seen_only.value)
    table = [[0] * 5 for _ in range(5)]
    for a, b in zip(first, second, strict=True):
        table[a - 1][b - 1] += 1
    assert on_scale.value == pytest.approx(cohen_kappa_table(table, weights="linear").value)


def test_missing_ratings_are_left_out_of_cohen() -> None:
    with_gaps = cohen_kappa(["pass", None, "fail", "pass"], ["pass", "fail", None, "fail"])
    assert with_gaps.units == 2
    assert with_gaps.value == cohen_kappa(["pass", "pass"], ["pass", "fail"]).value


def test_percent_agreement_is_the_share_of_agreeing_pairs() -> None:
    # Unit 1: 3 of 3 pairs agree; unit 2: 1 of 3 ({a, a} of a, a, b); unit 3 has one rating.
    result = percent_agreement([["a", "a", "a"], ["a", "a", "b"], ["a", None]])
    assert result.value == pytest.approx((1 + 1 / 3) / 2)
    assert result.units == 2


# --- degenerate data: undefined, with a reason, never a crash -----------------


def test_everyone_in_one_category_is_undefined_not_a_division_by_zero() -> None:
    same = [["pass", "pass", "pass"], ["pass", "pass", "pass"]]
    for result in (
        fleiss_kappa(same),
        krippendorff_alpha(same),
        krippendorff_alpha([[3, 3], [3, 3, 3]], level="interval"),
        krippendorff_alpha([[3, 3], [3, 3, 3]], level="ordinal"),
        krippendorff_alpha([[0, 0], [0, 0]], level="ratio"),
        cohen_kappa(["pass", "pass"], ["pass", "pass"]),
        cohen_kappa([4, 4], [4, 4], weights="quadratic", categories=[1, 2, 3, 4, 5]),
        cohen_kappa_table([[0, 0], [0, 7]]),
    ):
        assert result.value is None and result.reason == NO_VARIATION, result
    # Everyone agreeing is still full percent agreement.
    assert percent_agreement(same).value == 1.0


def test_nothing_pairable_is_undefined() -> None:
    for result in (
        krippendorff_alpha([[1], [2, None], []]),
        percent_agreement([[1], [None, 2]]),
        cohen_kappa([1, None], [None, 2]),
        cohen_kappa([], []),
        cohen_kappa_table([[0, 0], [0, 0]]),
        fleiss_kappa([[None], []]),
        fleiss_kappa([[1], [2]]),
    ):
        assert result.value is None and result.reason == NO_UNITS, result


def test_fleiss_needs_the_same_number_of_raters() -> None:
    result = fleiss_kappa([[1, 2, 2], [1, 1]])
    assert result.value is None and result.reason == UNEQUAL_RATERS
    assert fleiss_kappa_table([[1, 2], [1, 1]]).reason == UNEQUAL_RATERS


def test_kappa_defined_when_one_rater_is_constant_but_the_other_varies() -> None:
    result = cohen_kappa(["pass"] * 4, ["pass", "fail", "pass", "pass"])
    assert result.value == pytest.approx(0.0)


# --- malformed input: a clear error naming what is wrong ----------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: cohen_kappa_table([[1, 2, 3], [4, 5, 6]]), "square"),
        (lambda: cohen_kappa_table([[1, 2], [3]]), "row 1"),
        (lambda: cohen_kappa_table([[1, -2], [3, 4]]), "cell [0][1]"),
        (lambda: cohen_kappa_table([]), "empty"),
        (lambda: fleiss_kappa_table([[1, math.nan]]), "cell [0][1]"),
        (lambda: cohen_kappa([1, 2], [1]), "2 and 1 items"),
        (lambda: cohen_kappa([1, 6], [1, 2], categories=[1, 2, 3, 4, 5]), "6"),
        (lambda: cohen_kappa(["a", 1], [1, 1], weights="linear"), "cannot be ordered"),
        (lambda: cohen_kappa([1], [1], weights="cubic"), "weights"),  # type: ignore[arg-type]
        (lambda: krippendorff_alpha([["a", "b"]], level="interval"), "interval alpha"),
        (lambda: krippendorff_alpha([[-1, 2]], level="ratio"), ">= 0"),
        (lambda: krippendorff_alpha([[1, 2]], level="scale"), "level"),  # type: ignore[arg-type]
        (lambda: units_from_coders([[1, 2], [1]]), "coder 1"),
    ],
)
def test_malformed_input_is_refused_with_its_field(call: Any, words: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        call()
    assert words in str(raised.value)
