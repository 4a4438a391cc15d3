"""The started process's objects leave the garbage collector's walk, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_startup_objects_are_frozen_once_and_later_garbage_is_still_collected() -> None:
    # In a fresh interpreter: the test suite's own process has frozen already.
    script = """
import gc, weakref
from kontrol.heap import freeze_startup_objects

class Node:
    pass

assert gc.get_freeze_count() == 0
assert freeze_startup_objects() is True
frozen = gc.get_freeze_count()
assert frozen > 1000, frozen
assert gc.get_threshold()[0] == 5000
assert freeze_startup_objects() is False
assert gc.get_freeze_count() == frozen
# A cycle made after the freeze is still found and freed by a collection.
a, b = Node(), Node()
a.other, b.other = b, a
ref = weakref.ref(a)
del a, b
gc.collect()
assert ref() is None
print(frozen)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 1000


def test_the_web_app_freezes_its_startup_objects(tmp_path: Path) -> None:
    script = f"""
import gc
from starlette.testclient import TestClient
from kontrol.web.app import create_app

app = create_app("sqlite:///{tmp_path / "heap.db"}", demo=False)
assert gc.get_freeze_count() == 0
with TestClient(app) as client:
    assert client.get("/login").status_code == 200
    print(gc.get_freeze_count())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # Modules, routes and metadata: far more than a bare interpreter's few thousand.
    assert int(done.stdout.strip().splitlines()[-1]) > 50_000
