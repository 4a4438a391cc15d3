"""Reports reach people: real SMTP, a Telegram-shaped server; held when the data is wrong."""

from __future__ import annotations

import io
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.jobs.backends import drain
from kontrol.reports.jobs import retry_delivery, send_now
from kontrol.reports.runs import get_report_run
from kontrol.settings import Settings
from tests.alerts.test_alert_delivery import Inbox, Receiver
from tests.reports.builders import fill, make_report

MONDAY = datetime(2026, 11, 16, 8, 0)


def _attachments(raw: bytes) -> dict[str, tuple[str, bytes]]:
    message: Message = message_from_bytes(raw)
    found = {}
    for part in message.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[name.rsplit(".", 1)[-1]] = (name, payload)
    return found


def _send(engine: Engine, report_id: int, workspace: Workspace) -> int:
    from kontrol.reports.definitions import get_report

    with engine.begin() as connection:
        report = get_report(connection, workspace, report_id)
        run = send_now(engine, connection, report, now=MONDAY)
    drain(engine, Settings())
    return run.id


@pytest.mark.slow
def test_send_now_mails_the_files_and_posts_them_to_telegram(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    smtp: Inbox,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("KONTROL_TELEGRAM_API_URL", receiver.url)
    people = fill(engine, workspace, tmp_path)
    owner = people["qa@example.test"]
    report = make_report(
        engine,
        workspace,
        owner,
        emails=["boss@example.test"],
        telegram_chats=["-100777"],
        member_ids=[owner.id],
    )
    run_id = _send(engine, report.id, workspace)

    assert sorted(to[0] for to, _ in smtp.messages) == ["boss@example.test", "qa@example.test"]
    files = _attachments(smtp.messages[0][1])
    assert sorted(files) == ["csv", "pdf", "xlsx"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"][1])).pages)
    assert "Еженедельный отчёт о сервисе" in text
    assert "09.11.2026 – 15.11.2026" in text
    # 14 contacts in the week, half of the ratings satisfied.
    assert "14" in text and "50,0 %" in text
    csv_text = files["csv"][1].decode("utf-8-sig")
    assert ";50;" in csv_text or ";50\r\n" in csv_text
    paths = [path for path, _, _ in receiver.requests]
    assert paths.count("/bot123:abc/sendMessage") == 1
    assert paths.count("/bot123:abc/sendDocument") == 3
    documents = [body for path, _, body in receiver.requests if path.endswith("/sendDocument")]
    assert any(b"%PDF-" in body and b"-100777" in body for body in documents)
    with engine.connect() as connection:
        run = get_report_run(connection, workspace.id, run_id)
    steps = [line["step"] for line in run.log]
    assert run.status == "sent"
    assert steps[:4] == ["requested", "started", "generated", "checked"]
    assert steps.count("sent") == 3


def test_an_import_gap_holds_the_report_and_tells_the_owner(
    engine: Engine, workspace: Workspace, tmp_path: Path, smtp: Inbox
) -> None:
    people = fill(engine, workspace, tmp_path, skip=(2, 3, 4))
    report = make_report(
        engine, workspace, people["qa@example.test"], emails=["boss@example.test"], formats=["csv"]
    )
    run_id = _send(engine, report.id, workspace)

    with engine.connect() as connection:
        run = get_report_run(connection, workspace.id, run_id)
    assert run.status == "held"
    assert "2026-11-11" in run.detail and "2026-11-13" in run.detail
    # Nothing went to the recipients; the owner was told why.
    assert [to for to, _ in smtp.messages] == [["qa@example.test"]]
    body = message_from_bytes(smtp.messages[0][1]).get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "2026-11-11" in body.decode()


def test_a_refused_delivery_is_logged_with_its_reason_and_retried(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("KONTROL_TELEGRAM_API_URL", receiver.url)
    receiver.status = 400
    people = fill(engine, workspace, tmp_path)
    report = make_report(
        engine, workspace, people["qa@example.test"], telegram_chats=["-100777"], formats=["link"]
    )
    run_id = _send(engine, report.id, workspace)
    with engine.connect() as connection:
        failed = get_report_run(connection, workspace.id, run_id)
    assert failed.status == "failed"
    assert "HTTP 400" in failed.detail

    receiver.status = 200
    with engine.begin() as connection:
        from kontrol.reports.definitions import get_report

        retry_delivery(engine, connection, get_report(connection, workspace, report.id), failed)
    drain(engine, Settings())
    with engine.connect() as connection:
        sent = get_report_run(connection, workspace.id, run_id)
    steps = [line["step"] for line in sent.log]
    assert sent.status == "sent"
    assert "failed" in steps and "retried" in steps and steps[-1] == "sent"
    link_message = receiver.requests[-1][2].decode()
    assert "/dashboard?period=week" in link_message
