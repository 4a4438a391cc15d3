"""Scorecards: sections of weighted criteria, and the rule that turns results into a score.

Scoring (spec/CHECKS.md): score = 100 × Σ(weight × value) / Σ(weight) over the
criteria that were evaluated and are not ``na``; a pass is worth 1, a fail 0, a
1–5 mark (v − 1) / 4. Bonus criteria only add: their weight counts when they
pass, never in the denominator, and the score is capped at 100. Any failed
critical criterion makes the score 0. The evaluation passes at the pass mark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from kontrol.domain.errors import InvalidInput
from kontrol.domain.yaml_errors import invalid_yaml

CHANNELS = ("call", "chat", "email", "messenger", "social", "app", "self_service", "visit")
SCALES = ("pass_fail", "1-5")
NA_RULES = ("skip", "pass", "fail")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
DEFAULT_PASS_MARK = 80.0

Value = str | int | None
"""A criterion's result: ``pass``/``fail``/``na``, a 1–5 mark, or ``None`` (not evaluated)."""


@dataclass(frozen=True, slots=True)
class Criterion:
    """One thing a scorecard asks, bound to an automatic check or answered by a person."""

    id: str
    title: str
    weight: float = 1.0
    check: str | None = None
    critical: bool = False
    bonus: bool = False
    scale: str = "pass_fail"
    na: str = "skip"

    @property
    def manual(self) -> bool:
        return self.check is None


