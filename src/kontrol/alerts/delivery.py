"""Sending alerts: one job run per (alert, channel, recipient), through the job queue.

A run that fails is retried with back-off by the queue and ends in its dead
list; a delivery that succeeded is recorded in ``alert_deliveries`` in the
run's own transaction, so a run delivered twice sends once unless the worker
died between sending and recording (then once more: at-least-once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from kontrol.alerts.kinds import rule_label
from kontrol.alerts.notifiers import Notification, get_notifier
from kontrol.alerts.raising import DELIVERY_JOB, check_scheduled
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import NotFound
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.i18n.formats import day_label, moment_label, number_label
from kontrol.i18n.plurals import plural_text
from kontrol.jobs import JobContext, job
from kontrol.settings import Settings
from kontrol.store.tables import alert_deliveries, alert_rules, alerts, workspaces


class _Safe(dict[str, Any]):
    """Format values for a message; a placeholder without a value stays visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# Details that hold a day (ISO) and are written the reader's way.
_DAYS = ("day", "due_on")
_CHANNELS = frozenset(item.value for item in Channel)


def _word(locale: str, key: str, fallback: str) -> str:
    """A catalogue word to stand inside a sentence (lower case), else ``fallback``."""
    text = translate(locale, key)
    if text == key:
        return fallback
    return text[:1].lower() + text[1:] if not text[:2].isupper() else text


def _in_words(kind: str, details: dict[str, Any], locale: str) -> dict[str, Any]:
    """The details as a reader reads them: channels, KPIs and days in words, not codes."""
    shown = dict(details)
    channel = shown.get("channel")
    if isinstance(channel, str) and channel in _CHANNELS:
        shown["channel"] = _word(locale, f"channel.{channel}", channel)
    scope = shown.get("scope")
    if shown.get("scope_kind") == "channel" and isinstance(scope, str) and scope in _CHANNELS:
        shown["scope"] = _word(locale, f"channel.{scope}", scope)
    elif shown.get("scope_kind") == "company" or scope == "—":
        shown["scope"] = translate(locale, "alerts.whole_company")
    topic = shown.get("topic")
    if isinstance(topic, str) and topic != "—":
        shown["topic"] = _word(locale, f"topic.{topic}", topic)
    if kind == "kpi_below_target" and isinstance(shown.get("metric"), str):
        metric = shown["metric"]
        label = translate(locale, f"kpi.metric.{metric}")
        shown["metric"] = metric if label == f"kpi.metric.{metric}" else label
    for name in _DAYS:
        if isinstance(shown.get(name), str):
            shown[name] = day_label(shown[name], locale)
    # A shop's place and scenario by their titles (alerts raised before kept the keys).
    for name in ("target", "scenario"):
        title = shown.get(f"{name}_title")
        if title:
            shown[name] = title
    return shown


# Clauses a message leaves out when their value is unknown ("—"): ", команда L1".
_PARTS = ("agent", "team", "topic", "channel", "owner")


def _parts(shown: dict[str, Any], locale: str) -> dict[str, str]:
    """``<name>_part``: the clause of each optional detail, empty when it is unknown."""
    parts: dict[str, str] = {}
    for name in _PARTS:
        value = shown.get(name)
        if value is None or value in ("", "—"):
            parts[f"{name}_part"] = ""
        else:
            clause = translate(locale, f"alerts.part.{name}")
            parts[f"{name}_part"] = clause.format_map(_Safe({name: value}))
    return parts


def describe(kind: str, details: dict[str, Any], locale: str) -> str:
    """The one-line message of an alert in ``locale`` (catalogue ``alerts.message.<kind>``).

    Things are named in words (a channel, a KPI, a day); a detail nobody knows
    leaves its clause out; the customer's comment follows in its own sentence,
    and only when there is one.
    """
    key = f"alerts.message.{kind}"
    words = _in_words(kind, details, locale)
    # Numbers the reader's way (56,2; −0,5): a float never shows its decimal point.
    shown = {
        name: number_label(value, locale, 2) if isinstance(value, float) else value
        for name, value in words.items()
    }
    parts = _parts(shown, locale)
    # A message that counts something picks its word's form (and writes its numbers).
    counted = plural_text(locale, key, {**words, **parts})
    if counted is None:
        counted = translate(locale, key).format_map(_Safe({**shown, **parts}))
    comment = str(details.get("comment") or "").strip()
    if comment:
        said = translate(locale, "alerts.message.comment").format_map(_Safe({"comment": comment}))
        counted = f"{counted} {said}"
    return counted


