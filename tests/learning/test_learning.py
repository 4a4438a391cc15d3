"""Checks that learn from reviewers: the model learns where the rule is systematically
wrong and beats it on held-back reviews, the switch is refused when it does not,
a switched-on model's verdict counts (the rule's stays stored), least sure first,
the machine-vs-human report, the jobs and the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.domain.errors import InvalidInput
from kontrol.domain.roles import WorkspaceRole
from kontrol.jobs import enqueue
from kontrol.jobs.backends import drain
from kontrol.learning.jobs import TRAIN_JOB, train_and_apply
from kontrol.learning.model import CountedBatch, fit, text_tokens, with_rule
from kontrol.learning.predictions import applied_interactions, apply_learned, predict
from kontrol.learning.report import machine_report
from kontrol.learning.reviews import held_back
from kontrol.learning.routing import LeastSure
from kontrol.learning.training import (
    MIN_HELD_BACK,
    Training,
    learned_models_of,
    switch_model,
    train_criterion,
    train_workspace,
)
from kontrol.review.routing.kinds import RoutingRule
from kontrol.settings import Settings
from kontrol.store.tables import check_outcomes, evaluations, interaction_facts, learned_verdicts
from tests.factories import add_person, viewer_of
from tests.learning.build import (
    NO_GREETING,
    POLITE,
    RUDE,
    chat,
    import_chats,
    review,
    rule_wrong_set,
)


def _greeting(trainings: list[Training]) -> Training:
    return next(t for t in trainings if (t.scorecard, t.criterion) == ("default-ru", "greeting"))


def _auto_item(engine: Engine, interaction_id: int) -> dict[str, object]:
    with engine.connect() as connection:
        items = connection.execute(
            select(evaluations.c["items"]).where(
                evaluations.c.interaction_id == interaction_id, evaluations.c.kind == "auto"
            )
        ).scalar_one()
    return next(i for i in items if i["criterion"] == "greeting")


def test_the_held_back_split_is_fixed_and_about_one_in_five() -> None:
    chosen = [i for i in range(1, 2001) if held_back(i)]
    assert chosen == [i for i in range(1, 2001) if held_back(i)]
    assert 330 < len(chosen) < 470


def test_the_model_learns_where_the_rule_is_wrong_and_counts_once_switched_on(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    ids = rule_wrong_set(engine, workspace, tmp_path)
    rude = ids["r001"]
    assert _auto_item(engine, rude)["result"] == "pass"  # the rule misses the rudeness
    with engine.begin() as connection:
        trained = _greeting(train_and_apply(connection, workspace.id))
    model = trained.model
    assert trained.status == "trained" and model is not None
    assert model.held_back >= MIN_HELD_BACK
    assert model.samples + model.held_back == 120
    # The rule agrees with reviewers on about half the held-back reviews, the model on all.
    assert model.rule_percent is not None and model.rule_percent < 70
    assert model.model_percent == 100.0 and model.model_kappa == 1.0
    assert model.beats_rule and not model.enabled
    # Other criteria with no reviews learn nothing.
    with engine.connect() as connection:
        assert [m.criterion for m in learned_models_of(connection, workspace.id)] == ["greeting"]

    # Off: the automatic evaluation still carries the rule's answer.
    assert _auto_item(engine, rude)["result"] == "pass"
    with engine.begin() as connection:
        switch_model(connection, workspace.id, model.id, True, None)
        apply_learned(connection, workspace.id, applied_interactions(connection, workspace.id))
    item = _auto_item(engine, rude)
    assert (item["result"], item["source"], item["rule_result"]) == ("fail", "learned", "pass")
    assert item["fraction"] == 0.0
    assert _auto_item(engine, ids["r002"])["result"] == "pass"
    with engine.connect() as connection:
        verdicts = connection.execute(
            select(check_outcomes.c.verdicts).where(check_outcomes.c.interaction_id == rude)
        ).scalar_one()
    assert verdicts["greeting"]["result"] == "pass"  # the rule's own verdict is kept
    # A new chat nobody reviewed: its automatic evaluation counts, and the QA figures
    # (read from the facts) follow the score the model gave it.
    fresh = import_chats(engine, workspace, tmp_path, [chat("x001", RUDE, 1)])["x001"]
    with engine.begin() as connection:
        predict(connection, workspace.id, [fresh])
        apply_learned(connection, workspace.id, [fresh])
    assert _auto_item(engine, fresh)["source"] == "learned"
    with engine.connect() as connection:
        fact_score, auto_score = connection.execute(
            select(interaction_facts.c.qa_score, evaluations.c.score)
            .join(evaluations, evaluations.c.interaction_id == interaction_facts.c.interaction_id)
            .where(interaction_facts.c.interaction_id == fresh, evaluations.c.kind == "auto")
        ).one()
    assert auto_score is not None and fact_score == pytest.approx(auto_score)

    # Back to the rule.
    with engine.begin() as connection:
        switch_model(connection, workspace.id, model.id, False, None)
        apply_learned(connection, workspace.id, applied_interactions(connection, workspace.id))
    item = _auto_item(engine, rude)
    assert item["result"] == "pass" and "source" not in item and "rule_result" not in item


def test_the_switch_is_refused_when_the_model_does_not_beat_the_rule(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # Reviewers agree with the rule everywhere: a model can at best tie.
    records = [chat(f"g{n:03d}", NO_GREETING if n % 2 else POLITE, n) for n in range(120)]
    ids = import_chats(engine, workspace, tmp_path, records)
    review(engine, workspace, ids, lambda key: "fail" if int(key[1:]) % 2 else "pass")
    with engine.begin() as connection:
        model = _greeting(train_workspace(connection, workspace.id)).model
    assert model is not None and model.rule_percent == 100.0
    assert not model.beats_rule
    with engine.begin() as connection, pytest.raises(InvalidInput) as refused:
        switch_model(connection, workspace.id, model.id, True, None)
    assert refused.value.key == "learning.refused.not_better"
    assert "held-back reviews" in str(refused.value)
    with engine.connect() as connection:
        assert not learned_models_of(connection, workspace.id)[0].enabled


def test_too_few_reviews_learn_nothing(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    ids = import_chats(engine, workspace, tmp_path, [chat(f"f{n}", RUDE, n) for n in range(10)])
    review(engine, workspace, ids, lambda key: "fail")
    with engine.begin() as connection:
        assert _greeting(train_workspace(connection, workspace.id)).status == "too_few"
        assert learned_models_of(connection, workspace.id) == []


def test_least_sure_first_and_the_report(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule_wrong_set(engine, workspace, tmp_path)
    with engine.begin() as connection:
        train_and_apply(connection, workspace.id)
    # New, unreviewed chats: the trained job's subscriber gives them verdicts.
    fresh = [
        chat("n-rude", RUDE, 1),
        chat("n-polite", POLITE, 2),
        chat("n-mixed", "Здравствуйте! Ну чего надо, чем могу помочь?", 3),
    ]
    ids = import_chats(engine, workspace, tmp_path, fresh)
    with engine.connect() as connection:
        margins = dict(
            connection.execute(
                select(learned_verdicts.c.interaction_id, learned_verdicts.c.margin)
            ).all()
        )
        rule = RoutingRule(
            id=0,
            workspace_id=workspace.id,
            timezone="UTC",
            name="least sure",
            kind="least_sure",
            params={"max_open": 2, "lookback_days": 90},
            queue_id=0,
            priority=0,
            due_hours=24,
        )
        picks = LeastSure().on_schedule(connection, rule, datetime(2026, 11, 20))
    assert {ids["n-rude"], ids["n-polite"], ids["n-mixed"]} <= set(margins)
    # Reviewed conversations are never picked; the least sure come first.
    assert [p.interaction_id for p in picks][0] == ids["n-mixed"]
    assert len(picks) == 2
    assert margins[picks[0].interaction_id] <= margins[picks[1].interaction_id]
    assert "margin" in picks[0].reason

    with engine.begin() as connection:
        lead = add_person(connection, workspace, "lead", WorkspaceRole.QA_LEAD)
        report = machine_report(connection, viewer_of(connection, lead, workspace))
    [greeting] = report.criteria  # criteria nobody reviewed are left out
    assert greeting.reviews == 120
    assert greeting.rule is not None and greeting.learned is not None
    assert greeting.rule.compared == 120 and greeting.rule.overturned == 60
    assert greeting.rule.overturn_percent == 50.0
    assert {d.machine for d in greeting.rule.disagreements} == {"pass"}
    assert {d.person for d in greeting.rule.disagreements} == {"fail"}
    assert greeting.learned.compared >= MIN_HELD_BACK and greeting.learned.overturned == 0
    assert report.as_json()["criteria"][0]["rule"] is not None


def test_the_training_job_and_the_cli(
    engine: Engine, workspace: Workspace, tmp_path: Path, database_url: str
) -> None:
    rule_wrong_set(engine, workspace, tmp_path)
    enqueue(engine, TRAIN_JOB, workspace_id=workspace.id)
    drain(engine, Settings())
    with engine.connect() as connection:
        [model] = learned_models_of(connection, workspace.id)
        stored = connection.execute(select(learned_verdicts.c.interaction_id)).scalars().all()
    assert model.beats_rule and len(stored) == 120

    runner = CliRunner()
    status = runner.invoke(app, ["learning", "status", "--db", database_url])
    assert status.exit_code == 0, status.stderr
    assert "default-ru/greeting\tmay be turned on" in status.stdout
    trained = runner.invoke(app, ["learning", "train", "--db", database_url])
    assert trained.exit_code == 0, trained.stderr
    assert "default-ru/greeting\ttrained\treviews 120" in trained.stdout
    assert "default-ru/empathy\ttoo_few\treviews 0" in trained.stdout


def test_the_workspace_training_learns_what_each_criterion_learns_alone(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # The workspace's training reads answers, verdicts and words once for all criteria;
    # training one criterion on its own reads its own: the models and figures agree.
    ids = rule_wrong_set(engine, workspace, tmp_path)
    review(
        engine,
        workspace,
        ids,
        lambda key: "fail" if int(key[1:]) % 3 == 0 else "pass",
        criterion="no_rudeness",
    )
    with engine.begin() as connection:
        together = {
            (t.scorecard, t.criterion): t.model
            for t in train_workspace(connection, workspace.id)
            if t.model is not None
        }
    assert {("default-ru", "greeting"), ("default-ru", "no_rudeness")} <= set(together)
    for (scorecard, criterion), shared in together.items():
        assert shared is not None
        with engine.begin() as connection:
            alone = train_criterion(connection, workspace.id, scorecard, criterion, shared.check_id)
        assert alone.model is not None and not alone.changed
        figures = ("samples", "held_back", "model_agreed", "rule_agreed", "model_kappa")
        assert [getattr(alone.model, f) for f in figures] == [getattr(shared, f) for f in figures]
        assert alone.model.rule_kappa == shared.rule_kappa
        assert alone.model.model_json == shared.model_json


def test_training_again_to_the_same_model_keeps_its_verdicts(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    ids = rule_wrong_set(engine, workspace, tmp_path)
    with engine.begin() as connection:
        first = _greeting(train_and_apply(connection, workspace.id))
    assert first.changed and first.model is not None
    long_ago = datetime(2000, 1, 1)
    gone = ids["r005"]
    with engine.begin() as connection:
        connection.execute(learned_verdicts.update().values(predicted_at=long_ago))
        connection.execute(
            learned_verdicts.delete().where(learned_verdicts.c.interaction_id == gone)
        )
    with engine.begin() as connection:
        again = _greeting(train_and_apply(connection, workspace.id))
    assert not again.changed and again.model is not None
    assert again.model.model_json == first.model.model_json
    with engine.connect() as connection:
        when = dict(
            connection.execute(
                select(learned_verdicts.c.interaction_id, learned_verdicts.c.predicted_at)
            ).all()
        )
    assert set(when) >= set(ids.values())
    # Only the conversation without a verdict was predicted; the others kept theirs.
    assert [i for i, at in when.items() if at != long_ago] == [gone]


def test_a_counted_batch_gives_each_model_the_verdicts_of_its_own_judging() -> None:
    # Prediction counts a batch's tokens once for all models; the verdicts must be
    # those of each model judging the conversations on its own.
    openings = [POLITE.format(name="Анна"), RUDE, NO_GREETING.format(name="Олег")]
    lines = [
        [("customer", "Где мой заказ?"), ("agent", openings[n % 3]), ("agent", f"Номер {n}")]
        for n in range(40)
    ]
    words = [text_tokens(line) for line in lines] + [[], text_tokens([("agent", "Ого, новое")])]
    rules = [("pass", "fail", None, "na")[n % 4] for n in range(len(words))]
    labels = ["fail" if n % 3 == 1 else "pass" for n in range(40)]
    models = [
        fit([with_rule(words[n], rules[n]) for n in range(40)], labels),
        fit([with_rule(words[n], None) for n in range(0, 40, 2)], labels[0:40:2]),
    ]
    counted = CountedBatch(words)
    rows = [0, 1, 2, 7, 40, 41]
    for model in models:
        alone = model.judge([with_rule(words[n], rules[n]) for n in rows])
        assert counted.judge(model, rows, [rules[n] for n in rows]) == alone
    assert {v.verdict for v in models[0].judge([with_rule(w, None) for w in words])} == {
        "pass",
        "fail",
    }