@dataclass(frozen=True, slots=True)
class Section:
    """A group of criteria (opening, solution, closing...)."""

    id: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A scorecard as written in YAML."""

    name: str
    title: str
    sections: tuple[Section, ...]
    pass_mark: float = DEFAULT_PASS_MARK
    channels: frozenset[str] = frozenset(CHANNELS)
    language: str | None = None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def applies_to(self, channel: str, language: str | None = None) -> bool:
        """Whether interactions of this channel (and language) are scored with it."""
        if channel not in self.channels:
            return False
        return self.language is None or language is None or self.language == language


@dataclass(frozen=True, slots=True)
class CriterionOutcome:
    """How one criterion counted: its value as a fraction (``None``: left out)."""

    criterion: Criterion
    result: Value
    fraction: float | None


@dataclass(frozen=True, slots=True)
class Score:
    """The score (``None`` when no criterion could be counted) and whether it passes."""

    score: float | None
    passed: bool | None
    outcomes: tuple[CriterionOutcome, ...]
    critical_failed: bool = False


def _fraction(criterion: Criterion, result: Value) -> float | None:
    if result is None:
        return None
    if result == "na":
        if criterion.na == "pass":
            return 1.0
        if criterion.na == "fail":
            return 0.0
        return None
    if result == "pass":
        return 1.0
    if result == "fail":
        return 0.0
    if isinstance(result, int) and not isinstance(result, bool) and 1 <= result <= 5:
        return (result - 1) / 4
    raise InvalidInput(f"criterion {criterion.id}: result {result!r} is not pass, fail, na or 1-5")


def compute_score(scorecard: Scorecard, results: Mapping[str, Value]) -> Score:
    """Apply the scoring rule to the results by criterion id (absent: not evaluated)."""
    earned = 0.0
    possible = 0.0
    bonus = 0.0
    critical_failed = False
    outcomes = []
    for criterion in scorecard.criteria:
        result = results.get(criterion.id)
        fraction = _fraction(criterion, result)
        outcomes.append(CriterionOutcome(criterion, result, fraction))
        if fraction is None:
            continue
        if criterion.critical and fraction == 0.0:
            critical_failed = True
        if criterion.bonus:
            bonus += criterion.weight * fraction
        else:
            earned += criterion.weight * fraction
            possible += criterion.weight
    if possible <= 0:
        return Score(None, None, tuple(outcomes), critical_failed)
    if critical_failed:
        value = 0.0
    else:
        value = min(100.0, 100.0 * (earned + bonus) / possible)
    value = round(value, 1)
    return Score(value, value >= scorecard.pass_mark, tuple(outcomes), critical_failed)


# --- YAML ---------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}.{key}: expected text")
    return value.strip()


def _identifier(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise InvalidInput(
            f"{where}.{key}: expected an id of lower-case letters, digits, '_' or '-'"
        )
    return value


def _number(data: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}.{key}: expected a number")
    return float(value)


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{where}.{key}: expected true or false")
    return value


def _choice(data: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...]) -> str:
    value = data.get(key, choices[0])
    if value not in choices:
        raise InvalidInput(f"{where}.{key}: expected one of {', '.join(choices)}")
    return str(value)


def _criterion(data: Any, where: str, known_checks: frozenset[str] | None) -> Criterion:
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected a mapping (id, title, weight, check...)")
    unknown = set(data) - {"id", "title", "weight", "check", "critical", "bonus", "scale", "na"}
    if unknown:
        raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key")
    criterion_id = _identifier(data, "id", where)
    where = f"{where} ({criterion_id})"
    weight = _number(data, "weight", where, 1.0)
    if weight <= 0:
        raise InvalidInput(f"{where}.weight: must be greater than 0")
    check = data.get("check")
    if check is not None:
        if not isinstance(check, str) or not check:
            raise InvalidInput(f"{where}.check: expected a check id")
        if known_checks is not None and check not in known_checks:
            raise InvalidInput(f"{where}.check: unknown check {check!r}")
    return Criterion(
        id=criterion_id,
        title=_text(data, "title", where, default=criterion_id),
        weight=weight,
        check=check,
        critical=_flag(data, "critical", where),
        bonus=_flag(data, "bonus", where),
        scale=_choice(data, "scale", where, SCALES),
        na=_choice(data, "na", where, NA_RULES),
    )


def parse_scorecard(data: Any, *, known_checks: frozenset[str] | None = None) -> Scorecard:
    """A scorecard from parsed YAML; ``InvalidInput`` names the field that is wrong.

    ``known_checks``: when given, a criterion bound to any other check is an error.
    """
    if not isinstance(data, dict):
        raise InvalidInput("scorecard: expected a mapping with name, title and sections")
    unknown = set(data) - {"name", "title", "pass_mark", "channels", "language", "sections"}
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: unknown key")
    name = _identifier(data, "name", "scorecard")
    pass_mark = _number(data, "pass_mark", "scorecard", DEFAULT_PASS_MARK)
    if not 0 <= pass_mark <= 100:
        raise InvalidInput("scorecard.pass_mark: expected 0-100")
    channels = data.get("channels")
    if channels is None:
        channel_set = frozenset(CHANNELS)
    else:
        if not isinstance(channels, list) or not channels:
            raise InvalidInput("scorecard.channels: expected a list of channels")
        bad = [c for c in channels if c not in CHANNELS]
        if bad:
            raise InvalidInput(f"scorecard.channels: unknown channel {bad[0]!r}")
        channel_set = frozenset(channels)
    language = data.get("language")
    if language is not None and language not in ("ru", "en"):
        raise InvalidInput("scorecard.language: expected ru or en")
    sections_data = data.get("sections")
    if not isinstance(sections_data, list) or not sections_data:
        raise InvalidInput("scorecard.sections: expected a non-empty list")
    sections = []
    seen: set[str] = set()
    for i, item in enumerate(sections_data):
        where = f"sections[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where}: expected a mapping (id, title, criteria)")
        unknown = set(item) - {"id", "title", "criteria"}
        if unknown:
            raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key")
        section_id = _identifier(item, "id", where)
        criteria_data = item.get("criteria")
        if not isinstance(criteria_data, list) or not criteria_data:
            raise InvalidInput(f"{where}.criteria: expected a non-empty list")
        criteria = []
        for j, entry in enumerate(criteria_data):
            criterion = _criterion(entry, f"{where}.criteria[{j}]", known_checks)
            if criterion.id in seen:
                raise InvalidInput(f"{where}.criteria[{j}].id: {criterion.id!r} is used twice")
            seen.add(criterion.id)
            criteria.append(criterion)
        sections.append(
            Section(section_id, _text(item, "title", where, default=section_id), tuple(criteria))
        )
    return Scorecard(
        name=name,
        title=_text(data, "title", "scorecard", default=name),
        sections=tuple(sections),
        pass_mark=pass_mark,
        channels=channel_set,
        language=language,
    )


def load_scorecard(text: str, *, known_checks: frozenset[str] | None = None) -> Scorecard:
    """A scorecard from YAML text; errors give the YAML line or the field."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise invalid_yaml(error, f"not valid YAML{line}: {problem}") from None
    return parse_scorecard(data, known_checks=known_checks)
