"""The call timeline under the reviewer's player and the privacy page, in real
headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import score_interactions
from kontrol.speech.recordings import measure
from tests.factories import PASSWORD, import_records, interaction_ids, interaction_record
from tests.speech.conftest import BuiltCall
from tests.speech.test_recognition import AGENT_SAYS, CUSTOMER_SAYS
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_timeline_shows_the_turns_and_a_transcript_line_seeks_the_player(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
    built_call: BuiltCall,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(built_call.wav, recordings / "call-7.wav")
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(recordings))
    said = sorted(
        [("agent", s, e, t) for s, e, t in AGENT_SAYS]
        + [("customer", s, e, t) for s, e, t in CUSTOMER_SAYS],
        key=lambda row: row[1],
    )
    record = interaction_record(
        "call-7",
        started="2026-11-05T10:00:00+03:00",
        channel="call",
        agent_id="a1",
        team="L1",
        recording="call-7.wav",
        messages=[{"role": r, "text": t, "start": s, "end": e} for r, s, e, t in said],
    )
    engine = create_engine(database_url)
    import_records(engine, populated, tmp_path, [record])
    with engine.begin() as connection:
        call = interaction_ids(connection, populated)["call-7"]
        measure(connection, populated.id, call)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _log_in(page, server)
    page.goto(f"{server}/interactions/{call}/evaluate")
    expect(page.locator("#speech-player")).to_be_visible()
    assert page.locator("#speech-timeline rect.turn-agent").count() == 3
    assert page.locator("#speech-timeline rect.turn-customer").count() == 3
    assert page.locator("#speech-timeline rect.overlap").count() == 1
    expect(page.locator("#speech-summary")).to_contain_text("перебиваний 1")
    page.wait_for_function("document.getElementById('review-audio').readyState >= 1")
    page.select_option("#speech-speed", "1.5")
    assert page.evaluate("document.getElementById('review-audio').playbackRate") == 1.5
    page.locator(".transcript .msg .text").nth(2).click()  # the agent's second line, 0:09
    page.wait_for_function("Math.floor(document.getElementById('review-audio').currentTime) >= 9")
    assert 9 <= page.evaluate("document.getElementById('review-audio').currentTime") < 11
    _shot(page, "speech-timeline")
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_admin_sets_retention_and_forgets_a_customer(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _log_in(page, server)
    page.goto(server + "/privacy")
    page.fill("input[name=recordings_days]", "90")
    page.click("#retention-form button[type=submit]")
    expect(page.locator("#privacy-done")).to_be_visible()
    expect(page.locator("input[name=recordings_days]")).to_have_value("90")
    page.fill("#forget-form input[name=customer_id]", "c1")
    page.fill("#forget-form input[name=confirm]", "c1")
    page.click("#forget-form button[type=submit]")
    expect(page.locator("#privacy-done")).to_contain_text("обезличены")
    row = page.locator("#deletion-log tbody tr").first
    expect(row).to_contain_text("запрос клиента")
    expect(row).to_contain_text("anon-")
    _shot(page, "speech-privacy")
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_call_without_transcript_shows_its_interruptions_and_they_seek_the_player(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
    held_call: BuiltCall,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(held_call.wav, recordings / "held-1.wav")
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(recordings))
    record = interaction_record(
        "held-1",
        started="2026-11-06T11:00:00+03:00",
        channel="call",
        agent_id="a1",
        team="L1",
        recording="held-1.wav",
        messages=[],
    )
    engine = create_engine(database_url)
    import_records(engine, populated, tmp_path, [record])
    with engine.begin() as connection:
        call = interaction_ids(connection, populated)["held-1"]
        measure(connection, populated.id, call)
    score_interactions(engine, populated.id, [call])
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _log_in(page, server)
    page.goto(f"{server}/interactions/{call}/evaluate")
    stamps = page.locator(".evidence-at")
    # two interruptions (0:02, 0:09) and the hold found from 0:12
    expect(stamps.first).to_be_visible()
    shown = [s.strip() for s in stamps.all_inner_texts()]
    assert {"0:02", "0:09"} <= set(shown)
    page.wait_for_function("document.getElementById('review-audio').readyState >= 1")
    stamps.nth(shown.index("0:09")).click()
    page.wait_for_function("document.getElementById('review-audio').currentTime >= 9")
    assert 9 <= page.evaluate("document.getElementById('review-audio').currentTime") < 11
    _shot(page, "speech-audio-only-checks")
    page.close()
