"""Language-model criteria: a question answered pass, fail or na, written by a QA
lead, attachable to a scorecard's manual criterion, imported and exported as YAML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import Connection, select

from kontrol.checks.scorecards import ensure_default_scorecards, scorecard_versions
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.store.tables import judging_criteria

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
FIELDS = ("name", "title", "question", "scorecard", "criterion", "shadow", "enabled")
MAX_QUESTION = 4000


@dataclass(frozen=True, slots=True)
class JudgingCriterion:
    """One question for the language model."""

    id: int
    name: str
    version: int
    title: str
    question: str
    scorecard: str | None
    criterion: str | None
    shadow: bool
    enabled: bool

    @property
    def counted(self) -> bool:
        """Whether its answers count in scores (attached, enabled, not in shadow)."""
        return self.enabled and not self.shadow and bool(self.scorecard and self.criterion)


@dataclass(frozen=True, slots=True)
class CriterionInput:
    """A criterion as written in YAML, before it is stored."""

    name: str
    title: str
    question: str
    scorecard: str | None = None
    criterion: str | None = None
    shadow: bool = True
    enabled: bool = True


def _criterion(row: Any) -> JudgingCriterion:
    return JudgingCriterion(
        id=int(row.id),
        name=row.name,
        version=int(row.version),
        title=row.title,
        question=row.question,
        scorecard=row.scorecard,
        criterion=row.criterion,
        shadow=bool(row.shadow),
        enabled=bool(row.enabled),
    )


def list_criteria(
    connection: Connection, workspace_id: int, *, enabled_only: bool = False
) -> list[JudgingCriterion]:
    """The workspace's criteria by name."""
    query = select(judging_criteria).where(judging_criteria.c.workspace_id == workspace_id)
    if enabled_only:
        query = query.where(judging_criteria.c.enabled.is_(True))
    return [_criterion(row) for row in connection.execute(query.order_by(judging_criteria.c.name))]


