"""Hygiene rules find violations on import and on the recurring run; scores follow."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.kinds import AlertRule
from kontrol.alerts.kpi import KpiBelowTarget
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.metrics import figures
from kontrol.metrics.kpis import compute
from kontrol.metrics.targets import save_target
from kontrol.store.tables import work_items, work_violations
from kontrol.worktools.evaluation import check_work_items
from kontrol.worktools.kinds import normalised_name, normalised_phone
from kontrol.worktools.rules import (
    WorkRuleInput,
    export_rules,
    import_rules_text,
    list_rules,
    save_rule,
)
from kontrol.worktools.scores import load, overall, scores, trend
from tests.factories import import_records
from tests.worktools.builders import work_item

# Imports check items at once, with the real clock: the tests' times are relative to it.
NOW = utcnow().replace(microsecond=0)


def ago(days: float) -> str:
    """An ISO time ``days`` before NOW, in UTC."""
    return (NOW - timedelta(days=days)).isoformat() + "+00:00"


def at(days: float) -> datetime:
    """The stored (naive UTC) form of ``ago(days)``."""
    return NOW - timedelta(days=days)


RULES = """rules:
  - name: Deal fields
    kind: required_fields
    types: [deal]
    fields: [customer_phone, amount]
    weight: 0.5
  - name: Stale
    kind: stale_status
    params: {days: 7}
  - name: Overdue
    kind: overdue
    types: [task]
  - name: No note
    kind: closed_without_resolution
    params: {min_chars: 5}
  - name: Duplicates
    kind: duplicate_customers
    fields: [phone, name]
