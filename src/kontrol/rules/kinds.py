"""Rule kinds: the small registered classes that say what a rule does.

Routing and alerts each keep one :class:`RuleKinds` (an entry-point group of
the project's one :class:`~kontrol.plugins.Registry` type), and each subclasses
:class:`RuleKind` with the methods its moments call (routing picks
interactions for a queue, alerts report findings). What a kind declares is the
same in both: a ``name`` (stored in the rule), typed ``params`` and the
``triggers`` it reacts to. Built-in kinds come through the group's entry points
in pyproject.toml, exactly as another package's kinds do.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from kontrol.domain.errors import InvalidInput
from kontrol.plugins import Registry
from kontrol.rules.params import Param, default_params, form_params, read_params, stored_params


class RuleKind(ABC):
    """Base of every rule kind: a name, typed parameters and the moments it reacts to."""

    name: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    # The moments the kind reacts to; each feature names its own ("surveys", "schedule"...).
    triggers: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def read_params(
        cls, raw: Mapping[str, Any] | None, *, where: str = "params"
    ) -> dict[str, float]:
        """The rule's parameters checked, defaults filled in; unknown names are refused."""
        return read_params(cls.params, raw, where=where)

    @classmethod
    def stored_params(cls, raw: Mapping[str, Any]) -> dict[str, float]:
        """A stored rule's parameters, complete (those added later at their default)."""
        return stored_params(cls.params, raw)

    @classmethod
    def default_params(cls) -> dict[str, float]:
        """Every parameter at its default, for the form of a new rule."""
        return default_params(cls.params)

    @classmethod
    def form_params(cls, form: Mapping[str, Any]) -> dict[str, str]:
        """The parameters as the rule form posts them, before checking."""
        return form_params(cls.params, form)


K = TypeVar("K", bound=RuleKind)


class RuleKinds(Generic[K]):
    """The kinds of one rule system by name; ``what`` names them in errors."""

    def __init__(self, what: str, *, group: str) -> None:
        self.what = what
        self.registry: Registry[type[K]] = Registry(what, group=group)

    def register(self, cls: type[K]) -> type[K]:
        """Class decorator: make a kind available by its ``name``."""
        return self.registry.add(cls.name, cls)

    def all(self) -> dict[str, type[K]]:
        """Every registered kind, sorted by name (the order pages list them in)."""
        return dict(sorted(self.registry.items()))

    def find(self, name: str) -> type[K] | None:
        """The kind called ``name``, or ``None`` (a stored rule of a kind since removed)."""
        return self.registry.get(name) if name in self.registry else None

    def get(self, name: str) -> K:
        """The kind called ``name``; an unknown name is refused naming the known ones."""
        found = self.find(name)
        if found is None:
            known = ", ".join(self.all())
            raise InvalidInput(
                f"kind: unknown {self.what} {name[:50]!r}; known: {known}",
                key="rules.error.unknown_kind",
                params={"name": name[:50], "known": known},
            )
        return found()

    def reacts(self, name: str, trigger: str) -> bool:
        """Whether rules of the kind ``name`` run at ``trigger`` (unknown kinds never do)."""
        found = self.find(name)
        return found is not None and trigger in found.triggers

    def reacting(self, rows: Iterable[Any], trigger: str) -> list[Any]:
        """The stored rules among ``rows`` (kept in order) whose kind reacts to ``trigger``."""
        return [row for row in rows if self.reacts(row.kind, trigger)]
