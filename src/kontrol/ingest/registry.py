"""The importer registry: every reader of an input format is a plugin here.

Built-in importers are registered exactly like third-party ones: through the
``kontrol.importers`` entry-point group (see pyproject.toml). A plugin is a
class with a ``name``, a ``label``, the file ``suffixes`` it recognises and a
``read`` method that yields :class:`SourceRecord` objects holding
interchange-format dictionaries (spec/FORMAT.md). Validation, storage and
reject handling are the core's job, so a new source never changes the core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from kontrol.domain.errors import InvalidInput

ENTRY_POINT_GROUP = "kontrol.importers"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record read from an input, before validation.

    ``data`` is a FORMAT.md record, or ``None`` when the reader could not decode
    the line; then ``error`` (and ``field`` where known) say why. ``raw`` is the
    original text, kept verbatim with a reject so nothing is lost.
    """

    line: int
    raw: str
    data: dict[str, Any] | None
    error: str | None = None
    field: str | None = None


class Importer(ABC):
    """Base of every importer plugin."""

    name: ClassVar[str]
    label: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()

    def accepts(self, path: Path) -> bool:
        """True when this importer recognises ``path`` by its name."""
        return any(path.name.lower().endswith(suffix) for suffix in self.suffixes)

    @abstractmethod
    def read(self, path: Path) -> Iterator[SourceRecord]:
        """Yield the records of ``path`` in order, in constant memory.

        Raise :class:`kontrol.domain.errors.Unreadable` when the file as a whole
        cannot be read.
        """


_registry: dict[str, type[Importer]] = {}
# Plugins whose entry point failed to load, with the reason (shown when asked for).
_broken: dict[str, str] = {}
_loaded = False


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make ``cls`` available by its ``name``."""
    existing = _registry.get(cls.name)
    if existing is not None and existing is not cls:
        raise InvalidInput(f"two importers are named {cls.name!r}")
    _registry[cls.name] = cls
    return cls


def _load_entry_points() -> None:
    global _loaded
    if _loaded:
        return
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register(entry_point.load())
        except Exception as error:  # noqa: BLE001 - one broken plugin must not stop the rest
            _broken[entry_point.name] = f"{type(error).__name__}: {error}"
    _loaded = True


def importers() -> dict[str, type[Importer]]:
    """Every registered importer by name (entry points loaded on first use)."""
    _load_entry_points()
    return dict(_registry)


def get_importer(name: str) -> Importer:
    """The importer called ``name``."""
    found = importers().get(name)
    if found is None and name in _broken:
        raise InvalidInput(f"the import format {name!r} failed to load: {_broken[name]}")
    if found is None:
        known = ", ".join(sorted(importers()))
        raise InvalidInput(f"unknown import format {name!r}; known formats: {known}")
    return found()


def importer_for(path: Path) -> Importer:
    """The importer that recognises ``path`` by its name (JSON Lines by default)."""
    for cls in importers().values():
        candidate = cls()
        if candidate.accepts(path):
            return candidate
    return get_importer("jsonl")
