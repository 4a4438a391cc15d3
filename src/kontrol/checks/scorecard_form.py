"""The scorecard form: what a QA lead types into the editor, to and from a scorecard.

The editor posts its fields in the order they stand on the page, so a section
or a criterion dragged elsewhere is simply posted elsewhere: a ``section``
field opens a section, a ``criterion`` field opens a criterion of the section
above, and the fields after it (``criterion_title``, ``criterion_weight``...)
fill it in. What was typed is kept as text (a :class:`ScorecardDraft`) so a
form with a mistake comes back as it was, the mistake named by its path.

A saved scorecard is YAML like any other (the form writes it), so every
version stays readable, exportable and importable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import (
    CHANNELS,
    DEFAULT_PASS_MARK,
    IDENTIFIER,
    NA_RULES,
    SCALES,
    Path,
    Scorecard,
    ScorecardInvalid,
    parse_scorecard,
)

MAX_SECTIONS = 40
MAX_CRITERIA = 200
TEXT_LIMIT = 200
DESCRIPTION_LIMIT = 1000
LANGUAGES = ("", "ru", "en")

CRITERION_FIELDS = {
    "criterion_id": "id",
    "criterion_title": "title",
    "criterion_description": "description",
    "criterion_weight": "weight",
    "criterion_check": "check",
    "criterion_scale": "scale",
    "criterion_na": "na",
}
CRITERION_FLAGS = {"criterion_critical": "critical", "criterion_bonus": "bonus"}


@dataclass
class CriterionDraft:
    """One criterion as typed (every value text; flags as booleans)."""

    id: str = ""
    title: str = ""
    description: str = ""
    weight: str = "1"
    check: str = ""
    scale: str = "pass_fail"
    na: str = "skip"
    critical: bool = False
    bonus: bool = False


@dataclass
class SectionDraft:
    """One section as typed, with its criteria in page order."""

    id: str = ""
    title: str = ""
    criteria: list[CriterionDraft] = field(default_factory=list)


@dataclass
class ScorecardDraft:
    """A whole scorecard as typed in the editor."""

    name: str = ""
    title: str = ""
    language: str = ""
    pass_mark: str = "80"
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    sections: list[SectionDraft] = field(default_factory=list)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def draft_of(card: Scorecard) -> ScorecardDraft:
    """The form of a stored scorecard."""
    return ScorecardDraft(
        name=card.name,
        title=card.title,
        language=card.language or "",
        pass_mark=_number_text(card.pass_mark),
        channels=[c for c in CHANNELS if c in card.channels],
        sections=[
            SectionDraft(
                id=section.id,
                title=section.title,
                criteria=[
                    CriterionDraft(
                        id=c.id,
                        title=c.title,
                        description=c.description,
                        weight=_number_text(c.weight),
                        check=c.check or "",
                        scale=c.scale,
                        na=c.na,
                        critical=c.critical,
                        bonus=c.bonus,
                    )
                    for c in section.criteria
                ],
            )
            for section in card.sections
        ],
    )


def starter_draft() -> ScorecardDraft:
    """A new scorecard: one section with one criterion to fill in."""
    return ScorecardDraft(sections=[SectionDraft(criteria=[CriterionDraft()])])


def draft_from_form(fields: Iterable[tuple[str, str]]) -> ScorecardDraft:
    """The draft from the editor's fields, in the order the page posted them."""
    draft = ScorecardDraft(channels=[])
    section: SectionDraft | None = None
    criterion: CriterionDraft | None = None
    for name, raw in fields:
        value = raw.strip() if isinstance(raw, str) else ""
        if name == "section":
            if len(draft.sections) >= MAX_SECTIONS:
                raise ScorecardInvalid.at(
                    ("sections",), "too_many", "too many sections", limit=MAX_SECTIONS
                )
            section = SectionDraft()
            draft.sections.append(section)
            criterion = None
        elif name == "criterion":
            if sum(len(s.criteria) for s in draft.sections) >= MAX_CRITERIA:
                raise ScorecardInvalid.at(
                    ("sections",), "too_many", "too many criteria", limit=MAX_CRITERIA
                )
            if section is None:
                section = SectionDraft()
                draft.sections.append(section)
            criterion = CriterionDraft()
            section.criteria.append(criterion)
        elif name in ("section_id", "section_title") and section is not None:
            setattr(section, name.removeprefix("section_"), value)
        elif name in CRITERION_FIELDS and criterion is not None:
            setattr(criterion, CRITERION_FIELDS[name], value)
        elif name in CRITERION_FLAGS and criterion is not None:
            setattr(criterion, CRITERION_FLAGS[name], True)
        elif name == "channels":
            draft.channels.append(value)
        elif name in ("name", "title", "language", "pass_mark"):
            setattr(draft, name, value)
    return draft


