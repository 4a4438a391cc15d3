"""``kontrol survey link``: the link's lifetime is what was asked, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.store.tables import survey_links
from tests.factories import import_records
from tests.surveys.builders import chat

runner = CliRunner()


def _links(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(survey_links)).scalar_one())


@pytest.mark.parametrize("hours", ["0", "-5", "1000000000000"])
def test_a_lifetime_outside_one_hour_to_90_days_is_refused(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path, hours: str
) -> None:
    import_records(engine, workspace, tmp_path, [chat("ch-1")])
    result = runner.invoke(app, ["survey", "link", "ch-1", "--db", database_url, "--hours", hours])
    assert result.exit_code == 2
    assert "hours: from 1 to 2160 (90 days)" in result.stderr
    assert "/s/" not in result.stdout
    assert _links(engine) == 0


def test_a_link_lasts_the_hours_asked(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, [chat("ch-1")])
    result = runner.invoke(app, ["survey", "link", "ch-1", "--db", database_url, "--hours", "1"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        row = connection.execute(select(survey_links)).one()
    assert (row.expires_at - row.created_at).total_seconds() == 3600
