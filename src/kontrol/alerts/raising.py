"""Raising alerts: the rules evaluated, findings stored once, delivered, acknowledged.

After every committed import batch the rules of the batch's workspace are
evaluated on the new interactions and survey answers (events.py); the
periodic check (``kontrol alerts check``) evaluates the scheduled kinds; both
run through the shared rule loop (kontrol/rules/evaluation.py). A finding
becomes an alert only once per (rule, subject, window): the unique key in the
database decides, so two processes evaluating at once raise one alert. Each
new alert queues one delivery job per recipient (alerts/delivery.py). The
rules themselves are data (alerts/rules.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, alert_scope, allowed, require
from kontrol.alerts.kinds import ALERT_KINDS, AlertRule, Finding, rule_label
from kontrol.alerts.rules import alert_rules_query, stored_alert_rule
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.events import (
    ComplaintsFound,
    InteractionsScored,
    InteractionsStored,
    SurveysStored,
    subscriber,
)
from kontrol.rules.evaluation import run_rules, workspace_ids
from kontrol.settings import current_settings
from kontrol.store.tables import agents, alert_deliveries, alert_rules, alerts, users
from kontrol.store.upsert import insert_ignoring_duplicate

DELIVERY_JOB = "alerts.deliver"


def _insert_ignoring_duplicate(connection: Connection, values: dict[str, Any]) -> int | None:
    return insert_ignoring_duplicate(
        connection, alerts, values, unique=["rule_id", "subject", "time_window"]
    )


def _delivery_key(alert_id: int, channel: str, target: str) -> str:
    digest = hashlib.sha256(target.encode()).hexdigest()[:24]
    return f"alert:{alert_id}:{channel}:{digest}"


def _agent_names(connection: Connection, workspace_id: int, ids: set[str]) -> dict[str, str]:
    """The names of the agents with these ids (as the import or the people page gave them)."""
    if not ids:
        return {}
    rows = connection.execute(
        select(agents.c.external_id, agents.c.name).where(
            agents.c.workspace_id == workspace_id,
            agents.c.external_id.in_(sorted(ids)),
            agents.c.name.is_not(None),
        )
    )
    return {external_id: name for external_id, name in rows if name}


def _named(findings: Sequence[Finding], names: dict[str, str]) -> list[Finding]:
    """Findings whose agent is only an id get the agent's name: an alert names people."""
    named: list[Finding] = []
    for finding in findings:
        agent_id = finding.details.get("agent_id")
        if agent_id and finding.details.get("agent") == agent_id and agent_id in names:
            finding = replace(finding, details={**finding.details, "agent": names[agent_id]})
        named.append(finding)
    return named


def raise_alerts(
    engine: Engine, connection: Connection, rule: AlertRule, findings: Sequence[Finding]
) -> list[int]:
    """Store the findings that are new as alerts and queue their deliveries."""
    from kontrol.jobs import enqueue

    raised: list[int] = []
    now = utcnow()
    ids = {str(f.details["agent_id"]) for f in findings if f.details.get("agent_id")}
    findings = _named(findings, _agent_names(connection, rule.workspace_id, ids))
    for finding in findings:
        alert_id = _insert_ignoring_duplicate(
            connection,
            {
                "workspace_id": rule.workspace_id,
                "rule_id": rule.id,
                "subject": finding.subject[:200],
                "time_window": finding.window[:40],
                "interaction_id": finding.interaction_id,
                "team": finding.team,
                "channel": finding.channel,
                "details": finding.details,
                "raised_at": now,
            },
        )
        if alert_id is None:
            continue
        raised.append(alert_id)
        for channel, targets in (
            ("webhook", rule.webhooks),
            ("email", rule.emails),
            ("telegram", rule.telegram_chats),
        ):
            for target in targets:
                enqueue(
                    engine,
                    DELIVERY_JOB,
                    connection=connection,
                    dedup_key=_delivery_key(alert_id, channel, target),
                    alert_id=alert_id,
                    channel=channel,
                    target=target,
                )
    return raised


