"""The look at a JSON line that spares validation its scan never lets a problem by.

``surely_storable(text)`` may say False for a harmless line (the full scan then
runs), but never True for a line whose decoded value ``unstorable`` refuses;
and a JSON Lines import still names the line and field of each such record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from kontrol.ingest.schema import MAX_DEPTH, surely_storable, unstorable


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


HOSTILE = [
    '{"text": "a\\u0000b"}',
    '{"a\\u0000": 1}',
    '{"cost": NaN}',
    '{"cost": Infinity}',
    '{"cost": -Infinity}',
    '{"cost": 1e400}',
    '{"cost": 1E+309}',
    '{"cost": 2e308}',
    '{"cost": 0.01e312}',
    '{"cost": ' + "9" * 299 + "e10}",
    '{"cost": ' + "9" * 310 + ".5}",
    _nested(MAX_DEPTH + 1),
    '{"m": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_line_with_an_unstorable_value_is_never_taken_as_storable(text: str) -> None:
    assert unstorable(json.loads(text)) is not None
    assert not surely_storable(text)


def test_plain_lines_are_taken_as_storable() -> None:
    plain = {
        "id": "c-1",
        "cost": 94.89,
        "wrap_seconds": 39,
        "big": 1e9,
        "messages": [{"role": "agent", "text": "Здравствуйте! \\u0001 ok"}] * 20,
    }
    text = json.dumps(plain, ensure_ascii=False)
    assert unstorable(json.loads(text)) is None
    assert surely_storable(text)
    assert surely_storable(json.dumps(plain))  # Cyrillic escaped as \\u0417...


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x00\\u")),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=4) | st.just("\x00"), children, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_no_generated_value_that_cannot_be_stored_passes_the_look(
    value: Any, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    if unstorable(json.loads(text)) is not None:
        assert not surely_storable(text)


def test_a_jsonl_import_still_names_each_unstorable_record(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    good = {
        "id": "ok",
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "messages": [{"role": "customer", "text": "Здравствуйте"}],
    }
    lines = [json.dumps(good, ensure_ascii=False)]
    for number, (field, value) in enumerate(
        [("cost", "1e400"), ("cost", "NaN"), ("meta", _nested(MAX_DEPTH + 2))], start=1
    ):
        lines.append(json.dumps({**good, "id": f"bad-{number}"})[:-1] + f', "{field}": {value}}}')
    lines.append(json.dumps({**good, "id": "bad-nul", "topic": "a\x00b"}))
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 4)
    assert [(reject.line, (reject.field or "").split(".")[0]) for reject in report.rejects] == [
        (2, "cost"),
        (3, "cost"),
        (4, "meta"),
        (5, "topic"),
    ]
