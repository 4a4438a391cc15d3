"""Alerts reach people: real SMTP, a real webhook receiver, a Telegram-shaped server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.notifiers import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.jobs.backends import drain
from kontrol.settings import Settings
from kontrol.store.tables import alert_deliveries, job_runs
from tests.factories import import_records
from tests.surveys.builders import chat


class Inbox:
    """aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("KONTROL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KONTROL_SMTP_PORT", str(port))
    monkeypatch.setenv("KONTROL_SMTP_SENDER", "kontrol@example.test")
    yield inbox
    controller.stop()


class Receiver:
    """A loopback HTTP server recording POSTs; answers ``status`` (Bot API shape under /bot)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append((self.path, dict(self.headers.items()), body))
                answer = json.dumps({"ok": outer.status == 200, "result": {}}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def _low_rating(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    low = chat("r-1", survey={"csat": 1, "comment": "ужасно"})
    import_records(engine, workspace, tmp_path, [low])


def test_a_low_rating_is_mailed_posted_signed_and_sent_to_telegram(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    smtp: Inbox,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("KONTROL_TELEGRAM_API_URL", receiver.url)
    with engine.begin() as connection:
        rule = save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(
                name="Низкий CSAT",
                kind="csat_at_most",
                webhooks=[f"{receiver.url}/hook"],
                emails=["qa@example.test"],
                telegram_chats=["-100777"],
            ),
        )
    _low_rating(engine, workspace, tmp_path)
    assert drain(engine, Settings()) == 3

    assert [to for to, _ in smtp.messages] == [["qa@example.test"]]
    mail = message_from_bytes(smtp.messages[0][1])
    assert "Низкий CSAT" in str(make_header(decode_header(mail["Subject"])))
    assert "CSAT 1/5" in mail.get_payload(decode=True).decode()

    hooks = [r for r in receiver.requests if r[0] == "/hook"]
    assert len(hooks) == 1
    _, headers, body = hooks[0]
    assert verify(
        rule.secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], now=time.time()
    )
    assert not verify(
        "another secret",
        headers[TIMESTAMP_HEADER],
        body,
        headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert not verify(
        rule.secret,
        headers[TIMESTAMP_HEADER],
        body,
        headers[SIGNATURE_HEADER],
        now=time.time() + 3600,
    )
    payload = json.loads(body)
    assert payload["kind"] == "csat_at_most" and payload["details"]["csat"] == 1

    bot = [r for r in receiver.requests if r[0] == "/bot123:abc/sendMessage"]
    assert len(bot) == 1
    sent = json.loads(bot[0][2])
    assert sent["chat_id"] == "-100777" and "CSAT 1/5" in sent["text"]

    with engine.connect() as connection:
        channels = sorted(connection.execute(select(alert_deliveries.c.channel)).scalars())
    assert channels == ["email", "telegram", "webhook"]


def test_a_refused_webhook_is_retried_then_dead(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    receiver.status = 500
    with engine.begin() as connection:
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name="hook", kind="csat_at_most", webhooks=[f"{receiver.url}/down"]),
        )
    _low_rating(engine, workspace, tmp_path)
    drain(engine, Settings())
    with engine.connect() as connection:
        run = connection.execute(select(job_runs).where(job_runs.c.name == "alerts.deliver")).one()
        assert connection.execute(select(alert_deliveries.c.id)).first() is None
    assert run.status == "dead"
    assert run.attempts == run.max_attempts == len(receiver.requests)
    assert "HTTP 500" in run.last_error
