"""The importer registry: every reader of an input format is a plugin here.

Built-in importers are registered exactly like third-party ones: through the
``kontrol.importers`` entry-point group (see pyproject.toml), into the
:class:`~kontrol.plugins.Registry` ``importers``. A plugin is a
class with a ``name``, a ``label``, the file ``suffixes`` it recognises and a
``read`` method that yields :class:`SourceRecord` objects holding
interchange-format dictionaries (spec/FORMAT.md). Validation, storage and
reject handling are the core's job, so a new source never changes the core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from kontrol.plugins import Registry

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


importers: Registry[type[Importer]] = Registry("import format", group=ENTRY_POINT_GROUP)


def register_importer(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make ``cls`` available by its ``name``."""
    return importers.add(cls.name, cls)


def get_importer(name: str) -> Importer:
    """The importer called ``name``."""
    return importers.get(name)()


def importer_for(path: Path) -> Importer:
    """The importer that recognises ``path`` by its name (JSON Lines by default)."""
    for cls in importers.values():
        candidate = cls()
        if candidate.accepts(path):
            return candidate
    return get_importer("jsonl")
