"""Property-based fuzzing of every importer and of the ingest API (hypothesis).

Each example is a batch of records, some good, some made hostile: a field
replaced by a value of another type, a huge or deep one, NUL and lone
surrogates, a line that is not JSON at all. Whatever the batch:

- nothing crashes: the import ends with a report (the API with 200 or 422);
- every good record lands;
- a hostile record either lands (the change happened to be valid) or is a
  reject naming its line (the API: its index) and, when the record was an
  object, the field at fault;
- every record read is counted once, stored or rejected.

The vendor formats (``src/kontrol/ingest/vendors``) are fuzzed from the real
samples in ../shared/data/formats: a payload's values are replaced at random,
and a broken line between good payloads must not lose those.

``KONTROL_FUZZ_EXAMPLES`` scales the examples (``make fuzz`` runs many more);
docs/security.md has the figures.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Unreadable
from kontrol.ingest.importing import import_file
from kontrol.ingest.registry import get_importer
from kontrol.store.tables import interactions
from kontrol.web.app import create_app
from tests.ingest.test_ingest_api import _key

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]

SCALE = int(os.environ.get("KONTROL_FUZZ_EXAMPLES", "4"))
FUZZ = settings(
    max_examples=max(SCALE * 5, 10),
    deadline=None,
    database=None,
    derandomize=os.environ.get("KONTROL_FUZZ_RANDOM") is None,
    suppress_health_check=list(HealthCheck),
)
SHARED_FORMATS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "formats"
_serial = itertools.count(1)
# Examples run per test, printed for docs/security.md (``make fuzz`` shows them).
_ran: Counter[str] = Counter()

# -- values -----------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cs", "Zs"]), max_size=5),
    st.just("\x00"),
    st.just("x" * 70_000),
    st.sampled_from(["", "2026-13-45T99:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]),
)
HOSTILE = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
# Where a hostile value goes: a top-level field, one inside a message or the survey.
FIELDS = st.sampled_from(
    [
        "id", "source", "channel", "direction", "started_at", "ended_at", "queued_at",
        "wrap_seconds", "status", "agent_id", "team", "customer_id", "language", "topic",
        "tags", "cost", "messages", "survey", "meta", "kind", "unknown_field",
        "messages.0", "messages.0.role", "messages.0.text", "messages.0.at",
        "messages.0.start", "survey.csat", "survey.nps", "survey.comment",
    ]
)  # fmt: skip
WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
)


def _good(ident: str, text: str) -> dict[str, Any]:
    return {
        "id": ident,
        "source": "fuzz",
        "channel": "chat",
        "started_at": "2026-11-20T10:00:00+03:00",
        "agent_id": "a1",
        "team": "L1",
        "customer_id": "c1",
        "topic": "delivery",
        "messages": [
            {"role": "customer", "text": text, "at": "2026-11-20T10:00:00+03:00"},
            {"role": "agent", "text": "Здравствуйте!", "at": "2026-11-20T10:00:05+03:00"},
        ],
        "survey": {"csat": 4, "comment": text},
    }


def _put(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``record`` with ``value`` at the dotted ``path`` (made where missing)."""
    copy = json.loads(json.dumps(record))
    target: Any = copy
    parts = path.split(".")
    try:  # an earlier change may have replaced the container: then nothing changes
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        last = parts[-1]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    except (AttributeError, IndexError, TypeError, ValueError):
        return record
    return copy


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """A batch: ``("good", record)``, ``("hostile", record)`` or ``("line", text)`` items."""
    prefix = f"f{next(_serial)}"
    items: list[tuple[str, Any]] = []
    for number in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(["good", "good", "hostile", "hostile", "line"]))
        if kind == "good":
            items.append(("good", _good(f"{prefix}-good-{number}", draw(WORDS))))
        elif kind == "hostile":
            record = _good(f"{prefix}-hostile-{number}", draw(WORDS))
            for _ in range(draw(st.integers(min_value=1, max_value=2))):
                record = _put(record, draw(FIELDS), draw(HOSTILE))
            items.append(("hostile", record))
        else:
            items.append(("line", draw(st.one_of(st.text(max_size=60), st.just("{broken")))))
    return items


# -- checking an import -------------------------------------------------------