"""


def _violations(engine: Engine) -> dict[tuple[str, str], datetime]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(work_items.c.external_id, work_violations.c.since, work_violations.c.rule_id)
            .join(work_items, work_items.c.id == work_violations.c.item_id)
            .where(work_violations.c.resolved_at.is_(None))
        ).all()
        names = {rule.id: rule.name for rule in list_rules(connection, 1)}
    return {(row.external_id, names[row.rule_id]): row.since for row in rows}


@pytest.fixture
def rules(engine: Engine, workspace: Workspace) -> None:
    report = import_rules_text(engine, workspace.id, RULES, label="rules.yaml")
    assert report.errors == [] and len(report.created) == 5


def test_each_rule_kind_finds_its_items_and_since_when(
    engine: Engine, workspace: Workspace, tmp_path: Path, rules: None
) -> None:
    records = [
        work_item(
            "d-ok",
            type="deal",
            customer_phone="+7 900 000-00-01",
            fields={"amount": 5},
            updated_at=ago(1),
        ),
        work_item("d-bare", type="deal", customer_id="c2", updated_at=ago(1)),
        work_item(
            "t-late",
            due_at=ago(2),
            updated_at=ago(1),
            customer_id="c3",
        ),
        work_item(
            "t-stale",
            created_at=ago(19),
            updated_at=ago(19),
            customer_id="c4",
        ),
        work_item(
            "t-closed",
            status="done",
            resolution="ok",
            customer_id="c5",
            closed_at=ago(10),
        ),
        # c6 is c1 again: the same phone written another way.
        work_item(
            "d-dup",
            type="deal",
            customer_id="c6",
            customer_phone="8 (900) 000-00-01",
            fields={"amount": 7},
            created_at=ago(15),
            updated_at=ago(1),
        ),
    ]
    import_records(engine, workspace, tmp_path, records)
    with engine.begin() as connection:
        check_work_items(connection, workspace.id, now=NOW)
    found = _violations(engine)
    assert set(found) == {
        ("d-bare", "Deal fields"),
        ("t-late", "Overdue"),
        ("t-stale", "Stale"),
        ("t-closed", "No note"),
        ("d-dup", "Duplicates"),
    }
    assert found[("t-late", "Overdue")] == at(2)
    assert found[("t-stale", "Stale")] == at(12)
    assert found[("t-closed", "No note")] == at(10)


def test_a_fixed_item_closes_its_violation_and_keeps_the_history(
    engine: Engine, workspace: Workspace, tmp_path: Path, rules: None
) -> None:
    late = work_item("t-late", due_at=ago(2), updated_at=ago(1))
    import_records(engine, workspace, tmp_path, [late])
    with engine.begin() as connection:
        check_work_items(connection, workspace.id, now=NOW)
    assert ("t-late", "Overdue") in _violations(engine)
    done = {**late, "status": "done", "resolution": "Delivered to the customer"}
    import_records(engine, workspace, tmp_path, [done])
    with engine.begin() as connection:
        report = check_work_items(connection, workspace.id, now=NOW + timedelta(hours=1))
        rows = connection.execute(select(work_violations.c.resolved_at)).all()
    assert report.open == 0
    # Closed by the check that ran on import, not deleted: past weeks keep their score.
    assert len(rows) == 1 and rows[0].resolved_at is not None
    assert NOW <= rows[0].resolved_at <= NOW + timedelta(hours=1)


def test_importing_items_checks_them_at_once_with_the_default_rules(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, [work_item("t-1", due_at=ago(5))])
    with engine.connect() as connection:
        names = [rule.name for rule in list_rules(connection, workspace.id)]
    assert "Просроченная задача" in names
    assert ("t-1", "Просроченная задача") in _violations(engine)


def test_scores_are_the_weighted_share_of_clean_items_per_owner(
    engine: Engine, workspace: Workspace, tmp_path: Path, rules: None
) -> None:
    records = [
        work_item("a-1", owner_id="a1", updated_at=ago(1)),
        work_item("a-2", owner_id="a1", updated_at=ago(1)),
        # Missing one deal field: weight 0.5, so the item scores 0.5.
        work_item(
            "b-1",
            owner_id="b1",
            team="L2",
            type="deal",
            fields={"amount": 1},
            updated_at=ago(1),
        ),
        work_item(
            "b-2",
            owner_id="b1",
            team="L2",
            due_at=ago(10),
            updated_at=ago(1),
        ),
    ]
    import_records(engine, workspace, tmp_path, records)
    with engine.begin() as connection:
        check_work_items(connection, workspace.id, now=NOW)
        data = load(connection, workspace.id, work_items.c.id.is_not(None))
        by_owner = {group.key: group for group in scores(data, by="owner", at=NOW)}
        rows = compute(connection, workspace=workspace, metrics=["work_hygiene"], by=["team"])
    assert by_owner["a1"].score == 100.0 and by_owner["a1"].clean == 2
    assert by_owner["b1"].score == 25.0 and by_owner["b1"].violations == 2
    assert overall(data, NOW).score == 62.5
    # The same figure as a metric, for targets, alerts and audits.
    teams = {row["team"]: row["work_hygiene"] for row in rows}
    assert teams["L1"] == 100.0
    assert teams["L2"] == 25.0


def test_a_bad_rule_in_a_file_is_reported_with_line_and_field(
    engine: Engine, workspace: Workspace
) -> None:
    text = RULES + "  - name: Broken\n    kind: stale_status\n    params: {days: 0}\n"
    report = import_rules_text(engine, workspace.id, text, label="rules.yaml")
    assert report.errors == ["rules.yaml:19: params.days: from 1 to 365, not 0"]
    assert len(report.created) == 5


def test_rules_export_and_import_again_unchanged(engine: Engine, workspace: Workspace) -> None:
    import_rules_text(engine, workspace.id, RULES, label="rules.yaml")
    with engine.connect() as connection:
        exported = export_rules(connection, workspace.id)
    report = import_rules_text(engine, workspace.id, exported, label="again.yaml")
    assert report.errors == [] and report.created == [] and len(report.updated) == 5
    with engine.connect() as connection:
        assert export_rules(connection, workspace.id) == exported


def test_a_duplicate_rule_needs_known_customer_keys(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection, pytest.raises(InvalidInput, match="unknown customer key"):
        save_rule(
            connection,
            workspace.id,
            WorkRuleInput(name="x", kind="duplicate_customers", fields=["passport"]),
        )


def test_customer_keys_are_normalised() -> None:
    assert normalised_phone("8 (900) 123-45-67") == normalised_phone("+7 900 1234567")
    assert normalised_name("Пётр  Иванов") == normalised_name("иванов петр")
    assert normalised_name("Пётр") is None


def test_the_weekly_trend_judges_each_week_at_its_end(
    engine: Engine, workspace: Workspace, tmp_path: Path, rules: None
) -> None:
    # Overdue since 3 days ago: clean at the end of the weeks before, broken this week.
    late = work_item("t-late", created_at=ago(40), updated_at=ago(2), due_at=ago(3))
    import_records(engine, workspace, tmp_path, [late])
    with engine.begin() as connection:
        check_work_items(connection, workspace.id, now=NOW)
        data = load(connection, workspace.id, work_items.c.id.is_not(None))
    points = trend(data, timezone="UTC", weeks=8, now=NOW)
    assert len(points) == 8 and points[-1]["score"] == 0.0
    assert points[-3]["score"] == 100.0 and points[-3]["items"] == 1
    # Before the item existed there is nothing to score.
    assert points[0] == {"week": points[0]["week"], "items": 0, "score": None}


def test_a_target_on_work_hygiene_raises_a_kpi_alert_when_missed(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    rules: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [
        work_item("l1-ok", team="L1", updated_at=ago(1)),
        work_item("l2-late", owner_id="b1", team="L2", updated_at=ago(1), due_at=ago(2)),
    ]
    import_records(engine, workspace, tmp_path, records)
    rule = AlertRule(1, workspace.id, "UTC", "Targets", "kpi_below_target", {"level": 1})
    with engine.begin() as connection:
        for team in ("L1", "L2"):
            save_target(
                connection,
                workspace,
                metric="work_hygiene",
                scope="team",
                scope_value=team,
                target=90,
                warning=80,
                direction=None,
                owner="QA",
                period="week",
            )
        # A handful of cases: the sample floor is lowered so the day is judged.
        monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
        findings = KpiBelowTarget().on_schedule(connection, rule, utcnow())
    assert [(f.team, f.details["metric"], f.details["value"]) for f in findings] == [
        ("L2", "work_hygiene", 0.0)
    ]
