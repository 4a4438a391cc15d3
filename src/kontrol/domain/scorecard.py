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
from kontrol.domain.yaml_errors import invalid_yaml, yaml_line

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
    description: str = ""

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
    raise InvalidInput(
        f"criterion {criterion.id}: result {result!r} is not pass, fail, na or 1-5",
        key="error.criterion_result",
        params={"id": criterion.id, "result": result},
    )


def criterion_results(scorecard: Scorecard, verdicts: Mapping[str, str]) -> dict[str, Value]:
    """Each bound criterion's result from the checks' results by check id."""
    return {
        c.id: verdicts[c.check]
        for c in scorecard.criteria
        if c.check is not None and c.check in verdicts
    }


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

Path = tuple[str | int, ...]
"""Where a field is in a scorecard: ``("sections", 0, "criteria", 2, "weight")``."""

CRITERION_KEYS = frozenset(
    {"id", "title", "description", "weight", "check", "critical", "bonus", "scale", "na"}
)
SCORECARD_KEYS = frozenset({"name", "title", "pass_mark", "channels", "language", "sections"})
SECTION_KEYS = frozenset({"id", "title", "criteria"})


@dataclass(frozen=True, slots=True)
class _Where:
    """A field being read: its English name for messages and its path for forms and lines."""

    text: str
    path: Path = ()

    def key(self, name: str) -> _Where:
        return _Where(f"{self.text}.{name}", (*self.path, name))

    def item(self, index: int, name: str) -> _Where:
        text = f"{name}[{index}]" if not self.path else f"{self.text}.{name}[{index}]"
        return _Where(text, (*self.path, name, index))

    def named(self, identifier: str) -> _Where:
        return _Where(f"{self.text} ({identifier})", self.path)


class ScorecardInvalid(InvalidInput):
    """A scorecard breaking a rule: which field (``path``), and its YAML ``line`` when known.

    ``str()`` is the English message of the API and the CLI; ``key`` and ``params``
    (``field`` and the rule's own values) tell it in the reader's language.
    """

    def __init__(self, where: _Where, problem: str, english: str, **params: object) -> None:
        super().__init__(
            f"{where.text}: {english}",
            key=f"scorecard.error.{problem}",
            params={"field": where.text, **params},
        )
        self.path: Path = where.path
        self.line: int | None = None

    @classmethod
    def at(cls, path: Path, problem: str, english: str, **params: object) -> ScorecardInvalid:
        """The error of the field at ``path`` (a form's field, where no YAML was written)."""
        text = ""
        for step in path:
            text = f"{text}[{step}]" if isinstance(step, int) else f"{text}.{step}".lstrip(".")
        return cls(_Where(text or "scorecard", path), problem, english, **params)


_TOP = _Where("scorecard")