def get_criterion(connection: Connection, workspace_id: int, criterion_id: int) -> JudgingCriterion:
    """One criterion of the workspace (another workspace's is not found)."""
    row = connection.execute(
        select(judging_criteria).where(
            judging_criteria.c.workspace_id == workspace_id, judging_criteria.c.id == criterion_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no language-model criterion {criterion_id}",
            key="judging.error.no_criterion",
            params={"criterion_id": criterion_id},
        )
    return _criterion(row)


def set_shadow(
    connection: Connection, workspace_id: int, criterion_id: int, shadow: bool, user_id: int | None
) -> JudgingCriterion:
    """Put a criterion in shadow mode (shown, not counted) or take it out."""
    get_criterion(connection, workspace_id, criterion_id)
    connection.execute(
        judging_criteria.update()
        .where(judging_criteria.c.id == criterion_id)
        .values(shadow=shadow, updated_at=utcnow(), updated_by=user_id)
    )
    return get_criterion(connection, workspace_id, criterion_id)


def _check_attachment(
    connection: Connection, workspace_id: int, found: CriterionInput
) -> tuple[str, str, dict[str, object]] | None:
    """None when the scorecard criterion exists and is answered by a person, else why not.

    Why not is the English text, its catalogue key and the key's values.
    """
    if found.scorecard is None:
        return None
    named: dict[str, object] = {"scorecard": found.scorecard, "criterion": found.criterion}
    try:
        card = scorecard_versions(connection, workspace_id, found.scorecard)[0].scorecard
    except NotFound:
        english = f"scorecard: no scorecard named {found.scorecard!r}"
        return english, "judging.error.attach_no_scorecard", named
    target = next((c for c in card.criteria if c.id == found.criterion), None)
    if target is None:
        english = f"criterion: scorecard {found.scorecard!r} has no criterion {found.criterion!r}"
        return english, "judging.error.attach_no_criterion", named
    if not target.manual or target.scale != "pass_fail":
        english = (
            f"criterion: {found.criterion!r} must be a pass/fail criterion without a check "
            "(one a reviewer answers)"
        )
        return english, "judging.error.attach_manual", named
    return None


def save_criteria(
    connection: Connection,
    workspace_id: int,
    found: list[CriterionInput],
    *,
    user_id: int | None,
    source: str = "criteria.yaml",
    lines: Mapping[int, int] | None = None,
) -> list[JudgingCriterion]:
    """Create or update criteria by name; a changed question makes a new version."""
    ensure_default_scorecards(connection, workspace_id)
    for index, item in enumerate(found):
        problem = _check_attachment(connection, workspace_id, item)
        if problem is not None:
            english, key, named = problem
            line = (lines or {}).get(index)
            where = f"{source}, line {line}" if line else source
            raise InvalidInput(
                f"{where}: criteria[{index}] ({item.name}).{english}",
                key=key,
                params={"where": where, "index": index, "name": item.name, **named},
            )
    now = utcnow()
    for item in found:
        row = connection.execute(
            select(judging_criteria).where(
                judging_criteria.c.workspace_id == workspace_id,
                judging_criteria.c.name == item.name,
            )
        ).first()
        values = {
            "title": item.title,
            "question": item.question,
            "scorecard": item.scorecard,
            "criterion": item.criterion,
            "shadow": item.shadow,
            "enabled": item.enabled,
            "updated_at": now,
            "updated_by": user_id,
        }
        if row is None:
            connection.execute(
                judging_criteria.insert().values(
                    workspace_id=workspace_id, name=item.name, version=1, **values
                )
            )
        else:
            version = int(row.version) + (1 if row.question != item.question else 0)
            connection.execute(
                judging_criteria.update()
                .where(judging_criteria.c.id == row.id)
                .values(version=version, **values)
            )
    names = {item.name for item in found}
    return [c for c in list_criteria(connection, workspace_id) if c.name in names]


# --- YAML ---------------------------------------------------------------------------


def criteria_yaml(criteria: list[JudgingCriterion]) -> str:
    """The criteria as YAML that :func:`parse_criteria_yaml` reads back."""
    items = []
    for c in criteria:
        item: dict[str, Any] = {"name": c.name, "title": c.title, "question": c.question}
        if c.scorecard:
            item["scorecard"] = c.scorecard
            item["criterion"] = c.criterion
        item["shadow"] = c.shadow
        item["enabled"] = c.enabled
        items.append(item)
    return yaml.safe_dump(
        {"criteria": items},
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


def _item_lines(text: str) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    """The line of each list item and of each of its keys (1-based), read from the YAML nodes."""
    items: dict[int, int] = {}
    keys: dict[tuple[int, str], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return items, keys
    if not isinstance(root, yaml.MappingNode):
        return items, keys
    for key_node, value_node in root.value:
        if key_node.value != "criteria" or not isinstance(value_node, yaml.SequenceNode):
            continue
        for index, item in enumerate(value_node.value):
            items[index] = item.start_mark.line + 1
            if isinstance(item, yaml.MappingNode):
                for field_node, field_value in item.value:
                    keys[(index, str(field_node.value))] = field_value.start_mark.line + 1
    return items, keys


def parse_criteria_yaml(
    text: str, *, source: str = "criteria.yaml"
) -> tuple[list[CriterionInput], dict[int, int]]:
    """Criteria from YAML, with each item's line; errors name the file, line and field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise invalid_yaml(
            error, f"{source}{line}: not valid YAML: {problem}", source=source
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
        raise InvalidInput(
            f"{source}, line 1: expected 'criteria:' with a list of criteria",
            key="judging.error.no_criteria_list",
            params={"source": source},
        )
    item_lines, key_lines = _item_lines(text)
    out: list[CriterionInput] = []
    seen: set[str] = set()
    for index, item in enumerate(data["criteria"]):

        def fail(field: str | None, message: str, index: int = index) -> InvalidInput:
            line = key_lines.get((index, field or ""), item_lines.get(index))
            where = f"{source}, line {line}" if line else source
            path = f"criteria[{index}]" + (f".{field}" if field else "")
            return InvalidInput(f"{where}: {path}: {message}")

        if not isinstance(item, dict):
            raise fail(None, "expected a mapping (name, title, question...)")
        unknown = sorted(set(map(str, item)) - set(FIELDS))
        if unknown:
            raise fail(unknown[0], "unknown field")
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise fail("name", "expected an id of lower-case letters, digits, '_' or '-'")
        if name in seen:
            raise fail("name", f"{name!r} appears twice")
        seen.add(name)
        title = item.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise fail("title", "expected text of at most 200 characters")
        question = item.get("question")
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION:
            raise fail("question", f"expected text of at most {MAX_QUESTION} characters")
        scorecard, criterion = item.get("scorecard"), item.get("criterion")
        for field, value in (("scorecard", scorecard), ("criterion", criterion)):
            if value is not None and (not isinstance(value, str) or not NAME.match(value)):
                raise fail(field, "expected an id of lower-case letters, digits, '_' or '-'")
        if (scorecard is None) != (criterion is None):
            raise fail(
                "scorecard" if scorecard is None else "criterion",
                "give both scorecard and criterion, or neither",
            )
        flags = {}
        for field, default in (("shadow", True), ("enabled", True)):
            value = item.get(field, default)
            if not isinstance(value, bool):
                raise fail(field, "expected true or false")
            flags[field] = value
        out.append(
            CriterionInput(
                name=name,
                title=title.strip(),
                question=question.strip(),
                scorecard=scorecard,
                criterion=criterion,
                shadow=flags["shadow"],
                enabled=flags["enabled"],
            )
        )
    return out, item_lines


def import_criteria_yaml(
    connection: Connection,
    workspace_id: int,
    text: str,
    *,
    user_id: int | None,
    source: str = "criteria.yaml",
) -> list[JudgingCriterion]:
    """Parse and save criteria from YAML (the page's editor, an uploaded file, the CLI)."""
    found, lines = parse_criteria_yaml(text, source=source)
    return save_criteria(
        connection, workspace_id, found, user_id=user_id, source=source, lines=lines
    )
