"""Run every benchmark in bench/ and write their tables to docs/benchmarks.md.

Each module of this package with a ``main(argv) -> str`` is run with its
defaults; the Markdown it returns replaces the section between
``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` in docs/benchmarks.md
(the section is appended when missing).

The ten-million benchmark (``scale_postgres``: an hour of fill on the shared
machine, about 20 GB of disk) runs only when asked: ``--scale``, or the
environment variable ``KONTROL_BENCH_SCALE=1`` (``KONTROL_BENCH_SCALE=1 make
bench``), or by name with ``--only scale_postgres``.

    python -m bench.run_all [--only import_throughput,...] [--no-docs] [--scale]
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import time
from pathlib import Path

import bench

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
# checks_instructions runs under valgrind (its docstring says how), not on its own;
# scale_data is the scale bench's generator.
SKIP = {"run_all", "checks_instructions", "scale_data"}
# Run only when asked for (by --scale, KONTROL_BENCH_SCALE=1 or --only).
ON_REQUEST = {"scale_postgres"}


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
    parser.add_argument(
        "--scale", action="store_true", help="also run the ten-million benchmark (scale_postgres)"
    )
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    scale = args.scale or os.environ.get("KONTROL_BENCH_SCALE", "") not in ("", "0")
    for name in modules():
        if wanted and name not in wanted:
            continue
        if name in ON_REQUEST and not (scale or name in wanted):
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
