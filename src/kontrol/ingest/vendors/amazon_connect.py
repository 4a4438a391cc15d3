"""Amazon Connect Contact Lens analysis output (chat and voice), with Contact Records.

Read are Contact Lens output files (``Version``, ``Channel``, ``Participants``,
``Transcript``), Contact Records (CTR, objects with ``ContactId`` and
``InitiationTimestamp``) and EventBridge contact events (``detail-type``
"Amazon Connect Contact Event"), as one JSON document, an array or JSON Lines.
Records of one contact id in a file become one interaction with ``id`` = the
contact id and ``source`` = ``amazon_connect``. Mapping choices:

- the contact id is ``CustomerMetadata.ContactId``, else the start of the S3
  output file name (``<contact id>_analysis_<time>.json``);
- ``CHAT`` -> ``chat``: transcript ``MESSAGE`` items become messages at their
  ``AbsoluteTime``; roles AGENT/SUPERVISOR -> ``agent``, CUSTOMER ->
  ``customer``, SYSTEM -> ``system``, CUSTOM_BOT -> ``bot``; ``queued_at`` is
  the first transcript item, ``started_at`` the agent joining (else the first
  agent message, else the first item), ``ended_at`` the chat end event;
- ``VOICE`` -> ``call``: each turn becomes a message with ``start``/``end`` in
  seconds from ``BeginOffsetMillis``/``EndOffsetMillis``. A voice analysis has
  no wall-clock time, so ``started_at`` comes from the Contact Record
  (``Agent.ConnectedToAgentTimestamp``, else ``ConnectedToSystemTimestamp``,
  else ``InitiationTimestamp``); without one, from the time in the output
  file name minus ``TotalConversationDurationMillis`` (marked
  ``meta.started_at_estimated``); with neither the contact is rejected;
- the Contact Record gives the agent (``Agent.Username``, else the ARN's last
  part), queue, direction (``INITIATION METHOD`` OUTBOUND -> ``outbound``) and
  end time; matched Contact Lens categories become tags; ``LanguageCode``
  ``en-US`` -> ``en``; overall sentiment is kept in ``meta``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    language_code,
    maybe_time,
    to_time,
)
from kontrol.ingest.vendors.payloads import Payload, VendorReject, join_raw, mapped, read

SOURCE = "amazon_connect"
_ROLES = {
    "AGENT": "agent",
    "SUPERVISOR": "agent",
    "CUSTOMER": "customer",
    "SYSTEM": "system",
    "CUSTOM_BOT": "bot",
}
_FILE_NAME = re.compile(
    r"^(?P<id>[0-9A-Za-z-]+)_analysis_(?:redacted_)?(?P<time>[0-9TZ:.+-]+?)\.json"
)
_CHANNELS = {"VOICE": "call", "CHAT": "chat", "TASK": "self_service", "EMAIL": "email"}


@dataclass
class _Contact:
    line: int
    analysis: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    raws: list[str] = field(default_factory=list)


def _roles(analysis: dict[str, Any]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for participant in as_list(analysis.get("Participants")):
        participant = as_dict(participant)
        key = as_id(participant.get("ParticipantId"))
        role = as_text(participant.get("ParticipantRole"))
        if key is not None and role is not None:
            roles[key] = role
    return roles


def _role(item: dict[str, Any], roles: dict[str, str], where: str) -> str:
    vendor = as_text(item.get("ParticipantRole")) or roles.get(
        str(as_id(item.get("ParticipantId")))
    )
    role = _ROLES.get(vendor or "")
    if role is None:
        raise VendorReject(f"unknown participant role {vendor!r}", f"{where}.ParticipantId")
    return role


def _chat(analysis: dict[str, Any], roles: dict[str, str]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    times: list[str] = []
    agent_joined: str | None = None
    first_agent: str | None = None
    ended: str | None = None
    for position, item in enumerate(as_list(analysis.get("Transcript"))):
        item = as_dict(item)
        where = f"Transcript[{position}]"
        when = to_time(item.get("AbsoluteTime"), f"{where}.AbsoluteTime")
        times.append(when)
        content_type = str(item.get("ContentType") or "")
        if item.get("Type") == "EVENT":
            if (
                content_type.endswith("participant.joined")
                and item.get("ParticipantRole") == "AGENT"
            ):
                agent_joined = agent_joined or when
            if content_type.endswith("chat.ended"):
                ended = when
            continue
        if item.get("Type") not in (None, "MESSAGE") or item.get("Content") is None:
            continue
        role = _role(item, roles, where)
        if role == "agent":
            first_agent = first_agent or when
        messages.append({"role": role, "text": str(item["Content"]), "at": when})
    if not times:
        raise VendorReject("the chat transcript is empty: no time to place it", "Transcript")
    return {
        "queued_at": times[0],
        "started_at": agent_joined or first_agent or times[0],
        "ended_at": ended or times[-1],
        "messages": messages,
    }


def _voice(analysis: dict[str, Any], roles: dict[str, str]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for position, item in enumerate(as_list(analysis.get("Transcript"))):
        item = as_dict(item)
        where = f"Transcript[{position}]"
        begin, end = item.get("BeginOffsetMillis"), item.get("EndOffsetMillis")
        if not isinstance(begin, int | float) or not isinstance(end, int | float):
            raise VendorReject("no BeginOffsetMillis/EndOffsetMillis", where)
        message = {
            "role": _role(item, roles, where),
            "text": str(item.get("Content") or ""),
            "start": begin / 1000,
            "end": end / 1000,
        }
        messages.append(message)
    return messages


def _agent(record: dict[str, Any]) -> tuple[str | None, str | None]:
    agent = as_dict(record.get("Agent"))
    username = as_text(agent.get("Username"))
    arn = as_text(agent.get("ARN")) or as_text(agent.get("agentArn"))
    agent_id = username or (arn.rsplit("/", 1)[-1] if arn else None)
    return agent_id, username


def _contact_id(contact: _Contact, match: re.Match[str] | None) -> str:
    """The contact id: the analysis's, the Contact Record's, or the file name's."""
    contact_id = as_id(as_dict(contact.analysis.get("CustomerMetadata")).get("ContactId")) or as_id(
        contact.record.get("ContactId")
    )
    if contact_id is None and match is not None:
        contact_id = match["id"]
    if contact_id is None:
        raise VendorReject(
            "no contact id: CustomerMetadata.ContactId is absent and the file is not "
            "named <contact id>_analysis_<time>.json",
            "CustomerMetadata.ContactId",
        )
    return contact_id


