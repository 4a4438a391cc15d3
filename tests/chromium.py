"""One headless Chromium per test worker, shared by the browser test modules.

Starting Playwright's driver and Chromium cost a few seconds of CPU; each of the
thirty-odd browser modules started its own. A module still gets a browser of its
own to look at (the ``browser`` fixture of tests/web/test_browser.py): the same
Chromium, whose windows (contexts) the module opened are closed when it ends, as
closing the browser used to close them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium; Playwright never downloads a browser of its own here."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: `make test` installs it (make browser)")
    # Two cores run several test workers: a page may take longer than
    # Playwright's default five seconds to answer. This is a wait, not a
    # timed assertion: a page that never answers still fails.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def module_browser(chromium: Browser) -> Iterator[Browser]:
    """The worker's Chromium for one module; the windows the module opened close after it."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            context.close()
