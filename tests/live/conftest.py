"""Fixtures of the survey and alert tests (the web tests' workspace is reused)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kontrol.web import survey_pages
from tests.web.conftest import populated  # noqa: F401 - a fixture used here too


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Each test starts with empty in-memory rate-limit counters."""
    survey_pages._limiters.clear()
    yield
    survey_pages._limiters.clear()
