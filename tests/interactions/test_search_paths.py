"""Every way the text search can take (walking the list, matches by id, matches row by
row) gives the same pages, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.interactions import listing, search
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.listing import list_interactions
from tests.factories import exchange, import_records, interaction_record

START = datetime(2026, 11, 2, 9, 0)


def _records() -> list[dict[str, object]]:
    records = []
    for number in range(40):
        at = (START + timedelta(minutes=17 * number)).isoformat() + "Z"
        words = "где заказ" if number % 3 else "нужен возврат"
        if number in (4, 31):
            words += " редкостный"
        records.append(
            interaction_record(
                f"s{number}",
                started=at,
                messages=exchange(f"Здравствуйте, {words}", "Сейчас проверю", at=at),
                agent_id=f"a{number % 2}",
            )
        )
    return records


def _pages(engine: Engine, viewer: Viewer, filters: InteractionFilter) -> list[list[str]]:
    """External ids of every page of 4, following the cursors."""
    pages: list[list[str]] = []
    cursor = None
    with engine.connect() as connection:
        while True:
            page = list_interactions(connection, viewer, filters, cursor=cursor, limit=4)
            pages.append([item.external_id for item in page.items])
            cursor = page.next_cursor
            if cursor is None:
                return pages


@pytest.mark.parametrize(
    ("walk", "by_id"),
    [(1500, 5000), (6, 5000), (6, 2), (0, 2)],
    ids=["walk", "short walk then ids", "short walk then row by row", "row by row"],
)
def test_every_search_path_gives_the_same_pages(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    walk: int,
    by_id: int,
) -> None:
    import_records(engine, workspace, tmp_path, _records())
    viewer = Viewer(
        Account(0, "t", "t", "en"), Membership(workspace, WorkspaceRole.ADMIN, None, None)
    )
    newest_first = [f"s{number}" for number in reversed(range(40))]
    expected = {
        "заказ": [name for name in newest_first if int(name[1:]) % 3],
        "возврат": [name for name in newest_first if int(name[1:]) % 3 == 0],
        "редкост": ["s31", "s4"],
        "заказ редкостный": ["s31", "s4"],
        "s7": ["s7"],
    }
    monkeypatch.setattr(listing, "SEARCH_WALK", walk)
    monkeypatch.setattr(search, "SEARCH_BY_ID_LIMIT", by_id)
    monkeypatch.setattr(search, "SEARCH_MESSAGE_LIMIT", 2 * by_id)
    for query, names in expected.items():
        pages = _pages(engine, viewer, InteractionFilter(q=query))
        assert [name for page in pages for name in page] == names, query
        assert all(len(page) == 4 for page in pages[:-1]), query
        one_agent = _pages(engine, viewer, InteractionFilter(q=query, agent="a1"))
        assert [name for page in one_agent for name in page] == [
            name for name in names if int(name[1:]) % 2
        ], query
