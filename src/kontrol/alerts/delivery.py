"""Sending alerts: one job run per (alert, channel, recipient), through the job queue.

A run that fails is retried with back-off by the queue and ends in its dead
list; a delivery that succeeded is recorded in ``alert_deliveries`` in the
run's own transaction, so a run delivered twice sends once unless the worker
died between sending and recording (then once more: at-least-once).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from kontrol.alerts.notifiers import Notification, get_notifier
from kontrol.alerts.raising import DELIVERY_JOB, check_scheduled
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import NotFound
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


def describe(kind: str, details: dict[str, Any], locale: str) -> str:
    """The one-line message of an alert in ``locale`` (catalogue ``alerts.message.<kind>``)."""
    key = f"alerts.message.{kind}"
    details = {**details, **_named_codes(details, locale)}
    # A message that counts something picks its word's form (and writes its numbers).
    counted = plural_text(locale, key, details)
    if counted is not None:
        return counted
    # Numbers the reader's way (56,2; −0,5): a float never shows its decimal point.
    shown = {
        name: number_label(value, locale, 2) if isinstance(value, float) else value
        for name, value in details.items()
    }
    shown.update(_worded(details, locale))
    return translate(locale, key).format_map(_Safe(shown))


# Codes a message may carry, and the catalogue prefix of their words.
_WORDED = {"metric": "kpi.metric", "channel": "channel"}


def _worded(details: dict[str, Any], locale: str) -> dict[str, str]:
    """Codes and dates of a message in the reader's words: a metric's and a channel's name,
    a day as they write it (a code the catalogue does not know stays as it is)."""
    found: dict[str, str] = {}
    for name, prefix in _WORDED.items():
        value = details.get(name)
        if isinstance(value, str) and value:
            text = translate(locale, f"{prefix}.{value}")
            if text != f"{prefix}.{value}":
                found[name] = text
    if details.get("scope_kind") == "channel" and isinstance(details.get("scope"), str):
        text = translate(locale, f"channel.{details['scope']}")
        if text != f"channel.{details['scope']}":
            found["scope"] = text
    day = details.get("day")
    if isinstance(day, str):
        try:
            found["day"] = day_label(date.fromisoformat(day), locale)
        except ValueError:
            pass
    return found


# Details that hold a code the catalogue names ("call" -> "звонок", "delivery" -> "Доставка").
_CODED = {"channel": "channel", "topic": "topic"}


def _named_codes(details: dict[str, Any], locale: str) -> dict[str, str]:
    """The coded details in the reader's words; a code the catalogue lacks stays as it is."""
    named: dict[str, str] = {}
    for name, prefix in _CODED.items():
        value = details.get(name)
        if isinstance(value, str) and value:
            key = f"{prefix}.{value}"
            text = translate(locale, key)
            if text != key:
                named[name] = text
    return named


def notification_for(
    connection: Connection, alert_id: int, settings: Settings, delivery_id: str = ""
) -> Notification:
    """The title, text and webhook payload of one alert, in its rule's language."""
    row = connection.execute(
        select(
            alerts,
            alert_rules.c.name.label("rule_name"),
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
    link = f"{base}/interactions/{row.interaction_id}" if row.interaction_id else f"{base}/alerts"
    title = f"{translate(locale, 'alerts.notify.prefix')}: {row.rule_name}"
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
        "rule": row.rule_name,
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