def _enabled_rules(connection: Connection, workspace_id: int, trigger: str) -> list[AlertRule]:
    rows = connection.execute(
        alert_rules_query(workspace_id)
        .where(alert_rules.c.enabled.is_(True))
        .order_by(alert_rules.c.id)
    )
    return [stored_alert_rule(row, row.timezone) for row in ALERT_KINDS.reacting(rows, trigger)]


def evaluate(engine: Engine, workspace_id: int, trigger: str, ids: Sequence[int]) -> list[int]:
    """Run the rules reacting to ``trigger`` on stored ids.

    Triggers: ``interactions`` (stored, or found to be complaints by the checks),
    ``scored`` (checked and scored), ``surveys`` (answers stored).
    """
    since = utcnow() - timedelta(days=current_settings().alert_lookback_days)
    with engine.connect() as connection:
        rules = _enabled_rules(connection, workspace_id, trigger)

    def find_and_raise(connection: Connection, rule: AlertRule) -> list[int]:
        kind = ALERT_KINDS.get(rule.kind)
        if trigger in ("interactions", "scored"):
            findings = kind.on_interactions(connection, rule, ids, since)
        else:
            findings = kind.on_surveys(connection, rule, ids, since)
        return raise_alerts(engine, connection, rule, findings)

    return run_rules(engine, rules, find_and_raise, what="alert rule", contain_errors=True)


@subscriber(InteractionsStored, background=True)
def on_interactions_stored(engine: Engine, event: InteractionsStored) -> None:
    """Evaluate the rules that watch interactions."""
    evaluate(engine, event.workspace_id, "interactions", event.interaction_ids)


@subscriber(ComplaintsFound, background=True)
def on_complaints_found(engine: Engine, event: ComplaintsFound) -> None:
    """Complaints the checks found in the text: the rules that watch interactions see them."""
    evaluate(engine, event.workspace_id, "interactions", event.interaction_ids)


@subscriber(InteractionsScored, background=True)
def on_interactions_scored(engine: Engine, event: InteractionsScored) -> None:
    """Evaluate the rules that watch the automatic evaluations (failed critical checks)."""
    evaluate(engine, event.workspace_id, "scored", event.interaction_ids)


@subscriber(SurveysStored, background=True)
def on_surveys_stored(engine: Engine, event: SurveysStored) -> None:
    """Evaluate the rules that watch survey answers."""
    evaluate(engine, event.workspace_id, "surveys", event.interaction_ids)


def check_scheduled(engine: Engine, *, now: datetime | None = None) -> list[int]:
    """The periodic check: every enabled scheduled rule of every workspace."""
    moment = now or utcnow()

    def find_and_raise(connection: Connection, rule: AlertRule) -> list[int]:
        findings = ALERT_KINDS.get(rule.kind).on_schedule(connection, rule, moment)
        return raise_alerts(engine, connection, rule, findings)

    raised: list[int] = []
    for workspace_id in workspace_ids(engine):
        with engine.connect() as connection:
            rules = _enabled_rules(connection, workspace_id, "schedule")
        raised += run_rules(engine, rules, find_and_raise, what="alert rule", contain_errors=False)
    return raised


# -- the alerts list ---------------------------------------------------------------

STATES = ("open", "acknowledged", "all")


@dataclass(frozen=True)
class Alert:
    """A raised alert, as the list shows it."""

    id: int
    rule_id: int
    rule_name: str
    kind: str
    subject: str
    window: str
    interaction_id: int | None
    team: str | None
    channel: str | None
    details: dict[str, Any]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    sent: tuple[str, ...]
    rule_name_key: str | None = None

    def rule_label(self, locale: str) -> str:
        """The rule's name for a reader of ``locale`` (see ``AlertRule.label``)."""
        return rule_label(self.rule_name, self.rule_name_key, locale)


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts a list shows: their state, and optionally one rule's only."""

    state: str = "open"
    rule_id: int | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise InvalidInput(
                "state: open, acknowledged or all",
                key="alerts.error.state",
                where_key="error.where.field",
                where_params={"field": "state"},
            )

    def condition(self, viewer: Viewer) -> ColumnElement[bool]:
        """The condition on ``alerts`` (joined with nothing) of the viewer's alerts shown."""
        conditions = [alert_scope(viewer)]
        if self.state == "open":
            conditions.append(alerts.c.acknowledged_at.is_(None))
        elif self.state == "acknowledged":
            conditions.append(alerts.c.acknowledged_at.is_not(None))
        if self.rule_id is not None:
            conditions.append(alerts.c.rule_id == self.rule_id)
        return and_(*conditions)


