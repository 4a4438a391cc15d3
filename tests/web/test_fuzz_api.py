"""Schemathesis over the whole OpenAPI schema: no input answers a server error.

Every operation of ``/openapi.json`` gets generated requests, valid by the
schema and invalid, as three callers: an admin's session, an agent's session
and a workspace API key. The app answers in this process (its ASGI app behind
the test client, SQLite); a response of 500 or more, or an exception the app
did not turn into a response, is a failure, named by operation and request.

``KONTROL_FUZZ_EXAMPLES`` sets the examples per operation and caller (a few in
``make test``, many in ``make fuzz``; docs/security.md has the figures). The
run cannot pass by doing nothing: it asserts that it sent requests to every
operation of the schema but the ones in :data:`EXCLUDED` (none today), and that
the admin got a success from every operation that takes no id.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.factories import log_in
from tests.ingest.test_ingest_api import _key

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]

EXAMPLES = int(os.environ.get("KONTROL_FUZZ_EXAMPLES", "4"))
# Operations left out of the fuzzing, each with its reason. None: the API has no
# logout, no password change and no call that reaches a server outside the test.
EXCLUDED: dict[tuple[str, str], str] = {}
# Ids that exist in the populated workspace (1, 2, 3...): a share of the requests
# name them, so the handlers behind a found row are fuzzed too, not only 404s.
KNOWN_IDS = st.integers(min_value=1, max_value=4)
# Recordings are uploaded as raw bytes of these types (PUT /api/v1/speech/recordings/...).
schemathesis.serializer.alias(
    ["audio/wav", "audio/mpeg", "audio/ogg", "audio/flac"], "application/octet-stream"
)


@dataclass
class Tally:
    """What one caller's run sent and got."""

    sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    succeeded: set[tuple[str, str]] = field(default_factory=set)
    # Operations that answered something else than 401 (the caller was let in).
    admitted: set[tuple[str, str]] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.sent.values())


def _operations(client: TestClient) -> list[Any]:
    schema = schemathesis.openapi.from_dict(client.app.openapi())  # type: ignore[attr-defined]
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if (op.method.upper(), op.path) not in EXCLUDED]


def _int_path_parameters(operation: Any) -> list[str]:
    found = []
    for parameter in operation.path_parameters:
        definition = getattr(parameter, "definition", {}) or {}
        kind = (definition.get("schema") or {}).get("type")
        if kind == "integer":
            found.append(parameter.name)
    return found


def _cases(operation: Any) -> st.SearchStrategy[Any]:
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    ints = _int_path_parameters(operation)
    if ints:
        strategies.append(
            st.lists(KNOWN_IDS, min_size=len(ints), max_size=len(ints)).flatmap(
                lambda values: operation.as_strategy(
                    GenerationMode.POSITIVE, path_parameters=dict(zip(ints, values, strict=True))
                )
            )
        )
    return st.one_of(strategies)


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    request_headers = {
        name: value
        for name, value in kwargs.get("headers", {}).items()
        if name.lower() not in {"connection", "accept-encoding", "user-agent"}
    }
    request_headers.update(headers)
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    if "data" in kwargs:
        data = kwargs["data"]
        body["content" if isinstance(data, bytes | str) else "data"] = data
    if "files" in kwargs:
        body["files"] = kwargs["files"]
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params") or None,
        headers=request_headers,
        follow_redirects=False,
        **body,
    )


def _fuzz_operation(
    client: TestClient, operation: Any, headers: dict[str, str], tally: Tally
) -> None:
    key = (operation.method.upper(), operation.path)

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        derandomize=os.environ.get("KONTROL_FUZZ_RANDOM") is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation))
    def one(case: Any) -> None:
        tally.sent[key] += 1
        try:
            response = _send(client, case, headers)
        except Exception as error:  # the test client re-raises what the app did not answer
            tally.failures.append(f"{key}: {error!r}\n  {case.as_curl_command()}"[:600])
            return
        if response.status_code >= 500:
            tally.failures.append(
                f"{key}: {response.status_code} {response.text[:200]!r}\n"
                f"  {case.as_curl_command()}"[:600]
            )
        elif response.status_code < 300:
            tally.succeeded.add(key)
        if response.status_code != 401:
            tally.admitted.add(key)

    one()


def _fuzz(client: TestClient, headers: dict[str, str]) -> tuple[Tally, list[Any]]:
    operations = _operations(client)
    tally = Tally()
    for operation in operations:
        _fuzz_operation(client, operation, headers, tally)
    return tally, operations


def _report(who: str, tally: Tally, operations: list[Any]) -> None:
    print(f"fuzz {who}: {len(operations)} operations, {tally.requests} requests")
    every = {(op.method.upper(), op.path) for op in operations}
    assert len(every) + len(EXCLUDED) > 140, "the schema is smaller than it should be"
    assert sorted(every - set(tally.sent)) == [], "operations the fuzzer never called"
    assert not tally.failures, f"{len(tally.failures)} failures:\n" + "\n".join(
        dict.fromkeys(tally.failures)
    )


@pytest.fixture
def fuzz_client(database_url: str, populated: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        yield client


def test_no_request_makes_a_server_error_as_an_admin(fuzz_client: TestClient) -> None:
    log_in(fuzz_client, "admin")
    tally, operations = _fuzz(fuzz_client, {})
    _report("admin", tally, operations)
    id_free = {
        (op.method.upper(), op.path)
        for op in operations
        if op.method.upper() == "GET" and "{" not in op.path
    }
    assert sorted(id_free - tally.succeeded) == [], "GETs the admin never got an answer from"


def test_no_request_makes_a_server_error_as_an_agent(fuzz_client: TestClient) -> None:
    log_in(fuzz_client, "agent1")
    tally, operations = _fuzz(fuzz_client, {})
    _report("agent", tally, operations)
    assert ("GET", "/api/v1/interactions") in tally.succeeded


def test_no_request_makes_a_server_error_with_an_api_key(
    fuzz_client: TestClient, engine: Engine
) -> None:
    key = _key(engine, name="fuzz")
    tally, operations = _fuzz(fuzz_client, {"Authorization": f"Bearer {key}"})
    _report("API key", tally, operations)
    ingest = {("POST", f"/api/v1/{kind}") for kind in ("interactions", "surveys", "work-items")}
    assert sorted(ingest - tally.admitted) == [], "the key was refused by the ingest API"
