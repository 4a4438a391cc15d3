"""Agreement between raters: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.

Written from the definitions:

- percent agreement: for each item, the share of pairs of its raters that gave the
  same answer; averaged over the items rated by at least two raters (for two raters
  it is the share of items where they agree).
- Cohen's kappa (Cohen 1960, weighted: Cohen 1968) for two raters over the same
  items: ``κ = 1 − Σ w_ij p_ij / Σ w_ij p_i· p_·j`` with disagreement weights
  ``w_ij``: 1 off the diagonal (unweighted, where it equals ``(p_o − p_e) / (1 − p_e)``),
  ``|i − j| / (k − 1)`` (linear) or ``((i − j) / (k − 1))²`` (quadratic).
- Fleiss' kappa (Fleiss 1971) for a fixed number ``n`` of raters per subject:
  ``κ = (P̄ − P̄_e) / (1 − P̄_e)``, ``P_i = (Σ_j n_ij² − n) / (n (n − 1))``,
  ``P̄_e = Σ_j p_j²``.
- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
  ``α = 1 − D_o / D_e`` from the coincidence matrix of the pairable values (a unit's
  values count when the unit has at least two), any number of raters per unit,
  missing values allowed, with the nominal, ordinal, interval and ratio metrics.

A figure the data cannot define comes back as ``value=None`` with a reason code
(``NO_UNITS``: nothing was rated by two raters; ``NO_VARIATION``: every rating is
in one category, so chance agreement is total and the ratio would be 0/0;
``UNEQUAL_RATERS``: Fleiss' kappa needs the same number of raters on every item),
never as a division by zero. Malformed input (a ragged or negative table, a
category outside the given order, text on an interval scale) raises
:class:`~kontrol.domain.errors.InvalidInput` naming what is wrong.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from kontrol.domain.errors import InvalidInput

Rating = str | int | float
"""One rater's answer: a category label or a number."""

Weighting = Literal["none", "linear", "quadratic"]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
WEIGHTINGS: tuple[Weighting, ...] = ("none", "linear", "quadratic")
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")

NO_UNITS = "no_units"
NO_VARIATION = "no_variation"
UNEQUAL_RATERS = "unequal_raters"

