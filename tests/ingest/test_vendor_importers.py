"""Vendor importers read the real samples in ../shared/data/formats into FORMAT.md records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kontrol.ingest.registry import Importer, SourceRecord, importers
from kontrol.ingest.schema import parse_record
from kontrol.ingest.vendors.amazon_connect import ContactLensImporter
from kontrol.ingest.vendors.chatwoot import ChatwootImporter
from kontrol.ingest.vendors.email import MboxImporter
from kontrol.ingest.vendors.freshdesk import FreshdeskImporter
from kontrol.ingest.vendors.intercom import IntercomImporter
from kontrol.ingest.vendors.telegram import TelegramImporter
from kontrol.ingest.vendors.zendesk import ZendeskImporter

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FORMATS = SHARED / "formats"


def sample(*parts: str) -> Path:
    path = FORMATS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"vendor sample not present: {path}")
    return path


def read(importer: Importer, path: Path) -> list[SourceRecord]:
    return list(importer.read(path))


def valid(records: list[SourceRecord]) -> list[dict[str, Any]]:
    """The mapped records, each checked against FORMAT.md."""
    found = []
    for record in records:
        if record.data is not None:
            parse_record(record.data)
            found.append(record.data)
    return found


def roles(record: dict[str, Any]) -> list[str]:
    return [message["role"] for message in record["messages"]]


def write(tmp_path: Path, name: str, payloads: list[Any]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(payload) for payload in payloads) + "\n")
    return path


def only_reject(records: list[SourceRecord]) -> SourceRecord:
    rejects = [record for record in records if record.data is None]
    assert len(rejects) == 1, records
    assert rejects[0].error
    return rejects[0]


def test_every_vendor_importer_is_registered() -> None:
    names = set(importers)
    expected = {"chatwoot", "telegram", "zendesk", "freshdesk", "intercom", "mbox"}
    assert expected | {"amazon_connect"} <= names
    assert importers["mbox"] is MboxImporter


# Chatwoot


def test_chatwoot_message_created() -> None:
    records = read(ChatwootImporter(), sample("chatwoot", "webhook_message_created.json"))
    (record,) = valid(records)
    assert records[0].line == 1
    assert record["id"] == "10"
    assert record["source"] == "chatwoot"
    assert record["channel"] == "chat"
    assert roles(record) == ["customer", "bot"]
    assert [m["text"] for m in record["messages"]] == ["hi", "Get notified by email"]
    assert record["messages"][0]["at"] == "2021-07-23T18:02:48+00:00"
    assert record["queued_at"] == "2021-07-23T18:02:48+00:00"
    assert record["started_at"] == "2021-07-23T18:02:49+00:00"
    assert (record["agent_id"], record["agent_name"]) == ("1", "John")
    assert (record["customer_id"], record["customer_name"]) == ("14", "little-haze-776")
    assert record["status"] == "unresolved"
    assert record["meta"]["vendor_status"] == "open"


def test_chatwoot_groups_a_conversation_across_payloads(tmp_path: Path) -> None:
    created = json.loads(sample("chatwoot", "webhook_message_created.json").read_text())
    changed = json.loads(sample("chatwoot", "webhook_conversation_status_changed.json").read_text())
    changed["status"] = "resolved"
    path = tmp_path / "chatwoot.json"
    path.write_text(json.dumps([created, changed], indent=2))
    (record,) = valid(read(ChatwootImporter(), path))
    assert record["status"] == "resolved"
    assert roles(record) == ["customer", "bot"]
    assert record["customer_name"] == "jane"


def test_chatwoot_broken_payload(tmp_path: Path) -> None:
    created = json.loads(sample("chatwoot", "webhook_message_created.json").read_text())
    created["created_at"] = None
    created["conversation"]["messages"] = []
    path = write(tmp_path, "broken.json", [created])
    reject = only_reject(read(ChatwootImporter(), path))
    assert reject.field == "messages[0].created_at"
    assert "created_at" in str(reject.error)


# Telegram


def test_telegram_updates() -> None:
    (record,) = valid(read(TelegramImporter(), sample("telegram", "update_message_text.json")))
    assert record["id"] == "1111111"
    assert record["source"] == "telegram"
    assert record["channel"] == "messenger"
    assert roles(record) == ["customer"]
    assert record["messages"][0] == {
        "role": "customer",
        "text": "/start",
        "at": "2015-09-07T17:05:32+00:00",
    }
    assert record["customer_name"] == "Test Firstname Test Lastname"
    (voice,) = valid(read(TelegramImporter(), sample("telegram", "update_message_voice.json")))
    assert voice["messages"][0]["text"] == "[voice message, 5 s]"


def test_telegram_groups_a_chat_and_applies_edits(tmp_path: Path) -> None:
    names = ["update_message_text.json", "update_message_voice.json", "update_edited_message.json"]
    payloads = [json.loads(sample("telegram", name).read_text()) for name in names]
    payloads[1]["message"]["message_id"] = 1366
    payloads[1]["message"]["date"] = 1441645600
    path = write(tmp_path, "updates.jsonl", payloads)
    records = read(TelegramImporter(), path)
    (record,) = valid(records)
    assert records[0].line == 1
    assert [m["text"] for m in record["messages"]] == ["Edited text", "[voice message, 5 s]"]
    assert record["ended_at"] == "2015-09-07T17:06:40+00:00"
    assert record["meta"]["edited"] == 1


def test_telegram_broken_payload(tmp_path: Path) -> None:
    update = json.loads(sample("telegram", "update_message_text.json").read_text())
    del update["message"]["date"]
    reject = only_reject(read(TelegramImporter(), write(tmp_path, "t.json", [update])))
    assert reject.field == "message.date"


# Zendesk


def test_zendesk_incremental_export() -> None:
    path = sample("zendesk", "decoded_responses", "incremental_tickets_0.json")
    records = read(ZendeskImporter(), path)
    tickets = {record["id"]: record for record in valid(records)}
    assert len(tickets) == 86
    assert only_reject(records).field == "status"  # ticket 4034 is deleted
    ticket = tickets["1"]
    assert ticket["source"] == "zendesk"
    assert ticket["channel"] == "email"
    assert ticket["status"] == "unresolved"
    assert ticket["tags"] == ["sample", "support", "zendesk"]
    assert (ticket["agent_id"], ticket["customer_id"]) == ("6130907993114", "6130869168922")
    assert roles(ticket) == ["customer"]
    assert ticket["started_at"] == "2023-09-09T23:52:05+00:00"


def test_zendesk_audits_give_the_comments(tmp_path: Path) -> None:
    tickets = json.loads(
        sample("zendesk", "decoded_responses", "incremental_tickets_0.json").read_text()
    )
    audits = json.loads(sample("zendesk", "decoded_responses", "ticket_audits_0.json").read_text())
    rating = {
        "ticket_id": 1,
        "score": "good",
        "comment": "Thanks!",
        "updated_at": "2024-02-08T10:00:00Z",
    }
    path = write(tmp_path, "zendesk.jsonl", [tickets, audits, {"satisfaction_ratings": [rating]}])
    records = {record["id"]: record for record in valid(read(ZendeskImporter(), path))}
    ticket = records["1"]
    assert roles(ticket) == ["customer", "agent"]
    assert ticket["messages"][1]["text"].startswith("Hi there, thanks for your note")
    assert ticket["started_at"] == "2024-02-07T00:09:24+00:00"
    assert ticket["meta"]["internal_notes"] == 1
    assert ticket["survey"] == {"csat": 5, "comment": "Thanks!", "at": "2024-02-08T10:00:00+00:00"}


def test_zendesk_broken_payload(tmp_path: Path) -> None:
    ticket = {"id": 7, "requester_id": 1, "via": {"channel": "email"}, "status": "open"}
    reject = only_reject(read(ZendeskImporter(), write(tmp_path, "z.json", [{"ticket": ticket}])))
    assert reject.field == "created_at"


# Freshdesk


def test_freshdesk_ticket_with_conversations(tmp_path: Path) -> None:
    ticket = json.loads(sample("freshdesk", "ticket_1.json").read_text())
    conversations = json.loads(sample("freshdesk", "conversations.json").read_text())
    path = tmp_path / "freshdesk.json"
    path.write_text(json.dumps([ticket, *conversations], indent=2))
    records = read(FreshdeskImporter(), path)
    (record,) = valid(records)
    assert records[0].line == 2
    assert record["id"] == "1"
    assert record["source"] == "freshdesk"
    assert record["channel"] == "email"
    assert record["status"] == "unresolved"
    assert roles(record) == ["customer", "agent"]
    assert [m["text"] for m in record["messages"]] == [
        "This is a sample ticket, feel free to delete it.",
        "This is a reply",
    ]
    assert record["started_at"] == "2016-05-19T05:36:14+00:00"
    assert record["tags"] == ["foo", "bar"]
    assert record["meta"]["internal_notes"] == 1


def test_freshdesk_sample_files_alone() -> None:
    (record,) = valid(read(FreshdeskImporter(), sample("freshdesk", "ticket_1.json")))
    assert record["customer_name"] == "Dummyname"
    reject = only_reject(read(FreshdeskImporter(), sample("freshdesk", "conversations.json")))
    assert reject.field == "ticket_id"


def test_freshdesk_broken_payload(tmp_path: Path) -> None:
    ticket = json.loads(sample("freshdesk", "ticket_1.json").read_text())
    ticket["created_at"] = "yesterday"
    reject = only_reject(read(FreshdeskImporter(), write(tmp_path, "f.json", [ticket])))
    assert reject.field == "created_at"


# Intercom


def test_intercom_closed_webhook() -> None:
    path = sample("intercom", "webhook_conversation_admin_closed.json")
    (record,) = valid(read(IntercomImporter(), path))
    assert record["id"] == "18994700881"
    assert record["source"] == "intercom"
    assert record["channel"] == "chat"
    assert record["status"] == "resolved"
    assert record["messages"] == [
        {"role": "customer", "text": "I need help!", "at": "2018-10-11T12:37:16+00:00"}
    ]
    assert record["ended_at"] == "2018-11-19T13:47:20+00:00"
    assert (record["agent_id"], record["agent_name"]) == ("1132812", "Darragh Browne")
    assert record["customer_id"] == "5bbf3be213e5cde18da56f3b"
    assert "customer_name" not in record  # the "name" is an e-mail address


def test_intercom_broken_payload(tmp_path: Path) -> None:
    payload = json.loads(sample("intercom", "webhook_conversation_admin_closed.json").read_text())
    del payload["data"]["item"]["created_at"]
    reject = only_reject(read(IntercomImporter(), write(tmp_path, "i.json", [payload])))
    assert reject.field == "created_at"


# mbox


def test_mbox_sample() -> None:
    path = sample("email", "mail001.box")
    assert MboxImporter().accepts(path)
    (record,) = valid(read(MboxImporter(), path))
    assert record["id"] == "053EA3703574649ABDAF24D43A05604F327A130@MEMASFRK004.example.com"
    assert record["channel"] == "email"
    assert record["source"] == "mbox"
    assert roles(record) == ["customer"]
    assert record["messages"][0]["text"].startswith("Hallo Martin,")
    assert record["started_at"] == "2012-05-03T11:36:43+02:00"
    assert record["customer_id"] == "john.smith@example.com"
    assert record["meta"]["subject"] == "CI Daten für PublicView "


MAILS = """From customer@example.com Mon Nov  2 10:00:00 2026
From: Ivan <customer@example.com>
To: support@shop.example
Subject: Where is my order?
Date: Mon, 02 Nov 2026 10:00:00 +0300
Message-ID: <q1@example.com>

