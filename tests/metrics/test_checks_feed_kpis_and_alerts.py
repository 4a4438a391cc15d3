"""The checks' results reach the KPI facts and the alerts, inline and through the queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.jobs.backends import drain
from kontrol.settings import Settings
from kontrol.store.tables import alerts, evaluations, interaction_facts, interactions
from tests.factories import import_records
from tests.surveys.builders import chat

RUDE = "Это не мои проблемы, ждите."
COMPLAINT = "Хочу пожаловаться: заказ опять не пришёл!"


def _conversation(external_id: str, customer: str, agent: str) -> dict[str, object]:
    record = chat(external_id)
    record["messages"] = [
        {**record["messages"][0], "text": customer},  # type: ignore[index]
        {**record["messages"][1], "text": agent},  # type: ignore[index]
    ]
    return record


def _rule(engine: Engine, workspace: Workspace, kind: str) -> None:
    with engine.begin() as connection:
        save_alert_rule(connection, workspace, AlertRuleInput(name=f"{kind} rule", kind=kind))


def _alerted(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts.c.details, alerts.c.rule_id).order_by(alerts.c.id)
        ).all()
    return sorted(str(row.details["external_id"]) for row in rows)  # type: ignore[misc]


def test_a_failed_critical_check_raises_an_alert_naming_the_criterion(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _rule(engine, workspace, "critical_check_failed")
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            _conversation("rude", "Где мой заказ?", RUDE),
            _conversation(
                "polite", "Где мой заказ?", "Здравствуйте! Заказ приедет завтра до 12:00."
            ),
        ],
    )
    with engine.connect() as connection:
        details = connection.execute(select(alerts.c.details)).scalars().all()
    assert [d["external_id"] for d in details] == ["rude"]
    # The criterion by its title in the scorecard, not its id.
    assert "Без грубости" in details[0]["criteria"] and "no_rudeness" not in details[0]["criteria"]


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every import above two interactions sends heavy work to the (in-process) queue."""
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    monkeypatch.setenv("KONTROL_BACKGROUND_THRESHOLD", "2")
    yield


def test_scoring_a_large_import_in_the_background_updates_facts_and_alerts(
    engine: Engine, workspace: Workspace, tmp_path: Path, queued: None
) -> None:
    _rule(engine, workspace, "complaint")
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            _conversation("k1", COMPLAINT, "Здравствуйте! Разберёмся."),
            _conversation("k2", COMPLAINT, "Здравствуйте! Разберёмся."),
            _conversation("ok", "Где мой заказ?", "Здравствуйте! Завтра до 12:00."),
        ],
    )
    with engine.connect() as connection:
        assert connection.execute(select(evaluations.c.id)).first() is None, "not scored inline"
        assert not any(connection.execute(select(interaction_facts.c.complaint)).scalars())
    drain(engine, Settings())
    with engine.connect() as connection:
        scored = connection.execute(select(evaluations.c.interaction_id).distinct()).all()
        flagged = (
            connection.execute(
                select(interactions.c.external_id)
                .join(interaction_facts, interaction_facts.c.interaction_id == interactions.c.id)
                .where(interaction_facts.c.complaint.is_(True))
                .order_by(interactions.c.external_id)
            )
            .scalars()
            .all()
        )
    assert len(scored) == 3
    assert flagged == ["k1", "k2"], "the KPI facts count the complaints the checks found"
    assert _alerted(engine) == ["k1", "k2"]


def _target(engine: Engine, workspace: Workspace, **fields: object) -> None:
    from kontrol.metrics.targets import save_target

    values: dict[str, object] = {
        "scope": "company",
        "scope_value": None,
        "direction": "higher",
        "owner": "Ирина",
        "period": "day",
    }
    with engine.begin() as connection:
        save_target(connection, workspace, **(values | fields))  # type: ignore[arg-type]


def test_a_kpi_off_its_target_today_raises_one_alert_a_day(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kontrol.alerts.raising import check_scheduled
    from kontrol.metrics import figures

    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)  # a handful of answers is judged here

    with engine.begin() as connection:
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name="plan", kind="kpi_below_target", params={"level": 2}),
        )
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    # Today: CSAT answers 5, 2, 1 -> 33% satisfied; first replies after 30 s each.
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            chat("s1", started=noon, survey={"csat": 5}),
            chat("s2", started=noon, survey={"csat": 2}),
            chat("s3", started=noon, survey={"csat": 1}),
        ],
    )
    _target(engine, workspace, metric="csat", target=80, warning=60)  # 33 < 60: bad
    _target(engine, workspace, metric="survey_rate", target=50, warning=40)  # 100: fine
    _target(engine, workspace, metric="frt", target=20, warning=25, direction="lower")  # 30: bad
    _target(engine, workspace, metric="contacts", target=100, warning=90, period="month")

    check_scheduled(engine, now=(noon + timedelta(hours=1)).replace(tzinfo=None))
    check_scheduled(
        engine, now=(noon + timedelta(hours=2)).replace(tzinfo=None)
    )  # the next periodic check the same day adds nothing
    with engine.connect() as connection:
        details = connection.execute(select(alerts.c.details).order_by(alerts.c.id)).scalars()
        found = sorted((d["metric"], d["value"]) for d in details)
    # A monthly target of a total (contacts) says nothing about one day: not checked.
    assert found == [("csat", 33.3), ("frt", 30.0)]


