"""The plan: N visits per target per month, scenarios and shoppers taking turns."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.mystery.assignments import generate_assignments
from kontrol.mystery.programmes import set_programme_active
from kontrol.store.tables import mystery_assignments, mystery_shoppers
from tests.mystery.builders import add_programme


def _give_shoppers(engine: Engine, programme_id: int, user_ids: list[int]) -> None:
    with engine.begin() as connection:
        connection.execute(
            mystery_shoppers.insert(),
            [{"programme_id": programme_id, "user_id": u} for u in user_ids],
        )


def test_each_target_gets_its_visits_and_shoppers_take_turns(
    engine: Engine, workspace: Workspace, shopper_ids: list[int]
) -> None:
    programme_id = add_programme(engine, workspace)
    _give_shoppers(engine, programme_id, shopper_ids)
    with engine.begin() as connection:
        added = generate_assignments(connection, workspace, programme_id, "2026-11")
        rows = list(connection.execute(select(mystery_assignments)))
    # our-calls 2, our-chat 1, rival-calls 2 (the plan's default).
    assert added == 5
    assert Counter(r.target_key for r in rows) == {"our-calls": 2, "our-chat": 1, "rival-calls": 2}
    assert {r.scenario_key for r in rows if r.target_key == "our-chat"} == {"return-chat"}
    assert {r.scenario_key for r in rows if r.target_key == "rival-calls"} == {"delivery-price"}
    per_shopper = Counter(r.shopper_id for r in rows)
    assert set(per_shopper) == set(shopper_ids)
    assert sorted(per_shopper.values()) == [2, 3]
    assert {r.status for r in rows} == {"open"}


def test_generating_a_month_again_adds_nothing(
    engine: Engine, workspace: Workspace, shopper_ids: list[int]
) -> None:
    programme_id = add_programme(engine, workspace)
    _give_shoppers(engine, programme_id, shopper_ids)
    with engine.begin() as connection:
        generate_assignments(connection, workspace, programme_id, "2026-11")
        assert generate_assignments(connection, workspace, programme_id, "2026-11") == 0
        assert generate_assignments(connection, workspace, programme_id, "2026-12") == 5


def test_no_plan_without_shoppers_or_for_a_paused_programme(
    engine: Engine, workspace: Workspace, shopper_ids: list[int]
) -> None:
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        with pytest.raises(InvalidInput, match="no shoppers"):
            generate_assignments(connection, workspace, programme_id, "2026-11")
    _give_shoppers(engine, programme_id, shopper_ids)
    with engine.begin() as connection:
        with pytest.raises(InvalidInput, match="month: expected YYYY-MM"):
            generate_assignments(connection, workspace, programme_id, "2026-13")
        set_programme_active(connection, workspace, programme_id, active=False)
        with pytest.raises(Conflict, match="paused"):
            generate_assignments(connection, workspace, programme_id, "2026-11")