def list_alerts(
    connection: Connection,
    viewer: Viewer,
    *,
    state: str = "open",
    rule_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Alert]:
    """Alerts the viewer may see, newest first; ``state``: open, acknowledged or all."""
    require(viewer, Action.VIEW_ALERTS)
    shown = AlertFilter(state, rule_id)
    query = (
        select(
            alerts,
            alert_rules.c.name.label("rule_name"),
            alert_rules.c.name_key.label("rule_name_key"),
            alert_rules.c.kind,
            users.c.display_name.label("acknowledger"),
        )
        .join(alert_rules, alert_rules.c.id == alerts.c.rule_id)
        .outerjoin(users, users.c.id == alerts.c.acknowledged_by)
        .where(shown.condition(viewer))
        .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = connection.execute(query).all()
    sent: dict[int, list[str]] = {}
    if rows:
        for alert_id, channel in connection.execute(
            select(alert_deliveries.c.alert_id, alert_deliveries.c.channel).where(
                alert_deliveries.c.alert_id.in_([row.id for row in rows])
            )
        ):
            sent.setdefault(alert_id, []).append(channel)
    local = zone(viewer.workspace.timezone)
    return [
        Alert(
            id=row.id,
            rule_id=row.rule_id,
            rule_name=row.rule_name,
            rule_name_key=row.rule_name_key,
            kind=row.kind,
            subject=row.subject,
            window=row.time_window,
            interaction_id=row.interaction_id,
            team=row.team,
            channel=row.channel,
            details=dict(row.details or {}),
            raised_at=from_utc(row.raised_at, local),
            acknowledged_at=from_utc(row.acknowledged_at, local) if row.acknowledged_at else None,
            acknowledged_by=row.acknowledger,
            sent=tuple(sorted(set(sent.get(row.id, [])))),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AlertGroup:
    """The alerts of one rule (one kind) matching a list's filter, as one row: how many,
    how many still open, the newest, and the newest few themselves."""

    rule_id: int
    rule_name: str
    rule_name_key: str | None
    kind: str
    count: int
    open_count: int
    latest_at: datetime
    newest_open_id: int
    latest: tuple[Alert, ...]

    def rule_label(self, locale: str) -> str:
        """The rule's name for a reader of ``locale`` (see ``AlertRule.label``)."""
        return rule_label(self.rule_name, self.rule_name_key, locale)


# A group row shows this many of its newest alerts when opened.
GROUP_PEEK = 5


def alert_groups(
    connection: Connection, viewer: Viewer, *, state: str = "open", peek: int = GROUP_PEEK
) -> list[AlertGroup]:
    """The viewer's alerts matching ``state``, one group per rule, the newest group first.

    A rule has one kind, so a group is a (rule, kind). Each group counts its alerts
    and its open ones (what "acknowledge the group" names), knows the newest open
    alert's id (where acknowledging the group stops) and holds its ``peek`` newest.
    """
    require(viewer, Action.VIEW_ALERTS)
    condition = AlertFilter(state, None).condition(viewer)
    is_open = case((alerts.c.acknowledged_at.is_(None), 1), else_=0)
    newest_open = case((alerts.c.acknowledged_at.is_(None), alerts.c.id), else_=None)
    rows = connection.execute(
        select(
            alerts.c.rule_id,
            func.count().label("alert_count"),
            func.sum(is_open).label("open_count"),
            func.max(alerts.c.raised_at).label("latest_at"),
            func.max(newest_open).label("newest_open_id"),
        )
        .where(condition)
        .group_by(alerts.c.rule_id)
    ).all()
    local = zone(viewer.workspace.timezone)
    groups = []
    for row in rows:
        latest = list_alerts(connection, viewer, state=state, rule_id=row.rule_id, limit=peek)
        if not latest:  # acknowledged or deleted in between
            continue
        first = latest[0]
        groups.append(
            AlertGroup(
                rule_id=row.rule_id,
                rule_name=first.rule_name,
                rule_name_key=first.rule_name_key,
                kind=first.kind,
                count=int(row.alert_count),
                open_count=int(row.open_count or 0),
                latest_at=from_utc(row.latest_at, local),
                newest_open_id=int(row.newest_open_id or 0),
                latest=tuple(latest),
            )
        )
    groups.sort(key=lambda group: (group.latest_at, group.rule_id), reverse=True)
    return groups


def count_alerts(
    connection: Connection, viewer: Viewer, *, state: str = "open", rule_id: int | None = None
) -> int:
    """How many alerts the viewer may see match the filter (the list's count)."""
    require(viewer, Action.VIEW_ALERTS)
    condition = AlertFilter(state, rule_id).condition(viewer)
    return int(
        connection.execute(select(func.count()).select_from(alerts).where(condition)).scalar_one()
    )


def open_alerts_span(
    connection: Connection, viewer: Viewer, *, rule_id: int | None = None
) -> tuple[int, int]:
    """How many open alerts match (of one rule, if given) and the id of the newest of them
    (0 when none): what "acknowledge all" names, and where it stops."""
    require(viewer, Action.VIEW_ALERTS)
    condition = AlertFilter("open", rule_id).condition(viewer)
    count, newest = connection.execute(
        select(func.count(), func.max(alerts.c.id)).select_from(alerts).where(condition)
    ).one()
    return int(count), int(newest or 0)


def count_open(connection: Connection, viewer: Viewer) -> int:
    """How many open alerts the viewer may see (the badge in the nav)."""
    if not allowed(viewer, Action.VIEW_ALERTS):
        return 0
    return count_alerts(connection, viewer, state="open")


def acknowledge_alert(connection: Connection, viewer: Viewer, alert_id: int) -> None:
    """Record who acknowledged an alert and when (the first acknowledgement counts)."""
    require(viewer, Action.VIEW_ALERTS)
    row = connection.execute(
        select(alerts.c.id, alerts.c.acknowledged_at).where(
            alert_scope(viewer), alerts.c.id == alert_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no alert {alert_id}", key="alerts.error.no_alert", params={"alert_id": alert_id}
        )
    connection.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by=viewer.account.id)
    )


# At most this many alerts picked by hand in one request (a page shows 100).
MAX_PICKED = 500


def acknowledge_alerts(connection: Connection, viewer: Viewer, alert_ids: Sequence[int]) -> int:
    """Acknowledge the open alerts among ``alert_ids`` that the viewer may see; how many.

    An id out of the viewer's scope, unknown or acknowledged already changes nothing
    (two people clearing the same list at once acknowledge each alert once).
    """
    require(viewer, Action.VIEW_ALERTS)
    picked = sorted(set(alert_ids))
    if not picked:
        return 0
    if len(picked) > MAX_PICKED:
        raise InvalidInput(
            f"at most {MAX_PICKED} alerts at once",
            key="alerts.error.too_many",
            params={"limit": MAX_PICKED},
        )
    result = connection.execute(
        update(alerts)
        .where(alert_scope(viewer), alerts.c.id.in_(picked), alerts.c.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by=viewer.account.id)
    )
    return int(result.rowcount or 0)


def acknowledge_matching(
    connection: Connection, viewer: Viewer, *, rule_id: int | None = None, up_to_id: int
) -> int:
    """Acknowledge every open alert the viewer may see (of one rule, if given) up to the
    alert ``up_to_id`` (the newest the reader saw: later ones stay open); how many."""
    require(viewer, Action.VIEW_ALERTS)
    result = connection.execute(
        update(alerts)
        .where(AlertFilter("open", rule_id).condition(viewer), alerts.c.id <= up_to_id)
        .values(acknowledged_at=utcnow(), acknowledged_by=viewer.account.id)
    )
    return int(result.rowcount or 0)
