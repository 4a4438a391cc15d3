"""Alert rules as data: stored in ``alert_rules``, edited in the web app or imported from YAML.

A rule names a kind (alerts/kinds.py) with its parameters, an optional scope
(team, channel), its recipients (webhooks, e-mails, Telegram chats), the
language of its messages and the secret its webhooks are signed with. Every
field is checked and an error names the field. Evaluating the rules and
raising alerts is alerts/raising.py's job.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.kinds import ALERT_KINDS, AlertRule
from kontrol.alerts.notifiers import get_notifier
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.rules.files import (
    RuleFileReport,
    SaveEntry,
    entry_fields,
    import_rule_file,
    rules_file,
)
from kontrol.store.tables import alert_rules, workspaces

LANGUAGES = ("ru", "en")
# The catalogue entries of the names of the rules Kontrol writes.
DEFAULT_NAME_PREFIX = "alerts.default."
YAML_FIELDS = ("name", "kind", "params", "scope", "recipients", "language", "enabled", "secret")


def stored_alert_rule(row: Row[Any], timezone: str) -> AlertRule:
    """A row of :func:`alert_rules_query` as the kinds see it (parameters complete)."""
    kind = ALERT_KINDS.find(row.kind)
    params = dict(row.params or {})
    if kind is not None:
        params = kind.stored_params(params)
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
        name_key=row.name_key,
    )


def alert_rules_query(workspace_id: int) -> Any:
    """The workspace's rules with the workspace's time zone (which the kinds count days in)."""
    return (
        select(alert_rules, workspaces.c.timezone)
        .join(workspaces, workspaces.c.id == alert_rules.c.workspace_id)
        .where(alert_rules.c.workspace_id == workspace_id)
    )


def list_alert_rules(
    connection: Connection, workspace: Workspace, locale: str | None = None
) -> list[AlertRule]:
    """The workspace's rules, by name (by their names in ``locale`` when given)."""
    rows = connection.execute(alert_rules_query(workspace.id).order_by(alert_rules.c.name))
    rules = [stored_alert_rule(row, row.timezone) for row in rows]
    if locale is not None:
        rules.sort(key=lambda rule: rule.label(locale).casefold())
    return rules


