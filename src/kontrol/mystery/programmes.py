"""Programmes: scenarios with their checklists, targets and a plan, written as YAML.

A programme is kept as the YAML it was written in (exported as it was imported)
and parsed on load. A scenario's checklist has the sections of a scorecard
(domain/scorecard.py) with criteria a person answers; scoring is the
scorecard's rule. Errors name the field (``targets[1].channel: ...``) and, for
bad YAML, the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import Connection, Row, delete, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.scorecard import CHANNELS, IDENTIFIER, Scorecard, parse_scorecard
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.store.tables import (
    memberships,
    mystery_assignments,
    mystery_programmes,
    mystery_shoppers,
    users,
)

TARGET_KINDS = ("own", "competitor")
LANGUAGES = ("ru", "en")
MAX_VISITS = 50
MAX_YAML = 200_000


@dataclass(frozen=True)
class ShopScenario:
    """What the shopper does: on which channel, what to ask, what answer is correct."""

    key: str
    title: str
    channel: str
    ask: str
    correct_answer: str
    checklist: Scorecard


@dataclass(frozen=True)
class ShopTarget:
    """Who is shopped: one of our teams, places or channels, or a competitor by name."""

    key: str
    title: str
    kind: str
    channel: str | None
    competitor: str | None
    team: str | None
    place: str | None
    contact: str | None
    visits_per_month: int

    @property
    def own(self) -> bool:
        return self.kind == "own"


@dataclass(frozen=True)
class ProgrammeSpec:
    """A programme as written."""

    name: str
    title: str
    language: str
    pass_mark: float
    scenarios: tuple[ShopScenario, ...]
    targets: tuple[ShopTarget, ...]

    def scenario(self, key: str) -> ShopScenario:
        for scenario in self.scenarios:
            if scenario.key == key:
                return scenario
        raise NotFound(
            f"no scenario {key!r} in programme {self.name!r}",
            key="mystery.error.no_scenario",
            params={"key": key, "name": self.name},
        )

    def target(self, key: str) -> ShopTarget:
        for target in self.targets:
            if target.key == key:
                return target
        raise NotFound(
            f"no target {key!r} in programme {self.name!r}",
            key="mystery.error.no_target",
            params={"key": key, "name": self.name},
        )

    def scenarios_for(self, target: ShopTarget) -> tuple[ShopScenario, ...]:
        """The scenarios a target is shopped with: those on its channel (all if it has none)."""
        if target.channel is None:
            return self.scenarios
        return tuple(s for s in self.scenarios if s.channel == target.channel)


@dataclass(frozen=True)
class Programme:
    """A stored programme."""

    id: int
    name: str
    title: str
    language: str
    yaml: str
    is_active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    spec: ProgrammeSpec


# -- parsing -----------------------------------------------------------------------


def _key(data: Mapping[str, Any], where: str) -> str:
    value = data.get("id")
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise InvalidInput(
            f"{where}.id: expected an id of lower-case letters, digits, '_' or '-'",
            key="mystery.error.yaml_id",
            params={"field": f"{where}.id"},
        )
    return value


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool, limit: int) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if (
        not isinstance(value, str | int | float)
        or isinstance(value, bool)
        or not str(value).strip()
    ):
        raise InvalidInput(
            f"{where}.{key}: expected text",
            key="mystery.error.yaml_text",
            params={"field": f"{where}.{key}"},
        )
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(
            f"{where}.{key}: at most {limit} characters",
            key="mystery.error.yaml_too_long",
            params={"field": f"{where}.{key}", "limit": limit},
        )
    return text


def _channel(data: Mapping[str, Any], where: str, *, required: bool) -> str | None:
    value = data.get("channel")
    if value is None and not required:
        return None
    if value not in CHANNELS:
        raise InvalidInput(
            f"{where}.channel: expected one of {', '.join(CHANNELS)}",
            key="mystery.error.yaml_channel",
            params={"field": f"{where}.channel", "channels": ", ".join(CHANNELS)},
        )
    return str(value)


def _unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(data) - known)
    if extra:
        raise InvalidInput(
            f"{where}.{extra[0]}: unknown key",
            key="mystery.error.yaml_unknown_key",
            params={"field": f"{where}.{extra[0]}"},
        )


def _scenario(data: Any, where: str, pass_mark: float) -> ShopScenario:
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{where}: expected a mapping (id, title, channel, ask, checklist)",
            key="mystery.error.yaml_scenario",
            params={"field": where},
        )
    _unknown(data, {"id", "title", "channel", "ask", "correct_answer", "checklist"}, where)
    key = _key(data, where)
    where = f"{where} ({key})"
    title = _text(data, "title", where, required=True, limit=200)
    channel = _channel(data, where, required=True)
    assert channel is not None
    checklist = data.get("checklist")
    if not isinstance(checklist, dict):
        raise InvalidInput(
            f"{where}.checklist: expected a mapping with sections",
            key="mystery.error.yaml_checklist",
            params={"field": f"{where}.checklist"},
        )
    _unknown(checklist, {"pass_mark", "sections"}, f"{where}.checklist")
    card_data = {
        "name": key,
        "title": title,
        "pass_mark": checklist.get("pass_mark", pass_mark),
        "sections": checklist.get("sections"),
    }
    try:
        # A shopper answers every criterion: none may be bound to an automatic check.
        card = parse_scorecard(card_data, known_checks=frozenset())
    except InvalidInput as error:
        # The scorecard's own refusal, told in the reader's language once it has a key.
        raise InvalidInput(
            f"{where}.checklist.{error}",
            key=error.key,
            params=error.params,
            where_key="error.where.field" if error.key else None,
            where_params={"field": f"{where}.checklist"},
        ) from None
    return ShopScenario(
        key=key,
        title=title,
        channel=channel,
        ask=_text(data, "ask", where, required=True, limit=4000),
        correct_answer=_text(data, "correct_answer", where, required=False, limit=4000),
        checklist=card,
    )


def _target(data: Any, where: str, default_visits: int) -> ShopTarget:
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{where}: expected a mapping (id, title, kind, channel...)",
            key="mystery.error.yaml_target",
            params={"field": where},
        )
    known = {"id", "title", "kind", "channel", "competitor", "team", "place", "contact"}
    _unknown(data, known | {"visits_per_month"}, where)
    key = _key(data, where)
    where = f"{where} ({key})"
    kind = data.get("kind", "own")
    if kind not in TARGET_KINDS:
        raise InvalidInput(
            f"{where}.kind: expected own or competitor",
            key="mystery.error.yaml_kind",
            params={"field": f"{where}.kind"},
        )
    competitor = _text(data, "competitor", where, required=kind == "competitor", limit=200)
    if kind == "own" and competitor:
        raise InvalidInput(
            f"{where}.competitor: only for kind: competitor",
            key="mystery.error.yaml_competitor",
            params={"field": f"{where}.competitor"},
        )
    visits = data.get("visits_per_month", default_visits)
    if isinstance(visits, bool) or not isinstance(visits, int) or not 0 <= visits <= MAX_VISITS:
        raise InvalidInput(
            f"{where}.visits_per_month: a whole number from 0 to {MAX_VISITS}",
            key="mystery.error.yaml_visits",
            params={"field": f"{where}.visits_per_month", "max_visits": MAX_VISITS},
        )
    return ShopTarget(
        key=key,
        title=_text(data, "title", where, required=True, limit=200),
        kind=str(kind),
        channel=_channel(data, where, required=False),
        competitor=competitor or None,
        team=_text(data, "team", where, required=False, limit=200) or None,
        place=_text(data, "place", where, required=False, limit=200) or None,
        contact=_text(data, "contact", where, required=False, limit=200) or None,
        visits_per_month=visits,
    )


def parse_programme(data: Any) -> ProgrammeSpec:
    """A programme from parsed YAML; ``InvalidInput`` names the field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "programme: expected a mapping with name, title, scenarios, targets",
            key="mystery.error.yaml_programme",
            params={"field": "programme"},
        )
    _unknown(data, {"name", "title", "language", "pass_mark", "scenarios", "targets", "plan"}, "")
    name = data.get("name")
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise InvalidInput(
            "name: expected an id of lower-case letters, digits, '_' or '-'",
            key="mystery.error.yaml_id",
            params={"field": "name"},
        )
    title = _text(data, "title", "programme", required=True, limit=200)
    language = data.get("language", "ru")
    if language not in LANGUAGES:
        raise InvalidInput(
            "language: expected ru or en",
            key="mystery.error.yaml_language",
            params={"field": "language"},
        )
    pass_mark = data.get("pass_mark", 80)
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float):
        raise InvalidInput(
            "pass_mark: expected a number from 0 to 100",
            key="mystery.error.yaml_pass_mark",
            params={"field": "pass_mark"},
        )
    if not 0 <= pass_mark <= 100:
        raise InvalidInput(
            "pass_mark: expected a number from 0 to 100",
            key="mystery.error.yaml_pass_mark",
            params={"field": "pass_mark"},
        )
    plan = data.get("plan", {})
    if not isinstance(plan, dict):
        raise InvalidInput(
            "plan: expected a mapping (visits_per_month)",
            key="mystery.error.yaml_plan",
            params={"field": "plan"},
        )
    _unknown(plan, {"visits_per_month"}, "plan")
    visits = plan.get("visits_per_month", 1)
    if isinstance(visits, bool) or not isinstance(visits, int) or not 0 <= visits <= MAX_VISITS:
        raise InvalidInput(
            f"plan.visits_per_month: a whole number from 0 to {MAX_VISITS}",
            key="mystery.error.yaml_visits",
            params={"field": "plan.visits_per_month", "max_visits": MAX_VISITS},
        )
    scenarios_data = data.get("scenarios")
    if not isinstance(scenarios_data, list) or not scenarios_data:
        raise InvalidInput(
            "scenarios: expected a non-empty list",
            key="mystery.error.yaml_list",
            params={"field": "scenarios"},
        )
    scenarios = [
        _scenario(item, f"scenarios[{i}]", float(pass_mark))
        for i, item in enumerate(scenarios_data)
    ]
    targets_data = data.get("targets")
    if not isinstance(targets_data, list) or not targets_data:
        raise InvalidInput(
            "targets: expected a non-empty list",
            key="mystery.error.yaml_list",
            params={"field": "targets"},
        )
    targets = [_target(item, f"targets[{i}]", visits) for i, item in enumerate(targets_data)]
    keys: list[tuple[str, list[str]]] = [
        ("scenarios", [s.key for s in scenarios]),
        ("targets", [t.key for t in targets]),
    ]
    for what, names in keys:
        seen: set[str] = set()
        for i, key in enumerate(names):
            if key in seen:
                raise InvalidInput(
                    f"{what}[{i}].id: {key!r} is used twice",
                    key="mystery.error.yaml_twice",
                    params={"field": f"{what}[{i}].id", "key": key},
                )
            seen.add(key)
    spec = ProgrammeSpec(
        name=name,
        title=title,
        language=str(language),
        pass_mark=float(pass_mark),
        scenarios=tuple(scenarios),
        targets=tuple(targets),
    )
    for i, target in enumerate(spec.targets):
        if not spec.scenarios_for(target):
            raise InvalidInput(
                f"targets[{i}] ({target.key}).channel: no scenario on channel {target.channel!r}",
                key="mystery.error.yaml_no_channel_scenario",
                params={"i": i, "key": target.key, "channel": target.channel},
            )
    return spec


