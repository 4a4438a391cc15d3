"""Sending alerts: one job run per (alert, channel, recipient), through the job queue;
a message to people carries the rule's alerts not yet sent to them (a batch).

A run that fails is retried with back-off by the queue and ends in its dead
list; a delivery that succeeded is recorded in ``alert_deliveries`` in the
run's own transaction, so a run delivered twice sends once unless the worker
died between sending and recording (then once more: at-least-once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, Select, select

from kontrol.alerts.kinds import rule_label
from kontrol.alerts.notifiers import Notification, get_notifier
from kontrol.alerts.raising import DELIVERY_JOB, check_scheduled
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import NotFound
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.i18n.formats import day_label, moment_label, number_label
from kontrol.i18n.plurals import plural, plural_text
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


def _known(value: Any) -> bool:
    return value is not None and value not in ("", "—")


def _parts(shown: dict[str, Any], locale: str) -> dict[str, str]:
    """``<name>_part``: the clause of each optional detail, empty when it is unknown; and
    ``channel_lead``, the channel after a dash («CSAT 1/5 — чат»), empty the same way
    (never «Клиент жалуется — —»)."""
    parts: dict[str, str] = {}
    for name in _PARTS:
        value = shown.get(name)
        if not _known(value):
            parts[f"{name}_part"] = ""
        else:
            clause = translate(locale, f"alerts.part.{name}")
            parts[f"{name}_part"] = clause.format_map(_Safe({name: value}))
    channel = shown.get("channel")
    lead = translate(locale, "alerts.part.channel_lead")
    parts["channel_lead"] = lead.format_map(_Safe({"channel": channel})) if _known(channel) else ""
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


def _with_rule_and_workspace() -> Select[Any]:
    """Alerts with what a message about them needs of their rule and workspace."""
    return (
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
    )


def notification_for(
    connection: Connection, alert_id: int, settings: Settings, delivery_id: str = ""
) -> Notification:
    """The title, text and webhook payload of one alert, in its rule's language."""
    row = connection.execute(_with_rule_and_workspace().where(alerts.c.id == alert_id)).first()
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


# Messages to people (e-mail, Telegram) gather the alerts of one rule not yet sent to the
# recipient: a batch of 40 critics is one message, not 40. A webhook gets each alert.
BATCHED_CHANNELS = frozenset({"email", "telegram"})
# A batch takes the rule's unsent alerts raised since this long before its own alert...
BATCH_LOOKBACK = timedelta(minutes=10)
# ...at most this many (the others go in the next message), naming the first few.
BATCH_LIMIT = 200
BATCH_LISTED = 10
# One alert's line in a batch, at most (a long comment is cut).
BATCH_LINE = 300


def _already_sent(connection: Connection, alert_id: int, channel: str, target: str) -> bool:
    return (
        connection.execute(
            select(alert_deliveries.c.id).where(
                alert_deliveries.c.alert_id == alert_id,
                alert_deliveries.c.channel == channel,
                alert_deliveries.c.target == target,
            )
        ).first()
        is not None
    )


def unsent_batch(connection: Connection, alert_id: int, channel: str, target: str) -> list[int]:
    """The alerts one message to ``target`` carries with ``alert_id``: that one, and its
    rule's alerts raised since ``BATCH_LOOKBACK`` before it that were not sent there yet
    (oldest first, at most ``BATCH_LIMIT``). Empty when the alert is gone or was sent."""
    own = connection.execute(
        select(alerts.c.rule_id, alerts.c.raised_at).where(alerts.c.id == alert_id)
    ).first()
    if own is None:
        return []
    # Two workers sending the same rule's alerts to the same people take turns: the second
    # one then finds its alert sent with the first one's batch.
    connection.execute(
        select(alert_rules.c.id).where(alert_rules.c.id == own.rule_id).with_for_update()
    )
    if _already_sent(connection, alert_id, channel, target):
        return []
    sent = select(alert_deliveries.c.alert_id).where(
        alert_deliveries.c.channel == channel, alert_deliveries.c.target == target
    )
    ids = [
        int(found)
        for found in connection.execute(
            select(alerts.c.id)
            .where(
                alerts.c.rule_id == own.rule_id,
                alerts.c.raised_at >= own.raised_at - BATCH_LOOKBACK,
                alerts.c.id.not_in(sent),
            )
            .order_by(alerts.c.raised_at, alerts.c.id)
            .limit(BATCH_LIMIT)
        ).scalars()
    ]
    if alert_id not in ids:
        ids = [alert_id, *ids[: BATCH_LIMIT - 1]]
    return ids


