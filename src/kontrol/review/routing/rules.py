"""Routing rules as data: stored in ``review_rules``, edited in the web app or as YAML.

A rule names a kind (review/routing/kinds.py) with its parameters, optional
filters (channel, team, language), the queue it fills (created when missing),
a priority and a due time. Every field is checked and an error names the rule
and the field; edits carry the version they were made on. Reading and writing
rules files is the shared rule mechanism's (kontrol/rules/files.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.review.history import record_event, stale_conflict
from kontrol.review.routing.kinds import FILTERS, ROUTING_KINDS, RoutingRule
from kontrol.rules.files import RuleFileReport, entry_fields, import_rule_file, rules_file
from kontrol.store.tables import review_queues, review_rules, workspaces

# Named priorities (higher first); YAML and forms may also give a number 0-100.
PRIORITIES = {"low": 10, "normal": 20, "high": 30, "urgent": 40}
MAX_DUE_HOURS = 24 * 90


def priority_name(value: int) -> str:
    """``high`` for 30, ...; the number itself when it has no name."""
    return next((name for name, number in PRIORITIES.items() if number == value), str(value))


def priority_level(value: int) -> str:
    """The word of any priority (0-100): the named level it is nearest to, halfway
    rounding up (``high`` for 25 to 34), ``low`` below 15 and ``urgent`` from 35.

    Queues, items and rules all say the word (issue 15: «10/30» beside «высокий»);
    a number set through the API gets the word of the band it falls in.
    """
    level = "low"
    for name, number in PRIORITIES.items():
        if value >= number - 5:
            level = name
    return level


def ensure_queue(connection: Connection, workspace_id: int, name: str) -> int:
    """The id of the workspace's queue called ``name``, created when missing."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "queue: 1 to 100 characters",
            key="review.error.length_100",
            where_key="error.where.field",
            where_params={"field": "queue"},
        )
    found = connection.execute(
        select(review_queues.c.id).where(
            review_queues.c.workspace_id == workspace_id, review_queues.c.name == name
        )
    ).scalar()
    if found is not None:
        return int(found)
    new_id = connection.execute(
        review_queues.insert().values(workspace_id=workspace_id, name=name, created_at=utcnow())
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


@dataclass
class RoutingRuleInput:
    """A rule as a person or a YAML file writes it, before checking."""

    name: str
    kind: str
    queue: str
    priority: int | str = "normal"
    due_hours: int | str = 24
    params: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    assign_qa_leads: bool = False
    active: bool = True


@dataclass(frozen=True)
class StoredRule:
    """A rule of the workspace as the pages and the YAML export show it."""

    rule: RoutingRule
    queue_name: str
    version: int
    updated_at: datetime

    def as_yaml_item(self) -> dict[str, Any]:
        """The rule as one entry of a rules file (``import_routing_rules`` reads it back)."""
        rule = self.rule
        item: dict[str, Any] = {
            "name": rule.name,
            "kind": rule.kind,
            "queue": self.queue_name,
            "priority": priority_name(rule.priority),
            "due_hours": rule.due_hours,
        }
        if rule.params:
            item["params"] = dict(rule.params)
        filters = {name: list(values) for name, values in rule.filters.items() if values}
        if filters:
            item["filters"] = filters
        if rule.assign_qa_leads:
            item["assign_qa_leads"] = True
        item["active"] = rule.is_active
        return item


def routing_rules_query(workspace_id: int) -> Any:
    """The workspace's rules with their queue's name and the workspace's time zone."""
    return (
        select(
            review_rules,
            review_queues.c.name.label("queue_name"),
            workspaces.c.timezone,
        )
        .join(review_queues, review_queues.c.id == review_rules.c.queue_id)
        .join(workspaces, workspaces.c.id == review_rules.c.workspace_id)
        .where(review_rules.c.workspace_id == workspace_id)
    )


def stored_routing_rule(row: Any) -> StoredRule:
    """A row of :func:`routing_rules_query` as the pages and the kinds see it."""
    raw = dict(row.params or {})
    kind = ROUTING_KINDS.find(row.kind)
    params = kind.stored_params(raw) if kind is not None else {}
    filters = {name: tuple(values) for name, values in (raw.get("filters") or {}).items() if values}
    rule = RoutingRule(
        id=row.id,
        workspace_id=row.workspace_id,
        timezone=row.timezone,
        name=row.name,
        kind=row.kind,
        params=params,
        queue_id=row.queue_id,
        priority=row.priority,
        due_hours=row.due_hours,
        filters=filters,
        assign_qa_leads=bool(raw.get("assign_qa_leads")),
        is_active=row.is_active,
    )
    return StoredRule(rule, row.queue_name, row.version, row.updated_at)


def list_routing_rules(connection: Connection, workspace_id: int) -> list[StoredRule]:
    """The workspace's rules, by queue and priority."""
    rows = connection.execute(
        routing_rules_query(workspace_id).order_by(
            review_queues.c.name, review_rules.c.priority.desc(), review_rules.c.name
        )
    )
    return [stored_routing_rule(row) for row in rows]


def get_routing_rule(connection: Connection, workspace_id: int, rule_id: int) -> StoredRule:
    """One rule of the workspace."""
    row = connection.execute(
        routing_rules_query(workspace_id).where(review_rules.c.id == rule_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no routing rule {rule_id}", key="review.error.no_rule", params={"rule_id": rule_id}
        )
    return stored_routing_rule(row)


def _whole(raw: Any, where: str, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise InvalidInput(
            f"{where}: a whole number",
            key="review.error.whole_number",
            where_key="error.where.field",
            where_params={"field": where},
        )
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidInput(
            f"{where}: a whole number, not {str(raw)[:20]!r}",
            key="review.error.whole_number_not",
            params={"raw": str(raw)[:20]},
            where_key="error.where.field",
            where_params={"field": where},
        ) from None
    if not low <= value <= high:
        raise InvalidInput(
            f"{where}: from {low} to {high}, not {value}",
            key="review.error.range",
            params={"low": low, "high": high, "value": value},
            where_key="error.where.field",
            where_params={"field": where},
        )
    return value


def _priority(raw: int | str) -> int:
    if isinstance(raw, str) and raw.strip().lower() in PRIORITIES:
        return PRIORITIES[raw.strip().lower()]
    try:
        return _whole(raw, "priority", 0, 100)
    except InvalidInput:
        names = ", ".join(PRIORITIES)
        raise InvalidInput(
            f"priority: one of {names} or a number from 0 to 100",
            key="review.error.priority",
            params={"names": names},
            where_key="error.where.field",
            where_params={"field": "priority"},
        ) from None


def _filters(raw: Any) -> dict[str, list[str]]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput(
            "filters: a mapping of channel, team, language to lists",
            key="review.error.filters_shape",
            where_key="error.where.field",
            where_params={"field": "filters"},
        )
    found: dict[str, list[str]] = {}
    for name, value in raw.items():
        if name not in FILTERS:
            raise InvalidInput(
                f"filters.{name}: unknown filter (known: {', '.join(FILTERS)})",
                key="review.error.unknown_filter",
                params={"name": name, "join": ", ".join(FILTERS)},
            )
        values = value if isinstance(value, list) else str(value or "").split(",")
        cleaned = sorted({str(item).strip() for item in values if str(item).strip()})
        if name == "channel":
            unknown = [item for item in cleaned if item not in {c.value for c in Channel}]
            if unknown:
                raise InvalidInput(
                    f"filters.channel: unknown channel {unknown[0][:30]!r}",
                    key="review.error.unknown_channel",
                    params={"unknown": unknown[0][:30]},
                    where_key="error.where.field",
                    where_params={"field": "filters.channel"},
                )
        if any(len(item) > 200 for item in cleaned):
            raise InvalidInput(
                f"filters.{name}: at most 200 characters a value",
                key="review.error.filter_value_long",
                params={"name": name},
            )
        if cleaned:
            found[name] = cleaned
    return found


def in_rule(name: object, error: InvalidInput) -> InvalidInput:
    """``error`` told with the rule it is about (by name when it has one)."""
    if isinstance(name, str):
        return InvalidInput(
            f"rule {name!r}: {error}",
            key="review.error.in_rule",
            params={"name": name, "error": error},
        )
    return InvalidInput(
        f"rule: {error}", key="review.error.in_unnamed_rule", params={"error": error}
    )


def _field_error(field: str, text: str, key: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {text}",
        key=key,
        where_key="error.where.field",
        where_params={"field": field},
    )


def _kind_problems(data: RoutingRuleInput, problems: dict[str, InvalidInput]) -> None:
    """The kind and each of its parameters checked on its own (``params.<name>``)."""
    try:
        kind = ROUTING_KINDS.get(str(data.kind))
    except InvalidInput as error:
        problems["kind"] = error
        return
    raw = dict(data.params or {}) if isinstance(data.params, dict) else {}
    known = {param.name for param in kind.params}
    unknown = sorted(set(raw) - known)
    if unknown or not isinstance(data.params, dict | None):
        try:
            kind.read_params(data.params)
        except InvalidInput as error:
            problems["params"] = error
        return
    for param in kind.params:
        try:
            param.read(raw.get(param.name))
        except InvalidInput as error:
            problems[f"params.{param.name}"] = error


def rule_problems(data: RoutingRuleInput) -> dict[str, InvalidInput]:
    """Every fault of a rule at once, by field (``name``, ``params.max``...), in form order.

    The form shows each next to its field; :func:`check_rule` (YAML, API) tells the first.
    """
    problems: dict[str, InvalidInput] = {}
    name = data.name.strip() if isinstance(data.name, str) else ""
    if not name or len(name) > 100:
        problems["name"] = _field_error("name", "1 to 100 characters", "review.error.length_100")
    _kind_problems(data, problems)
    queue = str(data.queue or "").strip()
    if not queue or len(queue) > 100:
        problems["queue"] = _field_error("queue", "1 to 100 characters", "review.error.length_100")
    try:
        _filters(data.filters)
    except InvalidInput as error:
        problems["filters"] = error
    for flag in ("assign_qa_leads", "active"):
        if not isinstance(getattr(data, flag), bool):
            problems[flag] = _field_error(flag, "true or false", "review.error.true_false")
    try:
        _priority(data.priority)
    except InvalidInput as error:
        problems["priority"] = error
    try:
        _whole(data.due_hours, "due_hours", 1, MAX_DUE_HOURS)
    except InvalidInput as error:
        problems["due_hours"] = error
    return problems


def check_rule(data: RoutingRuleInput) -> dict[str, Any]:
    """The columns of a rule, every field checked; an error names the rule and the field."""
    name = data.name.strip() if isinstance(data.name, str) else ""
    problems = rule_problems(data)
    if problems:
        raise in_rule(name or None, next(iter(problems.values())))
    kind = ROUTING_KINDS.get(str(data.kind))
    params: dict[str, Any] = dict(kind.read_params(data.params))
    filters = _filters(data.filters)
    if filters:
        params["filters"] = filters
    if data.assign_qa_leads:
        params["assign_qa_leads"] = True
    return {
        "name": name,
        "kind": kind.name,
        "params": params,
        "queue": str(data.queue).strip(),
        "priority": _priority(data.priority),
        "due_hours": _whole(data.due_hours, "due_hours", 1, MAX_DUE_HOURS),
        "is_active": data.active,
    }


def save_routing_rule(
    connection: Connection,
    workspace_id: int,
    data: RoutingRuleInput,
    *,
    rule_id: int | None = None,
    version: int | None = None,
    actor_id: int | None = None,
) -> StoredRule:
    """Create a rule, or update ``rule_id`` as of ``version`` (stale: :class:`Conflict`)."""
    values = check_rule(data)
    name = values["name"]
    clash = connection.execute(
        select(review_rules.c.id).where(
            review_rules.c.workspace_id == workspace_id, review_rules.c.name == name
        )
    ).scalar()
    if clash is not None and clash != rule_id:
        raise Conflict(
            f"rule {name!r}: name: a rule with this name exists already",
            key="review.error.rule_exists",
            params={"name": name},
        )
    columns = {key: value for key, value in values.items() if key != "queue"} | {
        "queue_id": ensure_queue(connection, workspace_id, values["queue"]),
        "updated_at": utcnow(),
    }
    if rule_id is None:
        new_id = connection.execute(
            review_rules.insert().values(
                workspace_id=workspace_id, created_at=columns["updated_at"], **columns
            )
        ).inserted_primary_key
        assert new_id is not None
        rule_id = int(new_id[0])
        record_event(connection, workspace_id, "rule", rule_id, actor_id, "created", {"name": name})
        return get_routing_rule(connection, workspace_id, rule_id)
    before = get_routing_rule(connection, workspace_id, rule_id)
    seen = before.version if version is None else version
    changed = connection.execute(
        update(review_rules)
        .where(review_rules.c.id == rule_id, review_rules.c.version == seen)
        .values(**columns, version=review_rules.c.version + 1)
    ).rowcount
    if not changed:
        raise stale_conflict(connection, workspace_id, "rule", rule_id)
    record_event(connection, workspace_id, "rule", rule_id, actor_id, "updated", {"name": name})
    return get_routing_rule(connection, workspace_id, rule_id)


def set_rule_active(
    connection: Connection,
    workspace_id: int,
    rule_id: int,
    *,
    active: bool,
    version: int,
    actor_id: int | None,
) -> StoredRule:
    """Switch a rule on or off as of ``version``."""
    get_routing_rule(connection, workspace_id, rule_id)
    changed = connection.execute(
        update(review_rules)
        .where(review_rules.c.id == rule_id, review_rules.c.version == version)
        .values(is_active=active, updated_at=utcnow(), version=review_rules.c.version + 1)
    ).rowcount
    if not changed:
        raise stale_conflict(connection, workspace_id, "rule", rule_id)
    action = "activated" if active else "deactivated"
    record_event(connection, workspace_id, "rule", rule_id, actor_id, action)
    return get_routing_rule(connection, workspace_id, rule_id)


def input_of(stored: StoredRule) -> RoutingRuleInput:
    """A stored rule as input again (what the edit form starts from)."""
    item = stored.as_yaml_item()
    return RoutingRuleInput(
        name=item["name"],
        kind=item["kind"],
        queue=item["queue"],
        priority=item["priority"],
        due_hours=item["due_hours"],
        params=dict(item.get("params") or {}),
        filters=dict(item.get("filters") or {}),
        assign_qa_leads=bool(item.get("assign_qa_leads")),
        active=bool(item["active"]),
    )


DEFAULT_RULES = (
    RoutingRuleInput("Low CSAT", "csat_low", "Low ratings", "high", 4, {"max": 2}),
    RoutingRuleInput("NPS detractor", "nps_low", "Low ratings", "high", 4, {"max": 6}),
    RoutingRuleInput("Failed critical criterion", "critical_failed", "Critical", "normal", 24),
    RoutingRuleInput("Complaint", "complaint", "Critical", "normal", 24),
    RoutingRuleInput("Weekly sample", "random_sample", "Sample", "low", 7 * 24, {"per_week": 5}),
)


def default_rules(locale: str = "en") -> tuple[RoutingRuleInput, ...]:
    """The default rules with their rule and queue names in ``locale``."""

    def named(key: str) -> str:
        return translate(locale, f"routing.default.{key}")

    return tuple(
        replace(data, name=named(_slug(data.name)), queue=named("queue." + _slug(data.queue)))
        for data in DEFAULT_RULES
    )


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_")


def create_default_rules(
    connection: Connection,
    workspace_id: int,
    *,
    actor_id: int | None = None,
    locale: str = "en",
) -> list[StoredRule]:
    """The default queues and rules (low ratings, critical, weekly sample) that are missing.

    Their names are written in ``locale``: the people who create them read them.
    """
    taken = set(
        connection.execute(
            select(review_rules.c.name).where(review_rules.c.workspace_id == workspace_id)
        ).scalars()
    )
    return [
        save_routing_rule(connection, workspace_id, data, actor_id=actor_id)
        for data in default_rules(locale)
        if data.name not in taken
    ]


# -- YAML -----------------------------------------------------------------------


YAML_FIELDS = (
    "name",
    "kind",
    "queue",
    "priority",
    "due_hours",
    "params",
    "filters",
    "assign_qa_leads",
    "active",
)


def _yaml_rule(item: Any) -> RoutingRuleInput:
    name = item.get("name") if isinstance(item, dict) else None
    try:
        item = entry_fields(item, known=YAML_FIELDS, required=("name", "kind", "queue"))
    except InvalidInput as error:
        # Errors of routing rules name the rule, as check_rule's do (an entry that is
        # not a mapping has no name to give).
        raise (in_rule(name, error) if isinstance(item, dict) else error) from None
    params = item.get("params") or {}
    return RoutingRuleInput(
        name=item["name"],
        kind=item["kind"],
        queue=item["queue"],
        priority=item.get("priority", "normal"),
        due_hours=item.get("due_hours", 24),
        params=params,
        filters=item.get("filters") or {},
        assign_qa_leads=item.get("assign_qa_leads", False),
        active=item.get("active", True),
    )


def import_routing_rules(
    engine: Engine, workspace_id: int, text: str, *, label: str, actor_id: int | None = None
) -> RuleFileReport:
    """Create or update (by name) the rules of a YAML text; each bad rule is reported
    (file, line, rule, field) and the others are still saved."""

    def save_entry(connection: Connection, item: Any) -> tuple[str, bool]:
        rule = _yaml_rule(item)
        name = rule.name.strip()
        existing = connection.execute(
            select(review_rules.c.id).where(
                review_rules.c.workspace_id == workspace_id, review_rules.c.name == name
            )
        ).scalar()
        save_routing_rule(connection, workspace_id, rule, rule_id=existing, actor_id=actor_id)
        return name, existing is None

    return import_rule_file(engine, text, label=label, save_entry=save_entry)


def routing_rules_as_yaml(connection: Connection, workspace_id: int) -> str:
    """The workspace's rules as a YAML file that ``import_routing_rules`` reads back."""
    return rules_file(
        [stored.as_yaml_item() for stored in list_routing_rules(connection, workspace_id)]
    )
