"""Generating and sending a built-in report's run (the job ``reports.deliver``).

Recipients: e-mail addresses and Telegram chats get the files through the
alert channels (``alerts/notifiers.py``); members see the run in Kontrol and,
when their login is an e-mail address, get it by e-mail too. A recipient
served is written to the log (``sent`` with the recipient), so a retry after
a failure sends only to the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, update

from kontrol.alerts.notifiers import Attachment, DeliveryFailed, Notification, get_notifier
from kontrol.domain.clock import utcnow
from kontrol.i18n import translate
from kontrol.i18n.plurals import plural_text
from kontrol.reports.content import ReportContent
from kontrol.reports.definitions import Report, get_report
from kontrol.reports.files import files_of, read_report_file, store_report_file
from kontrol.reports.formats import FILE_FORMATS, render_report
from kontrol.reports.quality import CheckResult, run_quality_checks
from kontrol.reports.runs import (
    FAILED,
    FINISHED,
    HELD,
    SENT,
    ReportRun,
    append_log,
    build_content,
    get_report_run,
    log_apart,
    workspace_of,
)
from kontrol.settings import Settings, current_settings
from kontrol.store.tables import report_files, report_runs, users

_ADDRESS = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")


@dataclass(frozen=True)
class Recipient:
    """Where one copy goes: a channel and its target."""

    channel: str
    target: str

    @property
    def label(self) -> str:
        """How the log names it."""
        return f"{self.channel}:{self.target}"


def member_addresses(connection: Connection, member_ids: list[int]) -> list[str]:
    """The logins of members that are e-mail addresses."""
    if not member_ids:
        return []
    rows = connection.execute(
        select(users.c.username).where(users.c.id.in_(member_ids), users.c.is_active.is_(True))
    )
    return sorted(row.username for row in rows if _ADDRESS.fullmatch(row.username))


def recipients_of(connection: Connection, report: Report) -> list[Recipient]:
    """Every recipient of the report, members' addresses included, once each."""
    found: list[Recipient] = []
    addresses = [*report.emails, *member_addresses(connection, report.member_ids)]
    for address in dict.fromkeys(addresses):
        found.append(Recipient("email", address))
    for chat in report.telegram_chats:
        found.append(Recipient("telegram", chat))
    return found


def check_message(result: CheckResult, locale: str) -> str:
    """A check's verdict in the report's language."""
    counted = plural_text(locale, result.key, result.values)
    if counted is not None:
        return counted
    return translate(locale, result.key).format(**result.values)


def generate_files(
    connection: Connection, report: Report, run: ReportRun, *, settings: Settings
) -> ReportContent:
    """Build the run's content and (re)write its files."""
    content = build_content(connection, report, run.dates)
    connection.execute(delete(report_files).where(report_files.c.run_id == run.id))
    stem = f"{report.name} {run.period_from:%Y-%m-%d}"
    footer = _link_line(report, content, settings)
    for file_format in report.formats:
        if file_format not in FILE_FORMATS:
            continue
        rendered = render_report(content, file_format, locale=report.language, footer=footer)
        store_report_file(
            connection,
            workspace_id=report.workspace_id,
            run_id=run.id,
            file_format=file_format,
            file_name=stem,
            data=rendered.data,
            now=utcnow(),
        )
    return content


def _link_line(report: Report, content: ReportContent, settings: Settings) -> str:
    url = settings.public_url.rstrip("/") + content.link
    return f"{translate(report.language, 'reports.mail.link')}: {url}"


def notification(
    connection: Connection,
    report: Report,
    run: ReportRun,
    content: ReportContent,
    settings: Settings,
) -> Notification:
    """The message of a run: the headline, the dashboard link, the files attached."""
    locale = report.language
    lines = [content.title, content.subtitle, ""]
    if "link" in report.formats or not any(f in FILE_FORMATS for f in report.formats):
        lines.append(_link_line(report, content, settings))
    lines.append(
        f"{translate(locale, 'reports.mail.log')}: "
        f"{settings.public_url.rstrip('/')}/reports/{report.id}"
    )
    attachments = tuple(
        Attachment(stored.file_name, stored.content_type, read_report_file(stored))
        for stored in files_of(connection, [run.id])[run.id]
    )
    return Notification(
        title=f"{report.name}: {content.subtitle}",
        text="\n".join(lines),
        payload={"report": report.name, "run": run.id},
        secret="",
        delivery_id=f"kontrol-report-{run.id}",
        attachments=attachments,
    )