Where is my order?

From agent@shop.example Mon Nov  2 10:05:00 2026
From: Anna <agent@shop.example>
To: customer@example.com
Subject: Re: Where is my order?
Date: Mon, 02 Nov 2026 10:05:00 +0300
Message-ID: <a1@shop.example>
In-Reply-To: <q1@example.com>
References: <q1@example.com>

Hello Ivan, it ships today.

On Mon, Ivan wrote:
> Where is my order?

From other@example.com Mon Nov  2 11:00:00 2026
From: other@example.com
Subject: Another question
Date: Mon, 02 Nov 2026 11:00:00 +0300
Message-ID: <x9@example.com>

Hi
"""


def test_mbox_groups_threads(tmp_path: Path) -> None:
    path = tmp_path / "mail.mbox"
    path.write_text(MAILS)
    records = read(MboxImporter(), path)
    first, second = valid(records)
    assert [record.line for record in records] == [1, 24]
    assert first["id"] == "q1@example.com"
    assert roles(first) == ["customer", "agent"]
    assert first["messages"][1]["text"] == "Hello Ivan, it ships today."
    assert first["started_at"] == "2026-11-02T10:05:00+03:00"
    assert (first["agent_id"], first["agent_name"]) == ("agent@shop.example", "Anna")
    assert first["customer_name"] == "Ivan"
    assert second["id"] == "x9@example.com"


def test_mbox_broken_mail(tmp_path: Path) -> None:
    path = tmp_path / "broken.mbox"
    path.write_text("From nobody\nFrom: a@example.com\nSubject: no date\n\nhello\n")
    reject = only_reject(read(MboxImporter(), path))
    assert reject.field == "Date"


# Amazon Connect


def test_contact_lens_chat() -> None:
    path = sample("amazon_connect", "extracted", "contact_lens_chat_analysis_original.json")
    (record,) = valid(read(ContactLensImporter(), path))
    assert record["id"] == "b49644f6-672f-445c-b209-f76b36482830"
    assert record["source"] == "amazon_connect"
    assert record["channel"] == "chat"
    assert roles(record)[:4] == ["system", "system", "system", "agent"]
    assert len(record["messages"]) == 31
    assert record["queued_at"] == "2022-10-27T03:31:50.735000+00:00"
    assert record["ended_at"] == "2022-10-27T03:34:43.192000+00:00"
    assert (record["agent_name"], record["customer_name"]) == ("Jane", "John")
    assert record["language"] == "en"
    assert record["tags"] == ["agent-intro"]


def test_contact_lens_voice_with_file_name(tmp_path: Path) -> None:
    source = sample(
        "amazon_connect", "extracted", "contact_lens_voice_analysis_original.INVALID_JSON.txt"
    )
    path = tmp_path / "c-42_analysis_2020-11-10T00:15:50Z.json"
    shutil.copy(source, path)
    records = read(ContactLensImporter(), path)
    # AWS's example ends with a stray "}": one reject, the analysis itself imports.
    assert only_reject(records).line > 1
    (record,) = valid(records)
    assert record["id"] == "c-42"
    assert record["channel"] == "call"
    assert record["messages"][0] == {"role": "agent", "text": "Okay.", "start": 0.0, "end": 0.09}
    assert record["messages"][1]["role"] == "customer"
    assert record["started_at"] == "2020-11-10T00:15:17.890000+00:00"
    assert record["meta"]["started_at_estimated"] is True


def test_contact_lens_voice_with_contact_record(tmp_path: Path) -> None:
    source = sample(
        "amazon_connect", "extracted", "contact_lens_voice_analysis_original.INVALID_JSON.txt"
    )
    analysis, _ = json.JSONDecoder().raw_decode(source.read_text())
    ctr = {
        "ContactId": "c-7",
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": "2026-11-02T07:00:00Z",
        "Agent": {"Username": "anna", "ConnectedToAgentTimestamp": "2026-11-02T07:00:30Z"},
        "DisconnectTimestamp": "2026-11-02T07:01:10Z",
    }
    path = write(tmp_path, "contact.jsonl", [analysis, ctr])
    (record,) = valid(read(ContactLensImporter(), path))
    assert record["id"] == "c-7"
    assert record["started_at"] == "2026-11-02T07:00:30+00:00"
    assert record["queued_at"] == "2026-11-02T07:00:00+00:00"
    assert record["agent_id"] == "anna"
    assert record["ended_at"] == "2026-11-02T07:01:10+00:00"


def test_contact_lens_voice_without_contact_id(tmp_path: Path) -> None:
    source = sample(
        "amazon_connect", "extracted", "contact_lens_voice_analysis_original.INVALID_JSON.txt"
    )
    analysis, _ = json.JSONDecoder().raw_decode(source.read_text())
    reject = only_reject(read(ContactLensImporter(), write(tmp_path, "v.json", [analysis])))
    assert reject.field == "CustomerMetadata.ContactId"


def test_broken_json_is_a_reject_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = json.loads(sample("telegram", "update_message_text.json").read_text())
    path.write_text(json.dumps(good) + "\n{not json\n")
    records = read(TelegramImporter(), path)
    assert len(valid(records)) == 1
    assert only_reject(records).line == 2


@pytest.mark.parametrize("layout", ["lines", "array"])
def test_deep_nesting_and_huge_numbers_are_rejects_not_a_crash(tmp_path: Path, layout: str) -> None:
    good = json.dumps(json.loads(sample("telegram", "update_message_text.json").read_text()))
    deep = '{"update_id": 7, "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge = '{"update_id": ' + "9" * 5000 + "}"
    path = tmp_path / "hostile.json"
    if layout == "lines":
        path.write_text("\n".join([deep, huge, good]) + "\n")
    else:
        path.write_text("[\n" + ",\n".join([deep, huge, good]) + "\n]\n")
    records = read(TelegramImporter(), path)
    assert len(valid(records)) == 1
    rejects = [(r.line, r.field) for r in records if r.data is None]
    first = 1 if layout == "lines" else 2
    assert rejects == [(first, "extra"), (first + 1, "update_id")]


def test_chatwoot_event_that_is_not_text_is_a_reject_naming_it(tmp_path: Path) -> None:
    # Found by tests/ingest/test_fuzz_importers.py: a list as "event" stopped the import
    # with a TypeError (unhashable type) instead of rejecting the payload.
    payload = {"event": ["message_created"], "id": 1, "content": "hi", "message_type": "incoming"}
    records = read(ChatwootImporter(), write(tmp_path, "c.jsonl", [payload]))
    reject = only_reject(records)
    assert (reject.line, reject.field) == (1, "event")
    assert "event" in (reject.error or "")
