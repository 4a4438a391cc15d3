"""The route table for the other half of the roles (see test_matrix.py, FIRST_ROLES)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.accounts.routes import ROLES_ORDER
from tests.accounts.test_matrix import FIRST_ROLES, check_roles
from tests.accounts.world import World


def test_each_other_role_gets_what_the_route_table_says(
    app_client: TestClient, world: World
) -> None:
    others = [role for role in ROLES_ORDER if role not in FIRST_ROLES]
    assert others, "the roles are split in two"
    check_roles(app_client, world, others)