@dataclass(frozen=True)
class AlertLink:
    """Where an alert leads: the page of what it is about, and the words of the link."""

    path: str
    label_key: str


def alert_link(kind: str, details: dict[str, Any], interaction_id: int | None) -> AlertLink:
    """The page an alert is about (the conversation, the shop, the action, the plan)."""
    if interaction_id is not None:
        return AlertLink(f"/interactions/{interaction_id}", "alerts.open_interaction")
    submission = details.get("submission_id")
    if isinstance(submission, int):
        return AlertLink(f"/mystery/submissions/{submission}", "alerts.open_shop")
    action = details.get("action_id")
    if isinstance(action, int):
        return AlertLink(f"/actions/{action}", "alerts.open_action")
    if kind == "kpi_below_target":
        return AlertLink("/targets", "alerts.open_targets")
    return AlertLink("/alerts", "alerts.open_alerts")


def notification_for(
    connection: Connection, alert_id: int, settings: Settings, delivery_id: str = ""
) -> Notification:
    """The title, text and webhook payload of one alert, in its rule's language."""
    row = connection.execute(
        select(
            alerts,
            alert_rules.c.name.label("rule_name"),
            alert_rules.c.name_key,
            alert_rules.c.kind,
            alert_rules.c.language,
            alert_rules.c.secret,
            workspaces.c.name.label("workspace"),
            workspaces.c.timezone,
        )
        .join(alert_rules, alert_rules.c.id == alerts.c.rule_id)
        .join(workspaces, workspaces.c.id == alerts.c.workspace_id)
        .where(alerts.c.id == alert_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no alert {alert_id}", key="alerts.error.no_alert", params={"alert_id": alert_id}
        )
    locale = row.language
    details = dict(row.details or {})
    message = describe(row.kind, details, locale)
    raised = from_utc(row.raised_at, zone(row.timezone))
    base = settings.public_url.rstrip("/")
    link = base + alert_link(row.kind, details, row.interaction_id).path
    rule_name = rule_label(row.rule_name, row.name_key, locale)
    title = f"{translate(locale, 'alerts.notify.prefix')}: {rule_name}"
    text = "\n".join(
        [
            message,
            f"{translate(locale, 'alerts.notify.workspace')}: {row.workspace}",
            f"{translate(locale, 'alerts.notify.raised')}: {moment_label(raised, locale)}",
            link,
        ]
    )
    payload = {
        "alert_id": row.id,
        "rule": rule_name,
        "kind": row.kind,
        "workspace": row.workspace,
        "subject": row.subject,
        "window": row.time_window,
        "interaction_id": row.interaction_id,
        "team": row.team,
        "channel": row.channel,
        "raised_at": raised.isoformat(),
        "message": message,
        "details": details,
        "url": link,
    }
    return Notification(
        title=title, text=text, payload=payload, secret=row.secret, delivery_id=delivery_id
    )


@job(DELIVERY_JOB)
def deliver(ctx: JobContext, *, alert_id: int, channel: str, target: str) -> None:
    """Send one alert to one recipient, unless that was done already."""
    connection = ctx.connection
    done = connection.execute(
        select(alert_deliveries.c.id).where(
            alert_deliveries.c.alert_id == alert_id,
            alert_deliveries.c.channel == channel,
            alert_deliveries.c.target == target,
        )
    ).first()
    if done is not None:
        return
    exists = connection.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first()
    if exists is None:
        # The rule (and its alerts) was deleted meanwhile: nothing to send.
        return
    settings = Settings()
    notification = notification_for(connection, alert_id, settings, f"kontrol-{ctx.run_id}")
    get_notifier(channel).send(notification, target, settings)
    connection.execute(
        alert_deliveries.insert().values(
            alert_id=alert_id, channel=channel, target=target, sent_at=utcnow()
        )
    )


@job("alerts.check_scheduled", every=timedelta(minutes=15), max_attempts=3)
def check_scheduled_job(ctx: JobContext, *, due: str) -> None:
    """Every 15 minutes: the scheduled alert kinds (complaints spike) for today.

    Queued by the web app's job thread or ``kontrol worker`` (docs/jobs.md);
    alerts are de-duplicated, so a run repeated after a crash raises nothing twice.
    """
    check_scheduled(ctx.engine)
