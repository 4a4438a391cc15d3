"""Customer surveys: single-use links per interaction, and answers stored as imports.

An answer, from a link, a QR code or a kiosk, becomes a FORMAT.md record and
goes through the same import path as a file (:class:`FileImport`): validation,
upsert, ``SurveysStored`` published, so KPIs and alerts see it at once.

- A link answer is a ``survey`` record for the interaction the link was made for.
- A place answer (QR code, kiosk) has no interaction, so it brings its own: an
  inbound ``visit`` of source ``kontrol-survey`` with no messages, the place's
  agent and team, ``meta.survey_place`` naming the place (``meta.survey_via``:
  ``qr`` or ``kiosk``), and the answer inline. KPIs count it like any rated
  visit; the checks leave it alone, as there is no conversation to check
  (``kontrol.domain.ratings``, docs/surveys.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.brands import Brand, brand_of
from kontrol.accounts.policy import interaction_scope
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.ratings import RATING_SOURCE
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import FileImport
from kontrol.ingest.registry import Importer, SourceRecord
from kontrol.store.tables import agents, interactions, survey_links, survey_places, workspaces

SURVEY_KINDS = ("csat", "nps", "ces")
# The scale of each kind: (lowest, highest), as FORMAT.md defines them.
SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
SURVEY_SOURCE = RATING_SOURCE
MAX_COMMENT = 2000
# A link token carries 256 random bits: it cannot be guessed, only the hash is stored.
TOKEN_BYTES = 32
# How long a page's form token stays valid.
FORM_TOKEN_SECONDS = 6 * 3600


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh unguessable token for a link, a QR code or a kiosk."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_kind(kind: str) -> str:
    """``kind`` when it is one of csat, nps, ces."""
    if kind not in SURVEY_KINDS:
        raise InvalidInput(
            f"kind: one of {', '.join(SURVEY_KINDS)}, not {kind[:20]!r}",
            key="surveys.error.kind",
            params={"choices": ", ".join(SURVEY_KINDS), "kind": kind[:20]},
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    return kind


def check_score(kind: str, raw: str | None) -> int:
    """The rating a form sent, within the kind's scale."""
    low, high = SCALES[check_kind(kind)]
    try:
        value = int(raw or "")
    except ValueError:
        raise InvalidInput(
            f"score: a whole number from {low} to {high}",
            key="surveys.error.score",
            params={"low": low, "high": high},
            where_key="error.where.field",
            where_params={"field": "score"},
        ) from None
    if not low <= value <= high:
        raise InvalidInput(
            f"score: a whole number from {low} to {high}",
            key="surveys.error.score",
            params={"low": low, "high": high},
            where_key="error.where.field",
            where_params={"field": "score"},
        )
    return value


def clean_comment(raw: str | None) -> str | None:
    """The comment, trimmed and limited in length; ``None`` when empty."""
    text = (raw or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            f"comment: at most {MAX_COMMENT} characters",
            key="surveys.error.comment",
            params={"limit": MAX_COMMENT},
            where_key="error.where.field",
            where_params={"field": "comment"},
        )
    return text or None


# -- form tokens: CSRF protection bound to the survey token, no session needed --


def form_token(secret: str, survey_token: str, *, now: float | None = None) -> str:
    """A token for the answer form of one survey page (valid for some hours)."""
    issued = int(time.time() if now is None else now)
    mac = hmac.new(
        secret.encode(), f"survey-form:{survey_token}:{issued}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{issued}.{mac}"


def check_form_token(secret: str, survey_token: str, submitted: str | None) -> None:
    """Raise ``InvalidInput`` unless ``submitted`` was made for this survey token lately."""
    issued_text, _, mac = (submitted or "").partition(".")
    if not issued_text.isdigit() or not mac:
        raise InvalidInput("form token: missing", key="surveys.error.token_missing")
    issued = int(issued_text)
    if not 0 <= time.time() - issued <= FORM_TOKEN_SECONDS:
        raise InvalidInput(
            "form token: expired, reload the page", key="surveys.error.token_expired"
        )
    expected = form_token(secret, survey_token, now=issued).partition(".")[2]
    if not hmac.compare_digest(expected, mac):
        raise InvalidInput("form token: wrong", key="surveys.error.token_wrong")


# -- links ---------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyLink:
    """A link made for one interaction; ``token`` is known only when just made."""

    id: int
    interaction_id: int
    kind: str
    expires_at: datetime
    token: str

    def path(self) -> str:
        """The public path of the survey page."""
        return f"/s/{self.token}"


def find_interaction_id(connection: Connection, workspace: Workspace, reference: str) -> int:
    """An interaction by its external id (any source), else by its number in Kontrol."""
    rows = connection.execute(
        select(interactions.c.id).where(
            interactions.c.workspace_id == workspace.id,
            interactions.c.external_id == reference,
        )
    ).all()
    if len(rows) > 1:
        raise Conflict(
            f"several interactions have the id {reference!r} (different sources)",
            key="surveys.error.ambiguous",
            params={"reference": reference},
        )
    if rows:
        return int(rows[0].id)
    if reference.isdigit():
        row = connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace.id,
                interactions.c.id == int(reference),
            )
        ).first()
        if row is not None:
            return int(row.id)
    raise NotFound(
        f"no interaction {reference!r} in workspace {workspace.name!r}",
        key="surveys.error.no_reference",
        params={"reference": reference, "name": workspace.name},
    )