def _stored(engine: Engine, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    with engine.connect() as connection:
        found = connection.execute(
            # Any source: an empty "source" cell means the default one.
            select(interactions.c.external_id).where(interactions.c.external_id.in_(sorted(ids)))
        ).scalars()
        return set(found)


def _ident(record: Any) -> str | None:
    """The id the batch gave ``record``; None when a hostile value replaced it."""
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        if re.fullmatch(r"f\d+-(good|hostile)-\d+", record["id"]):
            return str(record["id"])
    return None


def _check(
    engine: Engine,
    items: list[tuple[str, Any]],
    lines: list[int],
    rejects: list[tuple[int, str, str | None]],
    counted: int,
) -> None:
    """The properties of one import (``lines``: where each item starts; rejects by line)."""
    good = {_ident(record) for kind, record in items if kind == "good"}
    assert _stored(engine, {ident for ident in good if ident}) == good, "a good record was lost"
    by_line = {line: (kind, record) for (kind, record), line in zip(items, lines, strict=True)}
    for line, error, field in rejects:
        assert line in by_line, f"a reject names line {line}, where no record starts"
        kind, record = by_line[line]
        assert kind != "good", f"line {line}: a good record was rejected: {error}"
        assert error, f"line {line}: a reject without a reason"
        if kind == "hostile" and isinstance(record, dict):
            assert field, f"line {line}: the reject names no field: {error}"
    hostile = {_ident(record) for kind, record in items if kind == "hostile"} - {None}
    landed = _stored(engine, {ident for ident in hostile if ident})
    rejected_lines = {line for line, _, _ in rejects}
    for (kind, record), line in zip(items, lines, strict=True):
        if kind == "hostile" and _ident(record) and _ident(record) not in landed:
            assert line in rejected_lines, f"line {line} neither stored nor rejected"
    assert counted == len(items), "a record was counted twice or not at all"


def _tell(name: str) -> None:
    print(f"fuzz {name}: {_ran[name]} examples")


# -- JSON Lines ---------------------------------------------------------------


def _jsonl(items: list[tuple[str, Any]]) -> str:
    out = []
    for kind, record in items:
        if kind == "line":
            text = record.replace("\n", " ").replace("\r", " ")
            out.append(text if text.strip() else "{}")
        else:
            out.append(json.dumps(record, ensure_ascii=True))
    return "\n".join(out) + "\n"


@FUZZ
@given(items=batches())
def _jsonl_property(engine: Engine, workspace: Workspace, folder: Path, items: Any) -> None:
    _ran["jsonl"] += 1
    path = folder / f"fuzz-{next(_serial)}.jsonl"
    path.write_text(_jsonl(items), encoding="utf-8")
    report = import_file(engine=engine, workspace=workspace, path=path)
    rejects = [(reject.line, reject.error, reject.field) for reject in report.rejects]
    counted = report.imported + report.updated + report.unchanged + report.rejected
    _check(engine, items, list(range(1, len(items) + 1)), rejects, counted)


def test_jsonl_files_keep_every_good_record_and_name_every_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _jsonl_property(engine, workspace, tmp_path)
    _tell("jsonl")


# -- CSV ----------------------------------------------------------------------

CSV_COLUMNS = [
    "id", "source", "channel", "started_at", "agent_id", "team", "customer_id", "topic",
    "tags", "cost", "survey.csat", "survey.comment", "messages",
]  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _csv(items: list[tuple[str, Any]]) -> tuple[str, list[int]]:
    """The CSV text and the line each item's row starts on."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    starts = []
    for kind, record in items:
        starts.append(out.getvalue().count("\n") + 1)
        if kind == "line":
            writer.writerow([record] + [""] * (len(CSV_COLUMNS) - 1))
            continue
        survey = record.get("survey")
        flat = dict(record)
        if isinstance(survey, dict):
            flat.update({f"survey.{key}": value for key, value in survey.items()})
        else:
            flat["survey.csat"] = survey
        writer.writerow([_cell(flat.get(column)) for column in CSV_COLUMNS])
    return out.getvalue(), starts


def _not_blank(item: tuple[str, Any]) -> bool:
    kind, record = item
    return kind != "line" or bool(record.strip())


@FUZZ
@given(items=batches())
def _csv_property(engine: Engine, workspace: Workspace, folder: Path, items: Any) -> None:
    _ran["csv"] += 1
    text, starts = _csv(items)
    path = folder / f"fuzz-{next(_serial)}.csv"
    # Lone surrogates are written as they are: the file is then not UTF-8 as a whole.
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        report = import_file(engine=engine, workspace=workspace, path=path)
    except Exception as error:
        # A file that is not UTF-8 as a whole is refused with its reason, never half-read.
        assert isinstance(error, Unreadable) and "UTF-8" in str(error), repr(error)
        return
    rejects = [(reject.line, reject.error, reject.field) for reject in report.rejects]
    note(f"file:\n{text}\nreport: {report}")
    # A blank row is no record (a spreadsheet's empty line): it is skipped, not rejected.
    kept = [(item, start) for item, start in zip(items, starts, strict=True) if _not_blank(item)]
    items, starts = [item for item, _ in kept], [start for _, start in kept]
    counted = report.imported + report.updated + report.unchanged + report.rejected
    _check(engine, items, starts, rejects, counted)


def test_csv_files_keep_every_good_row_and_name_every_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _csv_property(engine, workspace, tmp_path)
    _tell("csv")


# -- the ingest API -----------------------------------------------------------


@pytest.fixture
def api_key(engine: Engine, workspace: Workspace) -> str:
    return _key(engine, name="fuzz")


@FUZZ
@given(items=batches())
def _api_property(engine: Engine, client: TestClient, key: str, items: Any) -> None:
    _ran["api"] += 1
    body = [record for _, record in items]  # a "line" goes as a JSON string: not a record
    response = client.post(
        "/api/v1/interactions",
        content=json.dumps(body, ensure_ascii=True),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code in (200, 422), (response.status_code, response.text[:300])
    answer = response.json()
    rejects = [
        (reject["index"] + 1, reject["error"], reject["field"])
        for reject in answer.get("rejects", [])
    ]
    if response.status_code == 422 and "rejects" not in answer:
        # The request as a whole was refused (not a list of records): nothing stored.
        assert not _stored(engine, {_ident(r) or "" for _, r in items}), answer
        return
    counted = answer["imported"] + answer.get("updated", 0) + answer.get("unchanged", 0)
    _check(engine, items, list(range(1, len(items) + 1)), rejects, counted + answer["rejected"])


def test_the_ingest_api_keeps_every_good_record_and_names_every_reject(
    engine: Engine, workspace: Workspace, database_url: str, api_key: str
) -> None:
    with TestClient(create_app(database_url)) as client:
        _api_property(engine, client, api_key)
    _tell("api")


# -- vendor formats -----------------------------------------------------------

# The samples each vendor importer is fuzzed from (JSON: one payload or an array).
VENDOR_SAMPLES = {
    "chatwoot": ["chatwoot/webhook_message_created.json"],
    "telegram": ["telegram"],
    "zendesk": ["zendesk"],
    "freshdesk": ["freshdesk/ticket_1.json", "freshdesk/conversations.json"],
    "intercom": ["intercom"],
    "amazon_connect": ["amazon_connect/extracted/contact_lens_chat_analysis_redacted.json"],
}


def _payloads(name: str) -> list[Any]:
    found: list[Any] = []
    for relative in VENDOR_SAMPLES[name]:
        path = SHARED_FORMATS / relative
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            if not file.exists():
                continue
            try:
                value = json.loads(file.read_text(encoding="utf-8"))
            except ValueError:
                continue
            found.extend(value if isinstance(value, list) else [value])
    if not found:
        pytest.skip(f"no {name} samples under {SHARED_FORMATS}")
    return found


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            yield from _paths(child, (*prefix, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    try:  # an earlier change may have replaced the container: then nothing changes
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = new
    except (KeyError, IndexError, TypeError):
        return value
    return copy


def _vendor_property(name: str) -> Callable[[Engine, Workspace, Path], None]:
    payloads = _payloads(name)
    paths = [(index, path) for index, payload in enumerate(payloads) for path in _paths(payload)]

    @FUZZ
    @given(
        changes=st.lists(st.tuples(st.sampled_from(paths), HOSTILE), min_size=1, max_size=3),
        garbage=st.one_of(st.text(max_size=40), st.just("{broken")),
    )
    def run(engine: Engine, workspace: Workspace, folder: Path, changes: Any, garbage: str) -> None:
        _ran[name] += 1
        mutated = list(payloads)
        for (index, path), value in changes:
            mutated[index] = _replace(mutated[index], path, value)
        lines = [json.dumps(payload, ensure_ascii=True) for payload in mutated]
        path = folder / f"fuzz-{next(_serial)}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        importer = get_importer(name)
        records = list(importer.read(path))
        for record in records:
            assert 1 <= record.line <= len(lines), f"line {record.line} of {len(lines)}"
            if record.data is None:
                assert record.error, f"line {record.line}: a reject without a reason"
        report = import_file(engine=engine, workspace=workspace, path=path, importer=importer)
        counted = report.imported + report.updated + report.unchanged + report.rejected
        assert counted == len(records), "a record was counted twice or not at all"
        for reject in report.rejects:
            assert reject.error and 1 <= reject.line <= len(lines)

        # A broken line between the clean payloads loses none of their conversations.
        clean = folder / f"fuzz-{next(_serial)}.jsonl"
        clean.write_text("\n".join(json.dumps(p) for p in payloads) + "\n", encoding="utf-8")
        expected = [r.data["id"] for r in importer.read(clean) if r.data is not None]
        broken = folder / f"fuzz-{next(_serial)}.jsonl"
        middle = len(payloads) // 2
        text_lines = [json.dumps(p) for p in payloads]
        text_lines.insert(middle, garbage.replace("\n", " "))
        broken.write_text("\n".join(text_lines) + "\n", encoding="utf-8")
        found = [r.data["id"] for r in importer.read(broken) if r.data is not None]
        assert sorted(found) == sorted(expected), "a broken line lost a good conversation"

    return run


@pytest.mark.parametrize("vendor", sorted(VENDOR_SAMPLES))
def test_vendor_files_never_crash_and_name_every_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path, vendor: str
) -> None:
    _vendor_property(vendor)(engine, workspace, tmp_path)
    _tell(vendor)


# -- e-mail (mbox) ------------------------------------------------------------

HEADER_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=60)


def _mail(ident: str, *, date: str, sender: str, subject: str, body: str) -> str:
    return (
        # The separator line is mbox's own (a hostile sender there would merge two mails).
        "From fuzz@example.com Mon Nov  2 10:00:00 2026\n"
        f"From: {sender}\nTo: support@shop.example\nSubject: {subject}\n"
        f"Message-ID: <{ident}@fuzz.example>\nDate: {date}\n\n{body}\n\n"
    )


@FUZZ
@given(
    hostile=st.lists(
        st.tuples(HEADER_TEXT, HEADER_TEXT, HEADER_TEXT, st.text(max_size=200)),
        min_size=1,
        max_size=4,
    ),
    good_text=WORDS,
)
def _mbox_property(
    engine: Engine, workspace: Workspace, folder: Path, hostile: Any, good_text: str
) -> None:
    _ran["mbox"] += 1
    prefix = f"m{next(_serial)}"
    good = _mail(
        f"{prefix}-good",
        date="Mon, 02 Nov 2026 10:00:00 +0300",
        sender="ivan@example.com",
        subject="Заказ",
        body=good_text.replace("\nFrom ", "\n>From ").replace("\r", " "),
    )
    mails = [good]
    for number, (date, sender, subject, body) in enumerate(hostile):
        mails.append(
            _mail(f"{prefix}-h{number}", date=date, sender=sender, subject=subject, body=body)
        )
    path = folder / f"fuzz-{next(_serial)}.mbox"
    text = "".join(mails)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    total = text.count("\n") + 1
    note(f"mbox: {text!r}")
    importer = get_importer("mbox")
    try:
        records = list(importer.read(path))
        report = import_file(engine=engine, workspace=workspace, path=path, importer=importer)
    except Unreadable as error:
        assert str(error), "an unreadable file without a reason"
        return
    for record in records:
        assert 1 <= record.line <= total, f"line {record.line} of {total}"
        if record.data is None:
            assert record.error, f"line {record.line}: a reject without a reason"
    counted = report.imported + report.updated + report.unchanged + report.rejected
    assert counted == len(records), "a record was counted twice or not at all"
    good_id = f"{prefix}-good@fuzz.example"
    note(f"records: {records!r}")
    assert _stored(engine, {good_id}) == {good_id}, "the good mail was lost"


def test_mbox_files_never_crash_and_keep_the_good_mail(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    _mbox_property(engine, workspace, tmp_path)
    _tell("mbox")