def test_a_kpi_alert_waits_for_cases_and_the_sample_floor(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """«0 при цели 85» on a day with no data yet is no alert; nor is a share of 3 answers."""
    from kontrol.alerts.raising import check_scheduled
    from kontrol.metrics import figures

    with engine.begin() as connection:
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name="plan", kind="kpi_below_target", params={"level": 1}),
        )
    _target(engine, workspace, metric="csat", target=85, warning=80)
    _target(engine, workspace, metric="frt", target=20, warning=25, direction="lower")
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    # The day has no cases at all yet: nothing to judge.
    assert check_scheduled(engine, now=(noon - timedelta(hours=11)).replace(tzinfo=None)) == []
    # Three rated chats, all bad (CSAT 1, replies after 30 s): below the floor of figures.
    import_records(
        engine,
        workspace,
        tmp_path,
        [chat(f"f{i}", started=noon, survey={"csat": 1}) for i in range(3)],
    )
    later = (noon + timedelta(hours=1)).replace(tzinfo=None)
    assert figures.MIN_SAMPLE > 3
    assert check_scheduled(engine, now=later) == []
    # The same day judged with a floor of 3: now it is a day off its target.
    monkeypatch.setattr(figures, "MIN_SAMPLE", 3)
    assert len(check_scheduled(engine, now=later)) == 2


def test_a_value_on_no_cases_is_never_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    """A share that reads 0 on a period without cases (n = 0) is no «0 при цели 85»."""
    from kontrol.alerts.kpi import enough_cases
    from kontrol.metrics import figures
    from kontrol.metrics.registry import get_metric

    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
    csat, contacts = get_metric("csat"), get_metric("contacts")
    assert not enough_cases(csat, {"csat": 0.0, "csat_den": 0, "contacts": 12})
    assert not enough_cases(csat, {"csat": 0.0, "csat_den": 3, "contacts": 0})
    assert not enough_cases(contacts, {"contacts": 0})
    assert enough_cases(csat, {"csat": 0.0, "csat_den": 1, "contacts": 1})
    monkeypatch.setattr(figures, "MIN_SAMPLE", 30)
    assert not enough_cases(csat, {"csat": 40.0, "csat_den": 29, "contacts": 300})
    assert enough_cases(csat, {"csat": 40.0, "csat_den": 30, "contacts": 300})
    # A count is its own size: 5 contacts against a target of 100 a day is judged.
    assert enough_cases(contacts, {"contacts": 5})


def test_a_daily_count_target_is_judged_on_complete_days_only(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    """«12 обращений к 9 утра при цели 100 в день» is no news: a count target of a day is
    judged on yesterday; a ceiling passed already today is certain and told at once."""
    from kontrol.alerts.raising import check_scheduled

    with engine.begin() as connection:
        save_alert_rule(
            connection,
            workspace,
            AlertRuleInput(name="plan", kind="kpi_below_target", params={"level": 1}),
        )
    _target(engine, workspace, metric="contacts", target=100, warning=90)  # per day
    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    import_records(
        engine,
        workspace,
        tmp_path,
        [chat(f"t{i}", started=today - timedelta(hours=1)) for i in range(12)]
        + [chat(f"y{i}", started=yesterday) for i in range(95)],
    )
    # Today so far (12 of 100) is not judged; yesterday, complete, had 95: a warning.
    raised = check_scheduled(engine, now=today.replace(tzinfo=None))
    assert len(raised) == 1
    with engine.connect() as connection:
        details = connection.execute(select(alerts.c.details)).scalars().all()
    assert [(d["metric"], d["day"], d["value"]) for d in details] == [
        ("contacts", yesterday.date().isoformat(), 95.0)
    ]
    # Later the same day nothing new: yesterday is told once, today is not over.
    assert check_scheduled(engine, now=(today + timedelta(hours=5)).replace(tzinfo=None)) == []
    # A ceiling («не больше 10 в день») already passed by today's 12 is told today.
    _target(
        engine,
        workspace,
        metric="contacts",
        target=10,
        warning=11,
        direction="lower",
        scope="channel",
        scope_value="chat",
    )
    later = check_scheduled(engine, now=(today + timedelta(hours=6)).replace(tzinfo=None))
    assert len(later) == 2  # today's 12 (certain already) and yesterday's 95
    with engine.connect() as connection:
        told = sorted(
            (d["scope"], d["day"])
            for d in connection.execute(select(alerts.c.details)).scalars()
            if d["scope"] == "chat"
        )
    assert told == [("chat", yesterday.date().isoformat()), ("chat", today.date().isoformat())]
