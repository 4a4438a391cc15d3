"""Checks by id, in the :class:`~kontrol.plugins.Registry` ``checks``.

Built-ins register exactly like a third party's checks: ``kontrol.checks.builtin``
is named in the ``kontrol.checks`` entry-point group (pyproject.toml), and
importing it registers its functions with ``@check``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kontrol.plugins import Registry

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
