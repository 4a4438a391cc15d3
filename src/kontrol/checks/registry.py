"""Checks by id. Built-ins register with ``@check`` like any plugin would.

A third-party package adds checks by naming a module in the ``kontrol.checks``
entry-point group; importing the module registers its checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    function: CheckFunction = field(compare=False)
    critical: bool = False


_registry: dict[str, CheckDefinition] = {}
_loaded = False


def check(
    check_id: str, *, channels: frozenset[str] = ALL_CHANNELS, critical: bool = False
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``check_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        _registry[check_id] = CheckDefinition(check_id, channels, function, critical)
        return function

    return register


def registered_checks() -> dict[str, CheckDefinition]:
    """Every check, built-in and from plugins, in registration order."""
    global _loaded
    if not _loaded:
        import kontrol.checks.builtin  # noqa: F401  (registers the built-ins)

        for entry in entry_points(group="kontrol.checks"):
            entry.load()
        _loaded = True
    return _registry
