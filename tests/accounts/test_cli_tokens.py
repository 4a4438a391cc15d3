"""`kontrol token create|list|revoke` and the audit entries the command line leaves."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from kontrol.cli.main import app
from kontrol.store.database import make_engine
from kontrol.store.tables import audit_log, personal_tokens

runner = CliRunner()


def test_an_operator_makes_lists_and_revokes_a_token(database_url: str) -> None:
    assert runner.invoke(app, ["init", "--db", database_url]).exit_code == 0
    added = runner.invoke(
        app,
        ["user", "add", "ann", "--role", "agent", "--agent-id", "a1", "--db", database_url],
        env={"KONTROL_NEW_PASSWORD": "long enough 1"},
    )
    assert added.exit_code == 0, added.output
    made = runner.invoke(
        app, ["token", "create", "ann", "Power BI", "--days", "30", "--db", database_url]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[0]
    assert secret.startswith("kpt_")
    bad = runner.invoke(app, ["token", "create", "ann", "x", "--days", "7", "--db", database_url])
    assert bad.exit_code == 2 and "30, 90, 365" in bad.output
    nobody = runner.invoke(app, ["token", "create", "bob", "x", "--db", database_url])
    assert nobody.exit_code == 2 and "no member 'bob'" in nobody.output
    listed = runner.invoke(app, ["token", "list", "--db", database_url])
    assert f"ann\tPower BI\t{secret[:12]}…\tactive" in listed.output
    assert secret not in listed.output
    revoked = runner.invoke(app, ["token", "revoke", secret[:12] + "…", "--db", database_url])
    assert revoked.exit_code == 0, revoked.output
    assert "\trevoked\t" in runner.invoke(app, ["token", "list", "--db", database_url]).output
    reset = runner.invoke(
        app,
        ["user", "password", "ann", "--db", database_url],
        env={"KONTROL_NEW_PASSWORD": "x" * 9},
    )
    assert reset.exit_code == 0, reset.output
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(personal_tokens.c.revoked_by)).scalar_one() == (
            "command line"
        )
        entries = connection.execute(select(audit_log.c.action, audit_log.c.actor)).all()
    assert {(row.action, row.actor) for row in entries} == {
        ("token_created", "command line"),
        ("token_revoked", "command line"),
        ("password_changed", "command line"),
    }
