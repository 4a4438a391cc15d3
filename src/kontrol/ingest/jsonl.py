"""JSON Lines (``.jsonl``, ``.jsonl.gz``): the interchange format itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kontrol.ingest.files import numbered_lines, open_binary
from kontrol.ingest.json_records import loads_record
from kontrol.ingest.registry import Importer, SourceRecord, register_importer
from kontrol.ingest.schema import RecordError


@register_importer
class JsonLinesImporter(Importer):
    """One FORMAT.md record per line; blank lines are skipped."""

    name = "jsonl"
    label = "JSON Lines (Kontrol interchange format)"
    suffixes = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")

    def read(self, path: Path) -> Iterator[SourceRecord]:
        with open_binary(path) as handle:
            for number, line in numbered_lines(handle, path):
                if not line.strip():
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as error:
                    raw = line.decode("utf-8", errors="replace")
                    yield SourceRecord(number, raw, None, f"not valid UTF-8 at byte {error.start}")
                    continue
                try:
                    data = loads_record(text)
                except json.JSONDecodeError as error:
                    yield SourceRecord(
                        number, text, None, f"broken JSON: {error.msg} at column {error.colno}"
                    )
                    continue
                except RecordError as error:
                    yield SourceRecord(number, text, None, error.message, error.field)
                    continue
                if not isinstance(data, dict):
                    yield SourceRecord(number, text, None, "a record must be a JSON object")
                    continue
                yield SourceRecord(number, text, data)
