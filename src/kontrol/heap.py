"""The long-lived objects of a started process, kept out of the garbage collector's way.

A started web process holds some 200,000 objects that live as long as it does:
modules, the app and its routes, SQLAlchemy's metadata, compiled phrase lists.
CPython's full (oldest-generation) collection walks all of them. It comes
every few thousand requests, as requests allocate, and took about 140 ms on
this machine: a pause that every request in flight waits out, which is what
the ingest API's p99 latency saw. ``gc.freeze()`` moves the objects that exist
now into a permanent generation that collections skip, so a full collection
walks only what was made since: 10-35 ms (docs/benchmarks.md, "Ingest API at
500 requests/s", point 4).

The youngest generation is also collected after 5,000 net allocations instead
of 700: a request allocates hundreds of objects, nearly all freed by reference
counting, so most of those collections found nothing. Serving 6,000 pushes,
the collector's time fell from 809 to 413 ms (2,087 collections to 170).
"""

from __future__ import annotations

import gc

# Net allocations between collections of the youngest generation (CPython: 700).
YOUNG_THRESHOLD = 5000


def freeze_startup_objects() -> bool:
    """Collect once, then exempt every surviving object from later collections,
    and collect the youngest generation less often (``YOUNG_THRESHOLD``).

    Called when a process has finished starting (the web app's startup, ``kontrol
    worker``). A process whose objects are frozen already is left as it is, so
    one that starts several apps (the test suite) keeps collecting the later
    ones' objects. True if this call froze.
    """
    if gc.get_freeze_count():
        return False
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
    return True
