"""Audits: pre-filled figures, answers by scale, completion, scores, comparisons, deletion."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import (
    add_evidence,
    answers_of,
    complete_audit,
    delete_audit,
    get_audit,
    save_answer,
)
from kontrol.audits.results import audit_results
from kontrol.domain.errors import Conflict, Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n.messages import error_text
from kontrol.improvement.messages import KeyedInvalid
from kontrol.settings import current_settings
from kontrol.store.tables import audit_answers, audit_evidence, check_outcomes
from tests.audits.builders import PNG, chat, import_chats, person, small_audit


def test_measured_items_are_prefilled_with_the_figure_and_a_link(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_chats(
        engine,
        workspace,
        tmp_path,
        [
            chat("g1", day=3, greeting=True),
            chat("g2", day=4, greeting=True),
            chat("g3", day=5, greeting=False, with_bot=True),
            chat("b1", day=6, greeting=False, bot_only=True),
            chat("old", day=1, greeting=True) | {"started_at": "2026-10-01T10:00:00+00:00"},
        ],
    )
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa)
        answers = answers_of(connection, audit.id)
        verdicts = [
            row.verdicts.get("greeting", {}).get("result")
            for row in connection.execute(select(check_outcomes.c.verdicts))
        ]
    # Counted independently from the stored verdicts of November (the October chat is out).
    judged = [v for v in verdicts if v in ("pass", "fail")]
    assert len(judged) == 4  # three agent chats of November and the October one
    greeting = answers[("greeting", "")]
    assert greeting.measured is not None
    assert greeting.measured["basis"] == 3
    assert greeting.measured["value"] == pytest.approx(round(100 * 2 / 3, 1))
    assert greeting.value == greeting.measured["value"] and not greeting.overridden
    assert "failed=greeting" in greeting.measured["link"]
    assert "date_from=2026-11-01" in greeting.measured["link"]
    bots = answers[("bots", "")]
    assert bots.measured is not None and bots.measured["basis"] == 2
    assert bots.value == 50.0


def test_the_auditor_overrides_a_measured_figure(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_chats(engine, workspace, tmp_path, [chat("g1", day=3, greeting=True)])
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa)
        changed = save_answer(
            connection,
            qa,
            audit.id,
            item_key="greeting",
            answer="80",
            comment="Прослушали 10 звонков",
        )
        kept = save_answer(connection, qa, audit.id, item_key="greeting", answer="100")
    assert changed.overridden and changed.value == 80.0
    assert changed.measured is not None and changed.measured["value"] == 100.0
    assert not kept.overridden


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        ("intake", "maybe", "answer: yes, partly, no or na"),
        ("offer", "6", "answer: a whole number 1-5 or na"),
        ("greeting", "много", "answer: a number"),
    ],
)
def test_an_answer_off_the_scale_is_refused_naming_the_item(
    engine: Engine, workspace: Workspace, item: str, answer: str, message: str, backend: str
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa)
        with pytest.raises(KeyedInvalid) as caught:
            save_answer(connection, qa, audit.id, item_key=item, answer=answer)
    assert str(caught.value) == f"{item}: {message}"


def _answer_everything(connection, qa, audit_id: int, *, intake: str = "partly") -> None:  # type: ignore[no-untyped-def]
    save_answer(
        connection, qa, audit_id, item_key="intake", answer=intake, comment="Нет единого регламента"
    )
    save_answer(connection, qa, audit_id, item_key="offer", answer="4")
    save_answer(connection, qa, audit_id, item_key="greeting", answer="81")
    save_answer(connection, qa, audit_id, item_key="bots", answer="na")
    save_answer(connection, qa, audit_id, item_key="speed", answer="60")
    save_answer(connection, qa, audit_id, item_key="speed", subject="Rival", answer="240")


def test_completing_needs_every_answer_and_the_required_evidence(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa, competitors="Rival")
        save_answer(connection, qa, audit.id, item_key="offer", answer="3")
        with pytest.raises(KeyedInvalid) as unanswered:
            complete_audit(connection, qa, audit.id, version=audit.version)
        _answer_everything(connection, qa, audit.id)
        with pytest.raises(KeyedInvalid) as no_evidence:
            complete_audit(connection, qa, audit.id, version=audit.version)
        add_evidence(
            connection,
            qa,
            audit.id,
            item_key="intake",
            filename="../../etc/регламент.png",
            data=PNG,
        )
        done = complete_audit(connection, qa, audit.id, version=audit.version)
        with pytest.raises(Conflict):
            save_answer(connection, qa, audit.id, item_key="offer", answer="5")
    # The first item is named; intake, greeting (no data to measure), bots, speed for us
    # and for Rival are still open.
    assert unanswered.value.field == "intake"
    assert "(5 unanswered in all)" in str(unanswered.value)
    assert "«Приём обращений по регламенту»" in error_text(unanswered.value, "ru")
    assert no_evidence.value.field == "intake" and "needs evidence" in str(no_evidence.value)
    assert done.status == "completed"
    # intake partly (0.5 × 2), offer 4 (0.75 × 1), greeting 81 of 90 (0.9 × 1); bots n/a.
    assert done.score == pytest.approx(round(100 * (1.0 + 0.75 + 0.9) / 4, 1))


def test_results_compare_with_the_previous_audit_and_the_competitors(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        first = small_audit(connection, qa, competitors="Rival", held_on="2026-11-30")
        _answer_everything(connection, qa, first.id, intake="no")
        add_evidence(connection, qa, first.id, item_key="intake", filename="a.png", data=PNG)
        complete_audit(connection, qa, first.id, version=first.version)
        second = small_audit(connection, qa, competitors="Rival", held_on="2026-12-31")
        _answer_everything(connection, qa, second.id, intake="yes")
        add_evidence(connection, qa, second.id, item_key="intake", filename="b.png", data=PNG)
        results = audit_results(connection, get_audit(connection, qa, second.id))
    assert results.previous_audit is not None and results.previous_audit.id == first.id
    processes = results.areas[0]
    intake = processes.items[0]
    assert (intake.score, intake.previous, intake.change) == (100.0, 0.0, 100.0)
    assert processes.score == pytest.approx(round(100 * (2 * 1.0 + 0.75) / 3, 1))
    assert processes.previous == pytest.approx(round(100 * 0.75 / 3, 1))
    assert results.subjects == ("", "Rival")
    row = results.competitor_rows[0]
    assert [(subject, answer.answer if answer else None) for subject, answer, _ in row.cells] == [
        ("", "60"),
        ("Rival", "240"),
    ]
    # Lower is better: 60 s meets 120 s; 240 s is half way.
    assert results.competitor_scores == {"": 100.0, "Rival": 50.0}
    assert [f.item.key for f in results.findings] == ["offer", "greeting"]


def test_deleting_an_audit_removes_its_answers_and_files(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        audit = small_audit(connection, qa)
        stored = add_evidence(
            connection, qa, audit.id, item_key="intake", filename="x.png", data=PNG
        )
        path = Path(current_settings().evidence_dir).resolve() / stored.storage_key
        assert path.read_bytes() == PNG
        delete_audit(connection, qa, audit.id)
        left = connection.execute(
            select(audit_answers).where(audit_answers.c.audit_id == audit.id)
        ).all()
        files = connection.execute(
            select(audit_evidence).where(audit_evidence.c.audit_id == audit.id)
        ).all()
    assert not path.exists()
    assert left == [] and files == []


def test_only_admins_and_qa_leads_run_audits(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        lead = person(connection, workspace, "lead", WorkspaceRole.TEAM_LEAD, team="L1")
        audit = small_audit(connection, qa)
        seen = get_audit(connection, lead, audit.id)
        with pytest.raises(Forbidden):
            save_answer(connection, lead, audit.id, item_key="intake", answer="yes")
    assert seen.id == audit.id