# Russian letters in Latin, for the ids the form makes up from titles.
_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def identifier_from(title: str, fallback: str) -> str:
    """An id made up from a title (``Поприветствовал клиента`` → ``poprivetstvoval_klienta``)."""
    letters = "".join(_LATIN.get(ch, ch) for ch in title.lower()).replace("-", "")
    slug = re.sub(r"[^a-z0-9]+", "_", letters).strip("_")[:40].rstrip("_")
    if not slug or not slug[0].isalpha():
        return fallback
    return slug


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate = f"{wanted}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _weight(text: str, path: Path) -> float:
    try:
        value = float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        raise ScorecardInvalid.at((*path, "weight"), "number", "expected a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ScorecardInvalid.at((*path, "weight"), "number", "expected a number")
    return value


def _limited(text: str, path: Path, limit: int) -> str:
    if len(text) > limit:
        raise ScorecardInvalid.at(path, "too_long", f"longer than {limit} characters", limit=limit)
    return text


def _criterion_data(c: CriterionDraft, path: Path, ids: set[str]) -> dict[str, Any]:
    title = _limited(c.title, (*path, "title"), TEXT_LIMIT)
    if not title:
        raise ScorecardInvalid.at((*path, "title"), "text", "expected text")
    data: dict[str, Any] = {
        "id": c.id or _unique(identifier_from(title, f"c{len(ids) + 1}"), ids),
        "title": title,
    }
    if c.id:
        ids.add(c.id)
    if c.description:
        data["description"] = _limited(c.description, (*path, "description"), DESCRIPTION_LIMIT)
    weight = _weight(c.weight or "1", path)
    data["weight"] = int(weight) if weight == int(weight) else weight
    if c.check:
        data["check"] = c.check
    if c.critical:
        data["critical"] = True
    if c.bonus:
        data["bonus"] = True
    if c.scale != SCALES[0]:
        data["scale"] = c.scale
    if c.na != NA_RULES[0]:
        data["na"] = c.na
    return data


def draft_data(draft: ScorecardDraft) -> dict[str, Any]:
    """The draft as scorecard YAML data; a typing mistake is a :class:`ScorecardInvalid`."""
    title = _limited(draft.title, ("title",), TEXT_LIMIT)
    if not title:
        raise ScorecardInvalid.at(("title",), "text", "expected text")
    name = draft.name or identifier_from(title, "scorecard")
    try:
        pass_mark = (
            float(draft.pass_mark.replace(",", ".")) if draft.pass_mark else DEFAULT_PASS_MARK
        )
    except ValueError:
        raise ScorecardInvalid.at(("pass_mark",), "number", "expected a number") from None
    if not draft.channels:
        raise ScorecardInvalid.at(("channels",), "channels", "expected a list of channels")
    data: dict[str, Any] = {"name": name, "title": title}
    if draft.language:
        data["language"] = draft.language
    data["pass_mark"] = int(pass_mark) if pass_mark == int(pass_mark) else pass_mark
    data["channels"] = list(draft.channels)
    section_ids: set[str] = {s.id for s in draft.sections if s.id}
    criterion_ids: set[str] = set()
    sections = []
    for i, section in enumerate(draft.sections):
        path: Path = ("sections", i)
        section_title = _limited(section.title, (*path, "title"), TEXT_LIMIT)
        if not section_title:
            raise ScorecardInvalid.at((*path, "title"), "text", "expected text")
        section_id = section.id or _unique(identifier_from(section_title, f"s{i + 1}"), section_ids)
        criteria = [
            _criterion_data(c, (*path, "criteria", j), criterion_ids)
            for j, c in enumerate(section.criteria)
        ]
        sections.append({"id": section_id, "title": section_title, "criteria": criteria})
    data["sections"] = sections
    return data


class _Dumper(yaml.SafeDumper):
    """Criteria one per line (``- {id: …, title: …}``) as in the shipped scorecards."""


def _flow_criteria(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = "weight" in data and "criteria" not in data
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _flow_words(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _flow_criteria)
_Dumper.add_representer(list, _flow_words)


def scorecard_yaml(data: dict[str, Any]) -> str:
    """Scorecard data as the YAML that is stored and exported."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=200,
        default_flow_style=False,
    )
    return text


class DraftInvalid(ScorecardInvalid):
    """The mistakes of a form found at once (``problems``, page order); it reads as the first."""

    def __init__(self, problems: list[ScorecardInvalid]) -> None:
        first = problems[0]
        InvalidInput.__init__(self, str(first), key=first.key, params=dict(first.params))
        self.path = first.path
        self.line = None
        self.problems = problems


def _top_problems(draft: ScorecardDraft) -> list[ScorecardInvalid]:
    problems: list[ScorecardInvalid] = []
    if not draft.title:
        problems.append(ScorecardInvalid.at(("title",), "text", "expected text"))
    if draft.name and not IDENTIFIER.match(draft.name):
        problems.append(
            ScorecardInvalid.at(
                ("name",), "identifier", "expected an id of lower-case letters, digits, '_' or '-'"
            )
        )
    try:
        mark = float(draft.pass_mark.replace(",", ".")) if draft.pass_mark else DEFAULT_PASS_MARK
    except ValueError:
        problems.append(ScorecardInvalid.at(("pass_mark",), "number", "expected a number"))
    else:
        if not 0 <= mark <= 100:
            problems.append(ScorecardInvalid.at(("pass_mark",), "pass_mark", "expected 0-100"))
    if not draft.channels:
        problems.append(
            ScorecardInvalid.at(("channels",), "channels", "expected a list of channels")
        )
    if not draft.sections:
        problems.append(
            ScorecardInvalid.at(("sections",), "no_sections", "expected a non-empty list")
        )
    return problems


def draft_problems(draft: ScorecardDraft) -> list[ScorecardInvalid]:
    """The form's mistakes field by field, all at once (a field's first mistake), in page order.

    An empty section or criterion title, a section without criteria, a weight that is
    not a number: each is named next to its field, not only the first of them.
    """
    problems = _top_problems(draft)
    for i, section in enumerate(draft.sections):
        path: Path = ("sections", i)
        try:
            if not _limited(section.title, (*path, "title"), TEXT_LIMIT):
                raise ScorecardInvalid.at((*path, "title"), "text", "expected text")
        except ScorecardInvalid as error:
            problems.append(error)
        if not section.criteria:
            problems.append(
                ScorecardInvalid.at((*path, "criteria"), "no_criteria", "expected a non-empty list")
            )
        for j, criterion in enumerate(section.criteria):
            at: Path = (*path, "criteria", j)
            try:
                data = _criterion_data(criterion, at, set())
                if data["weight"] <= 0:
                    raise ScorecardInvalid.at((*at, "weight"), "weight", "must be greater than 0")
            except ScorecardInvalid as error:
                problems.append(error)
    return problems


def check_draft(
    draft: ScorecardDraft, *, known_checks: frozenset[str] | None = None
) -> tuple[Scorecard, str]:
    """The scorecard a draft makes, and its YAML; mistakes as :class:`ScorecardInvalid`.

    The mistakes of single fields come all at once (:class:`DraftInvalid`); those of the
    whole (an id used twice, an unknown check) one by one, as YAML's.
    """
    problems = draft_problems(draft)
    if problems:
        raise DraftInvalid(problems)
    data = draft_data(draft)
    if not IDENTIFIER.match(str(data["name"])):
        raise ScorecardInvalid.at(
            ("name",), "identifier", "expected an id of lower-case letters, digits, '_' or '-'"
        )
    return parse_scorecard(data, known_checks=known_checks), scorecard_yaml(data)
