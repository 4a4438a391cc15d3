"""Hygiene rule kinds: what a rule of each kind finds among a workspace's work items.

A kind is a small class registered with ``@WORK_RULE_KINDS.register`` (the shared
rule mechanism, kontrol/rules/); built-ins come through the
``kontrol.work_rule_kinds`` entry-point group, as another package's would. A
kind gets every item of the workspace (rules like duplicate customers compare
items with each other) and returns, per item id, since when the item breaks the
rule and the details a person needs to fix it. The name shown is the catalogue
key ``worktools.kind.<name>``.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from kontrol.domain.errors import InvalidInput
from kontrol.rules.kinds import RuleKind, RuleKinds
from kontrol.rules.params import Param

# Fields a required-fields rule may name that are columns of the item; any other
# name is looked up among the item's free ``fields``.
ITEM_FIELDS = (
    "title",
    "owner_id",
    "team",
    "due_at",
    "customer_id",
    "customer_name",
    "customer_phone",
    "customer_email",
    "resolution",
)
CUSTOMER_KEYS = ("phone", "email", "name")
_FIELD_NAME = re.compile(r"^[\w.\-]{1,100}$")


@dataclass(frozen=True)
class Item:
    """A stored work item as the rule kinds see it (times naive UTC)."""

    id: int
    type: str
    owner: str | None
    status: str
    closed: bool
    created_at: datetime
    updated_at: datetime
    status_since: datetime
    due_at: datetime | None
    closed_at: datetime | None
    values: dict[str, Any]
    fields: dict[str, Any]

    def value(self, name: str) -> Any:
        """The item's value of a column or a free field (``fields.x`` or ``x``)."""
        if name in ITEM_FIELDS:
            return self.values.get(name)
        return self.fields.get(name.removeprefix("fields."))

    @property
    def finished_at(self) -> datetime:
        """When it was closed: ``closed_at``, else its last update."""
        return self.closed_at or self.updated_at


@dataclass(frozen=True)
class WorkRule:
    """A stored hygiene rule (``params`` complete)."""

    id: int
    name: str
    kind: str
    item_types: tuple[str, ...]
    fields: tuple[str, ...]
    params: dict[str, float]
    weight: float
    enabled: bool

    def applies_to(self, item: Item) -> bool:
        """Whether the rule looks at items of this item's type."""
        return not self.item_types or item.type in self.item_types


Found = dict[int, tuple[datetime, dict[str, Any]]]


class WorkRuleKind(RuleKind):
    """Base of the hygiene rule kinds."""

    triggers: ClassVar[frozenset[str]] = frozenset({"import", "schedule"})
    # Whether the rule's ``fields`` list is used, and what it holds.
    uses_fields: ClassVar[str | None] = None

    def check_fields(self, fields: Sequence[str]) -> tuple[str, ...]:
        """The rule's ``fields`` checked for this kind."""
        if self.uses_fields is None:
            if fields:
                raise InvalidInput(
                    "fields: this kind takes no fields",
                    key="worktools.error.no_fields",
                    where_key="error.where.field",
                    where_params={"field": "fields"},
                )
            return ()
        for name in fields:
            if not isinstance(name, str) or not _FIELD_NAME.match(name):
                raise InvalidInput(
                    f"fields: not a field name: {str(name)[:50]!r}",
                    key="worktools.error.field_name",
                    params={"name": str(name)[:50]},
                    where_key="error.where.field",
                    where_params={"field": "fields"},
                )
        return tuple(dict.fromkeys(fields))

    @abstractmethod
    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        """Per item id breaking the rule: since when, and details."""


WORK_RULE_KINDS: RuleKinds[WorkRuleKind] = RuleKinds(
    "work rule kind", group="kontrol.work_rule_kinds"
)


def _empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return value is None


@WORK_RULE_KINDS.register
class RequiredFields(WorkRuleKind):
    """Fields an item of the rule's types must have filled in."""

    name = "required_fields"
    uses_fields = "field"

    def check_fields(self, fields: Sequence[str]) -> tuple[str, ...]:
        checked = super().check_fields(fields)
        if not checked:
            raise InvalidInput(
                "fields: name at least one field",
                key="worktools.error.one_field",
                where_key="error.where.field",
                where_params={"field": "fields"},
            )
        return checked

    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        found: Found = {}
        for item in items:
            if not rule.applies_to(item):
                continue
            missing = [name for name in rule.fields if _empty(item.value(name))]
            if missing:
                found[item.id] = (item.created_at, {"missing": missing})
        return found


