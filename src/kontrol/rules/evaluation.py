"""The loop that runs rules: which rules react to a moment, then each in its own transaction.

Routing (interactions picked into queues) and alerts (findings raised as
alerts) run their rules alike: the enabled rules of a workspace whose kind
reacts to the moment, in a stable order, each in its own transaction so that
what one rule did is committed however the next one fares. After an import a
broken rule is logged and the others still run (``contain_errors``); the
periodic runs let the error through, so the job is retried and seen to fail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, select

from kontrol.store.tables import workspaces

log = logging.getLogger(__name__)


class Rule(Protocol):
    """What the loop needs to know of a stored rule: which it is, of what kind."""

    @property
    def id(self) -> int:
        """The rule's id."""
        ...

    @property
    def kind(self) -> str:
        """The name of the rule's kind."""
        ...


R = TypeVar("R", bound=Rule)


def run_rules(
    engine: Engine,
    rules: Sequence[R],
    act: Callable[[Connection, R], Sequence[int]],
    *,
    what: str,
    contain_errors: bool,
) -> list[int]:
    """``act`` on each rule in its own transaction; the ids it made, in order.

    ``what`` names the rules in the log ("alert rule", "routing rule").
    """
    made: list[int] = []
    for rule in rules:
        try:
            with engine.begin() as connection:
                made.extend(act(connection, rule))
        except Exception:  # noqa: BLE001 - one broken rule must not stop an import
            if not contain_errors:
                raise
            log.exception("%s %s (%s) failed", what, rule.id, rule.kind)
    return made


def workspace_ids(engine: Engine, *, only: int | None = None) -> list[int]:
    """The ids of every workspace (or of ``only``), for the periodic runs."""
    query = select(workspaces.c.id).order_by(workspaces.c.id)
    if only is not None:
        query = query.where(workspaces.c.id == only)
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
