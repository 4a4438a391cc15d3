"""Stored scripts: versions by name, the shipped examples, feedback on steps, widget tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import Connection, func, select, update

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.scripts.adherence import ScriptInForce
from kontrol.scripts.model import LANGUAGES, ScriptSpec, parse_script
from kontrol.store.tables import script_feedback, script_widget_tokens, scripts

EXAMPLES = ("delivery-question", "refund", "card-blocked", "complaint")
FEEDBACK_SOURCES = ("agent", "customer")
MAX_FEEDBACK = 2000


@dataclass(frozen=True, slots=True)
class StoredScript:
    """One version of a script as stored, with its parsed form."""

    id: int
    name: str
    version: int
    is_active: bool
    note: str
    created_at: datetime
    created_by: str | None
    yaml: str
    script: ScriptSpec


_parsed: dict[str, ScriptSpec] = {}


def _parse_stored(text: str, name: str) -> ScriptSpec:
    found = _parsed.get(text)
    if found is None:
        if len(_parsed) > 256:
            _parsed.clear()
        found = _parsed[text] = parse_script(text, source=f"{name}.yaml")
    return found


def _stored(row: Any) -> StoredScript:
    return StoredScript(
        id=int(row.id),
        name=row.name,
        version=int(row.version),
        is_active=bool(row.is_active),
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
        yaml=row.yaml,
        script=_parse_stored(row.yaml, row.name),
    )


def save_script(
    connection: Connection,
    workspace_id: int,
    text: str,
    *,
    source: str = "script.yaml",
    note: str = "",
    author: str | None = None,
) -> StoredScript:
    """Store a script from YAML: a new one, or the next version of the one with its name."""
    parsed = parse_script(text, source=source)
    latest = connection.execute(
        select(func.max(scripts.c.version)).where(
            scripts.c.workspace_id == workspace_id, scripts.c.name == parsed.name
        )
    ).scalar()
    version = int(latest or 0) + 1
    now = utcnow()
    connection.execute(
        update(scripts)
        .where(scripts.c.workspace_id == workspace_id, scripts.c.name == parsed.name)
        .values(is_active=False)
    )
    title = " / ".join(parsed.title[lang] for lang in LANGUAGES if lang in parsed.title)
    inserted = connection.execute(
        scripts.insert().values(
            workspace_id=workspace_id,
            name=parsed.name,
            version=version,
            title=title[:500],
            topic=parsed.topic,
            yaml=text,
            note=note.strip()[:2000],
            is_active=True,
            created_at=now,
            created_by=author,
        )
    ).inserted_primary_key
    assert inserted is not None
    return StoredScript(
        int(inserted[0]), parsed.name, version, True, note.strip(), now, author, text, parsed
    )


def list_scripts(
    connection: Connection, workspace_id: int, *, search: str = "", topic: str = ""
) -> list[StoredScript]:
    """The scripts in force, by title; ``search`` looks in titles, topics and wordings."""
    rows = connection.execute(
        select(scripts)
        .where(scripts.c.workspace_id == workspace_id, scripts.c.is_active.is_(True))
        .order_by(scripts.c.topic, scripts.c.name)
    )
    found = [_stored(row) for row in rows]
    if topic:
        found = [s for s in found if s.script.topic == topic]
    words = search.casefold().split()
    if words:
        found = [s for s in found if all(w in _haystack(s.script) for w in words)]
    return found


def _haystack(script: ScriptSpec) -> str:
    parts = [script.name, script.topic, *script.title.values(), *script.description.values()]
    for phrases in script.triggers.values():
        parts.extend(phrases)
    for step in script.steps:
        parts.extend(step.title.values())
        for phrases in step.wordings.values():
            parts.extend(phrases)
    return " ".join(parts).casefold()


def get_script(
    connection: Connection, workspace_id: int, name: str, version: int | None = None
) -> StoredScript:
    """A script's version in force, or the version asked for."""
    query = select(scripts).where(scripts.c.workspace_id == workspace_id, scripts.c.name == name)
    if version is None:
        query = query.where(scripts.c.is_active.is_(True))
    else:
        query = query.where(scripts.c.version == version)
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(f"script {name}", key="scripts.error.no_script", params={"name": name})
    return _stored(row)


