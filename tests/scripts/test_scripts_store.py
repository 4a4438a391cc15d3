"""Stored scripts: versions, scoring with script_adherence, figures per step and version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import NotFound
from kontrol.scripts.library import (
    add_feedback,
    create_widget_token,
    example_text,
    get_script,
    install_examples,
    revoke_widget_token,
    save_script,
    script_versions,
    step_feedback,
    widget_workspace,
)
from kontrol.scripts.results import observations, script_results
from kontrol.store.tables import check_outcomes, script_widget_tokens
from tests.factories import import_records, interaction_record, message


def delivery(
    external_id: str, agent: str, *, confirm: bool, csat: int, day: int
) -> dict[str, object]:
    at = f"2026-11-{day:02d}T10:00:00+00:00"
    lines = [
        message("customer", "Добрый день, где мой заказ?", at),
        message("agent", "Здравствуйте! Подскажите, пожалуйста, номер заказа", at),
        message("customer", "48213", at),
        message(
            "agent",
            "Одну минуту, проверяю статус заказа. Заказ в пути, курьер привезёт его завтра",
            at,
        ),
    ]
    if confirm:
        lines.append(message("agent", "Курьер позвонит за час — номер телефона актуальный?", at))
    return interaction_record(
        external_id,
        started=at,
        messages=lines,
        agent_id=agent,
        agent_name=agent.upper(),
        team="L1",
        topic="delivery",
        language="ru",
        survey={"csat": csat},
    )


def test_each_save_is_a_new_version_and_the_old_ones_stay(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        first = save_script(connection, workspace.id, example_text("refund"), note="start")
        text = example_text("refund").replace("pass_share: 0.7", "pass_share: 0.8")
        second = save_script(connection, workspace.id, text, note="stricter")
        assert (first.version, second.version) == (1, 2)
        assert get_script(connection, workspace.id, "refund").version == 2
        assert get_script(connection, workspace.id, "refund", 1).script.pass_share == 0.7
        assert [v.note for v in script_versions(connection, workspace.id, "refund")] == [
            "stricter",
            "start",
        ]


def test_scoring_stores_adherence_and_the_figures_split_by_step(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        install_examples(connection, workspace.id)
    records = [
        delivery("d1", "a1", confirm=True, csat=5, day=2),
        delivery("d2", "a1", confirm=True, csat=4, day=3),
        delivery("d3", "a2", confirm=False, csat=2, day=4),
    ]
    import_records(engine, workspace, tmp_path, records)
    with engine.connect() as connection:
        verdicts = [row.verdicts for row in connection.execute(select(check_outcomes))]
        assert all("script_adherence" in v for v in verdicts)
        items = observations(connection, workspace.id, "delivery-question")
        stored = get_script(connection, workspace.id, "delivery-question")
        results = script_results(
            stored, script_versions(connection, workspace.id, stored.name), items
        )
    assert len(items) == 3
    confirm = next(s for s in results.steps if s.step_id == "confirm_contact")
    assert (confirm.covered.value, confirm.covered.n) == (pytest.approx(2 / 3), 3)
    assert (confirm.with_step["csat"].value, confirm.with_step["csat"].n) == (4.5, 2)
    assert (confirm.without_step["csat"].value, confirm.without_step["csat"].n) == (2.0, 1)
    assert confirm.effect("csat") == 2.5
    agents = {g.key: g for g in results.agents}
    assert agents["A1"].share.value is not None and agents["A2"].share.value is not None
    assert agents["A1"].share.value > agents["A2"].share.value
    assert [v.figures.n for v in results.versions] == [3]


def test_the_changelog_gives_each_version_its_own_conversations(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        install_examples(connection, workspace.id)
    import_records(
        engine, workspace, tmp_path, [delivery("d1", "a1", confirm=False, csat=3, day=2)]
    )
    with engine.begin() as connection:
        text = example_text("delivery-question").replace(
            "  - id: confirm_contact\n    kind: question\n",
            "  - id: confirm_contact\n    kind: question\n    optional: true\n",
        )
        save_script(connection, workspace.id, text, note="confirm is optional")
    import_records(
        engine, workspace, tmp_path, [delivery("d2", "a1", confirm=False, csat=5, day=3)]
    )
    with engine.connect() as connection:
        stored = get_script(connection, workspace.id, "delivery-question")
        versions = script_versions(connection, workspace.id, stored.name)
        results = script_results(
            stored, versions, observations(connection, workspace.id, stored.name)
        )
    first, second = results.versions
    assert (first.version, first.figures.n, second.version, second.figures.n) == (1, 1, 2, 1)
    assert second.note == "confirm is optional"
    assert second.change["share"] is not None and second.change["share"] > 0
    assert second.change["csat"] == 2.0


def test_feedback_is_kept_per_step(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        install_examples(connection, workspace.id)
        add_feedback(
            connection,
            workspace.id,
            "refund",
            "ask_payment",
            "Клиенты путаются",
            source="agent",
            author="Анна",
        )
        with pytest.raises(Exception, match="step"):
            add_feedback(
                connection, workspace.id, "refund", "nope", "x", source="agent", author="A"
            )
        found = step_feedback(connection, workspace.id, "refund")
    assert [(f.step_id, f.text, f.version) for f in found] == [
        ("ask_payment", "Клиенты путаются", 1)
    ]


def test_a_widget_token_is_stored_hashed_and_stops_when_revoked(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        token, secret = create_widget_token(connection, workspace.id, "Zendesk", author="qa")
        stored = connection.execute(select(script_widget_tokens.c.token_hash)).scalar_one()
        assert secret not in stored and len(stored) == 64
        assert widget_workspace(connection, secret) == workspace.id
        revoke_widget_token(connection, workspace.id, token.id)
        with pytest.raises(NotFound):
            widget_workspace(connection, secret)
