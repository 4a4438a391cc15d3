"""Fixtures of the report tests: a real SMTP server, a Bot API-shaped server, a files folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.test_alert_delivery import receiver, smtp

__all__ = ["receiver", "smtp"]


@pytest.fixture(autouse=True)
def report_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Report files of each test go to a folder of its own."""
    folder = tmp_path / "report-files"
    monkeypatch.setenv("KONTROL_REPORTS_DIR", str(folder))
    yield folder
