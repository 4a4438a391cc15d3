"""The workspace's settings of the checks: phrase-list overrides and custom checks."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from kontrol.checks.custom import CustomCheck, load_custom_check
from kontrol.checks.engine import CheckSettings
from kontrol.checks.phrases import PhraseOverride, parse_list
from kontrol.checks.registry import DataCheck, check_sources, registered_checks
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.store.tables import custom_checks, phrase_overrides


def check_settings(connection: Connection, workspace_id: int) -> CheckSettings:
    """The workspace's phrase-list overrides and enabled custom checks."""
    overrides = tuple(
        PhraseOverride(row.language, row.list_name, row.mode, tuple(parse_list(row.phrases)))
        for row in connection.execute(
            select(phrase_overrides)
            .where(phrase_overrides.c.workspace_id == workspace_id)
            .order_by(phrase_overrides.c.language, phrase_overrides.c.list_name)
        )
    )
    reserved = frozenset(registered_checks())
    customs: list[CustomCheck] = []
    for row in connection.execute(
        select(custom_checks)
        .where(custom_checks.c.workspace_id == workspace_id, custom_checks.c.enabled.is_(True))
        .order_by(custom_checks.c.check_id)
    ):
        customs.append(_parse_custom(row.yaml, reserved))
    derived: list[DataCheck] = []
    for _name, source in check_sources.items():
        derived.extend(source.load(connection, workspace_id))
    settings = CheckSettings(
        overrides=overrides, custom_checks=tuple(customs), source_checks=tuple(derived)
    )
    # The same settings object for the same content: the engine caches compiled
    # phrase books by settings identity.
    key = repr(settings)
    cached = _settings.get(key)
    if cached is None:
        if len(_settings) > 64:
            _settings.clear()
        cached = _settings[key] = settings
    return cached


_settings: dict[str, CheckSettings] = {}
_customs: dict[str, CustomCheck] = {}


def _parse_custom(text: str, reserved: frozenset[str]) -> CustomCheck:
    found = _customs.get(text)
    if found is None:
        if len(_customs) > 256:
            _customs.clear()
        found = _customs[text] = load_custom_check(text, reserved=reserved)
    return found


def save_phrase_override(
    connection: Connection,
    workspace_id: int,
    *,
    language: str,
    list_name: str,
    mode: str,
    phrases: str,
) -> None:
    """Extend or replace one list for the workspace; an empty extension removes the override."""
    if language not in ("ru", "en"):
        raise InvalidInput(
            "language: expected ru or en",
            key="checks.error.language",
            where_key="error.where.field",
            where_params={"field": "language"},
        )
    if mode not in ("extend", "replace"):
        raise InvalidInput(
            "mode: expected extend or replace",
            key="checks.error.mode",
            where_key="error.where.field",
            where_params={"field": "mode"},
        )
    name = list_name.strip()
    if not name or len(name) > 60 or not name.replace("_", "").isalnum():
        raise InvalidInput(
            "list: expected a list name of letters, digits and _",
            key="checks.error.list_name",
            where_key="error.where.field",
            where_params={"field": "list"},
        )
    connection.execute(
        delete(phrase_overrides).where(
            phrase_overrides.c.workspace_id == workspace_id,
            phrase_overrides.c.language == language,
            phrase_overrides.c.list_name == name,
        )
    )
    if mode == "extend" and not parse_list(phrases):
        return
    connection.execute(
        phrase_overrides.insert().values(
            workspace_id=workspace_id,
            language=language,
            list_name=name,
            mode=mode,
            phrases=phrases.replace("\r\n", "\n"),
            updated_at=utcnow(),
        )
    )


def save_custom_check(
    connection: Connection, workspace_id: int, text: str, *, enabled: bool = True
) -> CustomCheck:
    """Create or change a custom check from YAML (validated first)."""
    check = load_custom_check(text, reserved=frozenset(registered_checks()))
    connection.execute(
        delete(custom_checks).where(
            custom_checks.c.workspace_id == workspace_id, custom_checks.c.check_id == check.id
        )
    )
    connection.execute(
        custom_checks.insert().values(
            workspace_id=workspace_id,
            check_id=check.id,
            yaml=text,
            enabled=enabled,
            updated_at=utcnow(),
        )
    )
    return check


def delete_custom_check(connection: Connection, workspace_id: int, check_id: str) -> None:
    """Remove a custom check (its past results stay with the interactions)."""
    connection.execute(
        delete(custom_checks).where(
            custom_checks.c.workspace_id == workspace_id, custom_checks.c.check_id == check_id
        )
    )
