"""Stored scorecards: versions by name, the shipped defaults, the ones in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from kontrol.checks.check_settings import check_settings
from kontrol.checks.engine import CheckSettings
from kontrol.checks.registry import check_sources, registered_checks
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import NotFound
from kontrol.domain.scorecard import Scorecard, load_scorecard
from kontrol.store.tables import evaluations, scorecards

DEFAULT_SCORECARDS = ("default-ru", "default-en")


@dataclass(frozen=True, slots=True)
class StoredScorecard:
    """One version of a scorecard as stored, with its parsed form."""

    id: int
    name: str
    version: int
    is_active: bool
    created_at: datetime
    yaml: str
    scorecard: Scorecard


def known_check_ids(settings: CheckSettings | None = None) -> frozenset[str]:
    """Ids a scorecard criterion may be bound to: built-in and the workspace's custom checks."""
    ids = set(registered_checks())
    for _name, source in check_sources.items():
        ids.update(source.check_ids)
    if settings is not None:
        ids.update(c.id for c in settings.custom_checks)
    return frozenset(ids)


def default_scorecard_text(name: str) -> str:
    """The YAML of a shipped default scorecard."""
    entry = resources.files("kontrol.checks").joinpath("scorecards").joinpath(f"{name}.yaml")
    return entry.read_text(encoding="utf-8")


_parsed: dict[str, Scorecard] = {}


def _parse_stored(text: str) -> Scorecard:
    """A stored scorecard's YAML, parsed once per process (YAML parsing is slow)."""
    found = _parsed.get(text)
    if found is None:
        if len(_parsed) > 256:
            _parsed.clear()
        found = _parsed[text] = load_scorecard(text)
    return found


def stored_scorecard(row: Any) -> StoredScorecard:
    """A ``scorecards`` row with its parsed form."""
    return StoredScorecard(
        id=int(row.id),
        name=row.name,
        version=int(row.version),
        is_active=bool(row.is_active),
        created_at=row.created_at,
        yaml=row.yaml,
        scorecard=_parse_stored(row.yaml),
    )


def save_scorecard(
    connection: Connection,
    workspace_id: int,
    text: str,
    *,
    user_id: int | None = None,
    settings: CheckSettings | None = None,
) -> StoredScorecard:
    """Store a scorecard from YAML: a new one, or a new version of the one with its name."""
    if settings is None:
        settings = check_settings(connection, workspace_id)
    parsed = load_scorecard(text, known_checks=known_check_ids(settings))
    latest = connection.execute(
        select(func.max(scorecards.c.version)).where(
            scorecards.c.workspace_id == workspace_id, scorecards.c.name == parsed.name
        )
    ).scalar()
    version = int(latest or 0) + 1
    now = utcnow()
    connection.execute(
        update(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.name == parsed.name)
        .values(is_active=False)
    )
    new_id = connection.execute(
        scorecards.insert().values(
            workspace_id=workspace_id,
            name=parsed.name,
            version=version,
            title=parsed.title[:200],
            language=parsed.language,
            yaml=text,
            is_active=True,
            created_at=now,
            created_by=user_id,
        )
    ).inserted_primary_key
    assert new_id is not None
    return StoredScorecard(int(new_id[0]), parsed.name, version, True, now, text, parsed)


def ensure_default_scorecards(connection: Connection, workspace_id: int) -> None:
    """Give a workspace without scorecards the shipped Russian and English defaults."""
    exists = connection.execute(
        select(scorecards.c.id).where(scorecards.c.workspace_id == workspace_id).limit(1)
    ).first()
    if exists is not None:
        return
    for name in DEFAULT_SCORECARDS:
        save_scorecard(
            connection, workspace_id, default_scorecard_text(name), settings=CheckSettings()
        )


def active_scorecards(connection: Connection, workspace_id: int) -> list[StoredScorecard]:
    """The newest version of each active scorecard of the workspace, by name."""
    rows = connection.execute(
        select(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.is_active.is_(True))
        .order_by(scorecards.c.name)
    )
    return [stored_scorecard(row) for row in rows]


