"""Alert rules and the alerts they raise: evaluation, de-duplication, acknowledging.

Rules are data (``alert_rules``), edited in the web app or imported from YAML.
After every committed import batch the rules of the batch's workspace are
evaluated on the new interactions and survey answers (events.py); the
periodic check (``kontrol alerts check``) evaluates the scheduled kinds. A
finding becomes an alert only once per (rule, subject, window): the unique key
in the database decides, so two processes evaluating at once raise one alert.
Each new alert queues one delivery job per recipient (services/alert_delivery).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, Row, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, alert_scope, allowed, require
from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.notifiers import get_notifier
from kontrol.alerts.registry import AlertRule, Finding, get_rule_kind, rule_kinds
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.vocabulary import Channel
from kontrol.events import (
    ComplaintsFound,
    InteractionsScored,
    InteractionsStored,
    SurveysStored,
    subscriber,
)
from kontrol.settings import current_settings
from kontrol.store.tables import alert_deliveries, alert_rules, alerts, users, workspaces
from kontrol.store.upsert import insert_ignoring_duplicate

log = logging.getLogger(__name__)
LANGUAGES = ("ru", "en")
CHANNELS = ("webhook", "email", "telegram")
DELIVERY_JOB = "alerts.deliver"


# -- rules -------------------------------------------------------------------------


def _rule(row: Row[Any], timezone: str) -> AlertRule:
    kind = rule_kinds().get(row.kind)
    params = dict(row.params or {})
    if kind is not None:
        # Parameters added to a kind later get their default.
        params = {p.name: params.get(p.name, p.default) for p in kind.params}
    return AlertRule(
        id=row.id,
        workspace_id=row.workspace_id,
        timezone=timezone,
        name=row.name,
        kind=row.kind,
        params=params,
        scope_team=row.scope_team,
        scope_channel=row.scope_channel,
        webhooks=tuple(row.webhooks or ()),
        emails=tuple(row.emails or ()),
        telegram_chats=tuple(row.telegram_chats or ()),
        secret=row.secret,
        language=row.language,
        enabled=row.enabled,
    )


def _rules_query(workspace_id: int) -> Any:
    return (
        select(alert_rules, workspaces.c.timezone)
        .join(workspaces, workspaces.c.id == alert_rules.c.workspace_id)
        .where(alert_rules.c.workspace_id == workspace_id)
    )


def list_rules(connection: Connection, workspace: Workspace) -> list[AlertRule]:
    """The workspace's rules, by name."""
    rows = connection.execute(_rules_query(workspace.id).order_by(alert_rules.c.name))
    return [_rule(row, row.timezone) for row in rows]


def get_rule(connection: Connection, workspace: Workspace, rule_id: int) -> AlertRule:
    """One rule of the workspace."""
    row = connection.execute(_rules_query(workspace.id).where(alert_rules.c.id == rule_id)).first()
    if row is None:
        raise NotFound(f"no alert rule {rule_id}")
    return _rule(row, row.timezone)


def _targets(channel: str, values: Sequence[str], where: str) -> list[str]:
    notifier = get_notifier(channel)
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(f"{where}: a list of texts")
        text = str(value).strip()
        if text:
            try:
                target = notifier.check_target(text)
            except InvalidInput as error:
                raise InvalidInput(f"{where}: {error}") from None
            if target not in cleaned:
                cleaned.append(target)
    if len(cleaned) > 50:
        raise InvalidInput(f"{where}: at most 50 recipients")
    return cleaned


