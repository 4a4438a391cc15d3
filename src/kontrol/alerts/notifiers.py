"""Notifiers: how an alert reaches people. One class per channel, registered by name.

- ``webhook``: POST of the alert as JSON, signed: ``X-Kontrol-Signature:
  sha256=<hex>`` is HMAC-SHA256, keyed with the rule's secret, of
  ``<X-Kontrol-Timestamp>.<body>``; receivers refuse old timestamps (replay).
- ``email``: a plain-text message through the SMTP server of ``KONTROL_SMTP_*``,
  with the notification's attachments (scheduled reports send their files).
- ``telegram``: ``POST <KONTROL_TELEGRAM_API_URL>/bot<token>/sendMessage``, then
  ``sendDocument`` for each attachment.

A notifier raises on failure; the job queue retries with back-off and, in the
end, lists the delivery as dead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, ClassVar

import httpx

from kontrol.domain.errors import InvalidInput
from kontrol.plugins import Registry
from kontrol.settings import Settings

SIGNATURE_HEADER = "X-Kontrol-Signature"
TIMESTAMP_HEADER = "X-Kontrol-Timestamp"
DELIVERY_HEADER = "X-Kontrol-Delivery"
# A receiver should refuse a signature older than this (seconds).
REPLAY_WINDOW = 300


class DeliveryFailed(Exception):
    """The receiving end refused or could not be reached; the job is retried."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a notification (a report's PDF, XLSX or CSV)."""

    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Notification:
    """One alert (or report), ready to send."""

    title: str
    text: str
    payload: dict[str, Any]
    secret: str
    delivery_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value of a webhook body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > REPLAY_WINDOW:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


class Notifier(ABC):
    """Base of every channel."""

    name: ClassVar[str]

    @abstractmethod
    def check_target(self, target: str) -> str:
        """``target`` cleaned, or ``InvalidInput`` naming what is wrong."""

    @abstractmethod
    def send(self, notification: Notification, target: str, settings: Settings) -> None:
        """Deliver, or raise."""


# Built-in channels are named in the ``kontrol.notifiers`` entry-point group
# (pyproject.toml), exactly as a third party's would be.
notifiers: Registry[type[Notifier]] = Registry("alert channel", group="kontrol.notifiers")


def notifier(cls: type[Notifier]) -> type[Notifier]:
    """Class decorator: make a channel available by its ``name``."""
    return notifiers.add(cls.name, cls)


def get_notifier(name: str) -> Notifier:
    """The notifier of channel ``name``."""
    return notifiers.get(name)()


class Webhook(Notifier):
    """A signed JSON POST."""

    name: ClassVar[str] = "webhook"

    def check_target(self, target: str) -> str:
        """An http(s) URL."""
        url = target.strip()
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url) or len(url) > 500:
            raise InvalidInput(
                f"webhook: not an http(s) URL: {url[:60]!r}",
                key="alerts.error.webhook",
                params={"url": url[:60]},
                where_key="error.where.field",
                where_params={"field": "webhook"},
            )
        return url

    def send(self, notification: Notification, target: str, settings: Settings) -> None:
        """POST the payload with its signature."""
        body = json.dumps(notification.payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(notification.secret, timestamp, body),
            DELIVERY_HEADER: notification.delivery_id,
            "User-Agent": "Kontrol-alerts",
        }
        try:
            response = httpx.post(
                target, content=body, headers=headers, timeout=settings.notify_timeout
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook {target}: {error}") from error
        if response.status_code >= 300:
            raise DeliveryFailed(f"webhook {target}: HTTP {response.status_code}")


class Email(Notifier):
    """A plain-text e-mail through the configured SMTP server."""

    name: ClassVar[str] = "email"

    def check_target(self, target: str) -> str:
        """One address."""
        address = target.strip()
        if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", address) or len(address) > 254:
            raise InvalidInput(
                f"e-mail: not an address: {address[:60]!r}",
                key="alerts.error.email",
                params={"address": address[:60]},
                where_key="error.where.field",
                where_params={"field": "e-mail"},
            )
        return address

    def send(self, notification: Notification, target: str, settings: Settings) -> None:
        """Send through ``KONTROL_SMTP_HOST``."""
        if not settings.smtp_host:
            raise DeliveryFailed("e-mail: KONTROL_SMTP_HOST is not set")
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = target
        message["Subject"] = notification.title
        if notification.delivery_id:
            message["X-Kontrol-Delivery"] = notification.delivery_id
        message.set_content(notification.text)
        for attachment in notification.attachments:
            main, _, sub = attachment.content_type.split(";")[0].partition("/")
            message.add_attachment(
                attachment.data,
                maintype=main or "application",
                subtype=sub or "octet-stream",
                filename=attachment.file_name,
            )
        smtp_class = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
        try:
            with smtp_class(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
            ) as client:
                if settings.smtp_starttls and not settings.smtp_ssl:
                    client.starttls()
                if settings.smtp_username:
                    client.login(settings.smtp_username, settings.smtp_password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"e-mail to {target}: {error}") from error


class Telegram(Notifier):
    """A message from the configured bot to a chat."""

    name: ClassVar[str] = "telegram"

    def check_target(self, target: str) -> str:
        """A numeric chat id (groups are negative) or a public ``@channel``."""
        chat = target.strip()
        if not re.fullmatch(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,62}", chat):
            raise InvalidInput(
                f"telegram: not a chat id or @channel: {chat[:60]!r}",
                key="alerts.error.telegram",
                params={"chat": chat[:60]},
                where_key="error.where.field",
                where_params={"field": "telegram"},
            )
        return chat

    def send(self, notification: Notification, target: str, settings: Settings) -> None:
        """Call the Bot API's ``sendMessage``."""
        if not settings.telegram_bot_token:
            raise DeliveryFailed("telegram: KONTROL_TELEGRAM_BOT_TOKEN is not set")
        url = (
            f"{settings.telegram_api_url.rstrip('/')}/bot{settings.telegram_bot_token}/sendMessage"
        )
        text = f"{notification.title}\n\n{notification.text}"[:4096]
        self._call(
            url,
            target,
            settings,
            json={"chat_id": target, "text": text, "disable_web_page_preview": True},
        )
        for attachment in notification.attachments:
            self._call(
                url.rsplit("/", 1)[0] + "/sendDocument",
                target,
                settings,
                data={"chat_id": target},
                files={
                    "document": (attachment.file_name, attachment.data, attachment.content_type)
                },
            )

    @staticmethod
    def _call(url: str, target: str, settings: Settings, **request: Any) -> None:
        """One Bot API call; ``DeliveryFailed`` unless it answers ``ok``."""
        try:
            response = httpx.post(url, timeout=settings.notify_timeout, **request)
        except httpx.HTTPError as error:
            # The URL holds the bot token: never put it in an error that may be shown.
            raise DeliveryFailed(f"telegram: {type(error).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not answer.get("ok"):
            description = str(answer.get("description", ""))[:200]
            raise DeliveryFailed(
                f"telegram chat {target}: HTTP {response.status_code} {description}"
            )