PERCENT = "percent_agreement"
COHEN = "cohen_kappa"
FLEISS = "fleiss_kappa"
KRIPPENDORFF = "krippendorff_alpha"


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreement figure, or the reason the data cannot define it.

    ``observed`` and ``expected`` are the two terms the figure is built from:
    agreement proportions for percent agreement and the kappas (``p_o``, ``p_e``;
    weighted kappa: one minus the weighted disagreement), disagreements for
    Krippendorff's alpha (``D_o``, ``D_e``). ``units`` counts the items that entered
    the figure (for alpha: units with at least two values).
    """

    statistic: str
    value: float | None
    units: int
    observed: float | None = None
    expected: float | None = None
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


def _undefined(statistic: str, reason: str, units: int = 0) -> Agreement:
    return Agreement(statistic=statistic, value=None, units=units, reason=reason)


def _present(ratings: Iterable[Rating | None]) -> list[Rating]:
    return [r for r in ratings if r is not None]


def percent_agreement(units: Iterable[Sequence[Rating | None]]) -> Agreement:
    """Mean share of agreeing rater pairs per item; ``None`` marks a missing rating."""
    shares: list[float] = []
    for unit in units:
        ratings = _present(unit)
        m = len(ratings)
        if m < 2:
            continue
        same = sum(c * (c - 1) for c in Counter(ratings).values())
        shares.append(same / (m * (m - 1)))
    if not shares:
        return _undefined(PERCENT, NO_UNITS)
    value = math.fsum(shares) / len(shares)
    return Agreement(statistic=PERCENT, value=value, units=len(shares), observed=value)


def _check_counts(table: Sequence[Sequence[float]], name: str) -> list[list[float]]:
    rows = [list(row) for row in table]
    if not rows or not rows[0]:
        raise InvalidInput(
            f"{name}: the table is empty",
            key="review.error.table_empty",
            where_key="error.where.field",
            where_params={"field": name},
        )
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InvalidInput(
                f"{name}: row {i} has {len(row)} cells, row 0 has {width}",
                key="review.error.row_width",
                params={"i": i, "count": len(row), "width": width},
                where_key="error.where.field",
                where_params={"field": name},
            )
        for j, cell in enumerate(row):
            if isinstance(cell, bool) or not isinstance(cell, int | float):
                raise InvalidInput(
                    f"{name}: cell [{i}][{j}] is not a number: {cell!r}",
                    key="review.error.cell_not_number",
                    params={"i": i, "j": j, "cell": cell},
                    where_key="error.where.field",
                    where_params={"field": name},
                )
            if not math.isfinite(cell) or cell < 0:
                raise InvalidInput(
                    f"{name}: cell [{i}][{j}] must be a count >= 0, not {cell!r}",
                    key="review.error.cell_negative",
                    params={"i": i, "j": j, "cell": cell},
                    where_key="error.where.field",
                    where_params={"field": name},
                )
    return [[float(c) for c in row] for row in rows]


def _disagreement_weights(k: int, weights: Weighting) -> list[list[float]]:
    if weights not in WEIGHTINGS:
        raise InvalidInput(
            f"weights: {weights!r} is not one of {', '.join(WEIGHTINGS)}",
            key="review.error.weights_one_of",
            params={"weights": weights, "join": ", ".join(WEIGHTINGS)},
            where_key="error.where.field",
            where_params={"field": "weights"},
        )
    span = max(k - 1, 1)
    if weights == "linear":
        return [[abs(i - j) / span for j in range(k)] for i in range(k)]
    if weights == "quadratic":
        return [[((i - j) / span) ** 2 for j in range(k)] for i in range(k)]
    return [[0.0 if i == j else 1.0 for j in range(k)] for i in range(k)]


def cohen_kappa_table(
    table: Sequence[Sequence[float]], *, weights: Weighting = "none"
) -> Agreement:
    """Cohen's kappa from a k×k contingency table (rows: first rater, columns: second).

    For weighted kappa the rows and columns are the categories in their order on
    the scale; the weights depend only on the distance between positions.
    """
    counts = _check_counts(table, "table")
    k = len(counts)
    if any(len(row) != k for row in counts):
        raise InvalidInput(
            f"table: a contingency table must be square, not {k}x{len(counts[0])}",
            key="review.error.table_square",
            params={"k": k, "count": len(counts[0])},
            where_key="error.where.field",
            where_params={"field": "table"},
        )
    w = _disagreement_weights(k, weights)
    total = math.fsum(math.fsum(row) for row in counts)
    if total <= 0:
        return _undefined(COHEN, NO_UNITS)
    rows = [math.fsum(row) / total for row in counts]
    cols = [math.fsum(counts[i][j] for i in range(k)) / total for j in range(k)]
    q_observed = math.fsum(w[i][j] * counts[i][j] / total for i in range(k) for j in range(k))
    q_expected = math.fsum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    units = round(total)
    if q_expected <= 0.0:
        return _undefined(COHEN, NO_VARIATION, units)
    return Agreement(
        statistic=COHEN,
        value=1.0 - q_observed / q_expected,
        units=units,
        observed=1.0 - q_observed,
        expected=1.0 - q_expected,
    )


def _ordered_categories(
    values: Iterable[Rating], categories: Sequence[Rating] | None, ordered: bool, name: str
) -> list[Rating]:
    """The categories in scale order: as given, else sorted (ordered) or first seen."""
    seen = list(dict.fromkeys(values))
    if categories is not None:
        order = list(dict.fromkeys(categories))
        known = set(order)
        stray = [v for v in seen if v not in known]
        if stray:
            raise InvalidInput(
                f"{name}: rating {stray[0]!r} is not among the categories {order}",
                key="review.error.rating_stray",
                params={"stray": stray[0], "order": order},
                where_key="error.where.field",
                where_params={"field": name},
            )
        return order
    if not ordered:
        return seen
    try:
        return sorted(seen)
    except TypeError:
        raise InvalidInput(
            f"{name}: ratings mix text and numbers and cannot be ordered; pass the categories",
            key="review.error.mixed_ratings",
            where_key="error.where.field",
            where_params={"field": name},
        ) from None


def cohen_kappa(
    first: Sequence[Rating | None],
    second: Sequence[Rating | None],
    *,
    weights: Weighting = "none",
    categories: Sequence[Rating] | None = None,
) -> Agreement:
    """Cohen's kappa of two raters' answers to the same items, item by item.

    Items where either answer is ``None`` are left out. ``categories`` gives the
    scale in order (needed for weighted kappa when a level was never used, e.g.
    ``[1, 2, 3, 4, 5]``); without it the categories are the answers seen, sorted.
    """
    if len(first) != len(second):
        raise InvalidInput(
            f"ratings: the two raters rated {len(first)} and {len(second)} items; "
            "give one answer (or None) per item for each",
            key="review.error.raters_count",
            params={"count": len(first), "count2": len(second)},
            where_key="error.where.field",
            where_params={"field": "ratings"},
        )
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    if not pairs:
        return _undefined(COHEN, NO_UNITS)
    order = _ordered_categories(
        (v for pair in pairs for v in pair), categories, weights != "none", "ratings"
    )
    index = {c: i for i, c in enumerate(order)}
    table = [[0.0] * len(order) for _ in order]
    for a, b in pairs:
        table[index[a]][index[b]] += 1
    return cohen_kappa_table(table, weights=weights)


def fleiss_kappa_table(table: Sequence[Sequence[float]]) -> Agreement:
    """Fleiss' kappa from a subjects × categories table of how many raters chose each."""
    counts = _check_counts(table, "table")
    per_subject = {math.fsum(row) for row in counts}
    if len(per_subject) != 1:
        return _undefined(FLEISS, UNEQUAL_RATERS, len(counts))
    n = per_subject.pop()
    subjects = len(counts)
    if n < 2:
        return _undefined(FLEISS, NO_UNITS, subjects)
    k = len(counts[0])
    column_totals = [math.fsum(row[j] for row in counts) for j in range(k)]
    if sum(1 for t in column_totals if t > 0) < 2:
        return _undefined(FLEISS, NO_VARIATION, subjects)
    p = [t / (subjects * n) for t in column_totals]
    p_items = [(math.fsum(c * c for c in row) - n) / (n * (n - 1)) for row in counts]
    p_bar = math.fsum(p_items) / subjects
    p_expected = math.fsum(x * x for x in p)
    return Agreement(
        statistic=FLEISS,
        value=(p_bar - p_expected) / (1.0 - p_expected),
        units=subjects,
        observed=p_bar,
        expected=p_expected,
    )