def bonus_checks(connection: Connection, workspace_id: int) -> frozenset[str]:
    """Checks that only bonus criteria of the active scorecards are bound to.

    Not earning a bonus is no failure (the score never counts it against the
    agent), so figures of failed checks leave these out. A check bound to an
    ordinary criterion of any active scorecard, or to none, is not among them.
    """
    bonus: set[str] = set()
    ordinary: set[str] = set()
    for card in active_scorecards(connection, workspace_id):
        for criterion in card.scorecard.criteria:
            if criterion.check is not None:
                (bonus if criterion.bonus else ordinary).add(criterion.check)
    return frozenset(bonus - ordinary)


def scorecard_versions(
    connection: Connection, workspace_id: int, name: str
) -> list[StoredScorecard]:
    """Every version of one scorecard, newest first."""
    rows = connection.execute(
        select(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.name == name)
        .order_by(scorecards.c.version.desc())
    ).all()
    if not rows:
        raise NotFound(
            f"no scorecard named {name!r}", key="checks.error.no_scorecard", params={"name": name}
        )
    return [stored_scorecard(row) for row in rows]


def pick_version(versions: list[StoredScorecard], version: int | None) -> StoredScorecard:
    """The version asked for among ``versions`` (newest first); the newest by default."""
    card = next((v for v in versions if v.version == version), versions[0])
    if version is not None and card.version != version:
        raise NotFound(
            f"scorecard {card.name!r} has no version {version}",
            key="checks.error.no_version",
            params={"name": card.name, "version": version},
        )
    return card


def scorecard_version(
    connection: Connection, workspace_id: int | None, scorecard_id: int
) -> StoredScorecard:
    """One stored version of a scorecard by its row id (an evaluation's ``scorecard_id``).

    With ``workspace_id`` it must belong to that workspace; ``None`` is for callers
    that reached the id through a row already checked to be the viewer's.
    """
    statement = select(scorecards).where(scorecards.c.id == scorecard_id)
    if workspace_id is not None:
        statement = statement.where(scorecards.c.workspace_id == workspace_id)
    row = connection.execute(statement).first()
    if row is None:
        raise NotFound(
            f"no scorecard {scorecard_id} in this workspace",
            key="checks.error.no_scorecard_id",
            params={"scorecard_id": scorecard_id},
        )
    return stored_scorecard(row)


def scorecard_by_id(connection: Connection, scorecard_id: int) -> StoredScorecard:
    """One stored scorecard version, whatever its workspace (see :func:`scorecard_version`)."""
    return scorecard_version(connection, None, scorecard_id)


def list_scorecards(connection: Connection, workspace_id: int) -> list[StoredScorecard]:
    """The newest version of every scorecard of the workspace, active or not."""
    newest = (
        select(scorecards.c.name, func.max(scorecards.c.version).label("version"))
        .where(scorecards.c.workspace_id == workspace_id)
        .group_by(scorecards.c.name)
        .subquery()
    )
    rows = connection.execute(
        select(scorecards)
        .join(
            newest,
            and_(scorecards.c.name == newest.c.name, scorecards.c.version == newest.c.version),
        )
        .where(scorecards.c.workspace_id == workspace_id)
        .order_by(scorecards.c.name)
    )
    return [stored_scorecard(row) for row in rows]


def preferred_scorecard(
    connection: Connection, workspace_id: int, cards: list[StoredScorecard], language: str
) -> StoredScorecard | None:
    """The scorecard a form offers first: an active one in the workspace's ``language``
    (or for every language), the one most evaluations used among those, then by name.

    Sorting by name alone put "default-en" first in a Russian workspace (issue 15).
    """
    if not cards:
        return None
    counted = connection.execute(
        select(scorecards.c.name, func.count(evaluations.c.id).label("n"))
        .join(evaluations, evaluations.c.scorecard_id == scorecards.c.id)
        .where(scorecards.c.workspace_id == workspace_id)
        .group_by(scorecards.c.name)
    )
    used = {str(row.name): int(row.n) for row in counted}

    def rank(card: StoredScorecard) -> tuple[bool, int, int, str]:
        fits = card.scorecard.language == language
        fits_all = card.scorecard.language is None
        language_rank = 0 if fits else 1 if fits_all else 2
        return (not card.is_active, language_rank, -used.get(card.name, 0), card.name)

    return min(cards, key=rank)
