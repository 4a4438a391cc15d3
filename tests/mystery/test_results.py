"""Results: by target, scenario, criterion, own against competitors, months and the plan."""

from __future__ import annotations

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.mystery.programmes import get_programme
from kontrol.mystery.results import programme_results
from kontrol.store.tables import mystery_assignments
from tests.mystery.builders import add_programme, add_shop

GOOD_CALL = {"greeting": "pass", "correct": "pass", "polite": 5}
WRONG_PRICE = {"greeting": "pass", "correct": "fail", "polite": 4}


def test_scores_are_counted_by_target_scenario_criterion_kind_and_month(
    engine: Engine, workspace: Workspace
) -> None:
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        shop = {"connection": connection, "workspace": workspace, "programme_id": programme_id}
        add_shop(**shop, target="our-calls", scenario="delivery-price", answers=GOOD_CALL)
        add_shop(
            **shop,
            target="our-calls",
            scenario="delivery-price",
            answers=WRONG_PRICE,
            visit_no=2,
        )
        add_shop(
            **shop,
            target="our-chat",
            scenario="return-chat",
            answers={"speed": "fail", "correct": "pass"},
            month="2026-10",
        )
        add_shop(
            **shop,
            target="rival-calls",
            scenario="delivery-price",
            answers={"greeting": "fail", "correct": "pass", "polite": 3},
        )
        # An open visit of November: planned, not done.
        connection.execute(
            mystery_assignments.insert().values(
                workspace_id=workspace.id,
                programme_id=programme_id,
                month="2026-11",
                target_key="rival-calls",
                scenario_key="delivery-price",
                visit_no=2,
                status="open",
                created_at=utcnow(),
            )
        )
        results = programme_results(connection, get_programme(connection, workspace, programme_id))

    # 100; critical failed -> 0; (0×1 + 1×2)/3 = 66.7; (0 + 3 + 0.5)/5 = 70.
    assert results.overall.shops == 4
    assert results.overall.score == round((100 + 0 + 66.7 + 70) / 4, 1)
    by_target = {f.key: (f.shops, f.score, f.kind) for f in results.by_target}
    assert by_target == {
        "our-calls": (2, 50.0, "own"),
        "our-chat": (1, 66.7, "own"),
        "rival-calls": (1, 70.0, "competitor"),
    }
    assert [f.key for f in results.by_target][-1] == "rival-calls"  # own targets first
    by_kind = {f.key: (f.shops, f.score) for f in results.by_kind}
    assert by_kind == {"own": (3, 55.6), "competitor": (1, 70.0)}
    assert [f.key for f in results.by_kind] == ["own", "competitor"]
    assert {f.key: f.score for f in results.by_scenario} == {
        "delivery-price": 56.7,
        "return-chat": 66.7,
    }
    criteria = {f.key: (f.shops, f.score) for f in results.by_criterion}
    # greeting: pass, pass, fail; "correct" of each scenario counts apart.
    assert criteria["delivery-price/greeting"] == (3, 66.7)
    assert criteria["delivery-price/correct"] == (3, 66.7)
    assert criteria["return-chat/correct"] == (1, 100.0)
    assert criteria["delivery-price/polite"] == (3, 75.0)  # (1 + 0.75 + 0.5) / 3
    assert results.by_criterion[0].key == "return-chat/speed"  # weakest first
    assert results.by_criterion[0].group == "Возврат в чате"
    assert results.trend == {"2026-10": {"own": 66.7}, "2026-11": {"competitor": 70.0, "own": 50.0}}
    plan = {p.month: (p.planned, p.done, p.share) for p in results.fulfilment}
    assert plan == {"2026-10": (1, 1, 100.0), "2026-11": (4, 3, 75.0)}
    with engine.connect() as connection:
        programme = get_programme(connection, workspace, programme_id)
        november = programme_results(
            connection, programme, month_from="2026-11", month_to="2026-11"
        )
    assert november.overall.shops == 3