@dataclass
class RuleInput:
    """A rule as a person or a YAML file writes it, before checking."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    scope_team: str | None = None
    scope_channel: str | None = None
    webhooks: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    telegram_chats: list[str] = field(default_factory=list)
    language: str = "ru"
    enabled: bool = True
    secret: str | None = None


def save_rule(
    connection: Connection, workspace: Workspace, data: RuleInput, *, rule_id: int | None = None
) -> AlertRule:
    """Create a rule, or update ``rule_id``; every field is checked, errors name it."""
    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name: 1 to 200 characters")
    kind = get_rule_kind(data.kind)
    params = kind.read_params(data.params)
    team = (data.scope_team or "").strip() or None
    if team is not None and len(team) > 200:
        raise InvalidInput("scope.team: at most 200 characters")
    channel = (data.scope_channel or "").strip() or None
    if channel is not None and channel not in {item.value for item in Channel}:
        raise InvalidInput(f"scope.channel: unknown channel {channel[:30]!r}")
    if data.language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}")
    secret = data.secret.strip() if data.secret else None
    if secret is not None and not 16 <= len(secret) <= 100:
        raise InvalidInput("secret: 16 to 100 characters")
    values: dict[str, Any] = {
        "name": name,
        "kind": data.kind,
        "params": params,
        "scope_team": team,
        "scope_channel": channel,
        "webhooks": _targets("webhook", data.webhooks, "recipients.webhooks"),
        "emails": _targets("email", data.emails, "recipients.emails"),
        "telegram_chats": _targets("telegram", data.telegram_chats, "recipients.telegram"),
        "language": data.language,
        "enabled": bool(data.enabled),
        "updated_at": utcnow(),
    }
    clash = connection.execute(
        select(alert_rules.c.id).where(
            alert_rules.c.workspace_id == workspace.id, alert_rules.c.name == name
        )
    ).scalar()
    if rule_id is None:
        if clash is not None:
            raise Conflict(f"name: a rule named {name!r} exists already")
        values |= {
            "workspace_id": workspace.id,
            "secret": secret or secrets.token_urlsafe(32),
            "created_at": values["updated_at"],
        }
        new_id = connection.execute(alert_rules.insert().values(**values)).inserted_primary_key
        assert new_id is not None
        return get_rule(connection, workspace, int(new_id[0]))
    get_rule(connection, workspace, rule_id)
    if clash is not None and clash != rule_id:
        raise Conflict(f"name: a rule named {name!r} exists already")
    if secret:
        values["secret"] = secret
    connection.execute(update(alert_rules).where(alert_rules.c.id == rule_id).values(**values))
    return get_rule(connection, workspace, rule_id)


def rotate_secret(connection: Connection, workspace: Workspace, rule_id: int) -> AlertRule:
    """A new webhook secret for the rule (the old one stops verifying)."""
    get_rule(connection, workspace, rule_id)
    connection.execute(
        update(alert_rules)
        .where(alert_rules.c.id == rule_id)
        .values(secret=secrets.token_urlsafe(32), updated_at=utcnow())
    )
    return get_rule(connection, workspace, rule_id)


def delete_rule(connection: Connection, workspace: Workspace, rule_id: int) -> None:
    """Remove a rule and the alerts it raised."""
    get_rule(connection, workspace, rule_id)
    connection.execute(alert_rules.delete().where(alert_rules.c.id == rule_id))


# -- YAML --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFileError:
    """A rule of a YAML file that was not saved, and why."""

    file: str
    line: int
    error: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.error}"


@dataclass
class RuleFileReport:
    """What importing a rules file did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[RuleFileError] = field(default_factory=list)


def _text_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(item) for item in value]
    raise InvalidInput(f"{where}: a list")


