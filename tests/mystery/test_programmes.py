"""Programmes: YAML in and out, errors that name the field, replacing a programme."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.mystery.assignments import generate_assignments
from kontrol.mystery.programmes import find_programme, load_programme_yaml
from kontrol.store.tables import mystery_shoppers
from tests.mystery.builders import PROGRAMME, add_programme


def test_a_programme_reads_scenarios_checklists_and_targets() -> None:
    spec = load_programme_yaml(PROGRAMME)
    assert [s.key for s in spec.scenarios] == ["delivery-price", "return-chat"]
    price = spec.scenario("delivery-price")
    assert [c.id for c in price.checklist.criteria] == ["greeting", "correct", "polite"]
    assert price.checklist.criteria[1].critical
    assert price.checklist.pass_mark == 80
    rival = spec.target("rival-calls")
    assert (rival.kind, rival.competitor, rival.visits_per_month) == ("competitor", "ТехноМир", 2)
    assert spec.target("our-chat").visits_per_month == 1
    # A target is shopped with the scenarios on its channel.
    assert [s.key for s in spec.scenarios_for(rival)] == ["delivery-price"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("channel: chat\n    visits", "channel: fax\n    visits"),
            "targets[1] (our-chat).channel",
        ),
        (("kind: competitor\n", "kind: rival\n"), "targets[2] (rival-calls).kind"),
        (
            ("    competitor: ТехноМир\n", ""),
            "targets[2] (rival-calls).competitor: expected text",
        ),
        (
            (
                "{id: speed, title: Ответ за 2 минуты, weight: 1}",
                "{id: speed, title: S, check: greeting}",
            ),
            "scenarios[1] (return-chat).checklist.sections[0].criteria[0] (speed).check",
        ),
        (("id: our-chat", "id: our-calls"), "targets[1].id: 'our-calls' is used twice"),
        (("visits_per_month: 2", "visits_per_month: -1"), "plan.visits_per_month"),
    ],
)
def test_errors_name_the_field(change: tuple[str, str], message: str) -> None:
    text = PROGRAMME.replace(*change, 1)
    assert text != PROGRAMME
    with pytest.raises(InvalidInput) as caught:
        load_programme_yaml(text)
    assert message in str(caught.value)


def test_a_target_without_a_scenario_on_its_channel_is_refused() -> None:
    text = PROGRAMME.replace("channel: chat\n    visits", "channel: email\n    visits")
    with pytest.raises(InvalidInput, match=r"targets\[1\] \(our-chat\).channel: no scenario"):
        load_programme_yaml(text)


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(InvalidInput, match="at line 3"):
        load_programme_yaml("name: x\ntitle: y\n  bad: : [\n")


def test_saving_again_replaces_the_text_and_export_gives_it_back(
    engine: Engine, workspace: Workspace
) -> None:
    first = add_programme(engine, workspace)
    changed = PROGRAMME.replace("title: Тайный покупатель — розница", "title: Розница 2027")
    second = add_programme(engine, workspace, changed)
    assert second == first
    with engine.connect() as connection:
        programme = find_programme(connection, workspace, "retail")
    assert programme.title == "Розница 2027"
    assert programme.yaml == changed


def test_a_target_with_visits_cannot_be_removed(
    engine: Engine, workspace: Workspace, shopper_ids: list[int]
) -> None:
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        connection.execute(
            mystery_shoppers.insert(), [{"programme_id": programme_id, "user_id": shopper_ids[0]}]
        )
        generate_assignments(connection, workspace, programme_id, "2026-11")
    without_rival = PROGRAMME[: PROGRAMME.index("  - id: rival-calls")]
    with pytest.raises(Conflict, match="rival-calls"):
        add_programme(engine, workspace, without_rival)
