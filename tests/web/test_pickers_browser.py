"""Choosing an agent by name in Chromium, in Russian (issue 15, item 8).

A QA lead sets a corrective task: they type part of the agent's name, the list
offers the agents whose name has it, they pick one, and the form sends the
agent's id. The due date is a calendar (``datetime-local``) in a page whose
``<html lang>`` is Russian.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import corrective_tasks
from tests.factories import exchange, import_records, interaction_record
from tests.web.test_browser import ARTIFACTS, browser, server, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PEOPLE = (("s5", "Сергей Петров", "L1"), ("s6", "Анна Сергеева", "L1"), ("s7", "Олег Иванов", "L2"))


@pytest.fixture
def named_agents(engine: Engine, populated: Workspace, tmp_path: Path) -> None:
    """Three agents with Russian names besides the sample's."""
    records = [
        interaction_record(
            f"n{number}",
            started="2026-11-06T10:00:00+00:00",
            messages=exchange("Добрый день", "Здравствуйте!", at="2026-11-06T10:00:00+00:00"),
            agent_id=agent,
            agent_name=name,
            team=team,
        )
        for number, (agent, name, team) in enumerate(PEOPLE)
    ]
    import_records(engine, populated, tmp_path, records, name="named.jsonl")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_picks_an_agent_by_typing_part_of_the_name(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    named_agents: None,
    engine: Engine,
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa")
    page.goto(f"{server}/tasks/new")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator('input[name="title"]').fill("Разобрать приветствие")
    name = page.get_by_role("combobox", name="Оператор")
    name.click()
    name.press_sequentially("серг")
    # The browser offers the names that contain what was typed (in any case).
    offered = page.locator("#picker-agents option")
    labels = [value.lower() for value in offered.evaluate_all("o => o.map(x => x.value)")]
    assert sorted(label for label in labels if "серг" in label) == [
        "анна сергеева",
        "сергей петров",
    ]
    page.screenshot(path=str(_shot("picker-typing")))
    # Choosing "Сергей Петров" from the list puts his name in the field...
    name.fill("Сергей Петров")
    # ...and his id in the field the form sends.
    expect(page.locator('input[type="hidden"][name="agent"]')).to_have_value("s5")
    due = page.locator('input[name="due"]')
    expect(due).to_have_attribute("type", "datetime-local")
    due.fill("2026-12-15T18:00")
    page.locator("#save-task").click()
    page.wait_for_url(lambda url: "/tasks/" in url and not url.endswith("/new"))
    expect(page.locator("dl.facts")).to_contain_text("Сергей Петров")
    page.screenshot(path=str(_shot("picker-saved")))
    with engine.connect() as connection:
        row = connection.execute(
            select(corrective_tasks.c.agent_external_id, corrective_tasks.c.title)
        ).one()
    assert (row.agent_external_id, row.title) == ("s5", "Разобрать приветствие")
    # The list of tasks names the agent and reads the due date the Russian way.
    page.goto(f"{server}/tasks?view=all")
    expect(page.locator("main")).to_contain_text("Сергей Петров")
    expect(page.locator("main")).to_contain_text("15.12.2026 18:00")


def _shot(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_phrase_lists_page_is_short_and_searchable(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "admin")
    page.goto(f"{server}/phrases")
    lists = page.locator("details.phrase-list")
    assert lists.count() > 20
    # No list of the workspace is filled: every list is one closed line.
    assert page.locator("details.phrase-list[open]").count() == 0
    # It was 9,600 px of empty boxes; the closed lists and the custom checks fit far less.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, height
    page.screenshot(path=str(_shot("phrases-closed")), full_page=True)
    page.get_by_role("searchbox", name="Найти список или фразу").fill("приветств")
    shown = page.locator("details.phrase-list:visible")
    expect(shown.first).to_have_attribute("open", "")
    titles = shown.locator("summary strong").all_inner_texts()
    assert "Приветствие" in titles and len(titles) < 5, titles
    page.screenshot(path=str(_shot("phrases-search")), full_page=True)