def _rule_input(item: Any) -> RuleInput:
    if not isinstance(item, dict):
        raise InvalidInput("rule: a mapping with name and kind")
    known = {"name", "kind", "params", "scope", "recipients", "language", "enabled", "secret"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field (known: {', '.join(sorted(known))})")
    for required in ("name", "kind"):
        if not isinstance(item.get(required), str):
            raise InvalidInput(f"{required}: required text")
    scope = item.get("scope") or {}
    recipients = item.get("recipients") or {}
    params = item.get("params") or {}
    for label, value in (("scope", scope), ("recipients", recipients), ("params", params)):
        if not isinstance(value, dict):
            raise InvalidInput(f"{label}: a mapping")
    unknown_scope = sorted(set(scope) - {"team", "channel"})
    if unknown_scope:
        raise InvalidInput(f"scope.{unknown_scope[0]}: unknown field (team, channel)")
    unknown_recipients = sorted(set(recipients) - {"webhooks", "emails", "telegram"})
    if unknown_recipients:
        raise InvalidInput(
            f"recipients.{unknown_recipients[0]}: unknown field (webhooks, emails, telegram)"
        )
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled: true or false")
    language = item.get("language", "ru")
    secret = item.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise InvalidInput("secret: text")
    return RuleInput(
        name=item["name"],
        kind=item["kind"],
        params=params,
        scope_team=None if scope.get("team") is None else str(scope.get("team")),
        scope_channel=None if scope.get("channel") is None else str(scope.get("channel")),
        webhooks=_text_list(recipients.get("webhooks"), "recipients.webhooks"),
        emails=_text_list(recipients.get("emails"), "recipients.emails"),
        telegram_chats=_text_list(recipients.get("telegram"), "recipients.telegram"),
        language=str(language),
        enabled=enabled,
        secret=secret,
    )


def import_rules(engine: Engine, workspace: Workspace, path: Path) -> RuleFileReport:
    """Create or update (by name) the rules of a YAML file; a bad rule is reported
    with its file, line and field, and the others are still saved."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{label}: cannot be read: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise InvalidInput(f"{label}:{line}: not valid YAML") from None
    items: list[Any]
    lines: list[int]
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        items = data["rules"]
        node = next(v for k, v in root.value if k.value == "rules")  # type: ignore[union-attr]
        lines = [child.start_mark.line + 1 for child in node.value]
    elif isinstance(data, list):
        items = data
        lines = [child.start_mark.line + 1 for child in root.value]  # type: ignore[union-attr]
    else:
        raise InvalidInput(f"{label}:1: expected a list of rules under 'rules:'")
    report = RuleFileReport()
    for item, line in zip(items, lines, strict=True):
        try:
            rule_input = _rule_input(item)
            with engine.begin() as connection:
                existing = connection.execute(
                    select(alert_rules.c.id).where(
                        alert_rules.c.workspace_id == workspace.id,
                        alert_rules.c.name == rule_input.name.strip(),
                    )
                ).scalar()
                save_rule(connection, workspace, rule_input, rule_id=existing)
            (report.updated if existing else report.created).append(rule_input.name.strip())
        except (InvalidInput, Conflict) as error:
            report.errors.append(RuleFileError(label, line, str(error)))
    return report


def rules_as_yaml(connection: Connection, workspace: Workspace) -> str:
    """The workspace's rules as a YAML file that ``import_rules`` reads back (no secrets)."""
    out = []
    for rule in list_rules(connection, workspace):
        item: dict[str, Any] = {"name": rule.name, "kind": rule.kind, "params": rule.params}
        scope = {"team": rule.scope_team, "channel": rule.scope_channel}
        if any(scope.values()):
            item["scope"] = {k: v for k, v in scope.items() if v}
        recipients = {
            "webhooks": list(rule.webhooks),
            "emails": list(rule.emails),
            "telegram": list(rule.telegram_chats),
        }
        if any(recipients.values()):
            item["recipients"] = {k: v for k, v in recipients.items() if v}
        item |= {"language": rule.language, "enabled": rule.enabled}
        out.append(item)
    return yaml.safe_dump({"rules": out}, allow_unicode=True, sort_keys=False)


# -- raising alerts ----------------------------------------------------------------


def _insert_ignoring_duplicate(connection: Connection, values: dict[str, Any]) -> int | None:
    return insert_ignoring_duplicate(
        connection, alerts, values, unique=["rule_id", "subject", "time_window"]
    )


def _delivery_key(alert_id: int, channel: str, target: str) -> str:
    digest = hashlib.sha256(target.encode()).hexdigest()[:24]
    return f"alert:{alert_id}:{channel}:{digest}"


def raise_alerts(
    engine: Engine, connection: Connection, rule: AlertRule, findings: Sequence[Finding]
) -> list[int]:
    """Store the findings that are new as alerts and queue their deliveries."""
    from kontrol.jobs import enqueue

    raised: list[int] = []
    now = utcnow()
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
        _rules_query(workspace_id).where(alert_rules.c.enabled.is_(True)).order_by(alert_rules.c.id)
    )
    found = []
    for row in rows:
        kind = rule_kinds().get(row.kind)
        if kind is not None and trigger in kind.reacts_to:
            found.append(_rule(row, row.timezone))
    return found