def create_link(
    connection: Connection,
    *,
    workspace: Workspace,
    interaction_id: int,
    created_by: str,
    kind: str = "csat",
    hours: int = 72,
    viewer: Viewer | None = None,
) -> SurveyLink:
    """A new single-use link asking about one interaction, valid for ``hours``."""
    check_kind(kind)
    if not 1 <= hours <= 24 * 90:
        raise InvalidInput(
            "hours: from 1 to 2160 (90 days)",
            key="surveys.error.hours",
            where_key="error.where.field",
            where_params={"field": "hours"},
        )
    query = select(interactions.c.id).where(
        interactions.c.id == interaction_id, interactions.c.workspace_id == workspace.id
    )
    if viewer is not None:
        query = query.where(interaction_scope(viewer))
    if connection.execute(query).first() is None:
        raise NotFound(
            f"no interaction {interaction_id}",
            key="interactions.error.no_interaction",
            params={"interaction_id": interaction_id},
        )
    token = new_token()
    now = utcnow()
    expires = now + timedelta(hours=hours)
    new_id = connection.execute(
        survey_links.insert().values(
            workspace_id=workspace.id,
            interaction_id=interaction_id,
            token_hash=_hash_token(token),
            kind=kind,
            created_by=created_by[:100],
            created_at=now,
            expires_at=expires,
        )
    ).inserted_primary_key
    assert new_id is not None
    return SurveyLink(int(new_id[0]), interaction_id, kind, expires, token)


# -- what a public page shows ----------------------------------------------------


@dataclass(frozen=True)
class SurveyPage:
    """What a customer's survey page needs, and nothing more of anyone's data.

    ``state`` is ``open``, ``used`` or ``expired``.
    """

    workspace_id: int
    kind: str
    brand: Brand
    agent_first_name: str | None
    place_name: str | None
    language: str | None
    state: str
    link_id: int | None = None
    interaction_id: int | None = None
    place_id: int | None = None
    kiosk: bool = False
    """A place's kiosk page (else its QR code page)."""


def _first_name(name: str | None) -> str | None:
    words = (name or "").split()
    return words[0][:50] if words else None


def _agent_name(connection: Connection, workspace_id: int, agent_id: str | None) -> str | None:
    if not agent_id:
        return None
    name = connection.execute(
        select(agents.c.name).where(
            agents.c.workspace_id == workspace_id, agents.c.external_id == agent_id
        )
    ).scalar()
    return str(name) if name else None


def link_page(connection: Connection, token: str) -> SurveyPage:
    """The page of a link token; ``NotFound`` when no such link exists."""
    row = connection.execute(
        select(
            survey_links.c.id,
            survey_links.c.kind,
            survey_links.c.expires_at,
            survey_links.c.used_at,
            interactions.c.id.label("interaction_id"),
            interactions.c.workspace_id,
            interactions.c.agent_name,
            interactions.c.agent_external_id,
            interactions.c.language,
        )
        .join(interactions, interactions.c.id == survey_links.c.interaction_id)
        .where(survey_links.c.token_hash == _hash_token(token))
    ).first()
    if row is None:
        raise NotFound("no such survey link", key="surveys.error.no_link")
    state = "used" if row.used_at else "expired" if row.expires_at <= utcnow() else "open"
    name = _agent_name(connection, row.workspace_id, row.agent_external_id) or row.agent_name
    return SurveyPage(
        workspace_id=row.workspace_id,
        kind=row.kind,
        brand=brand_of(connection, row.workspace_id),
        agent_first_name=_first_name(name),
        place_name=None,
        language=row.language,
        state=state,
        link_id=row.id,
        interaction_id=row.interaction_id,
    )


