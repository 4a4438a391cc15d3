"""Chatwoot webhook payloads (``message_created``, ``message_updated``, ``conversation_*``).

Every payload that names a conversation contributes to it: all payloads of one
conversation in a file become one interaction with ``id`` = the Chatwoot
conversation id and ``source`` = ``chatwoot``. Mapping choices:

- ``message_type`` incoming (0) -> ``customer``, outgoing (1) -> ``agent`` (or
  ``bot`` when the sender is an agent bot), activity (2) -> ``system``,
  template (3) -> ``bot``; private notes are internal and left out (counted in
  ``meta.internal_notes``); a message seen twice (``message_updated``) keeps
  its last version;
- the inbox channel: web widget, API, Line and voice-less chat inboxes ->
  ``chat``; e-mail -> ``email``; Facebook, WhatsApp, Telegram, SMS, Line ->
  ``messenger``; Twitter, Instagram -> ``social``; unknown -> ``chat``;
- status ``resolved`` -> ``resolved``; ``open``, ``pending``, ``snoozed`` ->
  ``unresolved`` (the Chatwoot status is kept in ``meta.vendor_status``);
- ``queued_at`` is the conversation's creation (or its first customer
  message), ``started_at`` its first reply by an agent or bot (else its first
  message), ``ended_at`` its last message;
- the assignee is the agent, the conversation's contact the customer, labels
  become tags, a submitted CSAT form (``input_csat``) the survey.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from kontrol.ingest.registry import Importer, SourceRecord, register_importer
from kontrol.ingest.vendors.conversions import (
    as_dict,
    as_id,
    as_list,
    as_text,
    compact,
    maybe_time,
    to_time,
)
from kontrol.ingest.vendors.payloads import Payload, VendorReject, join_raw, mapped, read

SOURCE = "chatwoot"

_CHANNELS = {
    "channel::webwidget": "chat",
    "channel::api": "chat",
    "channel::email": "email",
    "channel::facebookpage": "messenger",
    "channel::whatsapp": "messenger",
    "channel::telegram": "messenger",
    "channel::line": "messenger",
    "channel::sms": "messenger",
    "channel::twiliosms": "messenger",
    "channel::twitterprofile": "social",
    "channel::instagram": "social",
    "channel::voice": "call",
}
_STATUSES = {"resolved": "resolved", "open": "unresolved", "pending": "unresolved"}
_STATUSES["snoozed"] = "unresolved"
_ROLES: dict[object, str] = {
    "incoming": "customer",
    0: "customer",
    "outgoing": "agent",
    1: "agent",
    "activity": "system",
    2: "system",
    "template": "bot",
    3: "bot",
}
_MESSAGE_EVENTS = {"message_created", "message_updated"}


@dataclass
class _Conversation:
    line: int
    info: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    raws: list[str] = field(default_factory=list)
    inbox: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)

    def add_message(self, message: dict[str, Any]) -> None:
        key = as_id(message.get("id")) or f"#{len(self.messages)}"
        self.messages[key] = {**self.messages.get(key, {}), **message}


def _sender_type(message: dict[str, Any]) -> str:
    sender = as_dict(message.get("sender"))
    kind = sender.get("type") or message.get("sender_type") or ""
    return str(kind).lower().replace("_", "")


def _role(message: dict[str, Any], position: int) -> str:
    kind = message.get("message_type")
    role = _ROLES.get(kind) if isinstance(kind, str | int) else None
    if role is None:
        raise VendorReject(
            f"message {position + 1}: unknown message_type {kind!r}",
            f"messages[{position}].message_type",
        )
    if role == "agent" and _sender_type(message) == "agentbot":
        return "bot"
    return role


def _survey(message: dict[str, Any]) -> dict[str, Any] | None:
    if message.get("content_type") != "input_csat":
        return None
    attributes = as_dict(message.get("content_attributes"))
    response = as_dict(as_dict(attributes.get("submitted_values")).get("csat_survey_response"))
    rating = response.get("rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        return None
    return compact(
        {
            "csat": rating,
            "comment": as_text(response.get("feedback_message")),
            "at": maybe_time(message.get("updated_at"), "updated_at"),
        }
    )


def _build(conversation: _Conversation) -> dict[str, Any]:
    info = conversation.info
    conversation_id = as_id(info.get("id"))
    if conversation_id is None:
        raise VendorReject("the conversation has no id", "conversation.id")
    meta_info = as_dict(info.get("meta"))
    assignee = as_dict(meta_info.get("assignee"))
    contact = as_dict(meta_info.get("sender"))
    agent_id = as_id(assignee.get("id"))
    messages: list[dict[str, Any]] = []
    internal_notes = 0
    survey: dict[str, Any] | None = None
    ordered: list[tuple[str, int, dict[str, Any]]] = []
    for position, message in enumerate(conversation.messages.values()):
        when = to_time(message.get("created_at"), f"messages[{position}].created_at")
        ordered.append((when, position, message))
    ordered.sort(key=lambda item: (item[0], item[1]))
    first_reply: str | None = None
    first_customer: str | None = None
    for when, position, message in ordered:
        survey = _survey(message) or survey
        if message.get("private") is True:
            internal_notes += 1
            continue
        role = _role(message, position)
        if role in ("agent", "bot") and first_reply is None:
            first_reply = when
        if role == "customer" and first_customer is None:
            first_customer = when
        entry: dict[str, Any] = {"role": role, "text": message.get("content") or "", "at": when}
        author = as_id(as_dict(message.get("sender")).get("id") or message.get("sender_id"))
        if role == "agent" and author is not None and author != agent_id:
            entry["author_id"] = author
        messages.append(entry)

    created = maybe_time(info.get("created_at"), "conversation.created_at")
    queued_at = created or first_customer or (messages[0]["at"] if messages else None)
    started_at = (
        maybe_time(info.get("first_reply_created_at"), "conversation.first_reply_created_at")
        or first_reply
        or (messages[0]["at"] if messages else None)
        or created
    )
    if started_at is None:
        raise VendorReject(
            f"conversation {conversation_id} has no time: no messages and no created_at",
            "conversation.created_at",
        )
    channel_type = as_text(info.get("channel")) or ""
    vendor_status = as_text(info.get("status"))
    labels = [label for label in as_list(info.get("labels")) if isinstance(label, str)]
    meta = compact(
        {
            "vendor_status": vendor_status,
            "inbox_id": as_id(info.get("inbox_id") or conversation.inbox.get("id")),
            "inbox_name": as_text(conversation.inbox.get("name")),
            "account_id": as_id(conversation.account.get("id") or info.get("account_id")),
            "chatwoot_channel": channel_type or None,
            "customer_email": as_text(contact.get("email")),
            "internal_notes": internal_notes or None,
        }
    )
    return compact(
        {
            "id": conversation_id,
            "source": SOURCE,
            "channel": _CHANNELS.get(channel_type.lower(), "chat"),
            "queued_at": queued_at,
            "started_at": started_at,
            "ended_at": messages[-1]["at"] if messages else None,
            "status": _STATUSES.get(vendor_status or ""),
            "agent_id": agent_id,
            "agent_name": as_text(assignee.get("available_name") or assignee.get("name")),
            "customer_id": as_id(contact.get("id")),
            "customer_name": as_text(contact.get("name")),
            "tags": labels,
            "messages": messages,
            "survey": survey,
            "meta": meta,
        }
    )


def _conversation_of(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The conversation object a payload carries and the single message it reports."""
    event = payload.get("event")
    if event is not None and not isinstance(event, str):
        # Found by the fuzzer: a list here made `event in _MESSAGE_EVENTS` raise a TypeError.
        raise VendorReject(f"event must be text, not {type(event).__name__}", "event")
    if event in _MESSAGE_EVENTS or ("conversation" in payload and "message_type" in payload):
        conversation = payload.get("conversation")
        if not isinstance(conversation, dict):
            raise VendorReject(
                f"{event or 'message'} payload without a conversation", "conversation"
            )
        return conversation, payload
    if "messages" in payload and "id" in payload:
        return payload, None
    raise VendorReject(
        f"chatwoot event {event!r} carries no conversation; not imported",
        "event",
    )


