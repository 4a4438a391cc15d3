"""Alert rule kinds: each kind is one small class, registered with ``@ALERT_KINDS.register``.

A kind says which parameters a rule of it takes and finds what deserves an
alert: after interactions are stored (``on_interactions``), after survey answers
are stored (``on_surveys``) and on the periodic check (``on_schedule``). It
returns :class:`Finding` objects; storing them (one alert per rule, subject and
window), de-duplication and sending are the alerting service's job.

Kinds, their parameters and the registry are the shared rule mechanism
(kontrol/rules/). Built-in kinds come through the ``kontrol.alert_kinds``
entry-point group declared in pyproject.toml, exactly as another package's do
(each entry point names a module whose import registers its kinds). The user-facing name of a
kind is the catalogue key ``alerts.kind.<name>``, its message
``alerts.message.<name>`` (formatted with the finding's ``details``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, true

from kontrol.rules.kinds import RuleKind, RuleKinds
from kontrol.store.tables import interactions

ENTRY_POINT_GROUP = "kontrol.alert_kinds"


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
    # A rule Kontrol wrote: the catalogue entry of its name (see :meth:`label`).
    name_key: str | None = None

    def label(self, locale: str) -> str:
        """The rule's name for a reader of ``locale``: a written name as written."""
        return rule_label(self.name, self.name_key, locale)


def rule_label(name: str, name_key: str | None, locale: str) -> str:
    """A rule's name in ``locale``: its catalogue entry's text, else its name as written."""
    if not name_key:
        return name
    from kontrol.i18n import translate

    text = translate(locale, name_key)
    return name if text == name_key else text


@dataclass(frozen=True)
class Finding:
    """Something a rule found: one alert per (rule, ``subject``, ``window``)."""

    subject: str
    window: str = ""
    interaction_id: int | None = None
    team: str | None = None
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class AlertKind(RuleKind):
    """Base of every alert rule kind; override the ``on_*`` methods the kind reacts to.

    ``triggers``: which of "interactions", "scored", "surveys", "schedule" it reacts to.
    """

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


ALERT_KINDS: RuleKinds[AlertKind] = RuleKinds("alert rule kind", group=ENTRY_POINT_GROUP)


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
        # The agent's id: the alerting service puts the agent's name in its place.
        "agent_id": row.agent_external_id,
        "team": row.team or "—",
    }