def fleiss_kappa(
    units: Iterable[Sequence[Rating | None]], *, categories: Sequence[Rating] | None = None
) -> Agreement:
    """Fleiss' kappa from each item's answers; every rated item needs the same number.

    ``None`` marks a missing answer; items with no answer at all are left out.
    """
    rated = [r for r in (_present(u) for u in units) if r]
    if not rated:
        return _undefined(FLEISS, NO_UNITS)
    order = _ordered_categories((v for u in rated for v in u), categories, False, "ratings")
    index = {c: i for i, c in enumerate(order)}
    table = [[0.0] * len(order) for _ in rated]
    for row, unit in zip(table, rated, strict=True):
        for v in unit:
            row[index[v]] += 1
    return fleiss_kappa_table(table)


def units_from_coders(
    reliability_data: Sequence[Sequence[Rating | None]],
) -> list[list[Rating | None]]:
    """Turn Krippendorff's reliability data (one row per coder, one column per unit)
    into one list of answers per unit."""
    rows = [list(r) for r in reliability_data]
    if not rows:
        return []
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InvalidInput(
                f"reliability data: coder {i} has {len(row)} units, coder 0 {width}",
                key="review.error.coder_units",
                params={"i": i, "count": len(row), "width": width},
            )
    return [[row[u] for row in rows] for u in range(width)]


