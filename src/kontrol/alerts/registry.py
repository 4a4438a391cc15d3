"""The registry of alert rule kinds: each kind is one small class, registered by decorator.

A kind says which parameters a rule of it takes and finds what deserves an
alert: after interactions are stored (``on_interactions``), after survey answers
are stored (``on_surveys``) and on the periodic check (``on_schedule``). It
returns :class:`Finding` objects; storing them (one alert per rule, subject and
window), de-duplication and sending are the alerting service's job.

Built-in kinds live in the modules of ``BUILTIN_MODULES``; another package adds
kinds through the ``kontrol.alert_kinds`` entry-point group (each entry point
names a module whose import registers its kinds). The user-facing name of a
kind is the catalogue key ``alerts.kind.<name>``, its message
``alerts.message.<name>`` (formatted with the finding's ``details``).
"""

from __future__ import annotations

import importlib
from abc import ABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, true

from kontrol.domain.errors import InvalidInput
from kontrol.store.tables import interactions

ENTRY_POINT_GROUP = "kontrol.alert_kinds"
# Modules whose import registers the built-in kinds. Kinds that depend on other
# features (failed critical check, KPI below target) are one module each, added here.
BUILTIN_MODULES: tuple[str, ...] = (
    "kontrol.alerts.surveys",
    "kontrol.alerts.complaints",
    "kontrol.alerts.sla",
    "kontrol.alerts.checks",
    "kontrol.alerts.kpi",
)


@dataclass(frozen=True)
class Param:
    """A number a rule of some kind is tuned with (label: ``alerts.param.<name>``)."""

    name: str
    default: float
    minimum: float
    maximum: float
    integer: bool = True

    def read(self, raw: object, *, where: str = "params") -> float:
        """``raw`` checked against the bounds (``None`` gives the default)."""
        if raw is None or raw == "":
            return self.default
        if isinstance(raw, bool):
            raise InvalidInput(f"{where}.{self.name}: a number")
        try:
            value = float(raw) if isinstance(raw, int | float | str) else float("nan")
        except ValueError:
            raise InvalidInput(f"{where}.{self.name}: a number, not {str(raw)[:20]!r}") from None
        if value != value or not self.minimum <= value <= self.maximum:
            raise InvalidInput(
                f"{where}.{self.name}: from {self.minimum:g} to {self.maximum:g}, not {raw}"
            )
        if self.integer and value != int(value):
            raise InvalidInput(f"{where}.{self.name}: a whole number")
        return int(value) if self.integer else value


@dataclass(frozen=True)
class AlertRule:
    """A stored rule, as the kinds see it (``params`` complete, defaults filled in)."""

    id: int
    workspace_id: int
    timezone: str
    name: str
    kind: str
    params: dict[str, float]
    scope_team: str | None = None
    scope_channel: str | None = None
    webhooks: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    telegram_chats: tuple[str, ...] = ()
    secret: str = ""
    language: str = "ru"
    enabled: bool = True


@dataclass(frozen=True)
class Finding:
    """Something a rule found: one alert per (rule, ``subject``, ``window``)."""

    subject: str
    window: str = ""
    interaction_id: int | None = None
    team: str | None = None
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class RuleKind(ABC):
    """Base of every alert rule kind; override the ``on_*`` methods the kind reacts to."""

    name: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    # Which of "interactions", "surveys", "schedule" the kind reacts to.
    reacts_to: ClassVar[frozenset[str]] = frozenset()

    def on_interactions(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Findings among interactions just stored (started at or after ``since``)."""
        return []

    def on_surveys(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Findings among survey answers just stored, by the interactions they rate."""
        return []

    def on_schedule(self, connection: Connection, rule: AlertRule, now: datetime) -> list[Finding]:
        """Findings of the periodic check at ``now`` (naive UTC)."""
        return []

    @classmethod
    def read_params(cls, raw: dict[str, Any] | None, *, where: str = "params") -> dict[str, float]:
        """The rule's parameters checked, defaults filled in; unknown names are refused."""
        return read_params(cls.params, raw, where=where)


def read_params(
    params: Sequence[Param], raw: dict[str, Any] | None, *, where: str = "params"
) -> dict[str, float]:
    """``raw`` checked against ``params``, defaults filled in; unknown names are refused."""
    raw = dict(raw or {})
    known = {param.name for param in params}
    unknown = sorted(set(raw) - known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise InvalidInput(f"{where}.{unknown[0]}: unknown parameter (known: {names})")
    return {param.name: param.read(raw.get(param.name), where=where) for param in params}


K = TypeVar("K", bound=type[RuleKind])
_registry: dict[str, type[RuleKind]] = {}
_loaded = False


def rule_kind(cls: K) -> K:
    """Class decorator: make a rule kind available by its ``name``."""
    existing = _registry.get(cls.name)
    if existing is not None and existing is not cls:
        raise InvalidInput(f"two alert rule kinds are named {cls.name!r}")
    _registry[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entry_point.load()
    _loaded = True


def rule_kinds() -> dict[str, type[RuleKind]]:
    """Every registered kind by name."""
    _load()
    return dict(sorted(_registry.items()))


def get_rule_kind(name: str) -> RuleKind:
    """The kind called ``name``."""
    found = rule_kinds().get(name)
    if found is None:
        known = ", ".join(rule_kinds())
        raise InvalidInput(f"kind: unknown alert rule kind {name[:50]!r}; known: {known}")
    return found()


def scope_condition(rule: AlertRule) -> ColumnElement[bool]:
    """The condition on ``interactions`` limiting a rule to its team and channel."""
    conditions: list[ColumnElement[bool]] = []
    if rule.scope_team:
        conditions.append(interactions.c.team == rule.scope_team)
    if rule.scope_channel:
        conditions.append(interactions.c.channel == rule.scope_channel)
    return and_(true(), *conditions)


def interaction_details(row: Any) -> dict[str, Any]:
    """What an alert about one interaction tells: no customer data but the comment."""
    return {
        "interaction_id": row.id,
        "external_id": row.external_id,
        "channel": row.channel,
        "agent": row.agent_name or row.agent_external_id or "—",
        "team": row.team or "—",
    }
