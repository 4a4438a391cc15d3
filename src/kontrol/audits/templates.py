"""Stored audit templates: versions by name, the shipped Russian and English ones, YAML in and out.

Like scorecards, every save of a template is a new version; an audit keeps the
version it was run with, so editing a template never changes a finished audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from kontrol.audits.template_yaml import AuditTemplate, dump_template, load_template
from kontrol.checks.check_settings import check_settings
from kontrol.checks.scorecards import known_check_ids
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import NotFound
from kontrol.metrics.registry import metrics
from kontrol.store.tables import audit_templates

SHIPPED = ("service-audit-ru", "service-audit-en")


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    """One stored version of a template with its parsed form."""

    id: int
    name: str
    version: int
    is_active: bool
    created_at: datetime
    yaml: str
    template: AuditTemplate

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "is_active": self.is_active,
            "title": self.template.title,
            "language": self.template.language,
            "created_at": self.created_at.isoformat(),
            "areas": [
                {
                    "id": area.id,
                    "title": area.title,
                    "items": [item.as_json() for item in area.items],
                }
                for area in self.template.areas
            ],
        }


def shipped_template_text(name: str) -> str:
    """The YAML of a template shipped with Kontrol."""
    entry = resources.files("kontrol.audits").joinpath("shipped").joinpath(f"{name}.yaml")
    return entry.read_text(encoding="utf-8")


def parse_for_workspace(
    connection: Connection, workspace_id: int, text: str, *, file: str = "template.yaml"
) -> AuditTemplate:
    """A template checked against the workspace's checks and the known KPIs."""
    checks = known_check_ids(check_settings(connection, workspace_id))
    return load_template(text, file=file, known_checks=checks, known_kpis=frozenset(metrics.ids()))


@lru_cache(maxsize=64)
def _parsed(text: str, file: str) -> AuditTemplate:
    """A stored version's template, parsed once: a version never changes, the parse is
    immutable, and reading it again for every answer of an audit cost about 0.2 s of
    CPU each (the demo's two audits read it a hundred times)."""
    return load_template(text, file=file)


def _stored(row: Any) -> StoredTemplate:
    return StoredTemplate(
        id=int(row.id),
        name=row.name,
        version=int(row.version),
        is_active=bool(row.is_active),
        created_at=row.created_at,
        yaml=row.yaml,
        template=_parsed(row.yaml, f"{row.name}.yaml"),
    )


def save_template(
    connection: Connection,
    workspace_id: int,
    text: str,
    *,
    user_id: int | None = None,
    file: str = "template.yaml",
) -> StoredTemplate:
    """Store a template from YAML: a new one, or a new version of the one with its name."""
    parsed = parse_for_workspace(connection, workspace_id, text, file=file)
    latest = connection.execute(
        select(func.max(audit_templates.c.version)).where(
            audit_templates.c.workspace_id == workspace_id,
            audit_templates.c.name == parsed.name,
        )
    ).scalar()
    now = utcnow()
    connection.execute(
        update(audit_templates)
        .where(
            audit_templates.c.workspace_id == workspace_id,
            audit_templates.c.name == parsed.name,
        )
        .values(is_active=False)
    )
    version = int(latest or 0) + 1
    new_id = connection.execute(
        audit_templates.insert().values(
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
    return StoredTemplate(int(new_id[0]), parsed.name, version, True, now, text, parsed)


def ensure_shipped_templates(connection: Connection, workspace_id: int) -> None:
    """Give a workspace without audit templates the shipped Russian and English ones."""
    found = connection.execute(
        select(audit_templates.c.id).where(audit_templates.c.workspace_id == workspace_id).limit(1)
    ).first()
    if found is not None:
        return
    for name in SHIPPED:
        save_template(connection, workspace_id, shipped_template_text(name), file=f"{name}.yaml")


def list_templates(connection: Connection, workspace_id: int) -> list[StoredTemplate]:
    """The newest version of every template of the workspace, by name."""
    newest = (
        select(audit_templates.c.name, func.max(audit_templates.c.version).label("version"))
        .where(audit_templates.c.workspace_id == workspace_id)
        .group_by(audit_templates.c.name)
        .subquery()
    )
    rows = connection.execute(
        select(audit_templates)
        .join(
            newest,
            and_(
                audit_templates.c.name == newest.c.name,
                audit_templates.c.version == newest.c.version,
            ),
        )
        .where(audit_templates.c.workspace_id == workspace_id)
        .order_by(audit_templates.c.name)
    )
    return [_stored(row) for row in rows]


def template_versions(connection: Connection, workspace_id: int, name: str) -> list[StoredTemplate]:
    """Every version of one template, newest first."""
    rows = connection.execute(
        select(audit_templates)
        .where(audit_templates.c.workspace_id == workspace_id, audit_templates.c.name == name)
        .order_by(audit_templates.c.version.desc())
    ).all()
    if not rows:
        raise NotFound(
            f"no audit template named {name!r}",
            key="audits.error.no_template_named",
            params={"name": name},
        )
    return [_stored(row) for row in rows]


def latest_template(connection: Connection, workspace_id: int, name: str) -> StoredTemplate:
    """The newest version of a template."""
    return template_versions(connection, workspace_id, name)[0]


def template_by_id(connection: Connection, workspace_id: int, template_id: int) -> StoredTemplate:
    """One stored version by its row id, of this workspace."""
    row = connection.execute(
        select(audit_templates).where(
            audit_templates.c.id == template_id, audit_templates.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no audit template {template_id}",
            key="audits.error.no_template",
            params={"template_id": template_id},
        )
    return _stored(row)


def export_template(connection: Connection, workspace_id: int, name: str) -> str:
    """The YAML of a template's newest version, as stored (comments and order kept)."""
    return latest_template(connection, workspace_id, name).yaml


def normalised_yaml(template: AuditTemplate) -> str:
    """A template written out again in the canonical shape."""
    return dump_template(template)
