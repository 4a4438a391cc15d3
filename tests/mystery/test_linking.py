"""A shop of our own is linked to its interaction when the interaction is imported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.mystery.submissions import link_submission
from kontrol.store.tables import mystery_submissions
from tests.factories import exchange, import_records, interaction_ids, interaction_record
from tests.mystery.builders import add_programme, add_shop

AT = datetime(2026, 11, 10, 12, 0)
GOOD = {"greeting": "pass", "correct": "pass", "polite": 5}


def _call(external_id: str, *, started: str, customer: str, team: str = "L1") -> dict[str, object]:
    return interaction_record(
        external_id,
        started=started,
        channel="call",
        customer=customer,
        agent_id="a1",
        team=team,
        messages=exchange("Сколько стоит доставка в Казань?", "390 рублей.", at=started),
    )


def _linked(engine: Engine) -> dict[int, int | None]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(mystery_submissions.c.id, mystery_submissions.c.interaction_id)
        )
        return {int(r.id): r.interaction_id for r in rows}


def test_an_own_shop_is_linked_when_its_interaction_arrives(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        common = {"connection": connection, "workspace": workspace, "programme_id": programme_id}
        own = add_shop(
            **common,
            target="our-calls",
            scenario="delivery-price",
            answers=GOOD,
            happened_at=AT,
            contact="+7 900 123-45-67",
        )
        rival = add_shop(
            **common,
            target="rival-calls",
            scenario="delivery-price",
            answers=GOOD,
            happened_at=AT,
            contact="+7 900 123-45-67",
        )
    assert _linked(engine) == {own: None, rival: None}
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            # Another customer at the same time, and the shopper a day later: not the shop.
            _call("other", started="2026-11-10T12:05:00+00:00", customer="79990000000"),
            _call("later", started="2026-11-11T12:05:00+00:00", customer="79001234567"),
            _call("shop", started="2026-11-10T12:10:00+00:00", customer="79001234567"),
        ],
    )
    with engine.connect() as connection:
        ids = interaction_ids(connection, workspace)
    # The shop is ours; a competitor's shop never becomes one of our interactions.
    assert _linked(engine) == {own: ids["shop"], rival: None}


def test_a_shop_reported_after_the_import_is_linked_at_once(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(
        engine,
        workspace,
        tmp_path,
        [_call("chat-by-mail", started="2026-11-10T11:40:00+00:00", customer="anna@example.com")],
    )
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        shop = add_shop(
            connection,
            workspace,
            programme_id,
            target="our-calls",
            scenario="delivery-price",
            answers=GOOD,
            happened_at=AT,
            contact="Anna@Example.com",
        )
        found = link_submission(connection, workspace.id, shop)
        ids = interaction_ids(connection, workspace)
    assert found == ids["chat-by-mail"]
    assert _linked(engine) == {shop: ids["chat-by-mail"]}


def test_an_interaction_of_another_team_or_outside_the_window_is_not_the_shop(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(
        engine,
        workspace,
        tmp_path,
        [
            _call("early", started="2026-11-10T11:00:00+00:00", customer="79001234567"),
            _call("l2", started="2026-11-10T12:00:00+00:00", customer="79001234567", team="L2"),
        ],
    )
    programme_id = add_programme(engine, workspace)
    with engine.begin() as connection:
        shop = add_shop(
            connection,
            workspace,
            programme_id,
            target="our-calls",
            scenario="delivery-price",
            answers=GOOD,
            happened_at=AT,
            contact="+7 (900) 123-45-67",
        )
        assert link_submission(connection, workspace.id, shop) is None
