"""Hygiene rules as data: stored per workspace, edited as YAML (import, export) or a form.

A rule has a name (unique in the workspace), a kind (:mod:`.kinds`), the item
types it looks at (none: all), fields (the required fields, or the customer
keys compared for duplicates), typed parameters, a weight (what one breach
costs an item's score, 0 to 1) and whether it is enabled. Kontrol ships a
Russian and an English default set (``rules-ru.yaml``, ``rules-en.yaml``),
installed when a workspace's first work items arrive and it has no rules yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.rules.files import (
    RuleFileReport,
    entry_fields,
    import_rule_file,
    rule_entries,
    rules_file,
)
from kontrol.store.tables import work_rules
from kontrol.worktools.kinds import WORK_RULE_KINDS, WorkRule

DEFAULTS = Path(__file__).with_name("defaults")
YAML_FIELDS = ("name", "kind", "types", "fields", "params", "weight", "enabled")


@dataclass(frozen=True)
class WorkRuleInput:
    """A rule as typed in a form, a YAML entry or the API, before checking."""

    name: str
    kind: str
    types: Sequence[str] = ()
    fields: Sequence[str] = ()
    params: Mapping[str, Any] | None = None
    weight: object = 1.0
    enabled: bool = True


def _weight(raw: object) -> float:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise InvalidInput(
            "weight: a number from 0 to 1",
            key="worktools.error.weight",
            where_key="error.where.field",
            where_params={"field": "weight"},
        )
    try:
        value = float(raw) if isinstance(raw, int | float | str) else float("nan")
    except ValueError:
        raise InvalidInput(
            f"weight: a number from 0 to 1, not {str(raw)[:20]!r}",
            key="worktools.error.weight_not",
            params={"raw": str(raw)[:20]},
            where_key="error.where.field",
            where_params={"field": "weight"},
        ) from None
    if not 0 <= value <= 1:
        raise InvalidInput(
            f"weight: a number from 0 to 1, not {raw}",
            key="worktools.error.weight_is",
            params={"raw": raw},
            where_key="error.where.field",
            where_params={"field": "weight"},
        )
    return value


def _texts(raw: object, where: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.replace(",", "\n").splitlines()]
    if not isinstance(raw, list) or not all(isinstance(part, str) for part in raw):
        raise InvalidInput(
            f"{where}: a list of names",
            key="worktools.error.names",
            where_key="error.where.field",
            where_params={"field": where},
        )
    return [part for part in raw if part]


def checked_rule(data: WorkRuleInput) -> dict[str, Any]:
    """The stored values of a rule, or ``InvalidInput`` naming the field at fault."""
    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "name: required, at most 200 characters",
            key="worktools.error.name",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    kind = WORK_RULE_KINDS.get(data.kind)
    types = _texts(list(data.types), "types")
    if any(len(part) > 50 for part in types):
        raise InvalidInput(
            "types: an item type is at most 50 characters",
            key="worktools.error.types",
            where_key="error.where.field",
            where_params={"field": "types"},
        )
    return {
        "name": name,
        "kind": kind.name,
        "item_types": types,
        "fields": list(kind.check_fields(_texts(list(data.fields), "fields"))),
        "params": kind.read_params(data.params),
        "weight": _weight(data.weight),
        "enabled": bool(data.enabled),
    }


def _rule(row: Any) -> WorkRule:
    kind = WORK_RULE_KINDS.find(row.kind)
    params = kind.stored_params(row.params or {}) if kind else dict(row.params or {})
    return WorkRule(
        id=row.id,
        name=row.name,
        kind=row.kind,
        item_types=tuple(row.item_types or ()),
        fields=tuple(row.fields or ()),
        params=params,
        weight=float(row.weight),
        enabled=bool(row.enabled),
    )


def list_rules(connection: Connection, workspace_id: int) -> list[WorkRule]:
    """The workspace's rules by name."""
    rows = connection.execute(
        select(work_rules)
        .where(work_rules.c.workspace_id == workspace_id)
        .order_by(work_rules.c.name)
    )
    return [_rule(row) for row in rows]


def get_rule(connection: Connection, workspace_id: int, rule_id: int) -> WorkRule:
    """One rule of the workspace (``NotFound`` otherwise)."""
    row = connection.execute(
        select(work_rules).where(
            work_rules.c.workspace_id == workspace_id, work_rules.c.id == rule_id
        )
    ).first()
    if row is None:
        raise NotFound("no such rule", key="worktools.error.no_rule")
    return _rule(row)


