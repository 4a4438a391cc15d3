"""Scorecards: the YAML a QA lead writes and the scoring rule of spec/CHECKS.md."""

from __future__ import annotations

import pytest

from kontrol.checks.registry import registered_checks
from kontrol.checks.scorecards import DEFAULT_SCORECARDS, default_scorecard_text
from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import compute_score, load_scorecard

CARD = """
name: test
title: Test
pass_mark: 75
channels: [chat]
sections:
  - id: main
    title: Main
    criteria:
      - {id: a, check: greeting, weight: 2}
      - {id: b, check: empathy, weight: 1}
      - {id: c, check: no_rudeness, weight: 1, critical: true}
      - {id: d, check: upsell, weight: 1, bonus: true}
      - {id: e, weight: 4, scale: 1-5}
      - {id: f, check: rating_request, weight: 1, na: fail}
"""


def test_score_is_the_weighted_share_of_passed_criteria_na_left_out() -> None:
    card = load_scorecard(CARD)
    score = compute_score(card, {"a": "pass", "b": "fail", "c": "pass", "f": "na"})
    # passed 2+1, possible 2+1+1+1 (f's na counts as a fail), e not evaluated.
    assert score.score == 60.0
    assert score.passed is False
    assert compute_score(card, {"a": "pass", "b": "na", "c": "pass"}).score == 100.0


def test_critical_fail_makes_the_score_zero() -> None:
    score = compute_score(load_scorecard(CARD), {"a": "pass", "b": "pass", "c": "fail"})
    assert score.score == 0.0
    assert score.critical_failed is True


def test_bonus_only_adds_and_the_score_stays_within_100() -> None:
    card = load_scorecard(CARD)
    assert compute_score(card, {"a": "pass", "b": "fail", "d": "pass"}).score == pytest.approx(
        100 * (2 + 1) / 3, abs=0.1
    )
    assert compute_score(card, {"a": "pass", "d": "pass"}).score == 100.0
    assert compute_score(card, {"a": "pass", "d": "fail"}).score == 100.0
    # A bonus not earned is no failure: the evaluation passes (qa_failed stays false).
    assert compute_score(card, {"a": "pass", "d": "fail"}).passed is True


def test_one_to_five_marks_map_to_0_100() -> None:
    card = load_scorecard(CARD)
    assert compute_score(card, {"e": 5}).score == 100.0
    assert compute_score(card, {"e": 3}).score == 50.0
    assert compute_score(card, {"e": 1}).score == 0.0


def test_nothing_evaluated_gives_no_score() -> None:
    score = compute_score(load_scorecard(CARD), {"b": "na"})
    assert score.score is None and score.passed is None


def test_channels_and_language_limit_where_a_scorecard_applies() -> None:
    card = load_scorecard(CARD)
    assert card.applies_to("chat")
    assert not card.applies_to("call")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\nsections: []", "scorecard.sections"),
        ("name: x\nsections: [{id: s, criteria: [{id: a, weight: -1}]}]", "criteria[0] (a).weight"),
        ("name: x\nsections: [{id: s, criteria: [{id: a, check: nope}]}]", "unknown check"),
        ("name: x\nsections: [{id: s, criteria: [{id: a, scale: 1-10}]}]", "scale"),
        ("name: x\nsections: [{id: s, criteria: [{id: a}, {id: a}]}]", "used twice"),
        ("name: x\npass_mark: 120\nsections: [{id: s, criteria: [{id: a}]}]", "pass_mark"),
        ("name: x\nsections:\n  - id: [\n", "line"),
    ],
)
def test_errors_name_the_field(text: str, where: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        load_scorecard(text, known_checks=frozenset(registered_checks()))
    assert where in str(raised.value)


@pytest.mark.parametrize("name", DEFAULT_SCORECARDS)
def test_default_scorecards_bind_every_built_in_check(name: str) -> None:
    card = load_scorecard(default_scorecard_text(name), known_checks=frozenset(registered_checks()))
    assert {c.check for c in card.criteria if c.check} == set(registered_checks())
    assert [c.id for c in card.criteria if c.critical] == ["no_rudeness"]
    assert any(c.manual for c in card.criteria)
