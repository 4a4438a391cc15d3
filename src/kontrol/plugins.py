"""One registry type for every extension point: importers, checks, metrics, notifiers,
rule kinds, jobs and event subscribers.

A registry maps stable ids to plugins. Plugins come in two ways, and built-ins
use exactly the one a third party uses:

- the registry's decorator, ``@registry.register("id")``, or ``registry.add(id, item)``;
- an entry point in the registry's group (``[project.entry-points."kontrol.checks"]``
  in pyproject.toml). It names either a module, whose import registers its
  plugins with the decorator, or one plugin object, added under the entry
  point's name. The group is loaded once, on first use or at start-up.

An id is registered once: a second plugin with the same id is refused, and the
error names both. A plugin whose entry point fails to load does not stop the
others; asking for it by id says why it failed. At the end of start-up the
web app and the worker call :func:`freeze_all`: from then on registering
raises, so what a process can do is fixed when it starts. Every extension
point is itself named in the ``kontrol.registries`` entry-point group.
Iteration follows registration order; a group's entry points load in the
order of their names. Stored configurations name plugins by id, never by position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, Generic, TypeVar

from kontrol.domain.errors import InvalidInput

log = logging.getLogger(__name__)

T = TypeVar("T")


class DuplicatePlugin(InvalidInput):
    """Two plugins were registered under one id."""


class UnknownPlugin(InvalidInput):
    """No plugin has the id asked for (or its entry point failed to load)."""


class RegistryFrozen(RuntimeError):
    """A plugin was registered after start-up: too late to take part."""


def _describe(item: object) -> str:
    """A plugin as an error message names it: where it is defined."""
    module = getattr(item, "__module__", None)
    name = getattr(item, "__qualname__", None) or type(item).__qualname__
    return f"{module}.{name}" if module else repr(item)


class Registry(Generic[T]):
    """The plugins of one extension point, by id.

    ``point`` names the extension point in messages ("import format", "metric");
    ``group`` is its entry-point group (``kontrol.<something>``).
    """

    def __init__(self, point: str, *, group: str) -> None:
        self.point = point
        self.group = group
        self._items: dict[str, T] = {}
        # Entry points that failed to load, with the reason, shown when asked for by id.
        self._broken: dict[str, str] = {}
        self._loaded = False
        self._loading = False
        self._frozen = False
        # Re-entrant: loading an entry point imports a module that registers plugins.
        self._lock = threading.RLock()
        _registries.append(self)

    def __repr__(self) -> str:
        return f"Registry({self.point!r}, group={self.group!r}, {len(self._items)} plugins)"

    @property
    def frozen(self) -> bool:
        """True once start-up is over: registering raises."""
        return self._frozen

    @property
    def broken(self) -> dict[str, str]:
        """Entry points that failed to load, with the reason."""
        self.load_entry_points()
        return dict(self._broken)

    def register(self, plugin_id: str) -> Callable[[T], T]:
        """Decorator: register the decorated object as the plugin ``plugin_id``."""

        def decorate(item: T) -> T:
            return self.add(plugin_id, item)

        return decorate

    def add(self, plugin_id: str, item: T) -> T:
        """Register ``item`` under ``plugin_id`` and return it.

        Adding the same plugin again (the same object, or an equal one) is
        harmless: a module imported twice; another plugin under a taken id is refused.
        """
        with self._lock:
            existing = self._items.get(plugin_id)
            if existing is item or (existing is not None and existing == item):
                return item
            if self._frozen:
                raise RegistryFrozen(
                    f"{self.point} {plugin_id!r} ({_describe(item)}) registered after "
                    f"start-up; declare it in the entry-point group {self.group!r}"
                )
            if existing is not None:
                raise DuplicatePlugin(
                    f"two plugins for the {self.point} {plugin_id!r}: "
                    f"{_describe(existing)} and {_describe(item)}",
                    key="plugins.error.twice",
                    params={
                        "point": self.point,
                        "plugin_id": plugin_id,
                        "first": _describe(existing),
                        "second": _describe(item),
                    },
                )
            self._items[plugin_id] = item
            return item

    def load_entry_points(self) -> None:
        """Load the entry points of the group (the first call only)."""
        if self._loaded:  # every lookup passes here: no lock once loaded
            return
        with self._lock:
            # Another thread waits on the lock until loading is done; this one,
            # re-entering from a module being loaded, sees what is there so far.
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                # By name: the same order whatever the installer or the number of packages.
                for entry_point in sorted(entry_points(group=self.group), key=lambda e: e.name):
                    self._load(entry_point)
                self._load_more()
                self._loaded = True
            finally:
                self._loading = False

    def _load_more(self) -> None:
        """Where a registry loads plugins from besides its entry points (none by default)."""

    def _load(self, entry_point: EntryPoint) -> None:
        """Load one entry point: a module registers its plugins, an object is one plugin."""
        try:
            loaded = entry_point.load()
            if not isinstance(loaded, ModuleType):
                self.add(entry_point.name, loaded)
        except Exception as error:  # noqa: BLE001 - one broken plugin must not stop the rest
            reason = f"{type(error).__name__}: {error}"
            self._broken[entry_point.name] = reason
            log.warning("%s plugin %r failed to load: %s", self.point, entry_point.name, reason)

    def freeze(self) -> None:
        """End registration: load the entry points if not done yet, then refuse more.

        Idempotent: every web app a process creates may call it.
        """
        self.load_entry_points()
        self._frozen = True

    @contextmanager
    def temporarily(self) -> Iterator[None]:
        """For tests: allow registering inside the block, then restore what was there.

        The plugins and the frozen state are put back as they were at entry.
        """
        self.load_entry_points()
        with self._lock:
            saved = dict(self._items)
            was_frozen = self._frozen
            self._frozen = False
        try:
            yield
        finally:
            with self._lock:
                self._items = saved
                self._frozen = was_frozen

    def get(self, plugin_id: str) -> T:
        """The plugin ``plugin_id``; :class:`UnknownPlugin` names the known ones otherwise."""
        self.load_entry_points()
        found = self._items.get(plugin_id)
        if found is not None:
            return found
        if plugin_id in self._broken:
            raise UnknownPlugin(
                f"the {self.point} {plugin_id!r} failed to load: {self._broken[plugin_id]}",
                key="plugins.error.broken",
                params={
                    "point": self.point,
                    "plugin_id": plugin_id,
                    "error": self._broken[plugin_id],
                },
            )
        known = ", ".join(self._items) or "none"
        raise UnknownPlugin(
            f"unknown {self.point} {plugin_id!r}; known: {known}",
            key="plugins.error.unknown",
            params={"point": self.point, "plugin_id": plugin_id, "known": known},
        )

    def __getitem__(self, plugin_id: str) -> T:
        return self.get(plugin_id)

    def __contains__(self, plugin_id: object) -> bool:
        self.load_entry_points()
        return plugin_id in self._items

    def __iter__(self) -> Iterator[str]:
        """The ids, in registration order."""
        return iter(self.ids())

    def __len__(self) -> int:
        self.load_entry_points()
        return len(self._items)

    def ids(self) -> list[str]:
        """Every id, in registration order."""
        self.load_entry_points()
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        """Every (id, plugin), in registration order."""
        self.load_entry_points()
        return list(self._items.items())

    def values(self) -> list[T]:
        """Every plugin, in registration order."""
        self.load_entry_points()
        return list(self._items.values())


REGISTRIES_GROUP = "kontrol.registries"
# Every registry created in this process, so start-up can freeze them together.
_registries: list[Registry[Any]] = []


def freeze_all() -> None:
    """At the end of start-up: load every registry's plugins, then freeze them all.

    The registries are those the ``kontrol.registries`` entry-point group names
    (every extension point, whether its module was imported yet or not) and any
    other created so far. Loading comes first for all of them because loading
    one may register into another (an event subscriber brings its background
    job). Idempotent.
    """
    for entry_point in entry_points(group=REGISTRIES_GROUP):
        if not isinstance(entry_point.load(), Registry):
            raise TypeError(f"the entry point {entry_point.value} is not a Registry")
    done = 0
    # A module loaded from one group may create a new registry: load until none is new.
    while done < len(_registries):
        for registry in list(_registries[done:]):
            registry.load_entry_points()
            done += 1
    for registry in _registries:
        registry.freeze()