@WORK_RULE_KINDS.register
class StaleStatus(WorkRuleKind):
    """An open item whose status has not changed for ``days`` days."""

    name = "stale_status"
    params = (Param("days", 7, 1, 365),)

    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        limit = timedelta(days=rule.params["days"])
        found: Found = {}
        for item in items:
            if rule.applies_to(item) and not item.closed and now - item.status_since > limit:
                days = (now - item.status_since).days
                found[item.id] = (item.status_since + limit, {"status": item.status, "days": days})
        return found


@WORK_RULE_KINDS.register
class Overdue(WorkRuleKind):
    """An open item past its due time (plus ``grace_hours``)."""

    name = "overdue"
    params = (Param("grace_hours", 0, 0, 720),)

    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        grace = timedelta(hours=rule.params["grace_hours"])
        found: Found = {}
        for item in items:
            if not rule.applies_to(item) or item.closed or item.due_at is None:
                continue
            if now > item.due_at + grace:
                days = (now - item.due_at).days
                found[item.id] = (
                    item.due_at + grace,
                    {"due": item.due_at.isoformat(), "days": days},
                )
        return found


@WORK_RULE_KINDS.register
class ClosedWithoutResolution(WorkRuleKind):
    """A closed item whose resolution note is missing or shorter than ``min_chars``."""

    name = "closed_without_resolution"
    params = (Param("min_chars", 3, 1, 1000),)

    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        found: Found = {}
        for item in items:
            if not rule.applies_to(item) or not item.closed:
                continue
            note = (item.values.get("resolution") or "").strip()
            if len(note) < rule.params["min_chars"]:
                found[item.id] = (item.finished_at, {"status": item.status})
        return found


def normalised_phone(value: str) -> str | None:
    """Digits only; a Russian 8… or 10-digit number as 7…; None when too short."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return digits if len(digits) >= 7 else None


def normalised_email(value: str) -> str | None:
    """Lower case, no spaces; None when it is not an address."""
    address = value.strip().lower()
    return address if "@" in address and len(address) > 3 else None


def normalised_name(value: str) -> str | None:
    """Case, ё, punctuation and word order ignored; None for a single word."""
    words = re.findall(r"\w+", value.casefold().replace("ё", "е"))
    return " ".join(sorted(words)) if len(words) >= 2 else None


_NORMALISE = {
    "phone": ("customer_phone", normalised_phone),
    "email": ("customer_email", normalised_email),
    "name": ("customer_name", normalised_name),
}


@WORK_RULE_KINDS.register
class DuplicateCustomers(WorkRuleKind):
    """The same customer under different ids: same normalised phone, e-mail or name
    (the keys in ``fields``). The items of the later id break the rule."""

    name = "duplicate_customers"
    uses_fields = "customer key"

    def check_fields(self, fields: Sequence[str]) -> tuple[str, ...]:
        checked = super().check_fields(fields) or ("phone", "email")
        unknown = [name for name in checked if name not in CUSTOMER_KEYS]
        if unknown:
            raise InvalidInput(
                f"fields: unknown customer key {unknown[0]!r} (known: {', '.join(CUSTOMER_KEYS)})",
                key="worktools.error.customer_key",
                params={"unknown": unknown[0], "choices": ", ".join(CUSTOMER_KEYS)},
                where_key="error.where.field",
                where_params={"field": "fields"},
            )
        return checked

    def find(self, rule: WorkRule, items: Sequence[Item], now: datetime) -> Found:
        first_seen: dict[str, datetime] = {}
        for item in items:
            customer = item.values.get("customer_id")
            if customer and (customer not in first_seen or item.created_at < first_seen[customer]):
                first_seen[customer] = item.created_at
        # key -> the customer ids under it
        owners: dict[tuple[str, str], set[str]] = {}
        for item in items:
            customer = item.values.get("customer_id")
            if not customer:
                continue
            for key in rule.fields or ("phone", "email"):
                column, normalise = _NORMALISE[key]
                raw = item.values.get(column)
                value = normalise(raw) if isinstance(raw, str) else None
                if value:
                    owners.setdefault((key, value), set()).add(customer)
        duplicate_of: dict[str, tuple[str, str]] = {}
        for (key, _), customers in sorted(owners.items()):
            if len(customers) < 2:
                continue
            ordered = sorted(customers, key=lambda c: (first_seen[c], c))
            for later in ordered[1:]:
                duplicate_of.setdefault(later, (ordered[0], key))
        found: Found = {}
        for item in items:
            customer = item.values.get("customer_id")
            if customer in duplicate_of and rule.applies_to(item):
                original, key = duplicate_of[customer]
                found[item.id] = (
                    item.created_at,
                    {"customer": customer, "same_as": original, "by": key},
                )
        return found