def load_programme_yaml(text: str) -> ProgrammeSpec:
    """A programme from YAML text; errors give the YAML line or the field."""
    if len(text) > MAX_YAML:
        raise InvalidInput(
            f"programme: at most {MAX_YAML} characters of YAML",
            key="mystery.error.yaml_size",
            params={"field": "programme", "max_yaml": MAX_YAML},
        )
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise invalid_yaml(error, f"not valid YAML{line}: {problem}") from None
    return parse_programme(data)


# -- storage -----------------------------------------------------------------------


def _programme(row: Row[Any]) -> Programme:
    return Programme(
        id=row.id,
        name=row.name,
        title=row.title,
        language=row.language,
        yaml=row.yaml,
        is_active=row.is_active,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        spec=load_programme_yaml(row.yaml),
    )


def save_programme(
    connection: Connection, workspace: Workspace, text: str, *, created_by: str
) -> tuple[Programme, bool]:
    """Add a programme, or replace the YAML of the one with its name; ``True`` when new.

    Replacing keeps the assignments and submissions made so far; a target or
    scenario that has submissions cannot be removed.
    """
    spec = load_programme_yaml(text)
    now = utcnow()
    existing = connection.execute(
        select(mystery_programmes.c.id).where(
            mystery_programmes.c.workspace_id == workspace.id,
            mystery_programmes.c.name == spec.name,
        )
    ).first()
    values = {"title": spec.title, "language": spec.language, "yaml": text, "updated_at": now}
    if existing is not None:
        _check_still_used(connection, int(existing.id), spec)
        connection.execute(
            update(mystery_programmes)
            .where(mystery_programmes.c.id == existing.id)
            .values(**values)
        )
        return get_programme(connection, workspace, int(existing.id)), False
    inserted = connection.execute(
        mystery_programmes.insert().values(
            workspace_id=workspace.id,
            name=spec.name,
            is_active=True,
            created_by=created_by[:100],
            created_at=now,
            **values,
        )
    ).inserted_primary_key
    assert inserted is not None
    return get_programme(connection, workspace, int(inserted[0])), True


