"""A small workspace for the calibration tests: interactions, a three-criterion
scorecard (two pass/fail, one 1-5) and people of every role.

The scorecard's weights make scores easy to work out by hand: greeting 1,
solution 2, overall 1 (a 1-5 mark counts (v - 1) / 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from kontrol.accounts.access import Viewer
from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import save_scorecard
from kontrol.domain.roles import WorkspaceRole
from tests.factories import (
    PersonRow,
    add_outsider,
    add_people,
    exchange,
    import_records,
    interaction_ids,
    interaction_record,
    viewer_of,
)

SCORECARD = """
name: calib-card
title: Calibration card
sections:
  - id: main
    title: Main
    criteria:
      - {id: greeting, title: Greeted the customer, weight: 1}
      - {id: solution, title: Correct solution, weight: 2}
      - {id: overall, title: Overall impression, weight: 1, scale: 1-5}
"""
PEOPLE: list[PersonRow] = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("rev1", WorkspaceRole.REVIEWER, None, None),
    ("rev2", WorkspaceRole.REVIEWER, None, None),
    ("rev3", WorkspaceRole.REVIEWER, None, None),
    ("rev4", WorkspaceRole.REVIEWER, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, None),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
]


def record(external_id: str, agent: str, day: int, text: str) -> dict[str, object]:
    started = f"2026-11-{day:02d}T10:00:00+00:00"
    return interaction_record(
        external_id,
        started=started,
        agent_id=agent,
        team="L1",
        topic="delivery",
        messages=exchange(text, "Hello! Let me check.", at=started),
    )


RECORDS = [
    record("k1", "a1", 2, "Where is my order?"),
    record("k2", "a2", 3, "Refund <script>alert(1)</script> please"),
    record("k3", "a1", 4, "When does the parcel arrive?"),
]


@dataclass
class Setup:
    """What a test needs: viewers by username, interaction ids by external id, the card."""

    workspace: Workspace
    viewers: dict[str, Viewer]
    interactions: dict[str, int]
    scorecard_id: int
    outsider: Viewer


def build(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    import_records(engine, workspace, tmp_path, RECORDS, name="calibration.jsonl")
    with engine.begin() as connection:
        card = save_scorecard(connection, workspace.id, SCORECARD)
        accounts = add_people(connection, workspace, PEOPLE, shown_as=str.upper)
        viewers = {
            username: viewer_of(connection, account, workspace)
            for username, account in accounts.items()
        }
        other, stranger = add_outsider(connection, WorkspaceRole.QA_LEAD)
        outsider = viewer_of(connection, stranger, other)
        ids = interaction_ids(connection, workspace)
    return Setup(workspace, viewers, ids, card.id, outsider)