class _Collector:
    def __init__(self) -> None:
        self.conversations: dict[str, _Conversation] = {}

    def add(self, payload: Payload) -> SourceRecord | None:
        value = payload.value
        if not isinstance(value, dict):
            return SourceRecord(payload.line, payload.raw, None, "a payload must be a JSON object")
        try:
            info, message = _conversation_of(value)
        except VendorReject as error:
            return SourceRecord(payload.line, payload.raw, None, error.message, error.field)
        key = as_id(info.get("id"))
        if key is None:
            return SourceRecord(
                payload.line, payload.raw, None, "the conversation has no id", "conversation.id"
            )
        conversation = self.conversations.setdefault(key, _Conversation(payload.line))
        conversation.raws.append(payload.raw)
        nested = {k: v for k, v in info.items() if k != "messages"}
        conversation.info.update({k: v for k, v in nested.items() if v is not None})
        for nested_message in as_list(info.get("messages")):
            if isinstance(nested_message, dict):
                conversation.add_message(nested_message)
        if message is not None:
            conversation.add_message({k: v for k, v in message.items() if k != "conversation"})
            conversation.inbox.update(as_dict(message.get("inbox")))
            conversation.account.update(as_dict(message.get("account")))
        return None

    def records(self) -> Iterator[SourceRecord]:
        """One record (or reject) per conversation gathered."""
        for conversation in self.conversations.values():
            yield mapped(
                conversation.line,
                join_raw(conversation.raws),
                partial(_build, conversation),
                "chatwoot",
            )


@register_importer
class ChatwootImporter(Importer):
    """Chatwoot webhook payloads, grouped into one interaction per conversation."""

    name = "chatwoot"
    label = "Chatwoot webhook payloads (JSON, JSON array or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector())
