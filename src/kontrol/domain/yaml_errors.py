"""YAML that does not parse, told with its line in the reader's language."""

from __future__ import annotations

import yaml

from kontrol.domain.errors import InvalidInput

# PyYAML's problems people make most, each with a message in the catalogue
# (``error.yaml.<name>``); any other problem is told as ``error.yaml.other``.
_PROBLEMS = (
    ("mapping values are not allowed", "mapping_values"),
    ("cannot start any token", "bad_character"),
    ("could not find expected ':'", "missing_colon"),
    ("expected <block end>", "indentation"),
    ("did not find expected key", "indentation"),
    ("found undefined alias", "alias"),
    ("found unexpected end of stream", "unclosed_quote"),
    ("while scanning a quoted scalar", "unclosed_quote"),
)


def yaml_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line of a YAML error, when PyYAML knows it."""
    mark = getattr(error, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else None


def invalid_yaml(error: yaml.YAMLError, english: str, *, source: str = "YAML") -> InvalidInput:
    """``InvalidInput`` for unparsable YAML: ``english`` for the API, a keyed message for pages."""
    said = f"{getattr(error, 'problem', None) or ''} {getattr(error, 'context', None) or ''}"
    name = next((name for text, name in _PROBLEMS if text in said), "other")
    line = yaml_line(error)
    return InvalidInput(
        english,
        key=f"error.yaml.{name}",
        params={"line": line if line is not None else 1},
        where_key="error.where.source",
        where_params={"source": source},
    )