def get_alert_rule(connection: Connection, workspace: Workspace, rule_id: int) -> AlertRule:
    """One rule of the workspace."""
    row = connection.execute(
        alert_rules_query(workspace.id).where(alert_rules.c.id == rule_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no alert rule {rule_id}", key="alerts.error.no_rule", params={"rule_id": rule_id}
        )
    return stored_alert_rule(row, row.timezone)


def _targets(channel: str, values: Sequence[str], where: str) -> list[str]:
    notifier = get_notifier(channel)
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(
                f"{where}: a list of texts",
                key="alerts.error.texts",
                where_key="error.where.field",
                where_params={"field": where},
            )
        text = str(value).strip()
        if text:
            try:
                target = notifier.check_target(text)
            except InvalidInput as error:
                raise InvalidInput(
                    f"{where}: {error}",
                    key=error.key,
                    params=error.params,
                    where_key="error.where.field",
                    where_params={"field": where},
                ) from None
            if target not in cleaned:
                cleaned.append(target)
    if len(cleaned) > 50:
        raise InvalidInput(
            f"{where}: at most 50 recipients",
            key="alerts.error.recipients",
            where_key="error.where.field",
            where_params={"field": where},
        )
    return cleaned


@dataclass
class AlertRuleInput:
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
    # A rule Kontrol writes (the demo's): its name's catalogue entry (alerts.default.*).
    name_key: str | None = None


def _name_key(
    connection: Connection,
    workspace: Workspace,
    data: AlertRuleInput,
    name: str,
    rule_id: int | None,
) -> str | None:
    """The catalogue entry a rule keeps: the one given, or on an edit the stored one as
    long as the name is still its text in some language (a renamed rule is as written)."""
    key = data.name_key
    if key is None and rule_id is not None:
        key = connection.execute(
            select(alert_rules.c.name_key).where(
                alert_rules.c.workspace_id == workspace.id, alert_rules.c.id == rule_id
            )
        ).scalar()
        if key is not None and name not in {translate(locale, key) for locale in LANGUAGES}:
            key = None
    if key is not None and (not key.startswith(DEFAULT_NAME_PREFIX) or translate("ru", key) == key):
        raise InvalidInput(
            f"name_key: no catalogue entry {key[:60]!r}",
            key="alerts.error.name_key",
            where_key="error.where.field",
            where_params={"field": "name_key"},
        )
    return key


def save_alert_rule(
    connection: Connection,
    workspace: Workspace,
    data: AlertRuleInput,
    *,
    rule_id: int | None = None,
) -> AlertRule:
    """Create a rule, or update ``rule_id``; every field is checked, errors name it."""
    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "name: 1 to 200 characters",
            key="error.name_length",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    kind = ALERT_KINDS.get(data.kind)
    params = kind.read_params(data.params)
    team = (data.scope_team or "").strip() or None
    if team is not None and len(team) > 200:
        raise InvalidInput(
            "scope.team: at most 200 characters",
            key="error.at_most_200",
            where_key="error.where.field",
            where_params={"field": "scope.team"},
        )
    channel = (data.scope_channel or "").strip() or None
    if channel is not None and channel not in {item.value for item in Channel}:
        raise InvalidInput(
            f"scope.channel: unknown channel {channel[:30]!r}",
            key="error.unknown_channel",
            params={"channel": channel[:30]},
            where_key="error.where.field",
            where_params={"field": "scope.channel"},
        )
    if data.language not in LANGUAGES:
        raise InvalidInput(
            f"language: one of {', '.join(LANGUAGES)}",
            key="error.one_of",
            params={"choices": ", ".join(LANGUAGES)},
            where_key="error.where.field",
            where_params={"field": "language"},
        )
    secret = data.secret.strip() if data.secret else None
    if secret is not None and not 16 <= len(secret) <= 100:
        raise InvalidInput(
            "secret: 16 to 100 characters",
            key="alerts.error.secret",
            where_key="error.where.field",
            where_params={"field": "secret"},
        )
    name_key = _name_key(connection, workspace, data, name, rule_id)
    if name_key is not None:
        # A default rule keeps its Russian name, whichever language's form saved it.
        name = translate("ru", name_key)
    values: dict[str, Any] = {
        "name": name,
        "name_key": name_key,
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
            raise Conflict(
                f"name: a rule named {name!r} exists already",
                key="alerts.error.name_taken",
                params={"name": name},
                where_key="error.where.field",
                where_params={"field": "name"},
            )
        values |= {
            "workspace_id": workspace.id,
            "secret": secret or secrets.token_urlsafe(32),
            "created_at": values["updated_at"],
        }
        new_id = connection.execute(alert_rules.insert().values(**values)).inserted_primary_key
        assert new_id is not None
        return get_alert_rule(connection, workspace, int(new_id[0]))
    get_alert_rule(connection, workspace, rule_id)
    if clash is not None and clash != rule_id:
        raise Conflict(
            f"name: a rule named {name!r} exists already",
            key="alerts.error.name_taken",
            params={"name": name},
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    if secret:
        values["secret"] = secret
    connection.execute(update(alert_rules).where(alert_rules.c.id == rule_id).values(**values))
    return get_alert_rule(connection, workspace, rule_id)


def rotate_secret(connection: Connection, workspace: Workspace, rule_id: int) -> AlertRule:
    """A new webhook secret for the rule (the old one stops verifying)."""
    get_alert_rule(connection, workspace, rule_id)
    connection.execute(
        update(alert_rules)
        .where(alert_rules.c.id == rule_id)
        .values(secret=secrets.token_urlsafe(32), updated_at=utcnow())
    )
    return get_alert_rule(connection, workspace, rule_id)


def delete_alert_rule(connection: Connection, workspace: Workspace, rule_id: int) -> None:
    """Remove a rule and the alerts it raised."""
    get_alert_rule(connection, workspace, rule_id)
    connection.execute(alert_rules.delete().where(alert_rules.c.id == rule_id))


# -- YAML --------------------------------------------------------------------------


def _text_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(item) for item in value]
    raise InvalidInput(
        f"{where}: a list",
        key="alerts.error.list",
        where_key="error.where.field",
        where_params={"field": where},
    )


def _rule_input(item: Any) -> AlertRuleInput:
    item = entry_fields(
        item,
        known=sorted(YAML_FIELDS),
        required=("name", "kind"),
        mappings=("scope", "recipients", "params"),
    )
    scope = item.get("scope") or {}
    recipients = item.get("recipients") or {}
    params = item.get("params") or {}
    unknown_scope = sorted(set(scope) - {"team", "channel"})
    if unknown_scope:
        raise InvalidInput(
            f"scope.{unknown_scope[0]}: unknown field (team, channel)",
            key="alerts.error.scope_field",
            params={"field": unknown_scope[0]},
        )
    unknown_recipients = sorted(set(recipients) - {"webhooks", "emails", "telegram"})
    if unknown_recipients:
        raise InvalidInput(
            f"recipients.{unknown_recipients[0]}: unknown field (webhooks, emails, telegram)",
            key="alerts.error.recipients_field",
            params={"field": unknown_recipients[0]},
        )
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput(
            "enabled: true or false",
            key="error.true_false",
            where_key="error.where.field",
            where_params={"field": "enabled"},
        )
    language = item.get("language", "ru")
    secret = item.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise InvalidInput(
            "secret: text",
            key="error.expected_text",
            where_key="error.where.field",
            where_params={"field": "secret"},
        )
    return AlertRuleInput(
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


def _save_entry(workspace: Workspace) -> SaveEntry:
    """How one entry of a rules file is saved: created, or updated by its name."""

    def save(connection: Connection, item: Any) -> tuple[str, bool]:
        rule_input = _rule_input(item)
        name = rule_input.name.strip()
        existing = connection.execute(
            select(alert_rules.c.id).where(
                alert_rules.c.workspace_id == workspace.id, alert_rules.c.name == name
            )
        ).scalar()
        save_alert_rule(connection, workspace, rule_input, rule_id=existing)
        return name, existing is None

    return save


def import_alert_rules(engine: Engine, workspace: Workspace, path: Path) -> RuleFileReport:
    """Create or update (by name) the rules of a YAML file; a bad rule is reported
    with its file, line and field, and the others are still saved."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"{label}: cannot be read: {error}",
            key="error.unreadable_file",
            params={"label": label, "error": error},
        ) from None
    return import_rule_file(engine, text, label=label, save_entry=_save_entry(workspace))


def _yaml_item(rule: AlertRule) -> dict[str, Any]:
    """One rule as an entry of a rules file (no secret)."""
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
    return item


def alert_rules_as_yaml(connection: Connection, workspace: Workspace) -> str:
    """The workspace's rules as a YAML file that ``import_alert_rules`` reads back (no secrets)."""
    return rules_file([_yaml_item(rule) for rule in list_alert_rules(connection, workspace)])