def _numbers(values: Iterable[Rating], level: Level) -> None:
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidInput(
                f"ratings: {level} alpha needs numbers, not {v!r}",
                key="review.error.alpha_numbers",
                params={"level": level, "v": v},
                where_key="error.where.field",
                where_params={"field": "ratings"},
            )
        if level == "ratio" and v < 0:
            raise InvalidInput(
                f"ratings: ratio alpha needs values >= 0, not {v!r}",
                key="review.error.alpha_ratio",
                params={"v": v},
                where_key="error.where.field",
                where_params={"field": "ratings"},
            )


def _metric(
    level: Level, order: Sequence[Rating], marginals: Mapping[Rating, float]
) -> list[list[float]]:
    """δ²(c, k) for the categories in ``order`` (Krippendorff 2011, section C)."""
    size = len(order)
    if level == "nominal":
        return [[0.0 if i == j else 1.0 for j in range(size)] for i in range(size)]
    if level == "ordinal":
        totals = [marginals.get(c, 0.0) for c in order]
        prefix = [0.0]
        for t in totals:
            prefix.append(prefix[-1] + t)
        delta = [[0.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                between = prefix[j + 1] - prefix[i] - (totals[i] + totals[j]) / 2
                delta[i][j] = delta[j][i] = between * between
        return delta
    numbers = [float(c) for c in order]
    if level == "interval":
        return [[(a - b) ** 2 for b in numbers] for a in numbers]
    return [[((a - b) / (a + b)) ** 2 if a + b else 0.0 for b in numbers] for a in numbers]


def krippendorff_alpha(
    units: Iterable[Sequence[Rating | None]],
    *,
    level: Level = "nominal",
    order: Sequence[Rating] | None = None,
) -> Agreement:
    """Krippendorff's alpha over units, each a list of the answers it got (``None``: missing).

    Units with fewer than two answers carry no information about agreement and
    are left out. ``order`` gives the ordinal scale when its labels do not sort
    themselves (``["poor", "fair", "good"]``); interval and ratio need numbers.
    """
    if level not in LEVELS:
        raise InvalidInput(
            f"level: {level!r} is not one of {', '.join(LEVELS)}",
            key="review.error.level_one_of",
            params={"level": level, "join": ", ".join(LEVELS)},
            where_key="error.where.field",
            where_params={"field": "level"},
        )
    pairable = [r for r in (_present(u) for u in units) if len(r) >= 2]
    if not pairable:
        return _undefined(KRIPPENDORFF, NO_UNITS)
    values = [v for u in pairable for v in u]
    if level in ("interval", "ratio"):
        _numbers(values, level)
    categories = _ordered_categories(values, order, level != "nominal", "ratings")
    index = {c: i for i, c in enumerate(categories)}
    size = len(categories)
    coincidences = [[0.0] * size for _ in range(size)]
    for unit in pairable:
        m = len(unit)
        counted = Counter(index[v] for v in unit)
        for c, n_c in counted.items():
            for k, n_k in counted.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                coincidences[c][k] += pairs / (m - 1)
    marginal_by_index = [math.fsum(row) for row in coincidences]
    n = math.fsum(marginal_by_index)
    if sum(1 for t in marginal_by_index if t > 0) < 2:
        return _undefined(KRIPPENDORFF, NO_VARIATION, len(pairable))
    marginals = {categories[i]: t for i, t in enumerate(marginal_by_index)}
    delta = _metric(level, categories, marginals)
    cells = range(size)
    observed = math.fsum(coincidences[c][k] * delta[c][k] for c in cells for k in cells) / n
    expected = math.fsum(
        marginal_by_index[c] * marginal_by_index[k] * delta[c][k] for c in cells for k in cells
    ) / (n * (n - 1))
    if expected <= 0.0:
        return _undefined(KRIPPENDORFF, NO_VARIATION, len(pairable))
    return Agreement(
        statistic=KRIPPENDORFF,
        value=1.0 - observed / expected,
        units=len(pairable),
        observed=observed,
        expected=expected,
    )
