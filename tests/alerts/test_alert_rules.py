"""Alert rules raise one alert per rule, subject and window, within their scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import add_user, get_account, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.raising import (
    acknowledge_alert,
    check_scheduled,
    count_open,
    list_alerts,
)
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.cli.main import app
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import alerts
from tests.factories import import_records
from tests.surveys.builders import chat, moment


def _rule(engine: Engine, workspace: Workspace, kind: str, **fields: object) -> int:
    with engine.begin() as connection:
        return save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name=f"{kind} rule", kind=kind, **fields),  # type: ignore[arg-type]
        ).id


def _alerts(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [
            (row.subject, row.time_window)
            for row in connection.execute(select(alerts).order_by(alerts.c.id))
        ]


def test_low_csat_and_detractors_raise_one_alert_each(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _rule(engine, workspace, "csat_at_most", params={"threshold": 2})
    _rule(engine, workspace, "nps_detractor")
    records = [
        chat("good", survey={"csat": 5, "nps": 10}),
        chat("bad", survey={"csat": 2, "nps": 4, "comment": "долго"}),
        chat("old-bad", started=moment(60 * 24 * 30), survey={"csat": 1}),
    ]
    import_records(engine, workspace, tmp_path, records)
    raised = _alerts(engine)
    assert len(raised) == 2 and len({subject for subject, _ in raised}) == 1
    # The same answer again (a re-import, a second event) raises nothing new.
    import_records(
        engine,
        workspace,
        tmp_path,
        [*records, {"kind": "survey", "interaction_id": "bad", "csat": 1}],
    )
    assert len(_alerts(engine)) == 2


def test_a_later_answer_on_another_scale_does_not_raise_the_old_low_csat(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # A low CSAT answered two weeks ago, before any rule watched it...
    two_weeks_ago = moment(60 * 24 * 14)
    answered = {"csat": 1, "comment": "грубили", "at": two_weeks_ago.isoformat()}
    import_records(
        engine, workspace, tmp_path, [chat("late", started=two_weeks_ago, survey=answered)]
    )
    _rule(engine, workspace, "csat_at_most", params={"threshold": 2})
    # ...then today's CES for the same conversation: it is not a low CSAT answer.
    ces = {"kind": "survey", "interaction_id": "late", "ces": 6, "at": moment().isoformat()}
    import_records(engine, workspace, tmp_path, [ces])
    assert _alerts(engine) == []
    # A low CSAT that does come now raises its alert, with its own comment.
    again = {"kind": "survey", "interaction_id": "late", "csat": 2, "comment": "опять"}
    import_records(engine, workspace, tmp_path, [{**again, "at": moment().isoformat()}])
    with engine.connect() as connection:
        details = connection.execute(select(alerts.c.details)).scalar_one()
    assert (details["csat"], details["comment"]) == (2, "опять")


def test_complaints_and_sla_respect_scope_and_channel_targets(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _rule(engine, workspace, "complaint", scope_team="L2")
    _rule(engine, workspace, "sla_breached")
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            chat("c-l1", tags=["complaint"], team="L1"),
            chat("c-l2", tags=["complaint"], team="L2"),
            chat("chat-slow", reply_after=61),
            chat("chat-fast", reply_after=59),
            chat("mail-ok", channel="email", reply_after=3 * 3600),
            chat("call-slow", channel="call", queued_after=25),
            chat("call-fast", channel="call", queued_after=15),
        ],
    )
    with engine.connect() as connection:
        rows = connection.execute(select(alerts.c.details)).scalars().all()
    external = sorted(row["external_id"] for row in rows)
    assert external == ["c-l2", "call-slow", "chat-slow"]


def test_a_complaints_spike_is_three_sigma_above_four_weeks(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _rule(engine, workspace, "complaints_spike", params={"min_count": 4})
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    history = [
        chat(f"h{day}-{n}", started=now - timedelta(days=day), tags=["complaint"])
        for day in range(1, 29)
        for n in range(1 + day % 2)
    ]
    import_records(engine, workspace, tmp_path, history)
    assert check_scheduled(engine, now=now.replace(tzinfo=None)) == []
    import_records(
        engine,
        workspace,
        tmp_path,
        [chat(f"t{n}", started=now - timedelta(minutes=n), tags=["complaint"]) for n in range(3)],
    )
    assert check_scheduled(engine, now=now.replace(tzinfo=None)) == []  # 3 < min_count
    import_records(engine, workspace, tmp_path, [chat("t-last", started=now, tags=["complaint"])])
    raised = _alerts(engine)
    assert raised == [("scope:*:*", now.date().isoformat())]
    assert check_scheduled(engine, now=now.replace(tzinfo=None)) == []  # de-duplicated


def test_acknowledging_records_who_and_when_and_team_leads_see_their_team(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _rule(engine, workspace, "complaint")
    import_records(
        engine,
        workspace,
        tmp_path,
        [chat("x1", tags=["complaint"], team="L1"), chat("x2", tags=["complaint"], team="L2")],
    )
    with engine.begin() as connection:
        for name, role, team in [
            ("qa", WorkspaceRole.QA_LEAD, None),
            ("lead", WorkspaceRole.TEAM_LEAD, "L1"),
        ]:
            add_user(
                connection,
                username=name,
                password="long enough pw",
                workspace_name=workspace.name,
                role=role,
                team=team,
            )
    with engine.begin() as connection:
        viewers = {}
        for user_id in (1, 2):
            account = get_account(connection, user_id)
            viewers[account.username] = Viewer(account, memberships_of(connection, account)[0])
        assert count_open(connection, viewers["qa"]) == 2
        assert count_open(connection, viewers["lead"]) == 1
        first = list_alerts(connection, viewers["lead"])[0]
        acknowledge_alert(connection, viewers["lead"], first.id)
    with engine.connect() as connection:
        done = list_alerts(connection, viewers["qa"], state="acknowledged")
        assert [(a.id, a.acknowledged_by) for a in done] == [(first.id, "lead")]
        assert count_open(connection, viewers["qa"]) == 1


def test_rules_from_yaml_name_the_line_of_a_bad_rule(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """rules:
  - name: Низкая оценка
    kind: csat_at_most
    params: {threshold: 2}
    recipients:
      emails: [qa@example.com]
      telegram: ["-1001234"]
  - name: Broken
    kind: csat_at_most
    params: {threshold: 9}
  - name: Жалобы L1
    kind: complaint
    scope: {team: Линия 1, channel: chat}
    recipients: {webhooks: ["ftp://nope"]}
  - name: SLA
    kind: sla_breached
    params: {target_chat: 90}
""",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["alerts", "import", str(rules), "--db", database_url])
    assert result.exit_code == 1
    assert f"{rules}:8: params.threshold" in result.output
    assert f"{rules}:11: recipients.webhooks" in result.output
    assert "2 rules created, 0 updated, 2 refused" in result.output
    listed = runner.invoke(app, ["alerts", "list", "--db", database_url])
    assert "Низкая оценка" in listed.output and "target_chat=90" in listed.output
    exported = runner.invoke(app, ["alerts", "list", "--yaml", "--db", database_url])
    (tmp_path / "back.yaml").write_text(exported.output, encoding="utf-8")
    again = runner.invoke(
        app, ["alerts", "import", str(tmp_path / "back.yaml"), "--db", database_url]
    )
    assert again.exit_code == 0 and "0 rules created, 2 updated" in again.output
