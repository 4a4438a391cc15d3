"""Routing rules as YAML: round trip, validation naming the rule and the field, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace, ensure_workspace
from kontrol.cli.main import app
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.review.routing.rules import (
    DEFAULT_RULES,
    RoutingRuleInput,
    create_default_rules,
    get_routing_rule,
    import_routing_rules,
    list_routing_rules,
    routing_rules_as_yaml,
    save_routing_rule,
    set_rule_active,
)

RULES = """\
rules:
  - name: Low CSAT on calls
    kind: csat_low
    queue: Low ratings
    priority: high
    due_hours: 4
    params: {max: 2}
    filters: {channel: [call], team: Line 1}
  - name: Sample
    kind: random_sample
    queue: Sample
    priority: 25
    due_hours: 168
    params: {per_week: 3}
    assign_qa_leads: true
    active: false
"""


def test_yaml_round_trip(engine: Engine, workspace: Workspace) -> None:
    report = import_routing_rules(engine, workspace.id, RULES, label="rules.yaml")
    assert (report.created, report.errors) == (["Low CSAT on calls", "Sample"], [])
    with engine.connect() as connection:
        exported = routing_rules_as_yaml(connection, workspace.id)
        rules = {
            stored.rule.name: stored for stored in list_routing_rules(connection, workspace.id)
        }
    low = rules["Low CSAT on calls"].rule
    assert (low.priority, low.due_hours, low.params["max"]) == (30, 4, 2)
    assert low.filters == {"channel": ("call",), "team": ("Line 1",)}
    assert rules["Sample"].rule.assign_qa_leads and not rules["Sample"].rule.is_active
    other = ensure_workspace(engine, "other")
    again = import_routing_rules(engine, other.id, exported, label="exported.yaml")
    assert again.errors == []
    with engine.connect() as connection:
        assert routing_rules_as_yaml(connection, other.id) == exported
    data = yaml.safe_load(exported)["rules"]
    assert {item["name"]: item["queue"] for item in data} == {
        "Low CSAT on calls": "Low ratings",
        "Sample": "Sample",
    }
    # Importing the file again updates by name, it does not duplicate.
    report = import_routing_rules(engine, workspace.id, exported, label="exported.yaml")
    assert (report.created, report.updated) == ([], ["Low CSAT on calls", "Sample"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: A, kind: csat_high, queue: Q}", "rules.yaml:3: rule 'A': kind: unknown"),
        ("{name: B, kind: csat_low, queue: Q, params: {max: 9}}", "rule 'B': params.max: from 1"),
        ("{name: C, kind: csat_low, queue: Q, params: {min: 1}}", "rule 'C': params.min: unknown"),
        ("{name: D, kind: nps_low, queue: Q, priority: top}", "rule 'D': priority: one of"),
        ("{name: E, kind: nps_low, queue: Q, due_hours: 0}", "rule 'E': due_hours: from 1"),
        (
            "{name: F, kind: nps_low, queue: Q, filters: {channel: fax}}",
            "rule 'F': filters.channel: unknown channel 'fax'",
        ),
        ("{name: G, kind: nps_low, queue: Q, filters: {agent: a1}}", "rule 'G': filters.agent"),
        ("{name: H, kind: nps_low, queue: Q, colour: red}", "rule 'H': colour: unknown field"),
        ("{name: I, kind: nps_low}", "rule 'I': queue: required"),
        ("{name: J, kind: nps_low, queue: Q, active: maybe}", "rule 'J': active: true or false"),
    ],
)
def test_a_bad_rule_is_refused_naming_rule_and_field_and_the_others_are_saved(
    engine: Engine, workspace: Workspace, entry: str, message: str
) -> None:
    text = f"rules:\n  - {{name: Good, kind: csat_low, queue: Q}}\n  - {entry}\n"
    report = import_routing_rules(engine, workspace.id, text, label="rules.yaml")
    assert report.created == ["Good"]
    assert len(report.errors) == 1
    assert message in report.errors[0]
    assert report.errors[0].startswith("rules.yaml:3: ")


def test_a_file_that_is_not_yaml_says_where(engine: Engine, workspace: Workspace) -> None:
    with pytest.raises(InvalidInput, match=r"rules.yaml:2: not valid YAML"):
        import_routing_rules(engine, workspace.id, "rules:\n\t- {name: A}\n", label="rules.yaml")
    with pytest.raises(InvalidInput, match="expected a list of rules"):
        import_routing_rules(engine, workspace.id, "just: text\n", label="rules.yaml")


def test_edits_carry_the_version_seen(engine: Engine, workspace: Workspace) -> None:
    data = RoutingRuleInput("Low", "csat_low", "Q")
    with engine.begin() as connection:
        stored = save_routing_rule(connection, workspace.id, data)
        save_routing_rule(
            connection,
            workspace.id,
            RoutingRuleInput("Low", "csat_low", "Q", params={"max": 1}),
            rule_id=stored.rule.id,
            version=stored.version,
        )
    with engine.begin() as connection, pytest.raises(Conflict, match="reload"):
        save_routing_rule(
            connection, workspace.id, data, rule_id=stored.rule.id, version=stored.version
        )
    with engine.begin() as connection, pytest.raises(Conflict, match="reload"):
        set_rule_active(
            connection,
            workspace.id,
            stored.rule.id,
            active=False,
            version=stored.version,
            actor_id=None,
        )
    with engine.begin() as connection:
        current = get_routing_rule(connection, workspace.id, stored.rule.id)
        assert current.rule.params["max"] == 1 and current.version == 2
        with pytest.raises(Conflict, match="exists already"):
            save_routing_rule(connection, workspace.id, RoutingRuleInput("Low", "nps_low", "Q"))


def test_default_rules_are_the_three_queues(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        created = create_default_rules(connection, workspace.id)
        assert create_default_rules(connection, workspace.id) == []
    by_queue: dict[str, set[str]] = {}
    for stored in created:
        by_queue.setdefault(stored.queue_name, set()).add(stored.rule.kind)
    assert by_queue == {
        "Low ratings": {"csat_low", "nps_low"},
        "Critical": {"critical_failed", "complaint"},
        "Sample": {"random_sample"},
    }
    low = next(s.rule for s in created if s.rule.kind == "csat_low")
    sample = next(s.rule for s in created if s.rule.kind == "random_sample")
    assert (low.params["max"], low.due_hours, low.priority) == (2, 4, 30)
    assert (sample.params["per_week"], sample.due_hours) == (5, 168)
    assert len(created) == len(DEFAULT_RULES)


def test_the_command_line(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    source = tmp_path / "rules.yaml"
    source.write_text(RULES + "  - {name: Bad, kind: nope, queue: Q}\n", encoding="utf-8")
    result = runner.invoke(app, ["review-rules", "import", str(source), "--db", database_url])
    assert result.exit_code == 1
    assert "2 rules created, 0 updated, 1 refused" in result.output
    assert "rule 'Bad': kind: unknown routing rule kind 'nope'" in result.output
    target = tmp_path / "out.yaml"
    result = runner.invoke(app, ["review-rules", "export", str(target), "--db", database_url])
    assert result.exit_code == 0, result.output
    assert [item["name"] for item in yaml.safe_load(target.read_text("utf-8"))["rules"]] == [
        "Low CSAT on calls",
        "Sample",
    ]
    result = runner.invoke(app, ["review-route", "--db", database_url, "--recent-days", "7"])
    assert result.exit_code == 0, result.output
    assert "0 items queued" in result.output
    result = runner.invoke(app, ["workspace", "create", "acme", "--db", database_url])
    assert result.exit_code == 0, result.output
    acme = ensure_workspace(engine, "acme")
    with engine.connect() as connection:
        assert len(list_routing_rules(connection, acme.id)) == len(DEFAULT_RULES)