def _text(data: Mapping[str, Any], key: str, where: _Where, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ScorecardInvalid(where.key(key), "text", "expected text")
    return value.strip()


def _identifier(data: Mapping[str, Any], key: str, where: _Where) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ScorecardInvalid(
            where.key(key),
            "identifier",
            "expected an id of lower-case letters, digits, '_' or '-'",
        )
    return value


def _number(data: Mapping[str, Any], key: str, where: _Where, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScorecardInvalid(where.key(key), "number", "expected a number")
    return float(value)


def _flag(data: Mapping[str, Any], key: str, where: _Where) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ScorecardInvalid(where.key(key), "flag", "expected true or false")
    return value


def _choice(data: Mapping[str, Any], key: str, where: _Where, choices: tuple[str, ...]) -> str:
    value = data.get(key, choices[0])
    if value not in choices:
        listed = ", ".join(choices)
        raise ScorecardInvalid(
            where.key(key), "choice", f"expected one of {listed}", choices=listed
        )
    return str(value)


def _unknown(data: Mapping[str, Any], known: frozenset[str], where: _Where) -> None:
    unknown = sorted(str(k) for k in set(data) - known)
    if unknown:
        place = where.key(unknown[0]) if where.path else _Where(unknown[0], (unknown[0],))
        raise ScorecardInvalid(place, "unknown_key", "unknown key")


def _criterion(data: Any, where: _Where, known_checks: frozenset[str] | None) -> Criterion:
    if not isinstance(data, dict):
        raise ScorecardInvalid(
            where, "criterion", "expected a mapping (id, title, weight, check...)"
        )
    _unknown(data, CRITERION_KEYS, where)
    criterion_id = _identifier(data, "id", where)
    where = where.named(criterion_id)
    weight = _number(data, "weight", where, 1.0)
    if weight <= 0:
        raise ScorecardInvalid(where.key("weight"), "weight", "must be greater than 0")
    check = data.get("check")
    if check is not None:
        if not isinstance(check, str) or not check:
            raise ScorecardInvalid(where.key("check"), "check", "expected a check id")
        if known_checks is not None and check not in known_checks:
            raise ScorecardInvalid(
                where.key("check"), "unknown_check", f"unknown check {check!r}", check=check
            )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScorecardInvalid(where.key("description"), "text", "expected text")
    return Criterion(
        id=criterion_id,
        title=_text(data, "title", where, default=criterion_id),
        weight=weight,
        check=check,
        critical=_flag(data, "critical", where),
        bonus=_flag(data, "bonus", where),
        scale=_choice(data, "scale", where, SCALES),
        na=_choice(data, "na", where, NA_RULES),
        description=description.strip(),
    )


def _channels(data: Mapping[str, Any]) -> frozenset[str]:
    channels = data.get("channels")
    if channels is None:
        return frozenset(CHANNELS)
    where = _TOP.key("channels")
    if not isinstance(channels, list) or not channels:
        raise ScorecardInvalid(where, "channels", "expected a list of channels")
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise ScorecardInvalid(
            where, "unknown_channel", f"unknown channel {bad[0]!r}", channel=str(bad[0])
        )
    return frozenset(channels)


def _section(
    item: Any, where: _Where, known_checks: frozenset[str] | None, seen: set[str]
) -> Section:
    if not isinstance(item, dict):
        raise ScorecardInvalid(where, "section", "expected a mapping (id, title, criteria)")
    _unknown(item, SECTION_KEYS, where)
    section_id = _identifier(item, "id", where)
    criteria_data = item.get("criteria")
    if not isinstance(criteria_data, list) or not criteria_data:
        raise ScorecardInvalid(where.key("criteria"), "no_criteria", "expected a non-empty list")
    criteria = []
    for j, entry in enumerate(criteria_data):
        at = where.item(j, "criteria")
        criterion = _criterion(entry, at, known_checks)
        if criterion.id in seen:
            raise ScorecardInvalid(
                at.key("id"), "twice", f"{criterion.id!r} is used twice", id=criterion.id
            )
        seen.add(criterion.id)
        criteria.append(criterion)
    return Section(section_id, _text(item, "title", where, default=section_id), tuple(criteria))


def parse_scorecard(data: Any, *, known_checks: frozenset[str] | None = None) -> Scorecard:
    """A scorecard from parsed YAML; ``ScorecardInvalid`` names the field that is wrong.

    ``known_checks``: when given, a criterion bound to any other check is an error.
    """
    if not isinstance(data, dict):
        raise ScorecardInvalid(_TOP, "mapping", "expected a mapping with name, title and sections")
    _unknown(data, SCORECARD_KEYS, _Where(""))
    name = _identifier(data, "name", _TOP)
    pass_mark = _number(data, "pass_mark", _TOP, DEFAULT_PASS_MARK)
    if not 0 <= pass_mark <= 100:
        raise ScorecardInvalid(_TOP.key("pass_mark"), "pass_mark", "expected 0-100")
    channel_set = _channels(data)
    language = data.get("language")
    if language is not None and language not in ("ru", "en"):
        raise ScorecardInvalid(_TOP.key("language"), "language", "expected ru or en")
    sections_data = data.get("sections")
    if not isinstance(sections_data, list) or not sections_data:
        raise ScorecardInvalid(_TOP.key("sections"), "no_sections", "expected a non-empty list")
    seen: set[str] = set()
    sections = [
        _section(item, _Where("").item(i, "sections"), known_checks, seen)
        for i, item in enumerate(sections_data)
    ]
    return Scorecard(
        name=name,
        title=_text(data, "title", _TOP, default=name),
        sections=tuple(sections),
        pass_mark=pass_mark,
        channels=channel_set,
        language=language,
    )


def _loader() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_of(text: str, path: Path) -> int | None:
    """The 1-based line of the field at ``path`` in the YAML ``text`` (its nearest parent's)."""
    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None
    line = None
    for step in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    child = value
                    line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(node.value):
                child = node.value[step]
        node = child
    if node is not None:
        line = node.start_mark.line + 1 if line is None else line
    return line


def load_scorecard(text: str, *, known_checks: frozenset[str] | None = None) -> Scorecard:
    """A scorecard from YAML text; errors give the YAML line and the field."""
    try:
        data = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as error:
        line = yaml_line(error)
        where = f" at line {line}" if line is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise invalid_yaml(error, f"not valid YAML{where}: {problem}") from None
    try:
        return parse_scorecard(data, known_checks=known_checks)
    except ScorecardInvalid as error:
        error.line = line_of(text, error.path)
        if error.line is not None:
            error.args = (f"line {error.line}: {error.args[0]}",)
        raise
