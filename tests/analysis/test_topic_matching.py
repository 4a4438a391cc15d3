"""An imported topic that names an existing reason, by its code or by its label in any
language (case, «ё» and spacing aside), counts as that reason, not as a new one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.assignment import assign_reasons
from kontrol.analysis.costs import CostSettings
from kontrol.analysis.reasons import reason_interactions, reason_rows
from kontrol.analysis.scope import make_scope
from kontrol.analysis.taxonomy import default_taxonomy, parse_taxonomy
from kontrol.store.tables import reason_assignments
from tests.analysis.builders import contact
from tests.factories import import_records, interaction_ids

TOPICS = {
    "t1": "delivery",
    "t2": "Доставка",
    "t3": "ДОСТАВКА ",
    "t4": "Delivery",
    "t5": "Возврат",
    "t6": "Подарочные карты",
}


def test_a_topic_is_matched_by_code_or_label_in_any_language() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.match("reason", "delivery") == "delivery"
    assert taxonomy.match("reason", "  доставка ") == "delivery"
    assert taxonomy.match("reason", "Account  and LOGIN") == "account"
    assert taxonomy.match("complaint", "опоздание доставки") == "late_delivery"
    assert taxonomy.match("reason", "Подарочные карты") is None
    # «ё» and «е» are one letter here, whichever the label or the file wrote.
    custom = parse_taxonomy(
        "reasons:\n  - code: account\n    ru: Учётная запись\n    en: Account\n"
    )
    assert custom.match("reason", "учетная запись") == "account"
    assert custom.match("reason", "УЧЁТНАЯ ЗАПИСЬ") == "account"


def test_imported_topics_count_as_the_reason_they_name(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    records = [
        contact(external_id, started=f"2026-11-0{n + 2}T10:00:00+00:00", text="?", topic=topic)
        for n, (external_id, topic) in enumerate(TOPICS.items())
    ]
    import_records(engine, workspace, tmp_path, records)
    with engine.begin() as connection:
        assign_reasons(connection, workspace.id)
        ids = interaction_ids(connection, workspace)
        assigned = dict(
            connection.execute(
                select(reason_assignments.c.interaction_id, reason_assignments.c.reason)
            ).all()
        )
        scope = make_scope(
            connection, workspace.id, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
        )
        rows = {r.code: r for r in reason_rows(connection, scope, costs=CostSettings())}
        delivery = reason_interactions(connection, scope, kind="reason", code="delivery")
    assert assigned[ids["t2"]] == "delivery" and assigned[ids["t5"]] == "refund"
    # One «Доставка», not one per spelling; a topic the taxonomy lacks stays its own reason.
    assert set(rows) == {"delivery", "refund", "Подарочные карты"}
    assert rows["delivery"].contacts == 4
    assert {row.interaction_id for row in delivery} == {ids[k] for k in ("t1", "t2", "t3", "t4")}