def batch_notification_for(
    connection: Connection, alert_ids: list[int], settings: Settings, delivery_id: str = ""
) -> Notification:
    """One message naming several alerts of one rule, in the rule's language: how many,
    the newest ``BATCH_LISTED`` with their links, and the link to the rule's alerts."""
    rows = connection.execute(
        _with_rule_and_workspace()
        .where(alerts.c.id.in_(alert_ids))
        .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
    ).all()
    if not rows:
        raise NotFound(
            f"no alert {alert_ids[0]}",
            key="alerts.error.no_alert",
            params={"alert_id": alert_ids[0]},
        )
    first = rows[0]
    locale = first.language
    count = len(rows)
    base = settings.public_url.rstrip("/")
    rule_name = rule_label(first.rule_name, first.name_key, locale)
    batch_word = plural(locale, "alerts.notify.batch_title", count)
    title = f"{translate(locale, 'alerts.notify.prefix')}: {rule_name} — {batch_word}"
    lines = [plural(locale, "alerts.notify.batch", count, rule=rule_name)]
    for row in rows[:BATCH_LISTED]:
        details = dict(row.details or {})
        message = describe(row.kind, details, locale)
        if len(message) > BATCH_LINE:
            message = message[: BATCH_LINE - 1].rstrip() + "…"
        link = base + alert_link(row.kind, details, row.interaction_id).path
        lines.append(f"• {message} {link}")
    if count > BATCH_LISTED:
        lines.append(plural(locale, "alerts.notify.batch_more", count - BATCH_LISTED))
    local = zone(first.timezone)
    oldest = moment_label(from_utc(rows[-1].raised_at, local), locale)
    newest = moment_label(from_utc(first.raised_at, local), locale)
    raised = newest if oldest == newest else f"{oldest} – {newest}"
    rule_list = f"{base}/alerts?" + urlencode({"show": "open", "rule": first.rule_id})
    lines += [
        "",
        f"{translate(locale, 'alerts.notify.workspace')}: {first.workspace}",
        f"{translate(locale, 'alerts.notify.raised')}: {raised}",
        f"{translate(locale, 'alerts.notify.all_of_rule')}: {rule_list}",
    ]
    payload = {
        "alert_ids": [row.id for row in rows],
        "rule": rule_name,
        "kind": first.kind,
        "workspace": first.workspace,
        "count": count,
        "url": rule_list,
    }
    return Notification(
        title=title,
        text="\n".join(lines),
        payload=payload,
        secret=first.secret,
        delivery_id=delivery_id,
    )


@job(DELIVERY_JOB)
def deliver(ctx: JobContext, *, alert_id: int, channel: str, target: str) -> None:
    """Send one alert to one recipient, unless that was done already; to people (e-mail,
    Telegram) together with its rule's alerts not yet sent to them (one message)."""
    connection = ctx.connection
    settings = Settings()
    delivery_id = f"kontrol-{ctx.run_id}"
    if channel in BATCHED_CHANNELS:
        batch = unsent_batch(connection, alert_id, channel, target)
        if not batch:
            return
        if len(batch) == 1:
            notification = notification_for(connection, alert_id, settings, delivery_id)
        else:
            notification = batch_notification_for(connection, batch, settings, delivery_id)
    else:
        if _already_sent(connection, alert_id, channel, target):
            return
        exists = connection.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first()
        if exists is None:
            # The rule (and its alerts) was deleted meanwhile: nothing to send.
            return
        batch = [alert_id]
        notification = notification_for(connection, alert_id, settings, delivery_id)
    get_notifier(channel).send(notification, target, settings)
    now = utcnow()
    connection.execute(
        alert_deliveries.insert(),
        [{"alert_id": i, "channel": channel, "target": target, "sent_at": now} for i in batch],
    )


@job("alerts.check_scheduled", every=timedelta(minutes=15), max_attempts=3)
def check_scheduled_job(ctx: JobContext, *, due: str) -> None:
    """Every 15 minutes: the scheduled alert kinds (complaints spike) for today.

    Queued by the web app's job thread or ``kontrol worker`` (docs/jobs.md);
    alerts are de-duplicated, so a run repeated after a crash raises nothing twice.
    """
    check_scheduled(ctx.engine)
