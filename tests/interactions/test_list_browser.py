"""The interaction list in Chromium: one «Жалоба» chip for a complaint, and the search
box finds an interaction by its id's first characters and by the customer's comment."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import exchange, import_records, interaction_record
from tests.web.test_browser import _shot, browser, server, sign_in  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
UUID = "7c1e04d2-5b9a-4f3e-8d21-6a0f9e3b1c55"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_complaint_chip_once_and_search_by_id_start_and_comment(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
    engine: Engine,
    populated: Workspace,
    tmp_path: Path,
) -> None:
    at = "2026-11-06T10:00:00+00:00"
    complaint = interaction_record(
        UUID,
        started=at,
        topic="complaint",
        tags=["complaint"],
        agent_id="a1",
        messages=exchange("Хочу подать претензию", "Оформляю претензию", at=at),
        survey={"csat": 1, "comment": "Курьер нагрубил у подъезда"},
    )
    import_records(engine, populated, tmp_path, [complaint], name="complaint.jsonl")
    page = sign_in(browser, server, "admin")
    page.goto(f"{server}/interactions")
    row = page.locator("table.list tbody tr", has_text="Жалоба")
    expect(row).to_have_count(1)
    # The topic says «Жалоба»: no second «Жалоба» chip beside it.
    expect(row.locator("td").nth(4)).to_have_text("Жалоба Недоволен")
    _shot(page, "interactions-complaint-chip")

    rows = page.locator("table.list tbody tr")
    search = page.get_by_label("Поиск: текст разговора, отзыв клиента, клиент или начало номера")
    for query in (UUID[:8], "нагрубил"):
        search.fill(query)
        page.get_by_role("button", name="Применить").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Жалоба")
    rows.first.get_by_role("link").click()
    # The detail names the complaint tag in words, not its code.
    facts = page.locator("dl.facts").last
    expect(facts).to_contain_text("Метки")
    expect(facts).not_to_contain_text("complaint")
    page.context.close()
