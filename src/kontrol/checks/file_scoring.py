"""``kontrol score FILE``: the import-and-score path on a temporary SQLite database.

The file is imported exactly as ``kontrol import`` would, then every interaction
is scored through the same subscribers as a real import, in this process whatever
the file's size (no worker sees the temporary database: ``HeldEffects``); the
results are then read back from the database. One implementation, never two
(ARCHITECTURE.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, select

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace, find_workspace
from kontrol.checks.scorecards import (
    StoredScorecard,
    active_scorecards,
    ensure_default_scorecards,
    save_scorecard,
)
from kontrol.checks.stored_results import stored_outcomes
from kontrol.checks.word_cache import save_words
from kontrol.domain.errors import NotFound
from kontrol.ingest.held_effects import FileProgress, HeldEffects
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_file
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import evaluations, interaction_signals, interactions

# Interactions read back (and written out) at a time.
PAGE = 1000


@dataclass(slots=True)
class FileScores:
    """The scored lines of a file and the import report (rejects go to stderr)."""

    report: ImportReport
    lines: list[dict[str, Any]] = field(default_factory=list)


def _scratch_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # A throw-away file: nothing to keep safe from a power cut, so no fsync.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def scratch_engine(url: str) -> Engine:
    """A fresh, migrated temporary SQLite database with the ``default`` workspace."""
    engine = make_engine(url)
    event.listen(engine, "connect", _scratch_pragmas)
    upgrade(engine)
    ensure_workspace(engine, DEFAULT_WORKSPACE)
    return engine


def _scored_lines(
    connection: Connection,
    workspace_id: int,
    cards: Sequence[StoredScorecard],
    scorecard: str | None,
) -> Iterator[dict[str, Any]]:
    """One line per stored interaction, in the order stored, read a page at a time."""
    after = 0
    while True:
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
            .where(interactions.c.workspace_id == workspace_id, interactions.c.id > after)
            .order_by(interactions.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        ids = [row.id for row in rows]
        outcomes = stored_outcomes(connection, ids)
        scores = {
            (e.interaction_id, e.scorecard_id): e
            for e in connection.execute(
                select(
                    evaluations.c.interaction_id,
                    evaluations.c.scorecard_id,
                    evaluations.c.score,
                    evaluations.c.passed,
                ).where(evaluations.c.interaction_id.in_(ids))
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
                found = scores.get((row.id, card.id)) if card is not None else None
                # Named only when it evaluated the interaction: one without text, or
                # outside the scorecard's channels, is scored by none.
                if card is not None and found is not None:
                    line["scorecard"] = card.name
                    line["score"] = found.score
                    line["passed"] = found.passed
            line.update(outcomes[row.id])
            yield line


def _choose(cards: Sequence[StoredScorecard], wanted: str, language: str) -> StoredScorecard | None:
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
    emit: Callable[[dict[str, Any]], None] | None = None,
    jobs: int = 1,
) -> FileScores:
    """Import ``path`` into a temporary database, score it, return one line per interaction.

    ``scorecard``: a scorecard name (``default`` picks ``default-ru``/``default-en`` by
    the interaction's language) or a YAML file; ``None`` runs the checks only.
    ``progress`` is told how far the import and the scoring are. With ``emit``, each
    line goes to it as soon as it is read back (in pages: memory stays flat whatever
    the file's size) and ``lines`` stays empty. ``jobs`` > 1 runs the checks in that
    many processes.
    """
    with tempfile.TemporaryDirectory(prefix="kontrol-score-") as folder:
        url = f"sqlite:///{Path(folder) / 'score.db'}"
        engine = scratch_engine(url)
        try:
            with engine.begin() as connection:
                workspace = find_workspace(connection, DEFAULT_WORKSPACE)
                if scorecard is not None and Path(scorecard).suffix in (".yaml", ".yml"):
                    card_file = Path(scorecard)
                    if not card_file.exists():
                        raise NotFound(
                            f"{scorecard}: no such file",
                            key="checks.error.no_file",
                            params={"scorecard": scorecard},
                        )

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
            if jobs > 1:
                # The checks of the held chunks in ``jobs`` processes on the same file.
                held.release_in_processes(engine, url, jobs)
            else:
                held.release(engine)
            save_words()  # the dictionaries' answers, for the next command
            result = FileScores(report)
            with engine.connect() as connection:
                cards = active_scorecards(connection, workspace.id)
                if scorecard is not None and not any(
                    _choose(cards, scorecard, lang) for lang in ("ru", "en")
                ):
                    names = ", ".join(sorted(c.name for c in cards))
                    raise NotFound(
                        f"no scorecard named {scorecard!r} (there are: {names})",
                        key="checks.error.no_scorecard_in",
                        params={"scorecard": scorecard, "names": names},
                    )
                for line in _scored_lines(connection, workspace.id, cards, scorecard):
                    if emit is None:
                        result.lines.append(line)
                    else:
                        emit(line)
            return result
        finally:
            engine.dispose()