def _sent_to(run: ReportRun) -> set[str]:
    return {str(line.get("detail")) for line in run.log if line.get("step") == "sent"}


def deliver_run(engine: Engine, run_id: int, workspace_id: int) -> str:
    """Generate, check and send one run; its final status. Raises ``DeliveryFailed`` to retry.

    Each step commits on its own, so the log keeps what happened when a later
    step fails and the job's transaction rolls back.
    """
    settings = current_settings()
    with engine.begin() as connection:
        run = get_report_run(connection, workspace_id, run_id)
        if run.status in FINISHED and run.status != FAILED:
            return run.status
        report = get_report(connection, workspace_of(connection, workspace_id), run.report_id)
        attempts = run.attempts + 1
        if attempts > 1:
            append_log(connection, run.id, "retried", str(attempts))
        append_log(connection, run.id, "started", attempts=attempts)
    try:
        with engine.begin() as connection:
            content = generate_files(connection, report, run, settings=settings)
            names = [stored.file_name for stored in files_of(connection, [run.id])[run.id]]
            append_log(connection, run.id, "generated", ", ".join(names) or "link")
    except Exception as error:
        log_apart(
            engine,
            run.id,
            "failed",
            f"generating: {error}"[:500],
            status=FAILED,
            detail=str(error)[:500],
        )
        raise
    with engine.begin() as connection:
        results = run_quality_checks(connection, report.workspace_id, run.dates, report.checks)
        failed = [r for r in results if not r.passed]
        if failed:
            reason = "; ".join(check_message(r, report.language) for r in failed)
            append_log(connection, run.id, "held", reason)
            _finish(connection, run.id, HELD, reason)
            alert_owner(connection, report, run, reason, settings)
            return HELD
        verdicts = "; ".join(check_message(r, report.language) for r in results)
        append_log(connection, run.id, "checked", verdicts or "-")
        message = notification(connection, report, run, content, settings)
        recipients = recipients_of(connection, report)
    done = _sent_to(run)
    for recipient in recipients:
        if recipient.label in done:
            continue
        try:
            get_notifier(recipient.channel).send(message, recipient.target, settings)
        except DeliveryFailed as error:
            log_apart(
                engine, run.id, "failed", str(error)[:500], status=FAILED, detail=str(error)[:500]
            )
            raise
        log_apart(engine, run.id, "sent", recipient.label)
    with engine.begin() as connection:
        if report.member_ids:
            append_log(connection, run.id, "published", str(len(report.member_ids)))
        _finish(connection, run.id, SENT, "")
    return SENT


def _finish(connection: Connection, run_id: int, status: str, detail: str) -> None:
    now = utcnow()
    connection.execute(
        update(report_runs)
        .where(report_runs.c.id == run_id)
        .values(status=status, detail=detail[:2000], finished_at=now, updated_at=now)
    )


def owner_address(connection: Connection, report: Report) -> str | None:
    """The owner's login when it is an e-mail address."""
    found = member_addresses(connection, [report.owner_id] if report.owner_id else [])
    return found[0] if found else None


def alert_owner(
    connection: Connection, report: Report, run: ReportRun, reason: str, settings: Settings
) -> None:
    """Tell the owner that a run was held (or a deadline passed): in Kontrol, and by e-mail."""
    address = owner_address(connection, report)
    locale = report.language
    if address is None or not settings.smtp_host:
        append_log(connection, run.id, "owner_alerted", "kontrol")
        return
    text = "\n".join(
        [
            reason,
            f"{translate(locale, 'reports.mail.log')}: "
            f"{settings.public_url.rstrip('/')}/reports/{report.id}",
        ]
    )
    message = Notification(
        title=f"{translate(locale, 'reports.mail.attention')}: {report.name}",
        text=text,
        payload={"report": report.name, "run": run.id},
        secret="",
    )
    try:
        get_notifier("email").send(message, address, settings)
    except DeliveryFailed as error:
        append_log(connection, run.id, "owner_alert_failed", str(error)[:300])
        return
    append_log(connection, run.id, "owner_alerted", f"email:{address}")
