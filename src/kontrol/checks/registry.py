"""Checks by id, in the :class:`~kontrol.plugins.Registry` ``checks``.

Built-ins register exactly like a third party's checks: ``kontrol.checks.builtin``
is named in the ``kontrol.checks`` entry-point group (pyproject.toml), and
importing it registers its functions with ``@check``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kontrol.plugins import Registry

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kontrol.checks.conversation import Conversation

PASS = "pass"
FAIL = "fail"
NA = "na"
RESULTS = (PASS, FAIL, NA)

ALL_CHANNELS = frozenset(
    {"call", "chat", "email", "messenger", "social", "app", "self_service", "visit"}
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of one check: ``pass``, ``fail`` or ``na``, with the evidence for it.

    Evidence items point at a message (its index in the interaction) and hold the
    matched ``text`` or a measured ``value``.
    """

    result: str
    evidence: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"result": self.result, "evidence": [dict(item) for item in self.evidence]}


CheckFunction = Callable[["Conversation"], Verdict]


@dataclass(frozen=True, slots=True)
class CheckDefinition:
    """A registered check: its id, the channels it applies to, and its function."""

    id: str
    channels: frozenset[str]
    function: CheckFunction
    critical: bool = False


checks: Registry[CheckDefinition] = Registry("check", group="kontrol.checks")


def check(
    check_id: str, *, channels: frozenset[str] = ALL_CHANNELS, critical: bool = False
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``check_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        checks.add(check_id, CheckDefinition(check_id, channels, function, critical))
        return function

    return register


def registered_checks() -> dict[str, CheckDefinition]:
    """Every check, built-in and from plugins, in registration order."""
    return dict(checks.items())


class DataCheck(Protocol):
    """A check defined by a workspace's data (a custom check, a script's adherence).

    Its phrase lists are compiled into the one automaton with the built-in lists, and
    it is evaluated in the same pass as the registered checks.
    """

    @property
    def id(self) -> str: ...

    def applies_to(self, channel: str) -> bool: ...

    def phrase_lists(self, language: str) -> dict[str, tuple[str, ...]]: ...

    def evaluate(self, conversation: Conversation) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class CheckSource:
    """Checks a higher feature derives from a workspace's data (e.g. its scripts).

    ``check_ids``: the ids its checks may have (a scorecard may name them even when
    the workspace has nothing yet); ``load``: the workspace's checks now.
    """

    check_ids: tuple[str, ...]
    load: Callable[[Connection, int], tuple[DataCheck, ...]]


check_sources: Registry[CheckSource] = Registry("check source", group="kontrol.check_sources")