def _check_still_used(connection: Connection, programme_id: int, spec: ProgrammeSpec) -> None:
    rows = connection.execute(
        select(mystery_assignments.c.target_key, mystery_assignments.c.scenario_key)
        .where(mystery_assignments.c.programme_id == programme_id)
        .distinct()
    )
    targets = {t.key for t in spec.targets}
    scenarios = {s.key for s in spec.scenarios}
    for row in rows:
        if row.target_key not in targets:
            raise Conflict(
                f"targets: {row.target_key!r} has assignments and cannot be removed",
                key="mystery.error.target_in_use",
                params={"field": "targets", "target_key": row.target_key},
            )
        if row.scenario_key not in scenarios:
            raise Conflict(
                f"scenarios: {row.scenario_key!r} has assignments and cannot be removed",
                key="mystery.error.scenario_in_use",
                params={"field": "scenarios", "scenario_key": row.scenario_key},
            )


def list_programmes(connection: Connection, workspace: Workspace) -> list[Programme]:
    """The workspace's programmes, active first, by title."""
    rows = connection.execute(
        select(mystery_programmes)
        .where(mystery_programmes.c.workspace_id == workspace.id)
        .order_by(mystery_programmes.c.is_active.desc(), mystery_programmes.c.title)
    )
    return [_programme(row) for row in rows]


