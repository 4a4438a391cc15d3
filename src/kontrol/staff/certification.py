"""Certification: a set of tests to pass, valid for a period, reminders before expiry.

An agent is certified when they have passed every test of the certification
and every role play it requires (a finished practice chat of the scenario whose
score by the checks reaches the requirement's pass mark) since their previous
certificate (re-certification means passing them again). The certificate runs
``valid_days`` from the moment the last requirement was met.
``remind_days`` before it expires, the daily job sends one reminder through the
alert channel set on the certification (e-mail, Telegram or a webhook: the
notifiers of src/kontrol/alerts), and marks it sent, so it goes out once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import AGENT, Action, require
from kontrol.alerts.notifiers import Notification, get_notifier
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.feedback.coaching import coaching_agents
from kontrol.i18n import LOCALES, translate
from kontrol.jobs import JobContext, job
from kontrol.settings import Settings
from kontrol.staff.knowledge import (
    GRADED,
    Attempt,
    grade_attempt,
    list_tests,
    submit_attempt,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import FINISHED, RolePlay, answer_practice, list_scenarios
from kontrol.staff.rows import insert_row
from kontrol.store.tables import (
    staff_attempts,
    staff_certificates,
    staff_certification_roleplays,
    staff_certifications,
    staff_roleplays,
)


@dataclass(frozen=True, slots=True)
class Certification:
    """A certification: its tests, validity and where reminders go."""

    id: int
    name: str
    test_ids: tuple[int, ...]
    valid_days: int
    remind_days: int
    channel: str | None
    target: str | None
    # (scenario id, pass mark 0-100) of each role play the certification requires
    roleplays: tuple[tuple[int, float], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "test_ids": list(self.test_ids),
            "roleplays": [
                {"scenario_id": scenario_id, "pass_mark": mark}
                for scenario_id, mark in self.roleplays
            ],
            "valid_days": self.valid_days,
            "remind_days": self.remind_days,
            "channel": self.channel,
            "target": self.target,
        }


def _certification(row: Any, roleplays: tuple[tuple[int, float], ...]) -> Certification:
    return Certification(
        row.id,
        row.name,
        tuple(row.test_ids),
        row.valid_days,
        row.remind_days,
        row.channel,
        row.target,
        roleplays,
    )


def list_certifications(connection: Connection, workspace_id: int) -> list[Certification]:
    """The workspace's certifications by name, with the role plays each requires."""
    rows = connection.execute(
        select(staff_certifications)
        .where(staff_certifications.c.workspace_id == workspace_id)
        .order_by(staff_certifications.c.name)
    ).all()
    required: dict[int, list[tuple[int, float]]] = {}
    for link in connection.execute(
        select(staff_certification_roleplays)
        .where(staff_certification_roleplays.c.certification_id.in_([r.id for r in rows]))
        .order_by(staff_certification_roleplays.c.id)
    ):
        required.setdefault(link.certification_id, []).append(
            (int(link.scenario_id), float(link.pass_mark))
        )
    return [_certification(row, tuple(required.get(row.id, []))) for row in rows]


def _roleplay_requirements(
    connection: Connection, workspace_id: int, roleplays: Mapping[int, float] | None
) -> dict[int, float]:
    """Checked role-play requirements: known scenarios, pass marks 0-100."""
    wanted = dict(roleplays or {})
    known = {s.id for s in list_scenarios(connection, workspace_id)}
    if not set(wanted) <= known:
        raise StaffInputError("staff.error.certification_scenario")
    for mark in wanted.values():
        if not 0 < mark <= 100:
            raise StaffInputError("staff.error.roleplay_pass_mark")
    return wanted


