"""Intercom conversations: webhook notifications or REST API conversation objects.

Read are ``notification_event`` webhooks whose ``data.item`` is a conversation
(``conversation.user.replied``, ``conversation.admin.closed``, ...), bare
conversation objects (``GET /conversations/{id}``) and conversation lists, in
both the legacy 1.x shape (``user``, ``conversation_message``) and the 2.x
shape (``contacts``, ``source``, ``admin_assignee_id``). All payloads of one
conversation in a file become one interaction with ``id`` = the conversation id
and ``source`` = ``intercom``. Mapping choices:

- channel ``chat`` (``email`` when the conversation started as an e-mail);
- the opening message and every conversation part with a body become
  messages; author ``user``/``lead``/``contact`` -> ``customer``, ``admin``/
  ``team`` -> ``agent``, ``bot`` -> ``bot``; notes are internal and left out
  (counted in ``meta.internal_notes``); parts without a body (assignment,
  close, snooze) only move ``ended_at``;
- HTML bodies are turned into plain text;
- ``state`` ``closed`` -> ``resolved``; ``open``/``snoozed`` -> ``unresolved``;
- ``queued_at`` = creation, ``started_at`` = first agent or bot reply (else
  creation), ``ended_at`` = the last part;
- the assignee is the agent, the user/first contact the customer; a customer
  "name" that is an e-mail address is not used as ``customer_name``;
  ``conversation_rating`` (1-5) is the csat.
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
    html_to_text,
    maybe_time,
    to_time,
)
from kontrol.ingest.vendors.payloads import Payload, VendorReject, join_raw, mapped, read

SOURCE = "intercom"
_ROLES = {
    "user": "customer",
    "lead": "customer",
    "contact": "customer",
    "admin": "agent",
    "team": "agent",
    "bot": "bot",
}
_STATUSES = {"closed": "resolved", "open": "unresolved", "snoozed": "unresolved"}
_NOTES = {"note", "note_and_reopen"}


@dataclass
class _Conversation:
    line: int
    item: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    raws: list[str] = field(default_factory=list)


def _parts_of(item: dict[str, Any]) -> list[dict[str, Any]]:
    container = item.get("conversation_parts")
    if isinstance(container, dict):
        container = container.get("conversation_parts")
    return [part for part in as_list(container) if isinstance(part, dict)]


def _role(author: dict[str, Any], where: str) -> str:
    kind = author.get("type")
    role = _ROLES.get(kind) if isinstance(kind, str) else None
    if role is None:
        raise VendorReject(f"unknown author type {kind!r}", f"{where}.author.type")
    return role


def _customer(item: dict[str, Any], opening: dict[str, Any]) -> dict[str, Any]:
    """The customer: the conversation's user, else its first contact, else who opened it."""
    user = as_dict(item.get("user"))
    if not user:
        contacts = as_list(as_dict(item.get("contacts")).get("contacts"))
        user = as_dict(contacts[0]) if contacts else as_dict(opening.get("author"))
    return user


def _rating(item: dict[str, Any]) -> dict[str, Any] | None:
    """The conversation rating (1-5) as a FORMAT.md survey, when there is one."""
    rating = as_dict(item.get("conversation_rating"))
    score = rating.get("rating")
    if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
        return compact(
            {
                "csat": score,
                "comment": as_text(rating.get("remark")),
                "at": maybe_time(rating.get("created_at"), "conversation_rating.created_at"),
            }
        )
    return None


