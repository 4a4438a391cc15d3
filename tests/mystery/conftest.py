"""Fixtures of the mystery-shopping tests: shoppers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from tests.factories import add_person


@pytest.fixture
def shopper_ids(engine: Engine, workspace: Workspace) -> list[int]:
    """Two shoppers of the workspace, anna and boris; their user ids."""
    with engine.begin() as connection:
        return [
            add_person(connection, workspace, name, WorkspaceRole.SHOPPER).id
            for name in ("anna", "boris")
        ]
