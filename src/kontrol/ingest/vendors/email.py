"""An mbox file of e-mails, one ``email`` interaction per thread.

Messages are split on mbox ``From `` lines and parsed with the standard
library's :mod:`email` package. Threads are grouped by ``Message-ID``,
``In-Reply-To`` and ``References``: messages linked by any of them are one
thread, whose ``id`` is the first message's Message-ID (without ``<>``; hashed
when longer than 200 characters) and ``source`` = ``mbox``. Mapping choices:

- the sender of the thread's first message is the customer; messages from the
  same address are ``customer``, other senders are ``agent``, and messages
  with an ``Auto-Submitted`` header other than ``no`` are ``bot``;
- the text is the ``text/plain`` part (else the HTML part as text); quoted
  lines (``>``) and the "On ... wrote:" line before them are removed;
- times come from ``Date`` (else the date of the mbox ``From `` line, read as
  UTC); ``queued_at`` = the first message, ``started_at`` = the first agent
  reply (else the first message), ``ended_at`` = the last message;
- the subject goes to ``meta.subject``. A thread without any readable date is
  rejected naming ``Date``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any

from kontrol.ingest.files import numbered_lines, open_binary
from kontrol.ingest.registry import Importer, SourceRecord, register_importer
from kontrol.ingest.vendors.conversions import compact, html_to_text
from kontrol.ingest.vendors.payloads import VendorReject, mapped

SOURCE = "mbox"
_IDS = re.compile(r"<[^<>\s]+>")
_WROTE = re.compile(r"^(On .*wrote:|Am .*schrieb .*:|.*пишет:)\s*$", re.IGNORECASE)


@dataclass
class _Mail:
    line: int
    raw: bytes
    envelope_date: str | None
    message: EmailMessage
    message_id: str


def _envelope_date(line: bytes) -> str | None:
    """The date of an mbox ``From sender date`` line, as UTC."""
    parts = line.decode("ascii", errors="replace").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        moment = datetime.strptime(" ".join(parts[2].split()[:5]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).isoformat()


def _split(path: Path) -> Iterator[tuple[int, bytes, list[bytes]]]:
    """Yield (line, From_ line, message lines) for each message of the mbox."""
    start = 0
    envelope = b""
    lines: list[bytes] = []
    previous_blank = True
    with open_binary(path) as handle:
        for number, line in numbered_lines(handle, path):
            if line.startswith(b"From ") and previous_blank:
                if start:
                    yield start, envelope, lines
                start, envelope, lines = number, line, []
            elif start:
                if re.match(rb">+From ", line):
                    line = line[1:]
                lines.append(line)
            elif line.strip():
                start, envelope, lines = number, b"", [line]
            previous_blank = not line.strip()
    if start:
        yield start, envelope, lines


def _address(header: object) -> tuple[str, str]:
    found = getaddresses([str(header or "")])
    if not found:
        return "", ""
    name, address = found[0]
    return name.strip(), address.strip().lower()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = str(content)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return _strip_quotes(text)


def _strip_quotes(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _WROTE.match(kept[-1].strip()):
        kept.pop()
    return "\n".join(kept).strip()


def _date(mail: _Mail) -> str | None:
    header = mail.message.get("Date")
    if header:
        try:
            moment = parsedate_to_datetime(str(header))
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.isoformat()
    return mail.envelope_date


def _thread_id(message_id: str) -> str:
    key = message_id.strip("<>")
    if len(key) > 200:
        return "sha1:" + hashlib.sha1(key.encode()).hexdigest()
    return key


def _build(mails: list[_Mail]) -> dict[str, Any]:
    dated = [(_date(mail), position, mail) for position, mail in enumerate(mails)]
    known = [item for item in dated if item[0] is not None]
    if not known:
        raise VendorReject("no message of the thread has a Date header or mbox date", "Date")
    fallback = datetime.fromisoformat(str(known[0][0]))
    ordered = sorted(
        dated,
        key=lambda item: (datetime.fromisoformat(item[0]) if item[0] else fallback, item[1]),
    )
    first = ordered[0][2]
    customer_name, customer = _address(first.message.get("From"))
    messages: list[dict[str, Any]] = []
    agent_id: str | None = None
    agent_name: str | None = None
    first_reply: str | None = None
    for when, _, mail in ordered:
        name, address = _address(mail.message.get("From"))
        auto = str(mail.message.get("Auto-Submitted") or "no").strip().lower()
        if auto != "no":
            role = "bot"
        elif address == customer:
            role = "customer"
        else:
            role = "agent"
        message: dict[str, Any] = {"role": role, "text": _body(mail.message)}
        if when is not None:
            message["at"] = when
        if role == "agent":
            if agent_id is None:
                agent_id, agent_name = address or None, name or None
                first_reply = when
            elif address and address != agent_id:
                message["author_id"] = address
        messages.append(message)
    times = sorted((item[0] for item in known if item[0]), key=datetime.fromisoformat)
    subject = first.message.get("Subject")
    return compact(
        {
            "id": _thread_id(first.message_id),
            "source": SOURCE,
            "channel": "email",
            "queued_at": times[0],
            "started_at": first_reply or times[0],
            "ended_at": times[-1],
            "agent_id": agent_id,
            "agent_name": agent_name,
            "customer_id": customer or None,
            "customer_name": customer_name or None,
            "messages": messages,
            "meta": compact(
                {"subject": str(subject) if subject else None, "message_count": len(mails)}
            ),
        }
    )


class _Threads:
    """Union-find over Message-IDs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, first: str, second: str) -> None:
        root_first, root_second = self.find(first), self.find(second)
        if root_first != root_second:
            self.parent[root_second] = root_first


@register_importer
class MboxImporter(Importer):
    """E-mails of an mbox file, one interaction per thread."""

    name = "mbox"
    label = "mbox mailbox of e-mails (one interaction per thread)"
    suffixes = (".mbox", ".mbox.gz", ".box", ".box.gz")

    def read(self, path: Path) -> Iterator[SourceRecord]:
        parser = BytesParser(policy=policy.default)
        mails: list[_Mail] = []
        threads = _Threads()
        for number, envelope, lines in _split(path):
            raw = b"\n".join(lines)
            try:
                message = parser.parsebytes(raw)
            except Exception as error:  # noqa: BLE001 - one broken mail must not stop the rest
                text = raw.decode("utf-8", "replace")
                yield SourceRecord(number, text, None, f"unreadable e-mail: {error}")
                continue
            assert isinstance(message, EmailMessage)
            found = _IDS.findall(str(message.get("Message-ID") or ""))
            message_id = found[0] if found else f"<line-{number}@{path.name}>"
            mail = _Mail(number, raw, _envelope_date(envelope), message, message_id)
            mails.append(mail)
            threads.find(message_id)
            related = _IDS.findall(str(message.get("References") or ""))
            related += _IDS.findall(str(message.get("In-Reply-To") or ""))
            for other in related:
                threads.union(other, message_id)
        groups: dict[str, list[_Mail]] = {}
        for mail in mails:
            groups.setdefault(threads.find(mail.message_id), []).append(mail)
        for group in groups.values():
            raw_text = "\n".join(mail.raw.decode("utf-8", "replace") for mail in group)
            yield mapped(group[0].line, raw_text, partial(_build, group), "e-mail")
