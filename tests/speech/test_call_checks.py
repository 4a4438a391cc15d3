"""``no_interruption`` and ``hold_announced`` on calls known only from their recording.

The calls are built (espeak-ng speaks, sox mixes) with known interruptions and a
known hold; the verdicts' evidence must lie within 0.3 s of what was built.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.builtin.handling import hold_announced, no_interruption
from kontrol.checks.conversation import Conversation
from kontrol.checks.engine import prepare
from kontrol.checks.registry import FAIL, NA, PASS
from kontrol.checks.scoring import score_interactions
from kontrol.speech.analysis import analyse
from kontrol.speech.audio import decode
from kontrol.speech.signals import turns_of
from kontrol.speech.watch import scan
from kontrol.store.tables import check_failures, check_outcomes, interactions, job_runs
from tests.speech.calls import Placed
from tests.speech.conftest import BuiltCall

TOLERANCE = 0.3


def _audio_only(path: Path) -> Conversation:
    conversation = prepare(channel="call", messages=[], language="ru")
    conversation.audio = turns_of(analyse(decode(path)).as_json())
    return conversation


def _interruptions(call: BuiltCall) -> list[tuple[float, float]]:
    """(start, overlap) of each agent utterance that starts over the customer's."""
    found = []
    customers = [p for p in call.placed if p.channel == 1]
    for agent in (p for p in call.placed if p.channel == 0):
        for customer in customers:
            if customer.start < agent.start < customer.end:
                found.append((agent.start, min(agent.end, customer.end) - agent.start))
    return found


def _hold(call: BuiltCall) -> tuple[float, float]:
    """(start, length) of the one silence over 30 s, ended by the agent."""
    ordered: list[Placed] = sorted(call.placed, key=lambda p: p.start)
    latest = 0.0
    for placed in ordered:
        if placed.channel == 0 and placed.start - latest > 30.0:
            return latest, placed.start - latest
        latest = max(latest, placed.end)
    raise AssertionError("the built call has no hold")


def test_two_interruptions_measured_from_the_audio_fail_no_interruption(
    held_call: BuiltCall,
) -> None:
    verdict = no_interruption(_audio_only(held_call.wav))
    built = _interruptions(held_call)
    assert len(built) == 2
    assert verdict.result == FAIL
    assert len(verdict.evidence) == 2
    for item, (start, overlap) in zip(verdict.evidence, built, strict=True):
        assert item["at"] == pytest.approx(start, abs=TOLERANCE)
        assert item["value"] == pytest.approx(overlap, abs=TOLERANCE)
        assert item["message"] is None


def test_one_interruption_measured_from_the_audio_passes(built_call: BuiltCall) -> None:
    verdict = no_interruption(_audio_only(built_call.wav))
    ((start, overlap),) = _interruptions(built_call)
    assert verdict.result == PASS
    assert len(verdict.evidence) == 1
    assert verdict.evidence[0]["at"] == pytest.approx(start, abs=TOLERANCE)
    assert verdict.evidence[0]["value"] == pytest.approx(overlap, abs=TOLERANCE)


def test_a_hold_without_words_is_found_but_cannot_be_judged(held_call: BuiltCall) -> None:
    verdict = hold_announced(_audio_only(held_call.wav))
    start, length = _hold(held_call)
    assert verdict.result == NA
    assert len(verdict.evidence) == 1
    assert verdict.evidence[0]["at"] == pytest.approx(start, abs=TOLERANCE)
    assert verdict.evidence[0]["value"] == pytest.approx(length, abs=TOLERANCE)


def test_a_call_without_a_long_silence_has_no_hold(built_call: BuiltCall) -> None:
    verdict = hold_announced(_audio_only(built_call.wav))
    assert verdict.result == NA and verdict.evidence == ()


def test_without_audio_or_transcript_both_checks_are_not_applicable() -> None:
    conversation = prepare(channel="call", messages=[], language="ru")
    assert no_interruption(conversation).result == NA
    assert hold_announced(conversation).result == NA


def test_a_dropped_call_is_scored_from_its_audio(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    held_call: BuiltCall,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(tmp_path / "recordings"))
    shutil.copy(held_call.wav, inbox / "pbx-7001.wav")
    assert scan(engine, workspace, inbox, quiet_seconds=0).imported == ["pbx-7001.wav"]
    with engine.connect() as connection:
        call_id = connection.execute(select(interactions.c.id)).scalar_one()
        queued = connection.execute(
            select(job_runs.c.payload).where(job_runs.c.name == "speech.publish")
        ).scalars()
        # measuring a call without a timed transcript queues its scoring again
        assert [p["interaction_id"] for p in queued] == [call_id]
    assert score_interactions(engine, workspace.id, [call_id]) == 1
    with engine.connect() as connection:
        verdicts = connection.execute(
            select(check_outcomes.c.verdicts).where(check_outcomes.c.interaction_id == call_id)
        ).scalar_one()
        failed = connection.execute(
            select(check_failures.c.check_id).where(check_failures.c.interaction_id == call_id)
        ).scalars()
        assert "no_interruption" in list(failed)
    assert verdicts["no_interruption"]["result"] == FAIL
    assert len(verdicts["no_interruption"]["evidence"]) == 2
    assert verdicts["hold_announced"]["result"] == NA
    assert verdicts["hold_announced"]["evidence"][0]["value"] == pytest.approx(
        _hold(held_call)[1], abs=TOLERANCE
    )
