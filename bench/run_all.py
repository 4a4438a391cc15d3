"""Run every benchmark in bench/ and write their tables to docs/benchmarks.md.

Each module of this package with a ``main(argv) -> str`` is run with its
defaults; the Markdown it returns replaces the section between
``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` in docs/benchmarks.md
(the section is appended when missing).

    python -m bench.run_all [--only import_throughput,...] [--no-docs]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import time
from pathlib import Path

import bench

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
# checks_instructions runs under valgrind (its docstring says how), not on its own.
SKIP = {"run_all", "checks_instructions"}


def write_section(name: str, table: str, docs: Path = DOCS) -> None:
    """Replace (or append) the marked section ``name`` of ``docs`` with ``table``."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{table.strip()}\n{end}"
    text = docs.read_text(encoding="utf-8") if docs.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    docs.write_text(text, encoding="utf-8")


def modules() -> list[str]:
    """Names of the benchmark modules, alphabetically."""
    found = (info.name for info in pkgutil.iter_modules(bench.__path__))
    return sorted(name for name in found if name not in SKIP and not name.startswith("_"))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks one after the other."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated module names")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    for name in modules():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"\n== bench.{name} ==", flush=True)
        began = time.perf_counter()
        table = run([])
        print(f"(bench.{name}: {time.perf_counter() - began:.0f} s)", flush=True)
        if isinstance(table, str) and not args.no_docs:
            write_section(name, table)


if __name__ == "__main__":
    main()