def evaluate(engine: Engine, workspace_id: int, trigger: str, ids: Sequence[int]) -> list[int]:
    """Run the rules reacting to ``trigger`` on stored ids.

    Triggers: ``interactions`` (stored, or found to be complaints by the checks),
    ``scored`` (checked and scored), ``surveys`` (answers stored).
    """
    since = utcnow() - timedelta(days=current_settings().alert_lookback_days)
    with engine.connect() as connection:
        rules = _enabled_rules(connection, workspace_id, trigger)
    raised: list[int] = []
    for rule in rules:
        kind = get_rule_kind(rule.kind)
        try:
            with engine.begin() as connection:
                if trigger in ("interactions", "scored"):
                    findings = kind.on_interactions(connection, rule, ids, since)
                else:
                    findings = kind.on_surveys(connection, rule, ids, since)
                raised.extend(raise_alerts(engine, connection, rule, findings))
        except Exception:  # noqa: BLE001 - one broken rule must not stop an import
            log.exception("alert rule %s (%s) failed", rule.id, rule.kind)
    return raised


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
    with engine.connect() as connection:
        workspace_ids = list(connection.execute(select(workspaces.c.id)).scalars())
    raised: list[int] = []
    for workspace_id in workspace_ids:
        with engine.connect() as connection:
            rules = _enabled_rules(connection, workspace_id, "schedule")
        for rule in rules:
            with engine.begin() as connection:
                findings = get_rule_kind(rule.kind).on_schedule(connection, rule, moment)
                raised.extend(raise_alerts(engine, connection, rule, findings))
    return raised


# -- the alerts list ---------------------------------------------------------------


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


def list_alerts(
    connection: Connection,
    viewer: Viewer,
    *,
    state: str = "open",
    limit: int = 100,
    offset: int = 0,
) -> list[Alert]:
    """Alerts the viewer may see, newest first; ``state``: open, acknowledged or all."""
    require(viewer, Action.VIEW_ALERTS)
    if state not in ("open", "acknowledged", "all"):
        raise InvalidInput("state: open, acknowledged or all")
    query = (
        select(
            alerts,
            alert_rules.c.name.label("rule_name"),
            alert_rules.c.kind,
            users.c.display_name.label("acknowledger"),
        )
        .join(alert_rules, alert_rules.c.id == alerts.c.rule_id)
        .outerjoin(users, users.c.id == alerts.c.acknowledged_by)
        .where(alert_scope(viewer))
        .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state == "open":
        query = query.where(alerts.c.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(alerts.c.acknowledged_at.is_not(None))
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


def count_open(connection: Connection, viewer: Viewer) -> int:
    """How many open alerts the viewer may see (the badge in the nav)."""
    if not allowed(viewer, Action.VIEW_ALERTS):
        return 0
    return int(
        connection.execute(
            select(func.count())
            .select_from(alerts)
            .where(alert_scope(viewer), alerts.c.acknowledged_at.is_(None))
        ).scalar_one()
    )


def acknowledge(connection: Connection, viewer: Viewer, alert_id: int) -> None:
    """Record who acknowledged an alert and when (the first acknowledgement counts)."""
    require(viewer, Action.VIEW_ALERTS)
    row = connection.execute(
        select(alerts.c.id, alerts.c.acknowledged_at).where(
            alert_scope(viewer), alerts.c.id == alert_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    connection.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by=viewer.account.id)
    )
