"""Rules files: a YAML list of rules, imported rule by rule, errors with their line.

The file is either a list of rules or a mapping with the list under ``rules:``.
Each rule is saved in its own transaction, so a bad rule is reported with the
file, the line it starts on and the field, and the others are still saved. The
feature says how one entry becomes a saved rule; export writes the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import Connection, Engine

from kontrol.domain.errors import Conflict, InvalidInput, KontrolError
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.i18n.messages import error_text

# Saves one entry of a file: the rule's name and whether it was new (False: updated).
SaveEntry = Callable[[Connection, Any], tuple[str, bool]]


@dataclass
class RuleFileReport:
    """What importing a rules file did; each error names the file, line, rule and field."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The same errors with their place, for a page to tell each in its reader's language.
    refusals: list[tuple[str, KontrolError]] = field(default_factory=list)

    def errors_in(self, locale: str) -> list[str]:
        """The errors told in ``locale`` (a message without a key in English)."""
        return [f"{place}: {error_text(error, locale)}" for place, error in self.refusals]


def rule_entries(text: str, *, label: str) -> list[tuple[int, Any]]:
    """The entries of a rules file with the line each starts on (1-based)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise invalid_yaml(error, f"{label}:{line}: not valid YAML", source=label) from None
    node: Any = root
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        # The node of the list, for the lines its entries start on.
        node = next(value for key, value in root.value if key.value == "rules")  # type: ignore[union-attr]
        data = data["rules"]
    if not isinstance(data, list):
        raise InvalidInput(
            f"{label}:1: expected a list of rules under 'rules:'",
            key="rules.error.no_list",
            params={"label": label},
        )
    return [(child.start_mark.line + 1, item) for item, child in zip(data, node.value, strict=True)]


def entry_fields(
    item: Any,
    *,
    known: Sequence[str],
    required: Sequence[str],
    mappings: Sequence[str] = ("params",),
) -> dict[str, Any]:
    """One entry of a rules file checked for its shape: a mapping of ``known`` fields
    (listed in that order in the error), the ``required`` ones texts, the ``mappings``
    ones mappings when given. The feature checks the values."""
    if not isinstance(item, dict):
        names = " and ".join(
            [", ".join(required[:-1]), required[-1]] if required[:-1] else required
        )
        raise InvalidInput(
            f"rule: a mapping with {names}", key="rules.error.mapping", params={"names": names}
        )
    unknown = sorted(str(key) for key in set(item) - set(known))
    if unknown:
        raise InvalidInput(
            f"{unknown[0]}: unknown field (known: {', '.join(known)})",
            key="rules.error.unknown_field",
            params={"known": ", ".join(known)},
            where_key="error.where.field",
            where_params={"field": unknown[0]},
        )
    for name in required:
        if not isinstance(item.get(name), str):
            raise InvalidInput(
                f"{name}: required text",
                key="rules.error.required_text",
                where_key="error.where.field",
                where_params={"field": name},
            )
    for name in mappings:
        if not isinstance(item.get(name) or {}, dict):
            raise InvalidInput(
                f"{name}: a mapping",
                key="rules.error.a_mapping",
                where_key="error.where.field",
                where_params={"field": name},
            )
    return item


def import_rule_file(
    engine: Engine, text: str, *, label: str, save_entry: SaveEntry
) -> RuleFileReport:
    """Save every entry of a rules file with ``save_entry``, each in its own transaction."""
    report = RuleFileReport()
    for line, item in rule_entries(text, label=label):
        try:
            with engine.begin() as connection:
                name, created = save_entry(connection, item)
            (report.created if created else report.updated).append(name)
        except (InvalidInput, Conflict) as error:
            report.errors.append(f"{label}:{line}: {error}")
            report.refusals.append((f"{label}:{line}", error))
    return report


def rules_file(items: Sequence[dict[str, Any]]) -> str:
    """Rules as the YAML text that :func:`import_rule_file` reads back."""
    return yaml.safe_dump({"rules": list(items)}, allow_unicode=True, sort_keys=False)
