"""The agent's progress in a week still running, in a real headless Chromium: the page
says the week is incomplete and, on too few evaluations, why it shows no change."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.feedback import coaching
from kontrol.feedback.team_overview import MIN_EVALUATIONS
from tests.feedback.feedback_world import World, build_world
from tests.feedback.progress_world import ALL_MET, NO_GREETING, RUNNING_NOW
from tests.web.test_browser import _shot, sign_in
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> World:
    """Two evaluations on 2–3 Nov and two on 10–11 Nov; now is Wednesday 11 Nov."""
    monkeypatch.setattr(coaching, "utcnow", lambda: RUNNING_NOW)
    found = build_world(engine, workspace, tmp_path)
    for external_id in ("f1", "f2", "f3"):
        found.evaluation(external_id, ALL_MET)
    found.evaluation("f4", NO_GREETING)
    return found


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_running_week_is_marked_incomplete_and_not_judged_on_two_evaluations(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    page = sign_in(browser, server, "agent1", width=1440)
    page.goto(f"{server}/coaching/a1")
    note = page.locator("#partial-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Текущая неделя неполная: 9–11 нояб., 3 из 7 дней.")
    expect(note).to_contain_text("к тем же дням прошлой недели (2–4 нояб.)")
    # The note is read before the figures it explains.
    above, score = note.bounding_box(), page.locator("#progress-score").bounding_box()
    assert above is not None and score is not None and above["y"] < score["y"]
    held = page.locator("#change-held-back")
    expect(held).to_be_visible()
    expect(held).to_contain_text(f"нужно хотя бы {MIN_EVALUATIONS}")
    # No change in red or green on two evaluations against two.
    for where in ("#progress-score", "#weakest"):
        expect(page.locator(f"{where} .trend-worse, {where} .trend-better")).to_have_count(0)
    expect(page.locator("#weakest thead")).to_contain_text("неполная")
    _shot(page, "agent-progress-running-week")
    page.context.close()
