"""``kontrol score FILE``: the import-and-score path on a temporary SQLite database.

The file is imported exactly as ``kontrol import`` would, then every interaction
is scored through the same subscribers as a real import, in this process whatever
the file's size (no worker sees the temporary database: ``HeldEffects``); the
results are then read back from the database. One implementation, never two
(ARCHITECTURE.md).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kontrol.accounts.installation import initialize
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, find_workspace
from kontrol.checks.scorecards import (
    StoredScorecard,
    active_scorecards,
    ensure_default_scorecards,
    save_scorecard,
)
from kontrol.checks.stored_results import stored_outcomes
from kontrol.domain.errors import NotFound
from kontrol.ingest.held_effects import FileProgress, HeldEffects
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_file
from kontrol.store.tables import evaluations, interaction_signals, interactions


@dataclass(slots=True)
class FileScores:
    """The scored lines of a file and the import report (rejects go to stderr)."""

    report: ImportReport
    lines: list[dict[str, Any]] = field(default_factory=list)


def _choose(cards: list[StoredScorecard], wanted: str, language: str) -> StoredScorecard | None:
    by_name = {card.name: card for card in cards}
    if wanted in by_name:
        return by_name[wanted]
    # "default" means the shipped default of the interaction's language.
    return by_name.get(f"{wanted}-{language}")


def score_file(
    path: Path,
    *,
    scorecard: str | None = None,
    format_name: str | None = None,
    progress: FileProgress | None = None,
) -> FileScores:
    """Import ``path`` into a temporary database, score it, return one line per interaction.

    ``scorecard``: a scorecard name (``default`` picks ``default-ru``/``default-en`` by
    the interaction's language) or a YAML file; ``None`` runs the checks only.
    ``progress`` is told how far the import and the scoring are.
    """
    with tempfile.TemporaryDirectory(prefix="kontrol-score-") as folder:
        engine = initialize(f"sqlite:///{Path(folder) / 'score.db'}")
        try:
            with engine.begin() as connection:
                workspace = find_workspace(connection, DEFAULT_WORKSPACE)
                if scorecard is not None and Path(scorecard).suffix in (".yaml", ".yml"):
                    card_file = Path(scorecard)
                    if not card_file.exists():
                        raise NotFound(f"{scorecard}: no such file")

                    ensure_default_scorecards(connection, workspace.id)
                    scorecard = save_scorecard(
                        connection, workspace.id, card_file.read_text(encoding="utf-8")
                    ).name
            held = HeldEffects(progress)
            report = import_file(
                engine=engine,
                workspace=workspace,
                path=path,
                format_name=format_name,
                publish_events=held.hold,
            )
            held.release(engine)
            result = FileScores(report)
            with engine.connect() as connection:
                rows = connection.execute(
                    select(
                        interactions.c.id,
                        interactions.c.external_id,
                        interaction_signals.c.language,
                    )
                    .join(
                        interaction_signals,
                        interaction_signals.c.interaction_id == interactions.c.id,
                        isouter=True,
                    )
                    .where(interactions.c.workspace_id == workspace.id)
                    .order_by(interactions.c.id)
                ).all()
                cards = active_scorecards(connection, workspace.id)
                if scorecard is not None and not any(
                    _choose(cards, scorecard, lang) for lang in ("ru", "en")
                ):
                    names = ", ".join(sorted(c.name for c in cards))
                    raise NotFound(f"no scorecard named {scorecard!r} (there are: {names})")
                outcomes = stored_outcomes(connection, [row.id for row in rows])
                scores = {
                    (e.interaction_id, e.scorecard_id): e
                    for e in connection.execute(
                        select(
                            evaluations.c.interaction_id,
                            evaluations.c.scorecard_id,
                            evaluations.c.score,
                            evaluations.c.passed,
                        ).where(evaluations.c.workspace_id == workspace.id)
                    )
                }
                for row in rows:
                    line: dict[str, Any] = {
                        "id": row.external_id,
                        "scorecard": None,
                        "score": None,
                        "passed": None,
                    }
                    if scorecard is not None:
                        card = _choose(cards, scorecard, row.language or "en")
                        if card is not None:
                            line["scorecard"] = card.name
                            found = scores.get((row.id, card.id))
                            if found is not None:
                                line["score"] = found.score
                                line["passed"] = found.passed
                    line.update(outcomes[row.id])
                    result.lines.append(line)
            return result
        finally:
            engine.dispose()
