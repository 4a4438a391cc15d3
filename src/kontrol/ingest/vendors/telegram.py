"""Telegram Bot API ``Update`` objects (webhook bodies or ``getUpdates`` results).

All messages of one chat in a file become one ``messenger`` interaction with
``id`` = the Telegram chat id and ``source`` = ``telegram``. Mapping choices:

- ``message``, ``edited_message``, ``business_message``,
  ``edited_business_message``, ``channel_post`` and ``edited_channel_post`` are
  read; an edit replaces the text of the message it edits (same chat and
  ``message_id``) and is counted in ``meta.edited``; other update kinds
  (``callback_query``, ``my_chat_member``, ...) are rejected as not imported;
- a ``getUpdates`` response (``{"ok": true, "result": [...]}``) and a
  ``sendMessage`` response (``{"ok": true, "result": {message}}``) are read too;
- senders with ``is_bot`` -> ``bot``, everybody else -> ``customer`` (the Bot
  API only delivers what people send to the bot);
- media without text become a placeholder such as ``[voice message, 5 s]``
  (a caption is used when there is one);
- ``started_at`` is the first message (Telegram has no "accepted" time),
  ``ended_at`` the last; the customer is the first human sender.
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
    language_code,
    to_time,
)
from kontrol.ingest.vendors.payloads import Payload, VendorReject, join_raw, mapped, read

SOURCE = "telegram"
_MESSAGE_KEYS = ("message", "business_message", "channel_post")
_EDIT_KEYS = ("edited_message", "edited_business_message", "edited_channel_post")
_MEDIA = (
    ("photo", "photo"),
    ("video", "video"),
    ("video_note", "video message"),
    ("animation", "animation"),
    ("audio", "audio"),
    ("document", "document"),
    ("sticker", "sticker"),
    ("contact", "contact"),
    ("location", "location"),
    ("venue", "venue"),
    ("poll", "poll"),
)


@dataclass
class _Chat:
    line: int
    chat: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    edited: int = 0
    raws: list[str] = field(default_factory=list)


def _text(message: dict[str, Any]) -> str:
    text = as_text(message.get("text")) or as_text(message.get("caption"))
    if text is not None:
        return text
    voice = message.get("voice")
    if isinstance(voice, dict):
        duration = voice.get("duration")
        return f"[voice message, {duration} s]" if duration is not None else "[voice message]"
    for key, label in _MEDIA:
        if key in message:
            return f"[{label}]"
    return "[message without text]"


def _name(user: dict[str, Any]) -> str | None:
    parts = [as_text(user.get("first_name")), as_text(user.get("last_name"))]
    name = " ".join(part for part in parts if part)
    return name or as_text(user.get("username")) or as_text(user.get("title"))


def _build(chat: _Chat) -> dict[str, Any]:
    chat_id = as_id(chat.chat.get("id"))
    if chat_id is None:
        raise VendorReject("the message has no chat id", "message.chat.id")
    entries: list[tuple[str, int, dict[str, Any]]] = []
    for position, message in enumerate(chat.messages.values()):
        when = to_time(message.get("date"), "message.date")
        entries.append((when, position, message))
    entries.sort(key=lambda item: (item[0], item[1]))
    messages: list[dict[str, Any]] = []
    customer: dict[str, Any] = {}
    for when, _, message in entries:
        sender = as_dict(message.get("from"))
        role = "bot" if sender.get("is_bot") is True else "customer"
        if role == "customer" and not customer and sender:
            customer = sender
        messages.append({"role": role, "text": _text(message), "at": when})
    if not customer and chat.chat.get("type") == "private":
        customer = chat.chat
    meta = compact(
        {
            "chat_type": as_text(chat.chat.get("type")),
            "chat_title": as_text(chat.chat.get("title")),
            "username": as_text(customer.get("username")),
            "edited": chat.edited or None,
        }
    )
    return compact(
        {
            "id": chat_id,
            "source": SOURCE,
            "channel": "messenger",
            "started_at": messages[0]["at"],
            "ended_at": messages[-1]["at"],
            "customer_id": as_id(customer.get("id")),
            "customer_name": _name(customer),
            "language": language_code(customer.get("language_code")),
            "messages": messages,
            "meta": meta,
        }
    )


def _messages_of(value: object) -> Iterator[tuple[dict[str, Any], bool]]:
    """The (message, is_edit) pairs a payload carries; VendorReject when it has none."""
    if not isinstance(value, dict):
        raise VendorReject("a Telegram update must be a JSON object")
    if value.get("ok") is True and "result" in value:
        result = value["result"]
        for item in as_list(result) if isinstance(result, list) else [result]:
            yield from _messages_of(item if "update_id" in as_dict(item) else {"message": item})
        return
    for key in _MESSAGE_KEYS:
        if isinstance(value.get(key), dict):
            yield value[key], False
            return
    for key in _EDIT_KEYS:
        if isinstance(value.get(key), dict):
            yield value[key], True
            return
    kinds = [key for key in value if key != "update_id"]
    raise VendorReject(
        f"Telegram update {value.get('update_id')} has no message "
        f"({', '.join(kinds) or 'empty'}); not imported",
        "message",
    )


class _Collector:
    def __init__(self) -> None:
        self.chats: dict[str, _Chat] = {}

    def add(self, payload: Payload) -> SourceRecord | None:
        try:
            found = list(_messages_of(payload.value))
            for message, _ in found:
                if as_id(as_dict(message.get("chat")).get("id")) is None:
                    raise VendorReject("the message has no chat id", "message.chat.id")
                if message.get("date") is None:
                    raise VendorReject("the message has no date", "message.date")
                to_time(message.get("date"), "message.date")
        except VendorReject as error:
            return SourceRecord(payload.line, payload.raw, None, error.message, error.field)
        for message, is_edit in found:
            chat_info = as_dict(message.get("chat"))
            key = str(as_id(chat_info.get("id")))
            chat = self.chats.setdefault(key, _Chat(payload.line))
            chat.chat.update(chat_info)
            if payload.raw not in chat.raws[-1:]:
                chat.raws.append(payload.raw)
            message_key = as_id(message.get("message_id")) or f"#{len(chat.messages)}"
            if is_edit and message_key in chat.messages:
                chat.edited += 1
                # The edit keeps the original sending time.
                original = chat.messages[message_key]
                chat.messages[message_key] = {**message, "date": original.get("date")}
            else:
                chat.edited += int(is_edit)
                chat.messages[message_key] = message
        return None

    def records(self) -> Iterator[SourceRecord]:
        """One record (or reject) per conversation gathered."""
        for chat in self.chats.values():
            yield mapped(chat.line, join_raw(chat.raws), partial(_build, chat), "telegram")


@register_importer
class TelegramImporter(Importer):
    """Telegram Bot API updates, grouped into one interaction per chat."""

    name = "telegram"
    label = "Telegram Bot API updates (JSON, JSON array or JSON Lines)"
    suffixes = ()

    def read(self, path: Path) -> Iterator[SourceRecord]:
        return read(path, _Collector())