def place_page(connection: Connection, token: str, *, kiosk: bool) -> SurveyPage:
    """The page of a place's QR token (or kiosk token); ``NotFound`` when unknown."""
    column = survey_places.c.kiosk_token if kiosk else survey_places.c.public_token
    row = connection.execute(
        select(survey_places).where(column == token, survey_places.c.is_active.is_(True))
    ).first()
    if row is None:
        raise NotFound("no such survey place", key="surveys.error.no_place_link")
    name = _agent_name(connection, row.workspace_id, row.agent_external_id)
    return SurveyPage(
        workspace_id=row.workspace_id,
        kind=row.kind,
        brand=brand_of(connection, row.workspace_id),
        agent_first_name=_first_name(name),
        place_name=row.name,
        language=row.language,
        state="open",
        place_id=row.id,
        kiosk=kiosk,
    )


# -- answers ---------------------------------------------------------------------


class _AnswerImporter(Importer):
    """Hands records made in memory to the file import path, one per line."""

    name: ClassVar[str] = "survey-answer"
    label: ClassVar[str] = "Survey answer"

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def read(self, path: Path) -> Iterator[SourceRecord]:
        import json

        for line, record in enumerate(self.records, start=1):
            yield SourceRecord(line, json.dumps(record, ensure_ascii=False), record)


def _store(engine: Engine, workspace: Workspace, record: dict[str, Any], label: str) -> None:
    report: ImportReport = FileImport(engine, workspace, label).run(
        _AnswerImporter([record]), Path(label)
    )
    if report.rejected:
        raise InvalidInput(
            report.rejects[0].error,
            key="surveys.error.answer_refused",
            params={"error": report.rejects[0].error},
        )


def _workspace(connection: Connection, workspace_id: int) -> Workspace:
    row = connection.execute(select(workspaces).where(workspaces.c.id == workspace_id)).one()
    return Workspace(id=row.id, name=row.name, timezone=row.timezone)


def answer_link(engine: Engine, token: str, *, score: int, comment: str | None) -> SurveyPage:
    """Store the answer of a link, once: a second answer raises ``Conflict``.

    The link is claimed by one conditional UPDATE (unused and unexpired), so
    two answers racing each other cannot both pass; if storing the answer
    then fails, the claim is released.
    """
    with engine.begin() as connection:
        page = link_page(connection, token)
        now = utcnow()
        claimed = connection.execute(
            update(survey_links)
            .where(
                survey_links.c.id == page.link_id,
                survey_links.c.used_at.is_(None),
                survey_links.c.expires_at > now,
            )
            .values(used_at=now)
        ).rowcount
        if claimed != 1:
            raise Conflict(
                "this survey link was used already or has expired", key="surveys.error.link_used"
            )
        target = connection.execute(
            select(interactions.c.source, interactions.c.external_id).where(
                interactions.c.id == page.interaction_id
            )
        ).one()
        workspace = _workspace(connection, page.workspace_id)
    record: dict[str, Any] = {
        "kind": "survey",
        "source": target.source,
        "interaction_id": target.external_id,
        "at": now.isoformat() + "+00:00",
        page.kind: score,
    }
    if comment:
        record["comment"] = comment
    try:
        _store(engine, workspace, record, f"survey-link:{page.link_id}")
    except Exception:
        with engine.begin() as connection:
            connection.execute(
                update(survey_links).where(survey_links.c.id == page.link_id).values(used_at=None)
            )
        raise
    return page


def answer_place(
    engine: Engine, page: SurveyPage, *, score: int, comment: str | None, language: str
) -> str:
    """Store a QR or kiosk answer as a rated ``visit`` without a conversation; returns its
    interaction id."""
    with engine.connect() as connection:
        place = connection.execute(
            select(survey_places).where(survey_places.c.id == page.place_id)
        ).one()
        workspace = _workspace(connection, page.workspace_id)
    now = utcnow().isoformat() + "+00:00"
    external_id = f"place-{place.id}-{uuid.uuid4().hex}"
    survey: dict[str, Any] = {"at": now, page.kind: score}
    if comment:
        survey["comment"] = comment
    record: dict[str, Any] = {
        "id": external_id,
        "source": SURVEY_SOURCE,
        "channel": "visit",
        "direction": "inbound",
        "started_at": now,
        "language": language,
        "messages": [],
        "meta": {
            "survey_place": place.name,
            "survey_place_id": place.id,
            "survey_via": "kiosk" if page.kiosk else "qr",
        },
        "survey": survey,
    }
    if place.agent_external_id:
        record["agent_id"] = place.agent_external_id
    if place.team:
        record["team"] = place.team
    _store(engine, workspace, record, f"survey-place:{place.id}")
    return external_id
