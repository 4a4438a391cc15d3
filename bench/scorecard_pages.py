"""How fast the scorecard pages and the form editor answer, timed through the web app.

Loads the demo (N generated interactions through the ordinary import path) into
a fresh SQLite file, logs in as the admin and times whole requests: the list,
the editor on the default Russian scorecard (20 criteria), a new one, the
preview of the unsaved form on a conversation, a refused form (a weight that is
not a number) and the YAML export. Each figure is the median of several
requests after one warm-up, with the SQL statements of one request and the
CPU time of the process (on a shared machine the wall time is mostly waiting).

    python -m bench.scorecard_pages --count 400 [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bench.dashboard_pages import (
    _client,
    _drop_postgres,
    _postgres_url,
    counting,
    fill,
    wall_and_cpu,
)

Request = Callable[[TestClient], Any]


def _editor_form(client: TestClient) -> list[tuple[str, str]]:
    """The fields the editor of default-ru posts, in page order, read from the page."""
    page = client.get("/scorecards/default-ru/edit").text
    form = page.split('id="scorecard-form"', 1)[1].split("</form>", 1)[0]
    fields: list[tuple[str, str]] = []
    for tag in re.finditer(r"<(input|select)\b([^>]*)>(.*?)(?=<input|<select|$)", form, re.S):
        attrs, rest = tag.group(2), tag.group(3)
        name = re.search(r'name="([^"]+)"', attrs)
        if name is None:
            continue
        if tag.group(1) == "select":
            chosen = re.search(r'<option value="([^"]*)" selected', rest)
            fields.append((name.group(1), chosen.group(1) if chosen else ""))
        elif 'type="checkbox"' in attrs and "checked" not in attrs:
            continue
        else:
            value = re.search(r'value="([^"]*)"', attrs)
            fields.append((name.group(1), value.group(1) if value else ""))
    return fields


def _requests(client: TestClient) -> list[tuple[str, Request]]:
    fields = _editor_form(client)
    sample = re.search(r'<option value="(\d+)" selected', client.get("/scorecards/new").text)
    assert sample is not None, "no checked conversation to preview"
    preview = [*fields, ("do", "preview"), ("sample", sample.group(1))]
    wrong = [(k, "много" if k == "criterion_weight" else v) for k, v in fields]
    wrong.append(("do", "save"))

    def post(body: list[tuple[str, str]], status: int) -> Request:
        def send(c: TestClient) -> Any:
            answer = c.request(
                "POST",
                "/scorecards/form",
                content="&".join(f"{k}={quote_plus(v)}" for k, v in body),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert answer.status_code == status, answer.status_code
            return answer

        return send

    return [
        ("scorecard list", lambda c: c.get("/scorecards")),
        ("editor, default-ru (20 criteria)", lambda c: c.get("/scorecards/default-ru/edit")),
        ("editor, new scorecard", lambda c: c.get("/scorecards/new")),
        ("preview of the form on a conversation", post(preview, 200)),
        ("refused form (translated error)", post(wrong, 422)),
        ("YAML export", lambda c: c.get("/scorecards/default-ru/yaml")),
    ]


def measure(url: str, runs: int) -> dict[str, tuple[float, int, float]]:
    """Median wall milliseconds, SQL statements and median CPU milliseconds of each request."""
    client = _client(url, "admin")
    engine: Engine = client.app.state.kontrol.engine  # type: ignore[attr-defined]
    results: dict[str, tuple[float, int, float]] = {}
    for name, send in _requests(client):
        with counting(engine) as statements:
            send(client)
        wall, cpu = wall_and_cpu(partial(send, client), runs)
        results[name] = (wall, len(statements), cpu)
    client.close()
    return results


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backends", default="sqlite")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, tuple[float, int, float]]] = {}
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(folder) / 'scorecards.db'}"
            else:
                url = _postgres_url("kontrol_bench_scorecards")
            fill(url, args.count)
            columns[backend] = measure(url, args.runs)
            names = list(columns[backend])
            if backend != "sqlite":
                _drop_postgres("kontrol_bench_scorecards")
    lines = [
        f"Scorecard pages on the demo ({args.count:,} generated interactions): median ms "
        "of a whole request (SQL statements per request; CPU ms of the process)",
        "",
        "| request | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        cells = [
            f"{columns[b][name][0]:.0f} ({columns[b][name][1]}; CPU {columns[b][name][2]:.0f})"
            for b in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"- load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