def _voice_fields(
    analysis: dict[str, Any],
    roles: dict[str, str],
    record_start: str | None,
    match: re.Match[str] | None,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """A call's segments and times; without a Contact Record the start comes from the
    output file's name less the call's duration (marked as estimated in ``meta``)."""
    characteristics = as_dict(analysis.get("ConversationCharacteristics"))
    fields: dict[str, Any] = {"messages": _voice(analysis, roles)}
    duration = characteristics.get("TotalConversationDurationMillis")
    started = record_start
    if started is None and match is not None:
        written = datetime.fromisoformat(to_time(match["time"], "file name"))
        millis = duration if isinstance(duration, int | float) else 0
        started = (written - timedelta(milliseconds=millis)).isoformat()
        meta["started_at_estimated"] = True
    if started is None:
        raise VendorReject(
            "a voice analysis has no start time: add the contact's Contact Record to the "
            "file or keep the output file name <contact id>_analysis_<time>.json",
            "InitiationTimestamp",
        )
    fields["started_at"] = started
    if isinstance(duration, int | float):
        end = datetime.fromisoformat(started) + timedelta(milliseconds=duration)
        fields["ended_at"] = end.isoformat()
    return fields


def _build(contact: _Contact, file_name: str) -> dict[str, Any]:
    analysis, record = contact.analysis, contact.record
    match = _FILE_NAME.match(file_name)
    contact_id = _contact_id(contact, match)
    vendor_channel = as_text(analysis.get("Channel")) or as_text(record.get("Channel")) or ""
    channel = _CHANNELS.get(vendor_channel.upper())
    if channel is None:
        raise VendorReject(f"unknown Amazon Connect channel {vendor_channel!r}", "Channel")
    agent_record = as_dict(record.get("Agent"))
    record_start = (
        maybe_time(agent_record.get("ConnectedToAgentTimestamp"), "Agent.ConnectedToAgentTimestamp")
        or maybe_time(record.get("ConnectedToSystemTimestamp"), "ConnectedToSystemTimestamp")
        or maybe_time(record.get("InitiationTimestamp"), "InitiationTimestamp")
    )
    roles = _roles(analysis)
    fields: dict[str, Any]
    meta: dict[str, Any] = {}
    characteristics = as_dict(analysis.get("ConversationCharacteristics"))
    if analysis and vendor_channel.upper() == "CHAT":
        fields = _chat(analysis, roles)
    elif analysis and vendor_channel.upper() == "VOICE":
        fields = _voice_fields(analysis, roles, record_start, match, meta)
    else:
        if record_start is None:
            raise VendorReject(
                f"contact {contact_id} has no InitiationTimestamp", "InitiationTimestamp"
            )
        fields = {"started_at": record_start, "messages": []}
    if record_start is not None:
        fields["started_at"] = record_start
        fields["queued_at"] = maybe_time(
            as_dict(record.get("Queue")).get("EnqueueTimestamp"), "Queue.EnqueueTimestamp"
        ) or maybe_time(record.get("InitiationTimestamp"), "InitiationTimestamp")
    disconnect = maybe_time(record.get("DisconnectTimestamp"), "DisconnectTimestamp")
    if disconnect is not None:
        fields["ended_at"] = disconnect
    agent_id, username = _agent(record)
    names = {
        _ROLES.get(str(participant.get("ParticipantRole"))): as_text(participant.get("DisplayName"))
        for participant in map(as_dict, as_list(analysis.get("Participants")))
    }
    categories = as_dict(analysis.get("Categories")).get("MatchedCategories")
    sentiment = as_dict(as_dict(characteristics.get("Sentiment")).get("OverallSentiment"))
    meta.update(
        compact(
            {
                "instance_id": as_text(as_dict(analysis.get("CustomerMetadata")).get("InstanceId")),
                "account_id": as_text(analysis.get("AccountId")),
                "analysis_version": as_text(analysis.get("Version")),
                "output": as_text(as_dict(analysis.get("ContentMetadata")).get("Output")),
                "queue": as_text(as_dict(record.get("Queue")).get("Name")),
                "sentiment": sentiment or None,
            }
        )
    )
    method = as_text(record.get("InitiationMethod"))
    customer_endpoint = as_dict(record.get("CustomerEndpoint"))
    return compact(
        {
            "id": contact_id,
            "source": SOURCE,
            "channel": channel,
            "direction": "outbound" if method in ("OUTBOUND", "CALLBACK") else None,
            **fields,
            "agent_id": agent_id,
            "agent_name": username or names.get("agent"),
            "customer_id": as_text(customer_endpoint.get("Address")),
            "customer_name": names.get("customer"),
            "language": language_code(analysis.get("LanguageCode")),
            "tags": [c for c in as_list(categories) if isinstance(c, str)],
            "meta": meta,
        }
    )


def _event_record(detail: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge contact event's detail in Contact Record spelling."""
    agent = as_dict(detail.get("agentInfo"))
    queue = as_dict(detail.get("queueInfo"))
    return compact(
        {
            "ContactId": detail.get("contactId"),
            "Channel": detail.get("channel"),
            "InitiationMethod": detail.get("initiationMethod"),
            "InitiationTimestamp": detail.get("initiationTimestamp"),
            "DisconnectTimestamp": detail.get("disconnectTimestamp"),
            "Agent": compact(
                {
                    "ARN": agent.get("agentArn"),
                    "ConnectedToAgentTimestamp": agent.get("connectedToAgentTimestamp"),
                }
            )
            or None,
            "Queue": compact({"EnqueueTimestamp": queue.get("enqueueTimestamp")}) or None,
        }
    )


class _Collector:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.contacts: dict[str, _Contact] = {}

    def _contact(self, key: str, payload: Payload) -> _Contact:
        contact = self.contacts.setdefault(key, _Contact(payload.line))
        if payload.raw not in contact.raws[-1:]:
            contact.raws.append(payload.raw)
        return contact

    def add(self, payload: Payload) -> SourceRecord | None:
        value = payload.value
        if not isinstance(value, dict):
            return SourceRecord(payload.line, payload.raw, None, "a payload must be a JSON object")
        if "Transcript" in value:
            key = as_id(as_dict(value.get("CustomerMetadata")).get("ContactId"))
            contact = self._contact(key or f"#analysis-{payload.line}", payload)
            contact.analysis = value
            return None
        record = value
        if value.get("detail-type") == "Amazon Connect Contact Event":
            record = _event_record(as_dict(value.get("detail")))
        elif "contactId" in value and "initiationTimestamp" in value:
            record = _event_record(value)
        key = as_id(record.get("ContactId"))
        if key is not None and ("InitiationTimestamp" in record or "Agent" in record):
            contact = self._contact(key, payload)
            merged = {**contact.record, **record}
            merged["Agent"] = {
                **as_dict(contact.record.get("Agent")),
                **as_dict(record.get("Agent")),
            }
            contact.record = merged
            return None
        return SourceRecord(
            payload.line,
            payload.raw,
            None,
            "not a Contact Lens analysis, Contact Record or contact event; not imported",
            "Transcript",
        )

    def records(self) -> Iterator[SourceRecord]:
        """One record (or reject) per conversation gathered."""
        unnamed = [key for key in self.contacts if key.startswith("#analysis-")]
        records = [key for key in self.contacts if not key.startswith("#")]
        if len(unnamed) == 1 and len(records) == 1:
            # One analysis without a contact id and one Contact Record: the same contact.
            lone = self.contacts.pop(unnamed[0])
            target = self.contacts[records[0]]
            target.analysis = lone.analysis
            target.raws = lone.raws + target.raws
            target.line = min(target.line, lone.line)
        for contact in self.contacts.values():
            yield mapped(
                contact.line,
                join_raw(contact.raws),
                partial(_build, contact, self.file_name),
                "Amazon Connect",
            )


@register_importer
class ContactLensImporter(Importer):
    """Amazon Connect Contact Lens analyses and Contact Records, one interaction per contact."""

    name = "amazon_connect"
    label = "Amazon Connect Contact Lens output and Contact Records (JSON or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector(path.name))