def create_certification(
    connection: Connection,
    viewer: Viewer,
    *,
    name: str,
    test_ids: list[int],
    valid_days: int = 365,
    remind_days: int = 30,
    channel: str = "",
    target: str = "",
    roleplays: Mapping[int, float] | None = None,
) -> Certification:
    """Define a certification (admins, QA leads): tests and role plays with pass marks."""
    require(viewer, Action.MANAGE_TESTS)
    name = name.strip()
    if not name or len(name) > 200:
        raise StaffInputError("staff.error.certification_name")
    known = {t.id for t in list_tests(connection, viewer.workspace.id)}
    chosen = list(dict.fromkeys(test_ids))
    required = _roleplay_requirements(connection, viewer.workspace.id, roleplays)
    if not (chosen or required) or not set(chosen) <= known:
        raise StaffInputError("staff.error.certification_tests")
    if not 1 <= valid_days <= 3650 or not 0 <= remind_days < valid_days:
        raise StaffInputError("staff.error.validity")
    channel, target = channel.strip(), target.strip()
    if channel:
        try:
            target = get_notifier(channel).check_target(target)
        except (InvalidInput, NotFound, LookupError):
            raise StaffInputError("staff.error.reminder_target", channel=channel) from None
    taken = connection.execute(
        select(staff_certifications.c.id).where(
            staff_certifications.c.workspace_id == viewer.workspace.id,
            staff_certifications.c.name == name,
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.certification_taken", name=name)
    new_id = insert_row(
        connection,
        insert(staff_certifications).values(
            workspace_id=viewer.workspace.id,
            name=name,
            test_ids=chosen,
            valid_days=valid_days,
            remind_days=remind_days,
            channel=channel or None,
            target=target or None,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    for scenario_id, mark in required.items():
        connection.execute(
            insert(staff_certification_roleplays).values(
                certification_id=new_id, scenario_id=scenario_id, pass_mark=mark
            )
        )
    return next(c for c in list_certifications(connection, viewer.workspace.id) if c.id == new_id)


def _last_certificate(connection: Connection, certification_id: int, agent: str) -> datetime | None:
    return connection.execute(
        select(staff_certificates.c.granted_at)
        .where(
            staff_certificates.c.certification_id == certification_id,
            staff_certificates.c.agent_external_id == agent,
        )
        .order_by(staff_certificates.c.granted_at.desc())
        .limit(1)
    ).scalar()


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a certification and where an agent stands on it."""

    kind: str  # "test" or "roleplay"
    ref_id: int
    pass_mark: float | None
    # when the agent first met it since their last certificate (None: not yet)
    met_at: datetime | None
    # role plays: the agent's best score since the last certificate
    best: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.ref_id,
            "pass_mark": self.pass_mark,
            "met": self.met_at is not None,
            "met_at": self.met_at.isoformat() if self.met_at else None,
            "best": self.best,
        }


def requirements_of(
    connection: Connection, workspace_id: int, certification: Certification, agent: str
) -> list[Requirement]:
    """Each test and role play of ``certification``: met by ``agent`` since the last certificate?"""
    since = _last_certificate(connection, certification.id, agent)
    found = []
    for test_id in certification.test_ids:
        query = select(staff_attempts.c.submitted_at).where(
            staff_attempts.c.workspace_id == workspace_id,
            staff_attempts.c.test_id == test_id,
            staff_attempts.c.agent_external_id == agent,
            staff_attempts.c.status == GRADED,
            staff_attempts.c.passed.is_(True),
        )
        if since is not None:
            query = query.where(staff_attempts.c.submitted_at > since)
        first = connection.execute(query.order_by(staff_attempts.c.submitted_at)).scalar()
        found.append(Requirement("test", test_id, None, first))
    for scenario_id, mark in certification.roleplays:
        query = select(staff_roleplays.c.finished_at, staff_roleplays.c.score).where(
            staff_roleplays.c.workspace_id == workspace_id,
            staff_roleplays.c.scenario_id == scenario_id,
            staff_roleplays.c.agent_external_id == agent,
            staff_roleplays.c.status == FINISHED,
            staff_roleplays.c.score.is_not(None),
        )
        if since is not None:
            query = query.where(staff_roleplays.c.finished_at > since)
        chats = connection.execute(query.order_by(staff_roleplays.c.finished_at)).all()
        best = max((float(c.score) for c in chats), default=None)
        met = next((c.finished_at for c in chats if float(c.score) >= mark), None)
        found.append(Requirement("roleplay", scenario_id, mark, met, best))
    return found


def certify_if_complete(
    connection: Connection, workspace_id: int, agent: str, *, now: datetime | None = None
) -> list[int]:
    """Grant the certificates whose tests and role plays the agent has all passed since the last."""
    granted = []
    for certification in list_certifications(connection, workspace_id):
        needs = requirements_of(connection, workspace_id, certification, agent)
        passes = [need.met_at for need in needs if need.met_at is not None]
        if len(passes) == len(needs):
            moment = max(passes) if passes else now or utcnow()
            granted.append(
                insert_row(
                    connection,
                    insert(staff_certificates).values(
                        workspace_id=workspace_id,
                        certification_id=certification.id,
                        agent_external_id=agent,
                        granted_at=moment,
                        expires_at=moment + timedelta(days=certification.valid_days),
                    ),
                )
            )
    return granted


@dataclass(frozen=True, slots=True)
class Certificate:
    """An agent's current certificate of one certification."""

    certification: Certification
    agent: str
    granted_at: datetime
    expires_at: datetime
    reminded_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """valid, expiring (within the reminder period) or expired."""
        moment = now or utcnow()
        if self.expires_at <= moment:
            return "expired"
        if self.expires_at - timedelta(days=self.certification.remind_days) <= moment:
            return "expiring"
        return "valid"

    def as_json(self) -> dict[str, Any]:
        return {
            "certification_id": self.certification.id,
            "certification": self.certification.name,
            "agent": self.agent,
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "reminded_at": self.reminded_at.isoformat() if self.reminded_at else None,
            "state": self.state(),
        }


def certificates(connection: Connection, viewer: Viewer) -> list[Certificate]:
    """The newest certificate per agent and certification in ``viewer``'s scope."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    workspace_id = viewer.workspace.id
    if viewer.role is AGENT:
        visible = {viewer.membership.agent_external_id or ""}
    else:
        visible = {a.external_id for a in coaching_agents(connection, viewer)}
    kinds = {c.id: c for c in list_certifications(connection, workspace_id)}
    rows = connection.execute(
        select(staff_certificates)
        .where(
            staff_certificates.c.workspace_id == workspace_id,
            staff_certificates.c.agent_external_id.in_(sorted(visible)),
        )
        .order_by(staff_certificates.c.granted_at)
    )
    newest: dict[tuple[int, str], Certificate] = {}
    for row in rows:
        newest[(row.certification_id, row.agent_external_id)] = Certificate(
            kinds[row.certification_id],
            row.agent_external_id,
            row.granted_at,
            row.expires_at,
            row.reminded_at,
        )
    return sorted(newest.values(), key=lambda c: (c.expires_at, c.agent))


def send_reminders(engine: Engine, *, now: datetime | None = None) -> int:
    """Remind once per certificate that expires within its certification's reminder period.

    Each reminder is sent and marked in its own transaction, so a failing channel
    leaves the others sent and the failed one to the next run.
    """
    moment = now or utcnow()
    with engine.connect() as connection:
        due = connection.execute(
            select(
                staff_certificates.c.id,
                staff_certificates.c.workspace_id,
                staff_certificates.c.agent_external_id,
                staff_certificates.c.expires_at,
                staff_certifications.c.name,
                staff_certifications.c.remind_days,
                staff_certifications.c.channel,
                staff_certifications.c.target,
            )
            .join(
                staff_certifications,
                staff_certifications.c.id == staff_certificates.c.certification_id,
            )
            .where(
                staff_certificates.c.reminded_at.is_(None),
                staff_certificates.c.expires_at > moment,
                staff_certifications.c.channel.is_not(None),
            )
        ).all()
    sent = 0
    settings = Settings()
    for row in due:
        if row.expires_at - timedelta(days=row.remind_days) > moment:
            continue
        with engine.begin() as connection:
            claimed = connection.execute(
                update(staff_certificates)
                .where(
                    staff_certificates.c.id == row.id, staff_certificates.c.reminded_at.is_(None)
                )
                .values(reminded_at=moment)
            ).rowcount
            if not claimed:
                continue
            values = {
                "agent": row.agent_external_id,
                "certification": row.name,
                "date": row.expires_at.strftime("%Y-%m-%d"),
            }
            # Russian first, then English: the recipient's language is not known here.
            notification = Notification(
                title=" / ".join(
                    translate(lang, "staff.reminder.title").format(**values) for lang in LOCALES
                ),
                text="\n\n".join(
                    translate(lang, "staff.reminder.text").format(**values) for lang in LOCALES
                ),
                payload={
                    "kind": "certification_expiring",
                    "agent": row.agent_external_id,
                    "certification": row.name,
                    "expires_at": row.expires_at.isoformat(),
                },
                secret="",
                delivery_id=f"kontrol-certificate-{row.id}",
            )
            # Sent inside the transaction: when the channel fails, the mark is rolled back.
            get_notifier(str(row.channel)).send(notification, str(row.target), settings)
            sent += 1
    return sent


@job("staff.certification_reminders", every=timedelta(hours=24), max_attempts=3)
def certification_reminders_job(ctx: JobContext, *, due: str) -> None:
    """Daily: reminders of certificates about to expire (re-certification)."""
    send_reminders(ctx.engine)


def hand_in(
    connection: Connection,
    viewer: Viewer,
    attempt_id: int,
    raw: Mapping[str, Sequence[str] | str],
    *,
    now: datetime | None = None,
) -> Attempt:
    """Submit an attempt and grant any certification it completes."""
    attempt = submit_attempt(connection, viewer, attempt_id, raw, now=now)
    if attempt.passed:
        certify_if_complete(connection, viewer.workspace.id, attempt.agent, now=now)
    return attempt


def grade(
    connection: Connection, viewer: Viewer, attempt_id: int, points: Mapping[str, int | str]
) -> Attempt:
    """Grade an attempt's free-text answers and grant any certification it completes."""
    attempt = grade_attempt(connection, viewer, attempt_id, points)
    if attempt.passed:
        certify_if_complete(connection, viewer.workspace.id, attempt.agent)
    return attempt


def answer_roleplay(
    connection: Connection, viewer: Viewer, roleplay_id: int, text: str
) -> RolePlay:
    """The agent answers a practice chat; a finished chat may complete a certification."""
    chat = answer_practice(connection, viewer, roleplay_id, text)
    if chat.status == FINISHED and chat.agent:
        certify_if_complete(connection, viewer.workspace.id, chat.agent)
    return chat
