"""The list's search finds an interaction by an id's first characters and by the
words of its customer's survey comment, through indexes, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.interactions import listing
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.listing import list_interactions
from kontrol.interactions.search import _prefix_conditions
from kontrol.store.tables import interactions
from tests.factories import exchange, import_records, interaction_record

UUID = "3f9a2c1e-77b0-4c1d-9e55-0a6b8d2f4c10"


def _record(
    external_id: str, customer: str, minute: int, comment: str | None = None
) -> dict[str, object]:
    at = f"2026-11-02T09:{minute:02d}:00Z"
    return interaction_record(
        external_id,
        started=at,
        customer=customer,
        messages=exchange("Здравствуйте, где заказ", "Сейчас проверю", at=at),
        survey=None if comment is None else {"csat": 2, "comment": comment},
    )


@pytest.fixture
def viewer(engine: Engine, workspace: Workspace, tmp_path: Path) -> Viewer:
    records = [
        _record(UUID, "CUST-77812", 1),
        _record("3f9b0000-0000-4000-8000-000000000000", "cust-1", 2),
        _record("ab_1x", "c-3", 3, comment="Курьер опоздал на два часа"),
        _record("abc1x", "c-4", 4, comment="Всё хорошо"),
    ]
    import_records(engine, workspace, tmp_path, records)
    return Viewer(
        Account(0, "t", "t", "ru"), Membership(workspace, WorkspaceRole.ADMIN, None, None)
    )


def _found(engine: Engine, viewer: Viewer, query: str) -> list[str]:
    with engine.connect() as connection:
        page = list_interactions(connection, viewer, InteractionFilter(q=query))
    return sorted(item.external_id for item in page.items)


def test_an_ids_first_characters_find_it(engine: Engine, viewer: Viewer) -> None:
    assert _found(engine, viewer, UUID[:8]) == [UUID]
    assert _found(engine, viewer, UUID[:8].upper()) == [UUID]
    assert _found(engine, viewer, "3f9") == sorted([UUID, "3f9b0000-0000-4000-8000-000000000000"])
    # A customer id's first characters, in any case.
    assert _found(engine, viewer, "cust-778") == [UUID]
    # LIKE's wildcards are only characters: "ab_" is not "ab" and any one character.
    assert _found(engine, viewer, "ab_") == ["ab_1x"]
    assert _found(engine, viewer, "ab%") == []
    # Two characters are too few to be an id's beginning.
    assert _found(engine, viewer, "3f") == []


def test_a_survey_comments_words_find_its_interaction(engine: Engine, viewer: Viewer) -> None:
    assert _found(engine, viewer, "опоздал") == ["ab_1x"]
    assert _found(engine, viewer, "курьер опозд") == ["ab_1x"]
    assert _found(engine, viewer, "курьер хорошо") == []


def test_a_comment_is_found_on_postgresqls_walk_of_the_list_too(
    engine: Engine, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every message has "заказ": the walk fills a page by messages; a comment word
    # still finds its interaction there (and on SQLite, which never walks).
    monkeypatch.setattr(listing, "SEARCH_WALK", 2)
    assert _found(engine, viewer, "опоздал") == ["ab_1x"]
    assert len(_found(engine, viewer, "заказ")) == 4


def test_the_prefix_search_reads_an_index(engine: Engine, viewer: Viewer) -> None:
    with engine.connect() as connection:
        condition = _prefix_conditions(connection, "3f9a2c1e")[0]
        query = select(interactions.c.id).where(
            interactions.c.workspace_id == viewer.workspace.id, condition
        )
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            assert "ix_interactions_ws_external_id (workspace_id=? AND external_id>? AND" in plan
        else:
            # Enough rows for the planner to choose by its statistics (rolled back).
            connection.execute(
                text(
                    "INSERT INTO interactions (workspace_id, source, external_id, channel,"
                    " direction, started_at, tags, is_complaint, meta, message_count,"
                    " content_hash, imported_at, updated_at)"
                    " SELECT :ws, 'bulk', md5(g::text), 'chat', 'inbound', now(), '[]',"
                    " false, '{}', 0, 'x', now(), now() FROM generate_series(1, 5000) AS g"
                ).bindparams(ws=viewer.workspace.id)
            )
            connection.execute(text("ANALYZE interactions"))
            plan = " ".join(str(row[0]) for row in connection.execute(text(f"EXPLAIN {compiled}")))
            connection.rollback()
            assert "ix_interactions_ws_external_id_prefix" in plan
            # LIKE 'prefix%' became an index range (text_pattern_ops), not a filter.
            assert "~>=~ '3f9a2c1e'" in plan
