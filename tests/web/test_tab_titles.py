"""Browser tab titles name the thing in words and the product as the header does."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import interaction_ids, log_in
from tests.webapp import client, populated  # noqa: F401  (fixtures)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
BRAND = re.compile(r'<a class="brand" href="/">(.*?)</a>')


def test_an_interaction_tab_is_titled_by_channel_and_customer_not_its_id(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    # Issue 15: tabs read «i1 · Контроль» (an id) while pages said «Kontrol» elsewhere.
    with engine.connect() as connection:
        ids = interaction_ids(connection, populated)
    log_in(client, "qa")
    for external_id, number in ids.items():
        page = client.get(f"/interactions/{number}").text
        title = TITLE.search(page)
        brand = BRAND.search(page)
        assert title is not None and brand is not None
        assert brand.group(1) == "Контроль"
        assert title.group(1).endswith(" · Контроль")
        assert external_id not in title.group(1)
        assert "Kontrol" not in page.replace("X-Kontrol", "")
