"""How fast a reviewer's interaction list answers: the row scope on a large workspace.

Fills a fresh database as ``bench.interaction_list`` does, assigns a few
hundred interactions to one reviewer (review items), gives them manual
evaluations of some others and one calibration session, then times the list
queries as that reviewer (the scope is "assigned, scored or calibrated") beside
the same queries as an admin and a team lead. Median of several runs after a
warm-up.

    python -m bench.reviewer_scope --count 200000
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from bench.interaction_list import _median_ms, _postgres_engine, fill
from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.listing import list_interactions
from kontrol.store.database import make_engine
from kontrol.store.tables import (
    calibration_items,
    calibration_participants,
    calibration_sessions,
    evaluations,
    review_items,
    review_queues,
    scorecards,
    users,
)

NOW = datetime(2026, 11, 1)


def assign(engine: Engine, count: int, *, assigned: int, scored: int, seed: int = 3) -> int:
    """A reviewer with ``assigned`` review items and ``scored`` manual evaluations; their id."""
    rng = random.Random(seed)
    picked = rng.sample(range(1, count + 1), assigned + scored + 5)
    with engine.begin() as connection:
        reviewer = connection.execute(
            users.insert().values(
                username="bench-reviewer",
                display_name="Reviewer",
                password_hash="-",
                locale="en",
                is_active=True,
                created_at=NOW,
            )
        ).inserted_primary_key[0]
        queue = connection.execute(
            review_queues.insert().values(workspace_id=1, name="bench", created_at=NOW)
        ).inserted_primary_key[0]
        connection.execute(
            review_items.insert(),
            [
                {
                    "workspace_id": 1,
                    "queue_id": queue,
                    "interaction_id": interaction_id,
                    "reason": "bench",
                    "priority": 1,
                    "status": "open",
                    "assignee_id": reviewer,
                    "created_at": NOW,
                }
                for interaction_id in picked[:assigned]
            ],
        )
        card = connection.execute(
            scorecards.insert().values(
                workspace_id=1,
                name="bench",
                version=1,
                title="Bench",
                yaml="name: bench",
                is_active=True,
                created_at=NOW,
            )
        ).inserted_primary_key[0]
        connection.execute(
            evaluations.insert(),
            [
                {
                    "workspace_id": 1,
                    "interaction_id": interaction_id,
                    "scorecard_id": card,
                    "kind": "manual",
                    "items": [],
                    "created_at": NOW,
                    "status": "submitted",
                    "reviewer_id": reviewer,
                }
                for interaction_id in picked[assigned : assigned + scored]
            ],
        )
        session = connection.execute(
            calibration_sessions.insert().values(
                workspace_id=1, name="bench", scorecard_id=card, status="open", created_at=NOW
            )
        ).inserted_primary_key[0]
        connection.execute(
            calibration_items.insert(),
            [{"session_id": session, "interaction_id": i} for i in picked[assigned + scored :]],
        )
        connection.execute(
            calibration_participants.insert().values(session_id=session, user_id=reviewer)
        )
        connection.execute(text("ANALYZE"))
    return int(reviewer)


def measure(engine: Engine, reviewer_id: int) -> dict[str, float]:
    """Median milliseconds of list pages for a reviewer, a team lead and an admin."""
    workspace = ensure_workspace(engine, "default")

    def viewer(role: WorkspaceRole, user_id: int, team: str | None = None) -> Viewer:
        return Viewer(
            Account(user_id, "bench", "bench", "en"), Membership(workspace, role, None, team)
        )

    people = {
        "admin": viewer(WorkspaceRole.ADMIN, 0),
        "team lead": viewer(WorkspaceRole.TEAM_LEAD, 0, "team 1"),
        "reviewer": viewer(WorkspaceRole.REVIEWER, reviewer_id),
    }
    cases = {
        "first page": InteractionFilter(),
        "channel = call": InteractionFilter(channel="call"),
        "text search, common word": InteractionFilter(q="курьер"),
    }
    results: dict[str, float] = {}

    def page(person: Viewer, filters: InteractionFilter) -> Callable[[], object]:
        def run() -> object:
            with engine.connect() as connection:
                return list_interactions(connection, person, filters, limit=50)

        return run

    for who, person in people.items():
        for name, filters in cases.items():
            results[f"{who}: {name}"] = _median_ms(page(person, filters))
    with engine.connect() as connection:
        found = len(
            list_interactions(connection, people["reviewer"], InteractionFilter(), limit=200).items
        )
    results["reviewer rows on the first page of 200"] = float(found)
    return results


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--assigned", type=int, default=300)
    parser.add_argument("--scored", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                engine = make_engine(f"sqlite:///{Path(folder) / 'scope.db'}")
            else:
                engine = _postgres_engine("kontrol_bench_scope")
            fill(engine, args.count)
            reviewer = assign(engine, args.count, assigned=args.assigned, scored=args.scored)
            columns[backend] = measure(engine, reviewer)
            engine.dispose()
    names = list(next(iter(columns.values())))
    lines = [
        f"Interaction list with row scope on {args.count:,} interactions "
        f"(reviewer: {args.assigned} assigned, {args.scored} scored, 5 calibrated): "
        "median ms per page of 50",
        "",
        "| query | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{columns[b][name]:.1f}" for b in columns) + " |")
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
