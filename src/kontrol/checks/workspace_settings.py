"""A workspace's check settings as stored: phrase-list overrides and custom checks.

The settings pages and the API show them as the QA lead wrote them (the phrase
text, the YAML); :func:`kontrol.checks.scoring.check_settings` reads the same
rows parsed, for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from kontrol.store.tables import custom_checks, phrase_overrides


@dataclass(frozen=True, slots=True)
class StoredPhraseList:
    """A workspace's change to one built-in phrase list: ``mode`` extend or replace."""

    language: str
    list_name: str
    mode: str
    phrases: str


@dataclass(frozen=True, slots=True)
class StoredCustomCheck:
    """A custom check of a workspace, as its YAML definition."""

    check_id: str
    yaml: str
    enabled: bool


def phrase_list_overrides(
    connection: Connection, workspace_id: int
) -> dict[tuple[str, str], StoredPhraseList]:
    """The workspace's phrase-list overrides by ``(language, list name)``."""
    rows = connection.execute(
        select(phrase_overrides).where(phrase_overrides.c.workspace_id == workspace_id)
    )
    return {
        (row.language, row.list_name): StoredPhraseList(
            row.language, row.list_name, row.mode, row.phrases
        )
        for row in rows
    }


def stored_custom_checks(connection: Connection, workspace_id: int) -> list[StoredCustomCheck]:
    """Every custom check of the workspace (enabled or not), by check id."""
    rows = connection.execute(
        select(custom_checks)
        .where(custom_checks.c.workspace_id == workspace_id)
        .order_by(custom_checks.c.check_id)
    )
    return [StoredCustomCheck(row.check_id, row.yaml, row.enabled) for row in rows]
