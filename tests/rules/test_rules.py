"""The shared rule mechanism (kontrol/rules/): parameters, kinds, rules files, the loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy import Connection, Engine, text

from kontrol.alerts.kinds import ALERT_KINDS
from kontrol.domain.errors import InvalidInput
from kontrol.review.routing.kinds import ROUTING_KINDS
from kontrol.rules.evaluation import run_rules
from kontrol.rules.files import import_rule_file, rule_entries
from kontrol.rules.kinds import RuleKind, RuleKinds
from kontrol.rules.params import Param, read_params

THRESHOLD = Param("threshold", 2, 1, 4)


def test_a_parameter_is_checked_against_its_bounds_and_named_in_the_error() -> None:
    assert read_params([THRESHOLD], {"threshold": "3"}) == {"threshold": 3}
    assert read_params([THRESHOLD], None) == {"threshold": 2}
    with pytest.raises(InvalidInput, match=r"^params.threshold: from 1 to 4, not 9$"):
        read_params([THRESHOLD], {"threshold": 9})
    with pytest.raises(InvalidInput, match=r"^params.threshold: a whole number$"):
        read_params([THRESHOLD], {"threshold": 2.5})
    with pytest.raises(InvalidInput, match=r"unknown parameter \(known: threshold\)"):
        read_params([THRESHOLD], {"limit": 1})


def test_both_features_keep_their_kinds_in_the_one_mechanism() -> None:
    assert {"csat_at_most", "complaint"} <= set(ALERT_KINDS.all())
    assert {"csat_low", "random_sample"} <= set(ROUTING_KINDS.all())
    assert list(ROUTING_KINDS.all()) == sorted(ROUTING_KINDS.all())
    assert all(issubclass(kind, RuleKind) for kind in [*ALERT_KINDS.all().values()])
    with pytest.raises(InvalidInput, match=r"^kind: unknown alert rule kind 'nope'; known: "):
        ALERT_KINDS.get("nope")
    assert ROUTING_KINDS.reacts("csat_low", "surveys")
    assert not ROUTING_KINDS.reacts("csat_low", "schedule")
    assert not ROUTING_KINDS.reacts("nope", "surveys")


class _Sample(RuleKind):
    name: ClassVar[str] = "sample"
    params: ClassVar[tuple[Param, ...]] = (THRESHOLD,)


def test_a_kind_reads_defaults_stored_values_and_form_fields() -> None:
    kinds: RuleKinds[RuleKind] = RuleKinds("sample rule kind", group="kontrol.tests_none")
    kinds.register(_Sample)
    with pytest.raises(InvalidInput, match="two plugins for the sample rule kind 'sample'"):
        kinds.register(type("Other", (_Sample,), {}))
    kind = kinds.get("sample")
    assert kind.default_params() == {"threshold": 2}
    # A parameter added to the kind after the rule was stored gets its default.
    assert kind.stored_params({}) == {"threshold": 2}
    assert kind.form_params({"param_threshold": "3", "other": "x"}) == {"threshold": "3"}


RULES = """\
rules:
  - name: first
    kind: good
  - name: second
    kind: bad
"""


def test_a_rules_file_reports_each_bad_rule_with_its_line(engine: Engine) -> None:
    assert [line for line, _ in rule_entries(RULES, label="r.yaml")] == [2, 4]
    assert [line for line, _ in rule_entries("- {name: a}\n- {name: b}\n", label="r")] == [1, 2]

    def save(connection: Connection, item: dict[str, str]) -> tuple[str, bool]:
        if item["kind"] == "bad":
            raise InvalidInput("kind: not this one")
        return item["name"], True

    report = import_rule_file(engine, RULES, label="r.yaml", save_entry=save)
    assert (report.created, report.updated) == (["first"], [])
    assert report.errors == ["r.yaml:4: kind: not this one"]
    with pytest.raises(InvalidInput, match=r"^r.yaml:3: not valid YAML$"):
        rule_entries("rules:\n  - [\n", label="r.yaml")
    with pytest.raises(InvalidInput, match=r"^r.yaml:1: expected a list of rules under 'rules:'$"):
        rule_entries("name: x\n", label="r.yaml")


@dataclass(frozen=True)
class _Rule:
    id: int
    kind: str


def test_the_loop_runs_each_rule_in_its_own_transaction(engine: Engine) -> None:
    # A table of the test's own, dropped again: PostgreSQL's test database is shared
    # by the tests of one worker, and the schema test counts its tables.
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE rule_runs (rule_id INTEGER)"))
    try:
        _run_rules_into_the_table(engine)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE rule_runs"))


def _run_rules_into_the_table(engine: Engine) -> None:
    def act(connection: Connection, rule: _Rule) -> Sequence[int]:
        connection.execute(text("INSERT INTO rule_runs VALUES (:id)"), {"id": rule.id})
        if rule.kind == "broken":
            raise RuntimeError("broken rule")
        return [rule.id * 10]

    rules = [_Rule(1, "fine"), _Rule(2, "broken"), _Rule(3, "fine")]
    assert run_rules(engine, rules, act, what="test rule", contain_errors=True) == [10, 30]
    with engine.connect() as connection:
        ran = connection.execute(text("SELECT rule_id FROM rule_runs ORDER BY rule_id"))
        # The broken rule's transaction was rolled back; the others were committed.
        assert list(ran.scalars()) == [1, 3]
    with pytest.raises(RuntimeError, match="broken rule"):
        run_rules(engine, rules, act, what="test rule", contain_errors=False)
