"""The long-lived objects of a started process, kept out of the garbage collector's way.

A started web process holds some 200,000 objects that live as long as it does:
modules, the app and its routes, SQLAlchemy's metadata, compiled phrase lists.
CPython's full (oldest-generation) collection walks all of them. It comes
every few thousand requests, as requests allocate, and took about 140 ms on
this machine: a pause that every request in flight waits out, which is what
the ingest API's p99 latency saw. ``gc.freeze()`` moves the objects that exist
now into a permanent generation that collections skip, so a full collection
walks only what was made since: 10-35 ms (docs/benchmarks.md, "Garbage
collection pauses").
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_objects() -> bool:
    """Collect once, then exempt every surviving object from later collections.

    Called when a process has finished starting (the web app's startup, ``kontrol
    worker``). Only the first call in a process freezes: a process that starts
    several apps (the test suite) keeps collecting the later ones' objects.
    True if this call froze.
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
