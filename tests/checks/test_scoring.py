"""Scoring in the database: on import, idempotent, versioned scorecards, and the CLI."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.check_settings import save_custom_check, save_phrase_override
from kontrol.checks.engine import check_record
from kontrol.checks.scorecards import save_scorecard, scorecard_versions
from kontrol.checks.scoring import score_interactions
from kontrol.checks.stored_results import evaluations_of, stored_outcomes
from kontrol.cli.main import app
from kontrol.cli.progress import FileProgressBar
from kontrol.ingest.importing import import_file
from kontrol.store.tables import evaluations, interactions
from tests.factories import demo_interactions_file

runner = CliRunner()

RECORDS: list[dict[str, Any]] = [
    {
        "id": "ru-1",
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "customer_name": "Иван",
        "messages": [
            {
                "role": "customer",
                "text": "Где мой заказ? Безобразие!",
                "at": "2026-11-02T10:00:00+03:00",
            },
            {
                "role": "agent",
                "text": "Здравствуйте, Иван! Меня зовут Анна. Понимаю ваше беспокойство. "
                "Подскажите номер?",
                "at": "2026-11-02T10:00:30+03:00",
            },
            {"role": "customer", "text": "12345", "at": "2026-11-02T10:01:00+03:00"},
            {
                "role": "agent",
                "text": "Привезут завтра до 12:00. Могу ли я ещё чем-то помочь? "
                "Спасибо за обращение! Оцените, пожалуйста, разговор.",
                "at": "2026-11-02T10:01:20+03:00",
            },
        ],
    },
    {
        "id": "en-1",
        "channel": "chat",
        "started_at": "2026-11-02T11:00:00Z",
        "messages": [
            {"role": "customer", "text": "I want to file a complaint, my card was charged twice"},
            {"role": "agent", "text": "That's not my problem."},
        ],
    },
]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def ids_by_external(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(interactions.c.external_id, interactions.c.id))
        return {row.external_id: row.id for row in rows}


def test_import_scores_every_interaction(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(engine=engine, workspace=workspace, path=write(tmp_path / "a.jsonl", RECORDS))
    ids = ids_by_external(engine)
    with engine.connect() as connection:
        good = evaluations_of(connection, ids["ru-1"])
        rude = evaluations_of(connection, ids["en-1"])
        outcomes = stored_outcomes(connection, [ids["ru-1"], ids["en-1"]])
        complaint = connection.execute(
            select(interactions.c.is_complaint, interactions.c.tags, interactions.c.language).where(
                interactions.c.id == ids["en-1"]
            )
        ).one()
    assert [e.scorecard.name for e in good] == ["default-ru"]
    assert good[0].score is not None and good[0].score >= 80 and good[0].passed
    assert [e.scorecard.name for e in rude] == ["default-en"]
    assert rude[0].score == 0.0 and rude[0].passed is False  # critical no_rudeness failed
    assert outcomes[ids["en-1"]]["checks"]["no_rudeness"]["evidence"][0]["text"] == (
        "That's not my problem"
    )
    # The complaint signal sets the flag and the tag; the language was detected.
    assert complaint.is_complaint is True and "complaint" in complaint.tags
    assert complaint.language == "en"


def test_scoring_again_replaces_the_automatic_evaluation(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(engine=engine, workspace=workspace, path=write(tmp_path / "a.jsonl", RECORDS))
    ids = list(ids_by_external(engine).values())
    score_interactions(engine, workspace.id, ids)
    score_interactions(engine, workspace.id, ids)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(evaluations)).scalar()
    assert count == 2


def test_a_new_scorecard_version_keeps_past_evaluations(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(engine=engine, workspace=workspace, path=write(tmp_path / "a.jsonl", RECORDS))
    ids = ids_by_external(engine)
    with engine.begin() as connection:
        before = evaluations_of(connection, ids["ru-1"])[0]
        text = before.scorecard.yaml.replace("pass_mark: 80", "pass_mark: 99")
        second = save_scorecard(connection, workspace.id, text)
    assert second.version == 2
    score_interactions(engine, workspace.id, [ids["ru-1"]])
    with engine.connect() as connection:
        after = evaluations_of(connection, ids["ru-1"])
        versions = scorecard_versions(connection, workspace.id, "default-ru")
    assert [e.scorecard.version for e in after] == [2, 1]
    assert after[1].score == before.score and after[1].passed == before.passed
    assert [v.version for v in versions] == [2, 1] and not versions[1].is_active


def test_workspace_lists_and_custom_checks_apply_to_its_interactions(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        save_phrase_override(
            connection,
            workspace.id,
            language="ru",
            list_name="jargon",
            mode="extend",
            phrases="# внутренние слова\nномер заказа\n",
        )
        save_custom_check(
            connection,
            workspace.id,
            "id: asked_order\ntitle: Спросил номер\nrule: {phrases: [номер], where: opening}\n",
        )
    import_file(engine=engine, workspace=workspace, path=write(tmp_path / "a.jsonl", RECORDS[:1]))
    ids = ids_by_external(engine)
    with engine.connect() as connection:
        checks = stored_outcomes(connection, [ids["ru-1"]])[ids["ru-1"]]["checks"]
    assert checks["asked_order"]["result"] == "pass"
    assert checks["no_jargon"]["result"] == "pass"  # "номер?" is not "номер заказа"


def test_cli_score_prints_the_spec_shape_in_input_order(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", list(reversed(RECORDS)))
    done = runner.invoke(app, ["score", str(path), "--scorecard", "default", "--format", "jsonl"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.output.splitlines()]
    assert [line["id"] for line in lines] == ["en-1", "ru-1"]
    assert list(lines[0]) == ["id", "scorecard", "score", "passed", "checks", "signals"]
    assert lines[1]["scorecard"] == "default-ru" and lines[1]["passed"] is True
    for line, record in zip(lines, reversed(RECORDS), strict=True):
        assert {k: line[k] for k in ("checks", "signals")} == check_record(record)


def test_cli_score_without_scorecard_only_checks(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", RECORDS[:1])
    done = runner.invoke(app, ["score", str(path)])
    line = json.loads(done.output.splitlines()[0])
    assert line["score"] is None and line["scorecard"] is None
    assert line["checks"]["greeting"]["result"] == "pass"


def test_cli_score_unknown_scorecard_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", RECORDS[:1])
    done = runner.invoke(app, ["score", str(path), "--scorecard", "nope"])
    assert done.exit_code == 2
    assert "no scorecard named 'nope'" in done.output


def test_rescoring_keeps_the_automatic_evaluation_its_dispute_refers_to(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    from kontrol.domain.clock import utcnow
    from kontrol.store.tables import disputes

    import_file(engine=engine, workspace=workspace, path=write(tmp_path / "a.jsonl", RECORDS[:1]))
    interaction_id = ids_by_external(engine)["ru-1"]
    with engine.begin() as connection:
        (auto,) = evaluations_of(connection, interaction_id)
        connection.execute(
            disputes.insert().values(
                workspace_id=workspace.id,
                evaluation_id=auto.id,
                criterion="greeting",
                reason="I did greet",
                status="open",
                raised_at=utcnow(),
            )
        )
    # The same scorecard version, same verdicts: nothing changes.
    score_interactions(engine, workspace.id, [interaction_id])
    # A list change turns a verdict: the evaluation is updated where it stands.
    with engine.begin() as connection:
        save_phrase_override(
            connection,
            workspace.id,
            language="ru",
            list_name="greeting",
            mode="replace",
            phrases="добрый вечер\n",
        )
    score_interactions(engine, workspace.id, [interaction_id])
    with engine.connect() as connection:
        (after,) = evaluations_of(connection, interaction_id)
        version = connection.execute(
            select(evaluations.c.version).where(evaluations.c.id == after.id)
        ).scalar_one()
        kept = connection.execute(
            select(func.count()).select_from(disputes).where(disputes.c.evaluation_id == auto.id)
        ).scalar_one()
    assert after.id == auto.id and kept == 1
    assert after.score != auto.score and version == 2


def test_cli_score_scores_every_interaction_of_a_big_file(tmp_path: Path) -> None:
    # 600 interactions in one batch: more than the background threshold (500), which
    # once handed them to a job queue nothing runs and printed "checks": {} for each.
    path = demo_interactions_file(tmp_path / "big.jsonl", 600)
    done = runner.invoke(app, ["score", str(path), "--scorecard", "default"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    chats = [r for r in records if "kind" not in r]
    assert len(lines) == len(chats) == 600
    assert all(line["checks"] for line in lines)
    # Every conversation with an agent gets a score (self-service and abandoned ones
    # have no agent message: every criterion is "na").
    scored = [r["id"] for r in chats if any(m["role"] == "agent" for m in r["messages"])]
    by_id = {line["id"]: line for line in lines}
    assert all(by_id[key]["score"] is not None for key in scored)
    # Scored in the big file as when scored alone (customers with no other contact,
    # whose verdicts cannot depend on a later call to the same customer).
    contacts = Counter(r.get("customer_id") for r in chats)
    alone = [r for r in chats if contacts[r.get("customer_id")] == 1]
    for record in (alone[0], alone[len(alone) // 2], alone[-1]):
        single = write(tmp_path / f"{record['id']}.jsonl", [record])
        scored = runner.invoke(app, ["score", str(single), "--scorecard", "default"])
        assert json.loads(scored.stdout) == by_id[record["id"]]


def test_progress_bar_of_a_big_file_goes_to_the_terminal_only_when_big() -> None:
    def shown(total: int) -> str:
        screen = io.StringIO()
        bar = FileProgressBar(Console(file=screen, force_terminal=True, width=80))
        bar.stored(total)
        for done in range(0, total + 1, 200):
            bar.processed(min(done, total), total)
        bar.processed(total, total)
        bar.close()
        return screen.getvalue()

    assert "scoring" in shown(600) and "600/600" in shown(600)
    assert shown(20) == ""  # a small file is done before a bar could be read
