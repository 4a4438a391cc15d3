"""Fixtures of the policy tests: the world of tests/accounts/world.py and logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.accounts.world import World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    """Five roles, two teams, four interactions (see tests/accounts/world.py)."""
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def app_client(database_url: str, world: World) -> Iterator[TestClient]:
    """A client of the app on the world's database (not logged in)."""
    with TestClient(create_app(database_url)) as client:
        yield client
