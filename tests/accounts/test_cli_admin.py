"""`kontrol init`, `workspace`, `user` and `demo`: setting an installation up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from typer.testing import CliRunner

from kontrol.accounts.logins import authenticate
from kontrol.cli.main import app
from kontrol.store.database import make_engine
from kontrol.store.migrate import is_current
from kontrol.store.tables import agents, interactions, orders, surveys, users, workspaces

runner = CliRunner()


def test_init_creates_the_default_workspace_and_is_repeatable(database_url: str) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["init", "--db", database_url])
        assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    assert is_current(engine)
    with engine.connect() as connection:
        names = connection.execute(select(workspaces.c.name)).scalars().all()
    assert names == ["default"]


def test_database_url_comes_from_the_environment(database_url: str) -> None:
    result = runner.invoke(app, ["init"], env={"KONTROL_DATABASE_URL": database_url})
    assert result.exit_code == 0
    assert database_url in result.output


def test_workspace_create_and_list(database_url: str) -> None:
    runner.invoke(app, ["init", "--db", database_url])
    created = runner.invoke(
        app,
        ["workspace", "create", "Клиент А", "--timezone", "Europe/Moscow", "--db", database_url],
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["workspace", "list", "--db", database_url])
    assert "Клиент А\tEurope/Moscow" in listed.output
    again = runner.invoke(app, ["workspace", "create", "Клиент А", "--db", database_url])
    assert again.exit_code == 2 and "exists already" in again.output
    bad_zone = runner.invoke(
        app, ["workspace", "create", "B", "--timezone", "Mars/Olympus", "--db", database_url]
    )
    assert bad_zone.exit_code == 2 and "unknown time zone" in bad_zone.output


def test_user_add_hashes_the_password(database_url: str) -> None:
    runner.invoke(app, ["init", "--db", database_url])
    result = runner.invoke(
        app,
        ["user", "add", "anna", "--role", "qa_lead", "--db", database_url],
        env={"KONTROL_NEW_PASSWORD": "a long passphrase"},
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    with engine.begin() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
        assert "a long passphrase" not in stored
        assert authenticate(connection, username="anna", password="a long passphrase")
        assert authenticate(connection, username="anna", password="wrong") is None


def test_user_add_refuses_a_short_password(database_url: str) -> None:
    runner.invoke(app, ["init", "--db", database_url])
    result = runner.invoke(
        app, ["user", "add", "bob", "--db", database_url], env={"KONTROL_NEW_PASSWORD": "short"}
    )
    assert result.exit_code == 2
    assert "at least 8" in result.output


def test_demo_loads_once_with_if_empty(database_url: str) -> None:
    first = runner.invoke(app, ["demo", "--db", database_url, "--size", "small", "--count", "120"])
    assert first.exit_code == 0, first.output
    assert "admin / admin-kontrol" in first.output
    engine = make_engine(database_url)
    with engine.connect() as connection:
        counted = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (interactions, agents, surveys, orders, users)
        }
    with engine.connect() as connection:
        pushed = connection.execute(
            select(func.count()).where(interactions.c.source == "helpdesk")
        ).scalar_one()
    # The generator's 120 and two pushed through the ingest API, plus what the feature
    # demos add of their own (scripts, analysis).
    assert counted["interactions"] >= 122 and pushed == 2
    assert counted["agents"] >= 8 and counted["surveys"] > 0 and counted["orders"] > 0
    # The seven demo logins and their colleagues on the people page (random passwords).
    from kontrol.demo.seed.accounts import DEMO_COLLEAGUES
    from kontrol.demo.seeding import DEMO_LOGINS

    assert counted["users"] == len(DEMO_LOGINS) + len(DEMO_COLLEAGUES) == 14
    second = runner.invoke(app, ["demo", "--db", database_url, "--if-empty"])
    assert second.exit_code == 0 and "has data already" in second.output
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(interactions)).scalar_one()
    assert total == counted["interactions"], "the second run added nothing"


def test_demo_ends_on_the_day_asked_in_moscow_time(database_url: str) -> None:
    result = runner.invoke(
        app,
        ["demo", "--db", database_url, "--size", "small", "--count", "60", "--end", "2026-12-04"],
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(interactions.c.started_at)).where(interactions.c.source == "demo")
        ).scalar_one()
        zone_name = connection.execute(select(workspaces.c.timezone)).scalar_one()
    # The conversations end by the asked day, well after the generator's fixed
    # 20 November (60 conversations over 91 days leave a few days between them).
    assert date(2026, 11, 20) < last.date() <= date(2026, 12, 4)
    assert zone_name == "Europe/Moscow"
    engine.dispose()


def test_demo_refuses_an_end_that_is_not_a_date(database_url: str) -> None:
    result = runner.invoke(app, ["demo", "--db", database_url, "--end", "yesterday"])
    assert result.exit_code != 0
    assert "--end" in result.output and "YYYY-MM-DD" in result.output