def get_programme(connection: Connection, workspace: Workspace, programme_id: int) -> Programme:
    """One programme of the workspace."""
    row = connection.execute(
        select(mystery_programmes).where(
            mystery_programmes.c.workspace_id == workspace.id,
            mystery_programmes.c.id == programme_id,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no mystery-shopping programme {programme_id}",
            key="mystery.error.no_programme",
            params={"programme_id": programme_id},
        )
    return _programme(row)


def find_programme(connection: Connection, workspace: Workspace, name: str) -> Programme:
    """The programme called ``name`` (or with that number)."""
    row = connection.execute(
        select(mystery_programmes.c.id).where(
            mystery_programmes.c.workspace_id == workspace.id,
            mystery_programmes.c.name == name,
        )
    ).first()
    if row is None and name.isdigit():
        return get_programme(connection, workspace, int(name))
    if row is None:
        raise NotFound(
            f"no mystery-shopping programme named {name!r}",
            key="mystery.error.no_programme_named",
            params={"name": name},
        )
    return get_programme(connection, workspace, int(row.id))


def set_programme_active(
    connection: Connection, workspace: Workspace, programme_id: int, *, active: bool
) -> None:
    """Pause a programme (no new assignments) or run it again."""
    get_programme(connection, workspace, programme_id)
    connection.execute(
        update(mystery_programmes)
        .where(mystery_programmes.c.id == programme_id)
        .values(is_active=active, updated_at=utcnow())
    )


# -- shoppers ----------------------------------------------------------------------

SHOPPER_ROLE = WorkspaceRole.SHOPPER.value


@dataclass(frozen=True)
class Shopper:
    """A person who shops for a programme."""

    user_id: int
    username: str
    display_name: str


def list_shoppers(connection: Connection, programme_id: int) -> list[Shopper]:
    """The programme's shoppers, by name."""
    rows = connection.execute(
        select(users.c.id, users.c.username, users.c.display_name)
        .join(mystery_shoppers, mystery_shoppers.c.user_id == users.c.id)
        .where(mystery_shoppers.c.programme_id == programme_id)
        .order_by(users.c.username)
    )
    return [Shopper(r.id, r.username, r.display_name or r.username) for r in rows]


def workspace_shoppers(connection: Connection, workspace: Workspace) -> list[Shopper]:
    """Every person with the shopper role in the workspace."""
    rows = connection.execute(
        select(users.c.id, users.c.username, users.c.display_name)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(
            memberships.c.workspace_id == workspace.id,
            memberships.c.role == SHOPPER_ROLE,
        )
        .order_by(users.c.username)
    )
    return [Shopper(r.id, r.username, r.display_name or r.username) for r in rows]


def set_shoppers(
    connection: Connection, workspace: Workspace, programme_id: int, usernames: list[str]
) -> list[Shopper]:
    """Make exactly these people (shoppers of the workspace) the programme's shoppers."""
    get_programme(connection, workspace, programme_id)
    known = {s.username: s for s in workspace_shoppers(connection, workspace)}
    wanted: list[Shopper] = []
    for i, username in enumerate(u.strip() for u in usernames):
        if not username:
            continue
        if username not in known:
            raise InvalidInput(
                f"shoppers[{i}]: {username[:100]!r} is not a shopper of this workspace",
                key="mystery.error.not_shopper",
                params={"field": f"shoppers[{i}]", "username": username[:100]},
            )
        if known[username] not in wanted:
            wanted.append(known[username])
    connection.execute(
        delete(mystery_shoppers).where(mystery_shoppers.c.programme_id == programme_id)
    )
    if wanted:
        connection.execute(
            mystery_shoppers.insert(),
            [{"programme_id": programme_id, "user_id": s.user_id} for s in wanted],
        )
    return wanted