def save_rule(
    connection: Connection, workspace_id: int, data: WorkRuleInput, *, rule_id: int | None = None
) -> tuple[WorkRule, bool]:
    """Create a rule, or update one (by id, else by name); the rule and whether it is new."""
    values = checked_rule(data)
    values["updated_at"] = utcnow()
    by_name = connection.execute(
        select(work_rules.c.id).where(
            work_rules.c.workspace_id == workspace_id, work_rules.c.name == values["name"]
        )
    ).scalar()
    if rule_id is not None:
        get_rule(connection, workspace_id, rule_id)
        if by_name is not None and by_name != rule_id:
            raise InvalidInput(
                f"name: another rule is called {values['name']!r}",
                key="worktools.error.rule_taken",
                params={"name": values["name"]},
                where_key="error.where.field",
                where_params={"field": "name"},
            )
    else:
        rule_id = by_name
    if rule_id is None:
        new_id = connection.execute(
            work_rules.insert().values(workspace_id=workspace_id, **values)
        ).inserted_primary_key[0]  # type: ignore[index]
        return get_rule(connection, workspace_id, int(new_id)), True
    connection.execute(
        work_rules.update()
        .where(work_rules.c.workspace_id == workspace_id, work_rules.c.id == rule_id)
        .values(**values)
    )
    return get_rule(connection, workspace_id, rule_id), False


def delete_rule(connection: Connection, workspace_id: int, rule_id: int) -> None:
    """Remove a rule and its violations."""
    get_rule(connection, workspace_id, rule_id)
    connection.execute(
        delete(work_rules).where(
            work_rules.c.workspace_id == workspace_id, work_rules.c.id == rule_id
        )
    )


def _input(item: Any) -> WorkRuleInput:
    entry = entry_fields(item, known=YAML_FIELDS, required=("name", "kind"))
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput(
            "enabled: true or false",
            key="error.true_false",
            where_key="error.where.field",
            where_params={"field": "enabled"},
        )
    return WorkRuleInput(
        name=entry["name"],
        kind=entry["kind"],
        types=_texts(entry.get("types"), "types"),
        fields=_texts(entry.get("fields"), "fields"),
        params=entry.get("params"),
        weight=entry.get("weight", 1.0),
        enabled=enabled,
    )


def import_rules_text(
    engine: Engine, workspace_id: int, text: str, *, label: str
) -> RuleFileReport:
    """Create or update (by name) the rules of a YAML text; a bad rule is reported with
    its file, line and field, the others are still saved."""

    def save_entry(connection: Connection, item: Any) -> tuple[str, bool]:
        rule, created = save_rule(connection, workspace_id, _input(item))
        return rule.name, created

    return import_rule_file(engine, text, label=label, save_entry=save_entry)


def export_rules(connection: Connection, workspace_id: int) -> str:
    """The workspace's rules as the YAML that :func:`import_rules_text` reads back."""
    items = []
    for rule in list_rules(connection, workspace_id):
        item: dict[str, Any] = {"name": rule.name, "kind": rule.kind}
        if rule.item_types:
            item["types"] = list(rule.item_types)
        if rule.fields:
            item["fields"] = list(rule.fields)
        if rule.params:
            item["params"] = dict(rule.params)
        item["weight"] = rule.weight
        if not rule.enabled:
            item["enabled"] = False
        items.append(item)
    return rules_file(items)


def default_rules_text(language: str) -> str:
    """The shipped default rules in ``language`` (ru or en)."""
    chosen = language if language in ("ru", "en") else "ru"
    return (DEFAULTS / f"rules-{chosen}.yaml").read_text("utf-8")


def install_default_rules(connection: Connection, workspace_id: int, language: str) -> int:
    """Add the default rules when the workspace has none; how many were added."""
    count = connection.execute(
        select(func.count())
        .select_from(work_rules)
        .where(work_rules.c.workspace_id == workspace_id)
    ).scalar_one()
    if count:
        return 0
    text = default_rules_text(language)
    added = 0
    for _, item in rule_entries(text, label="defaults"):
        save_rule(connection, workspace_id, _input(item))
        added += 1
    return added
