"""Who may rewrite facts and rollups when: advisory locks (PostgreSQL), the write
lock (SQLite). See docs/metrics.md, "Concurrent writers"."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, func, select

from kontrol.store.database import hold_write_lock

# Advisory locks (PostgreSQL). Per workspace one bigint key, this offset plus its
# id: whole-day rewrites take it exclusively, small changes share it. Small changes
# then lock (space, slot) pairs: one slot per interaction, one per rollup group.
_LOCK_SPACE = 0x4B4F_0000
_INTERACTION_LOCKS = 0x4B4F_0001
_GROUP_LOCKS = 0x4B4F_0002
_INT4 = 2**31
_LOCKS_PER_STATEMENT = 100

# A rewrite of at most this many interactions' facts is small: it locks just them
# and refreshes just the rollup groups it touched. Larger ones (import batches of
# 1,000) lock the workspace and recompute whole days, which is cheaper per
# interaction when a batch fills most groups of its days. An effects backlog batch
# (up to 250 pushed interactions, plus the earlier contacts they change) must stay
# small: recomputing the whole of today on every batch made its cost grow with the
# day (docs/benchmarks.md, "Ingest API at 500 requests/s").
SMALL_CHANGE = 512


def lock_workspace_facts(connection: Connection, workspace_id: int | None) -> None:
    """Hold, until the caller's transaction ends, the sole right to rewrite a
    workspace's facts and rollups.

    Facts and rollup rows are rewritten by delete-then-insert of whole sets (a
    customer's recent contacts, a day). Two imports doing that at once under
    PostgreSQL's READ COMMITTED would insert the same fact twice (a unique-key
    error) or a day's rollup rows twice (double counting). A transaction-scoped
    advisory lock per workspace puts them one after the other; small changes
    (``lock_facts``) share it, so they wait for a whole-day rewrite and it for
    them. SQLite has one writer at a time already.
    """
    if connection.dialect.name == "postgresql":
        key = _LOCK_SPACE + (workspace_id or 0)
        connection.execute(select(func.pg_advisory_xact_lock(key)))


def _advisory_pairs(connection: Connection, space: int, keys: Iterable[int]) -> None:
    # In ascending order, so that two transactions never wait for each other.
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _LOCKS_PER_STATEMENT):
        part = ordered[start : start + _LOCKS_PER_STATEMENT]
        values = {"space": space, **{f"k{number}": key for number, key in enumerate(part)}}
        connection.execute(_lock_statement(len(part)), values)


@lru_cache(maxsize=_LOCKS_PER_STATEMENT)
def _lock_statement(count: int) -> Any:
    # PostgreSQL evaluates the select list left to right: the locks are taken in order.
    space = bindparam("space", type_=Integer)
    return select(
        *(
            func.pg_advisory_xact_lock(space, bindparam(f"k{number}", type_=Integer))
            for number in range(count)
        )
    )


def lock_facts(connection: Connection, workspace_id: int, interaction_ids: Sequence[int]) -> bool:
    """Lock what rewriting these interactions' facts needs; True for a small change.

    Small (at most ``SMALL_CHANGE`` interactions): the workspace lock shared and
    one lock per interaction, so pushes for other interactions go on in
    parallel; the rollups are then kept by group (``apply_fact_changes`` locks
    the groups). Otherwise the workspace lock, exclusively. Every read of the
    facts' inputs comes after this, so whichever transaction rewrites a fact
    last sees every change committed before it.
    """
    small = len(interaction_ids) <= SMALL_CHANGE
    hold_write_lock(connection)
    if connection.dialect.name != "postgresql":
        return small
    if not small:
        lock_workspace_facts(connection, workspace_id)
        return False
    connection.execute(select(func.pg_advisory_xact_lock_shared(_LOCK_SPACE + workspace_id)))
    _advisory_pairs(connection, _INTERACTION_LOCKS, (i % _INT4 for i in interaction_ids))
    return True


def lock_groups(
    connection: Connection, workspace_id: int, groups: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL: lock these rollup groups (by the keys that tell them apart) until
    the transaction ends, so two small changes never rewrite one group at once."""
    # A stable hash (Python's own is salted per process); collisions only serialise.
    keys = (zlib.crc32(repr((workspace_id, *group)).encode()) - _INT4 for group in groups)
    _advisory_pairs(connection, _GROUP_LOCKS, keys)


def try_lock_workspace_exclusively(connection: Connection, workspace_id: int) -> bool:
    """PostgreSQL: take the workspace's lock exclusively until the transaction ends if
    no writer of its facts holds it now; False (nothing taken) otherwise."""
    key = _LOCK_SPACE + workspace_id
    return bool(connection.execute(select(func.pg_try_advisory_xact_lock(key))).scalar())