def script_versions(connection: Connection, workspace_id: int, name: str) -> list[StoredScript]:
    """Every version of a script, newest first."""
    rows = connection.execute(
        select(scripts)
        .where(scripts.c.workspace_id == workspace_id, scripts.c.name == name)
        .order_by(scripts.c.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"script {name}", key="scripts.error.no_script", params={"name": name})
    return [_stored(row) for row in rows]


def scripts_in_force(connection: Connection, workspace_id: int) -> list[ScriptInForce]:
    """What ``script_adherence`` checks against: each script's version in force."""
    rows = connection.execute(
        select(scripts.c.name, scripts.c.version, scripts.c.yaml)
        .where(scripts.c.workspace_id == workspace_id, scripts.c.is_active.is_(True))
        .order_by(scripts.c.name)
    )
    return [
        ScriptInForce(
            row.name,
            int(row.version),
            hashlib.sha256(row.yaml.encode()).hexdigest()[:16],
            _parse_stored(row.yaml, row.name),
        )
        for row in rows
    ]


def example_text(name: str) -> str:
    """The YAML of a shipped example script."""
    entry = resources.files("kontrol.scripts").joinpath("examples").joinpath(f"{name}.yaml")
    return entry.read_text(encoding="utf-8")


def install_examples(
    connection: Connection, workspace_id: int, *, author: str | None = None
) -> list[str]:
    """Store the shipped examples the workspace does not have yet; returns their names."""
    have = set(
        connection.execute(
            select(scripts.c.name).where(scripts.c.workspace_id == workspace_id)
        ).scalars()
    )
    added = []
    for name in EXAMPLES:
        if name not in have:
            save_script(
                connection,
                workspace_id,
                example_text(name),
                source=f"{name}.yaml",
                note="Пример Kontrol · Kontrol example",
                author=author,
            )
            added.append(name)
    return added


# --- feedback on steps ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepFeedback:
    """A comment or suggestion about one step of one version."""

    id: int
    step_id: str
    version: int
    source: str
    text: str
    author: str
    created_at: datetime


def add_feedback(
    connection: Connection,
    workspace_id: int,
    name: str,
    step_id: str,
    text: str,
    *,
    source: str,
    author: str,
) -> StepFeedback:
    """Keep a comment on a step of the script's version in force."""
    stored = get_script(connection, workspace_id, name)
    if stored.script.step(step_id) is None:
        raise InvalidInput(
            f"step: {step_id} is not a step of {name}",
            key="scripts.error.not_a_step",
            params={"step_id": step_id, "name": name},
            where_key="error.where.field",
            where_params={"field": "step"},
        )
    if source not in FEEDBACK_SOURCES:
        raise InvalidInput(
            "source: expected agent or customer",
            key="scripts.error.source",
            where_key="error.where.field",
            where_params={"field": "source"},
        )
    clean = text.strip()
    if not clean:
        raise InvalidInput(
            "text: empty",
            key="scripts.error.text_empty",
            where_key="error.where.field",
            where_params={"field": "text"},
        )
    if len(clean) > MAX_FEEDBACK:
        raise InvalidInput(
            f"text: longer than {MAX_FEEDBACK} characters",
            key="scripts.error.text_long",
            params={"limit": MAX_FEEDBACK},
            where_key="error.where.field",
            where_params={"field": "text"},
        )
    now = utcnow()
    inserted = connection.execute(
        script_feedback.insert().values(
            workspace_id=workspace_id,
            script_name=name,
            version=stored.version,
            step_id=step_id,
            source=source,
            text=clean,
            author=author[:100],
            created_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    return StepFeedback(int(inserted[0]), step_id, stored.version, source, clean, author, now)


def step_feedback(connection: Connection, workspace_id: int, name: str) -> list[StepFeedback]:
    """Every comment on the script's steps, newest first."""
    return [
        StepFeedback(int(r.id), r.step_id, int(r.version), r.source, r.text, r.author, r.created_at)
        for r in connection.execute(
            select(script_feedback)
            .where(
                script_feedback.c.workspace_id == workspace_id,
                script_feedback.c.script_name == name,
            )
            .order_by(script_feedback.c.created_at.desc(), script_feedback.c.id.desc())
        )
    ]


# --- widget tokens -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WidgetToken:
    """A widget token as listed (the secret itself is shown once, when made)."""

    id: int
    label: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_widget_token(
    connection: Connection, workspace_id: int, label: str, *, author: str
) -> tuple[WidgetToken, str]:
    """A new read-only widget token of the workspace; returns it and its secret (once)."""
    clean = label.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput(
            "label: expected 1 to 200 characters",
            key="scripts.error.label",
            where_key="error.where.field",
            where_params={"field": "label"},
        )
    secret = "ksw_" + secrets.token_urlsafe(32)
    now = utcnow()
    inserted = connection.execute(
        script_widget_tokens.insert().values(
            workspace_id=workspace_id,
            label=clean,
            token_hash=_digest(secret),
            prefix=secret[:10],
            created_by=author[:100],
            created_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    return WidgetToken(int(inserted[0]), clean, secret[:10], author, now, None), secret


def widget_tokens(connection: Connection, workspace_id: int) -> list[WidgetToken]:
    """The workspace's widget tokens, newest first."""
    return [
        WidgetToken(int(r.id), r.label, r.prefix, r.created_by, r.created_at, r.revoked_at)
        for r in connection.execute(
            select(script_widget_tokens)
            .where(script_widget_tokens.c.workspace_id == workspace_id)
            .order_by(script_widget_tokens.c.id.desc())
        )
    ]


def revoke_widget_token(connection: Connection, workspace_id: int, token_id: int) -> None:
    """Stop a widget token from working."""
    done = connection.execute(
        update(script_widget_tokens)
        .where(
            script_widget_tokens.c.workspace_id == workspace_id,
            script_widget_tokens.c.id == token_id,
            script_widget_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    if done.rowcount == 0:
        raise NotFound(
            f"widget token {token_id}",
            key="scripts.error.no_widget_token",
            params={"token_id": token_id},
        )


def widget_workspace(connection: Connection, secret: str) -> int:
    """The workspace a widget secret reads; :class:`NotFound` for an unknown or revoked one."""
    if not secret.startswith("ksw_") or len(secret) > 100:
        raise NotFound("widget token", key="scripts.error.widget_token")
    row = connection.execute(
        select(script_widget_tokens.c.workspace_id).where(
            script_widget_tokens.c.token_hash == _digest(secret),
            script_widget_tokens.c.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound("widget token", key="scripts.error.widget_token")
    return int(row.workspace_id)
