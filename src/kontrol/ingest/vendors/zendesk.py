"""Zendesk Support API responses: tickets with their comments, audits, ratings.

A file holds any mix of these responses (one JSON document, an array, or JSON
Lines): ``{"ticket": ...}`` (``GET /tickets/{id}``), ``{"tickets": [...]}``
(list, search or incremental export), ``{"comments": [...]}``
(``GET /tickets/{id}/comments``: it belongs to the ticket payload just before
it, unless the ticket carries the comments itself), ``{"audits": [...]}``
(``GET /ticket_audits`` or ``/tickets/{id}/audits``: Comment events become
messages, Create/Change events fill the ticket fields), ``{"satisfaction_ratings":
[...]}`` and ``{"users": [...]}`` (side-loaded or listed). Everything about one
ticket becomes one interaction with ``id`` = the ticket id, ``source`` =
``zendesk``. Mapping choices:

- ``via.channel``: email, web form, API, sample and automation channels ->
  ``email``; chat, web widget and messaging -> ``chat``; voice and phone ->
  ``call`` (``phone_call_outbound`` is ``outbound``); WhatsApp, LINE, WeChat,
  Telegram, Viber, SMS -> ``messenger``; Twitter, Facebook, Instagram ->
  ``social``; mobile SDK -> ``app``; anything else -> ``email``;
- status ``solved``/``closed`` -> ``resolved``; ``new``/``open``/``pending``/
  ``hold`` -> ``unresolved``; ``deleted`` tickets are rejected; the Zendesk
  status is kept in ``meta.vendor_status``;
- comment author = requester (or a user whose role is ``end-user``) ->
  ``customer``; author id -1 (Zendesk itself) -> ``system``; anyone else ->
  ``agent``; private comments are internal notes and left out (counted in
  ``meta.internal_notes``); without comments the ticket ``description`` is the
  customer's first message;
- ``queued_at`` = ticket creation, ``started_at`` = the first agent reply (else
  creation), ``ended_at`` = the last comment;
- ``satisfaction_rating.score`` ``good`` -> ``csat`` 5, ``bad`` -> ``csat`` 1
  (Zendesk's rating is binary); ``offered``/``unoffered`` -> no survey. A
  rating whose ticket is not in the file becomes a separate ``survey`` record.
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

SOURCE = "zendesk"
_SCORES = {"good": 5, "bad": 1}
_STATUSES = {
    "solved": "resolved",
    "closed": "resolved",
    "new": "unresolved",
    "open": "unresolved",
    "pending": "unresolved",
    "hold": "unresolved",
}
_CHANNELS = {
    "chat": "chat",
    "web_widget": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "chat_transcript": "chat",
    "voice": "call",
    "phone_call_inbound": "call",
    "phone_call_outbound": "call",
    "voicemail": "call",
    "whatsapp": "messenger",
    "line": "messenger",
    "wechat": "messenger",
    "telegram": "messenger",
    "viber": "messenger",
    "sms": "messenger",
    "twitter": "social",
    "twitter_dm": "social",
    "facebook": "social",
    "facebook_post": "social",
    "facebook_message": "messenger",
    "instagram_dm": "social",
    "mobile_sdk": "app",
    "mobile": "app",
}
_TICKET_FIELDS = {"status", "requester_id", "assignee_id", "subject", "tags", "type", "priority"}


@dataclass
class _Ticket:
    line: int
    ticket: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    rating: dict[str, Any] | None = None
    from_ticket: set[str] = field(default_factory=set)
    raws: list[str] = field(default_factory=list)

    def add_comment(self, comment: dict[str, Any]) -> None:
        key = as_id(comment.get("id")) or f"#{len(self.comments)}"
        self.comments[key] = {**self.comments.get(key, {}), **comment}


def _survey(rating: dict[str, Any] | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    score = rating.get("score")
    if score not in _SCORES:
        return None
    return compact(
        {
            "csat": _SCORES[str(score)],
            "comment": as_text(rating.get("comment")),
            "at": maybe_time(rating.get("updated_at") or rating.get("created_at"), "updated_at"),
        }
    )


def _comment_text(comment: dict[str, Any]) -> str:
    plain = as_text(comment.get("body")) or as_text(comment.get("plain_body"))
    if plain is not None:
        return plain
    html = as_text(comment.get("html_body"))
    return html_to_text(html) if html else ""


def _build(entry: _Ticket, users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ticket = entry.ticket
    ticket_id = as_id(ticket.get("id"))
    if ticket_id is None:
        raise VendorReject("the ticket has no id", "ticket.id")
    vendor_status = as_text(ticket.get("status"))
    if vendor_status == "deleted":
        raise VendorReject(f"ticket {ticket_id} is deleted in Zendesk; not imported", "status")
    created = to_time(ticket.get("created_at"), "created_at")
    requester = as_id(ticket.get("requester_id"))
    assignee = as_id(ticket.get("assignee_id"))

    comments: list[tuple[str, int, dict[str, Any]]] = []
    for position, comment in enumerate(entry.comments.values()):
        when = to_time(comment.get("created_at"), f"comments[{position}].created_at")
        comments.append((when, position, comment))
    comments.sort(key=lambda item: (item[0], item[1]))
    messages: list[dict[str, Any]] = []
    internal_notes = 0
    first_reply: str | None = None
    for when, _, comment in comments:
        if comment.get("public") is False:
            internal_notes += 1
            continue
        author = as_id(comment.get("author_id"))
        user_role = as_dict(users.get(author or "")).get("role")
        if author == "-1":
            role = "system"
        elif author == requester or user_role == "end-user":
            role = "customer"
        else:
            role = "agent"
        message: dict[str, Any] = {"role": role, "text": _comment_text(comment), "at": when}
        if role == "agent":
            first_reply = first_reply or when
            if author is not None and author != assignee:
                message["author_id"] = author
        messages.append(message)
    if not comments:
        description = as_text(ticket.get("description"))
        if description is not None:
            messages.append({"role": "customer", "text": description, "at": created})

    via = as_dict(ticket.get("via"))
    via_channel = as_text(via.get("channel")) or ""
    tags = [tag for tag in as_list(ticket.get("tags")) if isinstance(tag, str)]
    requester_user = as_dict(users.get(requester or "")) or as_dict(ticket.get("requester"))
    assignee_user = as_dict(users.get(assignee or "")) or as_dict(ticket.get("assignee"))
    meta = compact(
        {
            "vendor_status": vendor_status,
            "subject": as_text(ticket.get("subject")),
            "type": as_text(ticket.get("type")),
            "priority": as_text(ticket.get("priority")),
            "via_channel": via_channel or None,
            "group_id": as_id(ticket.get("group_id")),
            "organization_id": as_id(ticket.get("organization_id")),
            "brand_id": as_id(ticket.get("brand_id")),
            "internal_notes": internal_notes or None,
        }
    )
    return compact(
        {
            "id": ticket_id,
            "source": SOURCE,
            "channel": _CHANNELS.get(via_channel, "email"),
            "direction": "outbound" if via_channel == "phone_call_outbound" else None,
            "queued_at": created,
            "started_at": first_reply or created,
            "ended_at": messages[-1]["at"] if comments and messages else None,
            "status": _STATUSES.get(vendor_status or ""),
            "agent_id": assignee,
            "agent_name": as_text(assignee_user.get("name")),
            "customer_id": requester,
            "customer_name": as_text(requester_user.get("name")),
            "tags": tags,
            "messages": messages,
            "survey": _survey(entry.rating or as_dict(ticket.get("satisfaction_rating")) or None),
            "meta": meta,
        }
    )


def _is_ticket(value: object) -> bool:
    return isinstance(value, dict) and "id" in value and "requester_id" in value


class _Collector:
    def __init__(self) -> None:
        self.tickets: dict[str, _Ticket] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.ratings: list[tuple[Payload, dict[str, Any]]] = []
        self.last_ticket: str | None = None

    def _entry(self, ticket_id: str, payload: Payload) -> _Ticket:
        entry = self.tickets.setdefault(ticket_id, _Ticket(payload.line))
        if payload.raw not in entry.raws[-1:]:
            entry.raws.append(payload.raw)
        return entry

    def _add_ticket(self, ticket: dict[str, Any], payload: Payload) -> str:
        ticket_id = str(as_id(ticket.get("id")))
        entry = self._entry(ticket_id, payload)
        entry.ticket.update({k: v for k, v in ticket.items() if k != "comments"})
        entry.from_ticket.update(ticket)
        for comment in as_list(ticket.get("comments")):
            if isinstance(comment, dict):
                entry.add_comment(comment)
        return ticket_id

    def _add_audit(self, audit: dict[str, Any], payload: Payload) -> None:
        ticket_id = as_id(audit.get("ticket_id"))
        if ticket_id is None:
            return
        entry = self._entry(ticket_id, payload)
        entry.ticket.setdefault("id", audit.get("ticket_id"))
        entry.ticket.setdefault("created_at", audit.get("created_at"))
        if "via" in audit:
            entry.ticket.setdefault("via", audit["via"])
        for event in as_list(audit.get("events")):
            event = as_dict(event)
            if event.get("type") == "Comment":
                entry.add_comment({"created_at": audit.get("created_at"), **event})
            elif event.get("type") in ("Create", "Change"):
                name = event.get("field_name")
                if name in _TICKET_FIELDS and name not in entry.from_ticket:
                    entry.ticket[str(name)] = event.get("value")

    def add(self, payload: Payload) -> SourceRecord | None:
        value = payload.value
        if not isinstance(value, dict):
            return SourceRecord(payload.line, payload.raw, None, "a payload must be a JSON object")
        used = False
        for user in as_list(value.get("users")) + [value.get("user")]:
            if isinstance(user, dict) and as_id(user.get("id")) is not None:
                self.users[str(as_id(user.get("id")))] = user
                used = True
        tickets = [value] if _is_ticket(value) else []
        tickets += [t for t in [value.get("ticket"), *as_list(value.get("tickets"))] if t]
        tickets += [t for t in as_list(value.get("results")) if _is_ticket(t)]
        for ticket in tickets:
            if not _is_ticket(ticket):
                return SourceRecord(
                    payload.line, payload.raw, None, "a ticket needs an id", "ticket.id"
                )
            self.last_ticket = self._add_ticket(ticket, payload)
            used = True
        if isinstance(value.get("comments"), list) and not _is_ticket(value):
            if self.last_ticket is None:
                return SourceRecord(
                    payload.line,
                    payload.raw,
                    None,
                    "a comments response needs its ticket before it in the file",
                    "comments",
                )
            entry = self._entry(self.last_ticket, payload)
            for comment in value["comments"]:
                if isinstance(comment, dict):
                    entry.add_comment(comment)
            used = True
        for audit in as_list(value.get("audits")) + [value.get("audit")]:
            if isinstance(audit, dict):
                self._add_audit(audit, payload)
                used = True
        for rating in as_list(value.get("satisfaction_ratings")):
            if isinstance(rating, dict):
                self.ratings.append((payload, rating))
                used = True
        if not used:
            return SourceRecord(
                payload.line,
                payload.raw,
                None,
                "not a Zendesk ticket, comments, audits, ratings or users response",
                "tickets",
            )
        return None

    def records(self) -> Iterator[SourceRecord]:
        """Separate ratings of tickets not in the file, then one record per ticket."""
        for payload, rating in self.ratings:
            ticket_id = as_id(rating.get("ticket_id"))
            if ticket_id is not None and ticket_id in self.tickets:
                self.tickets[ticket_id].rating = rating
                continue
            yield mapped(payload.line, payload.raw, partial(_separate_survey, rating), "zendesk")
        for entry in self.tickets.values():
            yield mapped(
                entry.line, join_raw(entry.raws), partial(_build, entry, self.users), "zendesk"
            )


def _separate_survey(rating: dict[str, Any]) -> dict[str, Any]:
    ticket_id = as_id(rating.get("ticket_id"))
    if ticket_id is None:
        raise VendorReject("a satisfaction rating without ticket_id", "ticket_id")
    survey = _survey(rating)
    if survey is None:
        raise VendorReject(
            f"rating of ticket {ticket_id} has no score (got {rating.get('score')!r})", "score"
        )
    return {"kind": "survey", "interaction_id": ticket_id, "source": SOURCE, **survey}


@register_importer
class ZendeskImporter(Importer):
    """Zendesk tickets (with comments, audits, ratings), one interaction per ticket."""

    name = "zendesk"
    label = "Zendesk API responses: tickets, comments, audits (JSON or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector())
