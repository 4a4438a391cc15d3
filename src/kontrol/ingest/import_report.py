"""The import report: what one import (a file, an API request) did, rejects included."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How many rejects one report lists; all of them are stored in the database.
REPORT_REJECTS = 1000


@dataclass(frozen=True)
class Reject:
    """A record that was not imported, and why."""

    file: str
    line: int
    error: str
    field: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The shape ``kontrol import --json`` prints."""
        return {"file": self.file, "line": self.line, "error": self.error}


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    files: int = 0

    def as_json(self) -> dict[str, Any]:
        """The one JSON object ``kontrol import --json`` prints."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "rejects": [reject.as_json() for reject in self.rejects],
        }

    def add(self, other: ImportReport) -> None:
        """Fold the report of one more file into this one."""
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        room = REPORT_REJECTS - len(self.rejects)
        self.rejects.extend(other.rejects[: max(room, 0)])
        self.files += other.files