def _build(conversation: _Conversation) -> dict[str, Any]:
    item = conversation.item
    conversation_id = as_id(item.get("id"))
    if conversation_id is None:
        raise VendorReject("the conversation has no id", "data.item.id")
    created = to_time(item.get("created_at"), "created_at")
    opening = as_dict(item.get("conversation_message")) or as_dict(item.get("source"))
    messages: list[dict[str, Any]] = []
    first_reply: str | None = None
    body = as_text(opening.get("body"))
    if body is not None:
        role = _role(as_dict(opening.get("author")), "conversation_message")
        messages.append({"role": role, "text": html_to_text(body), "at": created})
        if role in ("agent", "bot"):
            first_reply = created
    ordered: list[tuple[str, int, dict[str, Any]]] = []
    for position, part in enumerate(conversation.parts.values()):
        when = to_time(part.get("created_at"), f"conversation_parts[{position}].created_at")
        ordered.append((when, position, part))
    ordered.sort(key=lambda entry: (entry[0], entry[1]))
    internal_notes = 0
    assignee = as_dict(item.get("assignee"))
    agent_id = as_id(assignee.get("id")) or as_id(item.get("admin_assignee_id"))
    for when, position, part in ordered:
        if part.get("part_type") in _NOTES:
            internal_notes += 1
            continue
        text = as_text(part.get("body"))
        if text is None:
            continue
        author = as_dict(part.get("author"))
        role = _role(author, f"conversation_parts[{position}]")
        message: dict[str, Any] = {"role": role, "text": html_to_text(text), "at": when}
        if role in ("agent", "bot"):
            first_reply = first_reply or when
        author_id = as_id(author.get("id"))
        if role == "agent" and author_id is not None and author_id != agent_id:
            message["author_id"] = author_id
        messages.append(message)

    user = _customer(item, opening)
    name = as_text(user.get("name"))
    if name is not None and "@" in name:
        name = None
    survey = _rating(item)
    state = as_text(item.get("state")) or (
        "open" if item.get("open") is True else "closed" if item.get("open") is False else None
    )
    tags = [
        as_text(tag.get("name")) if isinstance(tag, dict) else as_text(tag)
        for tag in as_list(as_dict(item.get("tags")).get("tags"))
    ]
    delivered = as_text(opening.get("delivered_as")) or as_text(opening.get("type"))
    meta = compact(
        {
            "vendor_status": state,
            "app_id": as_text(conversation.item.get("_app_id")),
            "subject": as_text(opening.get("subject")),
            "url": as_text(opening.get("url")),
            "customer_email": as_text(user.get("email")),
            "internal_notes": internal_notes or None,
        }
    )
    return compact(
        {
            "id": conversation_id,
            "source": SOURCE,
            "channel": "email" if delivered == "email" else "chat",
            "queued_at": created,
            "started_at": first_reply or created,
            "ended_at": ordered[-1][0] if ordered else None,
            "status": _STATUSES.get(state or ""),
            "agent_id": agent_id,
            "agent_name": as_text(assignee.get("name")),
            "customer_id": as_id(user.get("id")),
            "customer_name": name,
            "tags": [tag for tag in tags if tag],
            "messages": messages,
            "survey": survey,
            "meta": meta,
        }
    )


def _conversations_of(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        raise VendorReject("an Intercom payload must be a JSON object")
    if value.get("type") == "notification_event":
        item = as_dict(as_dict(value.get("data")).get("item"))
        if item.get("type") != "conversation":
            raise VendorReject(
                f"webhook topic {value.get('topic')!r} carries no conversation; not imported",
                "data.item.type",
            )
        app_id = as_text(value.get("app_id"))
        return [{**item, "_app_id": app_id} if app_id else item]
    if value.get("type") == "conversation":
        return [value]
    if isinstance(value.get("conversations"), list):
        return [c for c in value["conversations"] if isinstance(c, dict)]
    raise VendorReject("not an Intercom conversation or conversation webhook", "type")


class _Collector:
    def __init__(self) -> None:
        self.conversations: dict[str, _Conversation] = {}

    def add(self, payload: Payload) -> SourceRecord | None:
        try:
            items = _conversations_of(payload.value)
            if any(as_id(item.get("id")) is None for item in items):
                raise VendorReject("the conversation has no id", "data.item.id")
        except VendorReject as error:
            return SourceRecord(payload.line, payload.raw, None, error.message, error.field)
        for item in items:
            key = str(as_id(item.get("id")))
            conversation = self.conversations.setdefault(key, _Conversation(payload.line))
            if payload.raw not in conversation.raws[-1:]:
                conversation.raws.append(payload.raw)
            conversation.item.update(
                {k: v for k, v in item.items() if k != "conversation_parts" and v is not None}
            )
            for part in _parts_of(item):
                part_key = as_id(part.get("id")) or f"#{len(conversation.parts)}"
                conversation.parts[part_key] = part
        return None

    def records(self) -> Iterator[SourceRecord]:
        """One record (or reject) per conversation gathered."""
        for conversation in self.conversations.values():
            yield mapped(
                conversation.line,
                join_raw(conversation.raws),
                partial(_build, conversation),
                "intercom",
            )


@register_importer
class IntercomImporter(Importer):
    """Intercom conversations, one interaction per conversation."""

    name = "intercom"
    label = "Intercom conversation webhooks or API conversations (JSON or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector())
