"""Freshdesk API v2 tickets with their conversations and satisfaction ratings.

A file holds tickets (``GET /api/v2/tickets/{id}``, optionally with
``?include=conversations,requester``, or a list of them), conversations
(``GET /api/v2/tickets/{id}/conversations``: an array of objects with
``ticket_id``) and satisfaction ratings (objects with ``ratings`` and
``ticket_id``), as one JSON document, an array, or JSON Lines. Everything about
one ticket becomes one interaction with ``id`` = the ticket id and ``source`` =
``freshdesk``. Mapping choices:

- ``source`` 1 e-mail, 2 portal, 9 feedback widget, 10 outbound e-mail ->
  ``email`` (10 is ``outbound``); 3 phone -> ``call``; 7 chat, 12 bot ->
  ``chat``; 5 Twitter, 6 Facebook -> ``social``; 8 MobiHelp -> ``app``; 13
  WhatsApp -> ``messenger``; others -> ``email``;
- ``status`` 4 resolved, 5 closed -> ``resolved``; 2 open, 3 pending (and
  6, 7 waiting) -> ``unresolved``; the number is kept in ``meta.vendor_status``;
- the ticket ``description_text`` is the customer's first message; a
  conversation with ``incoming: true`` is the customer's, otherwise the
  agent's; private notes are left out (counted in ``meta.internal_notes``);
- ``queued_at`` = ticket creation, ``started_at`` = first agent reply (else
  ``stats.first_responded_at``, else creation), ``ended_at`` = last message;
- ``responder_id`` is the agent, ``requester_id`` the customer (name from the
  included ``requester``);
- the default rating question on Freshdesk's 7-point scale: 103/102 -> csat 5,
  101 -> 4, 100 -> 3, -101 -> 2, -102/-103 -> 1.
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

SOURCE = "freshdesk"
_CHANNELS = {1: "email", 2: "email", 3: "call", 5: "social", 6: "social", 7: "chat"}
_CHANNELS.update({8: "app", 9: "email", 10: "email", 12: "chat", 13: "messenger"})
_STATUSES = {2: "unresolved", 3: "unresolved", 4: "resolved", 5: "resolved"}
_STATUSES.update({6: "unresolved", 7: "unresolved"})
_RATINGS = {103: 5, 102: 5, 101: 4, 100: 3, -101: 2, -102: 1, -103: 1}


@dataclass
class _Ticket:
    line: int
    ticket: dict[str, Any] = field(default_factory=dict)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    rating: dict[str, Any] | None = None
    raws: list[str] = field(default_factory=list)


def _body(item: dict[str, Any], plain: str, html: str) -> str:
    text = as_text(item.get(plain))
    if text is not None:
        return text
    markup = as_text(item.get(html))
    return html_to_text(markup) if markup else ""


def _survey(rating: dict[str, Any] | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    value = as_dict(rating.get("ratings")).get("default_question")
    csat = _RATINGS.get(value) if isinstance(value, int) else None
    if csat is None:
        return None
    return compact(
        {
            "csat": csat,
            "comment": as_text(rating.get("feedback")),
            "at": maybe_time(rating.get("created_at"), "created_at"),
        }
    )


def _build(entry: _Ticket) -> dict[str, Any]:
    ticket = entry.ticket
    ticket_id = as_id(ticket.get("id"))
    if ticket_id is None:
        raise VendorReject(
            "conversations came without their ticket; put the ticket JSON in the same file",
            "ticket_id",
        )
    created = to_time(ticket.get("created_at"), "created_at")
    responder = as_id(ticket.get("responder_id"))
    messages: list[dict[str, Any]] = []
    description = _body(ticket, "description_text", "description")
    if description:
        messages.append({"role": "customer", "text": description, "at": created})
    ordered: list[tuple[str, int, dict[str, Any]]] = []
    for position, item in enumerate(entry.conversations.values()):
        when = to_time(item.get("created_at"), f"conversations[{position}].created_at")
        ordered.append((when, position, item))
    ordered.sort(key=lambda item: (item[0], item[1]))
    internal_notes = 0
    first_reply: str | None = None
    for when, _, item in ordered:
        if item.get("private") is True:
            internal_notes += 1
            continue
        role = "customer" if item.get("incoming") is True else "agent"
        message: dict[str, Any] = {"role": role, "text": _body(item, "body_text", "body")}
        message["at"] = when
        author = as_id(item.get("user_id"))
        if role == "agent":
            first_reply = first_reply or when
            if author is not None and responder is not None and author != responder:
                message["author_id"] = author
        messages.append(message)
    stats = as_dict(ticket.get("stats"))
    source = ticket.get("source")
    status = ticket.get("status")
    requester = as_dict(ticket.get("requester"))
    tags = [tag for tag in as_list(ticket.get("tags")) if isinstance(tag, str)]
    meta = compact(
        {
            "vendor_status": status,
            "vendor_source": source,
            "subject": as_text(ticket.get("subject")),
            "type": as_text(ticket.get("type")),
            "priority": ticket.get("priority"),
            "group_id": as_id(ticket.get("group_id")),
            "company_id": as_id(ticket.get("company_id")),
            "customer_email": as_text(requester.get("email")),
            "internal_notes": internal_notes or None,
        }
    )
    return compact(
        {
            "id": ticket_id,
            "source": SOURCE,
            "channel": _CHANNELS.get(source, "email") if isinstance(source, int) else "email",
            "direction": "outbound" if source == 10 else None,
            "queued_at": created,
            "started_at": first_reply
            or maybe_time(stats.get("first_responded_at"), "stats.first_responded_at")
            or created,
            "ended_at": messages[-1]["at"] if ordered and messages else None,
            "status": _STATUSES.get(status) if isinstance(status, int) else None,
            "agent_id": responder,
            "customer_id": as_id(ticket.get("requester_id")),
            "customer_name": as_text(requester.get("name")),
            "tags": tags,
            "messages": messages,
            "survey": _survey(entry.rating),
            "meta": meta,
        }
    )


class _Collector:
    def __init__(self) -> None:
        self.tickets: dict[str, _Ticket] = {}

    def _entry(self, ticket_id: str, payload: Payload) -> _Ticket:
        entry = self.tickets.setdefault(ticket_id, _Ticket(payload.line))
        if payload.raw not in entry.raws[-1:]:
            entry.raws.append(payload.raw)
        return entry

    def add(self, payload: Payload) -> SourceRecord | None:
        value = payload.value
        if not isinstance(value, dict):
            return SourceRecord(payload.line, payload.raw, None, "a payload must be a JSON object")
        if "ratings" in value:
            key = as_id(value.get("ticket_id"))
            if key is None:
                return SourceRecord(
                    payload.line, payload.raw, None, "rating without ticket_id", "ticket_id"
                )
            self._entry(key, payload).rating = value
            return None
        if "ticket_id" in value and "id" in value:
            key = as_id(value.get("ticket_id"))
            if key is None:
                return SourceRecord(
                    payload.line, payload.raw, None, "conversation without ticket_id", "ticket_id"
                )
            self._entry(key, payload).conversations[str(as_id(value["id"]))] = value
            return None
        if "requester_id" in value or "description" in value or "description_text" in value:
            key = as_id(value.get("id"))
            if key is None:
                return SourceRecord(payload.line, payload.raw, None, "ticket without id", "id")
            entry = self._entry(key, payload)
            entry.ticket.update({k: v for k, v in value.items() if k != "conversations"})
            for item in as_list(value.get("conversations")):
                if isinstance(item, dict) and as_id(item.get("id")) is not None:
                    entry.conversations[str(as_id(item["id"]))] = item
            return None
        return SourceRecord(
            payload.line,
            payload.raw,
            None,
            "not a Freshdesk ticket, conversation or satisfaction rating",
            "id",
        )

    def records(self) -> Iterator[SourceRecord]:
        """One record (or reject) per conversation gathered."""
        for entry in self.tickets.values():
            yield mapped(entry.line, join_raw(entry.raws), partial(_build, entry), "freshdesk")


@register_importer
class FreshdeskImporter(Importer):
    """Freshdesk tickets with conversations, one interaction per ticket."""

    name = "freshdesk"
    label = "Freshdesk API v2 tickets and conversations (JSON, JSON array or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector())
