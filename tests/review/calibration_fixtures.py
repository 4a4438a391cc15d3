"""A small workspace for the calibration tests: interactions, a three-criterion
scorecard (two pass/fail, one 1-5) and people of every role.

The scorecard's weights make scores easy to work out by hand: greeting 1,
solution 2, overall 1 (a 1-5 mark counts (v - 1) / 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import add_user, memberships_of
from kontrol.accounts.workspaces import Workspace, create_workspace
from kontrol.checks.scoring import save_scorecard
from kontrol.domain.roles import WorkspaceRole
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions

PASSWORD = "correct horse battery"
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
PEOPLE = [
    ("admin", WorkspaceRole.ADMIN, None),
    ("qa", WorkspaceRole.QA_LEAD, None),
    ("rev1", WorkspaceRole.REVIEWER, None),
    ("rev2", WorkspaceRole.REVIEWER, None),
    ("rev3", WorkspaceRole.REVIEWER, None),
    ("rev4", WorkspaceRole.REVIEWER, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None),
    ("agent1", WorkspaceRole.AGENT, "a1"),
]


def record(external_id: str, agent: str, day: int, text: str) -> dict[str, object]:
    started = f"2026-11-{day:02d}T10:00:00+00:00"
    return {
        "id": external_id,
        "channel": "chat",
        "started_at": started,
        "agent_id": agent,
        "team": "L1",
        "customer_id": f"c-{external_id}",
        "topic": "delivery",
        "messages": [
            {"role": "customer", "text": text, "at": started},
            {"role": "agent", "text": "Hello! Let me check.", "at": started},
        ],
    }


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
    path = tmp_path / "calibration.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    import_file(engine=engine, workspace=workspace, path=path)
    viewers: dict[str, Viewer] = {}
    with engine.begin() as connection:
        card = save_scorecard(connection, workspace.id, SCORECARD)
        for username, role, agent in PEOPLE:
            account = add_user(
                connection,
                username=username,
                password=PASSWORD,
                workspace_name=workspace.name,
                role=role,
                display_name=username.upper(),
                agent_external_id=agent,
            )
            viewers[username] = Viewer(account, memberships_of(connection, account)[0])
        other = create_workspace(connection, name="other client")
        stranger = add_user(
            connection,
            username="outsider",
            password=PASSWORD,
            workspace_name=other.name,
            role=WorkspaceRole.QA_LEAD,
        )
        outsider = Viewer(stranger, memberships_of(connection, stranger)[0])
        ids = {
            row.external_id: int(row.id)
            for row in connection.execute(
                interactions.select().where(interactions.c.workspace_id == workspace.id)
            )
        }
    return Setup(workspace, viewers, ids, card.id, outsider)
