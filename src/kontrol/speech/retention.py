"""How long personal data is kept, and "forget this customer" (docs/privacy.md).

Per workspace a policy says after how many days recordings are deleted,
transcripts are deleted, customers are anonymised and interactions are emptied.
The ``speech.retention`` job applies it daily; every run and every forgotten
customer leaves a row in ``deletion_log``.

Interactions are emptied, never deleted: their KPI facts and daily rollups stay
as they were counted, and the customer's pseudonym is the same everywhere, so
repeat-contact figures keep their sums.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kontrol.accounts.audit import AuditAction, record_audit
from kontrol.checks.audio import local_recording
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.settings import current_settings
from kontrol.store.tables import (
    check_outcomes,
    deletion_log,
    interaction_facts,
    interactions,
    message_originals,
    messages,
    order_facts,
    orders,
    retention_policies,
    speech_recordings,
    surveys,
)

MAX_DAYS = 36500


@dataclass(frozen=True)
class RetentionPolicy:
    """Days to keep each kind of data; ``None`` keeps it for ever."""

    recordings_days: int | None = None
    transcripts_days: int | None = None
    interactions_days: int | None = None
    customers_days: int | None = None
    keep_originals: bool = False


def get_policy(connection: Connection, workspace_id: int) -> RetentionPolicy:
    row = connection.execute(
        select(retention_policies).where(retention_policies.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        return RetentionPolicy()
    return RetentionPolicy(
        row.recordings_days,
        row.transcripts_days,
        row.interactions_days,
        row.customers_days,
        bool(row.keep_originals),
    )


def set_policy(
    connection: Connection,
    workspace_id: int,
    policy: RetentionPolicy,
    *,
    by: str,
    recordings_dir: Path | None = None,
    address: str | None = None,
) -> None:
    """Save the policy. Turning ``keep_originals`` off deletes the originals kept so
    far (text and recordings), with a line in the deletion log."""
    for name in ("recordings_days", "transcripts_days", "interactions_days", "customers_days"):
        days = getattr(policy, name)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InvalidInput(
                f"{name}: a whole number of days from 1 to {MAX_DAYS}, or empty",
                key="speech.error.retention_days",
                params={"limit": MAX_DAYS},
                where_key="error.where.field",
                where_params={"field": name},
            )
    kept_before = get_policy(connection, workspace_id).keep_originals
    values = {
        "recordings_days": policy.recordings_days,
        "transcripts_days": policy.transcripts_days,
        "interactions_days": policy.interactions_days,
        "customers_days": policy.customers_days,
        "keep_originals": policy.keep_originals,
        "updated_by": by[:100],
        "updated_at": utcnow(),
    }
    changed = connection.execute(
        update(retention_policies)
        .where(retention_policies.c.workspace_id == workspace_id)
        .values(**values)
    ).rowcount
    if not changed:
        connection.execute(insert(retention_policies).values(workspace_id=workspace_id, **values))
    if kept_before and not policy.keep_originals:
        if recordings_dir is None:
            recordings_dir = Path(current_settings().recordings_dir)
        ids = _with_originals(connection, workspace_id)
        count = delete_originals(connection, workspace_id, ids, recordings_dir)
        if count:
            _log(
                connection,
                workspace_id,
                reason="policy",
                what="originals",
                count=count,
                by=by,
                now=utcnow(),
            )
    record_audit(
        connection,
        workspace_id=workspace_id,
        actor=by,
        action=AuditAction.RETENTION_CHANGED,
        target="retention policy",
        address=address,
        details={
            name: values[name]
            for name in (
                "recordings_days",
                "transcripts_days",
                "interactions_days",
                "customers_days",
                "keep_originals",
            )
        },
    )


def customer_pseudonym(workspace_id: int, customer_id: str) -> str:
    """The same stand-in for one customer everywhere in the workspace."""
    digest = hashlib.sha256(f"kontrol:{workspace_id}:{customer_id}".encode()).hexdigest()
    return "anon-" + digest[:16]


def _log(
    connection: Connection,
    workspace_id: int,
    *,
    reason: str,
    what: str,
    count: int,
    by: str,
    now: datetime,
    customer_hash: str | None = None,
    address: str | None = None,
) -> None:
    connection.execute(
        insert(deletion_log).values(
            workspace_id=workspace_id,
            at=now,
            reason=reason,
            what=what,
            count=count,
            customer_hash=customer_hash,
            requested_by=by[:100],
        )
    )
    # The same deletion in the audit log (the customer by pseudonym, never by id).
    record_audit(
        connection,
        workspace_id=workspace_id,
        actor=by,
        action=(
            AuditAction.CUSTOMER_FORGOTTEN
            if reason == "forget"
            else AuditAction.INTERACTIONS_DELETED
        ),
        target=customer_hash or what,
        details={"reason": reason, "what": what, "count": count},
        address=address,
    )


def files_in_use(connection: Connection, relatives: set[str]) -> set[str]:
    """Those of these files that a call still plays or keeps as its original (one
    file may serve several calls: the same bytes are stored once)."""
    used: set[str] = set()
    names = sorted(relatives)
    for start in range(0, len(names), 500):
        part = names[start : start + 500]
        used.update(
            connection.execute(
                select(interactions.c.recording).where(interactions.c.recording.in_(part))
            ).scalars()
        )
        for column in (speech_recordings.c.path, speech_recordings.c.original_path):
            used.update(connection.execute(select(column).where(column.in_(part))).scalars())
    return used


def _unlink_unused(connection: Connection, relatives: set[str], base: Path) -> None:
    for relative in relatives - files_in_use(connection, relatives):
        path = local_recording(relative, base)
        if path is not None:
            path.unlink(missing_ok=True)


def _with_originals(connection: Connection, workspace_id: int) -> list[int]:
    """The workspace's interactions that have kept originals."""
    text = (
        select(message_originals.c.interaction_id)
        .join(interactions, interactions.c.id == message_originals.c.interaction_id)
        .where(interactions.c.workspace_id == workspace_id)
    )
    audio = select(speech_recordings.c.interaction_id).where(
        speech_recordings.c.workspace_id == workspace_id,
        speech_recordings.c.original_path.is_not(None),
    )
    return sorted(set(connection.execute(text.union(audio)).scalars()))


def delete_originals(connection: Connection, workspace_id: int, ids: list[int], base: Path) -> int:
    """Delete the kept originals (unmasked text, recordings before the tone) of these
    interactions; the count of lines and files deleted."""
    if not ids:
        return 0
    count = 0
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        count += int(
            connection.execute(
                delete(message_originals).where(message_originals.c.interaction_id.in_(part))
            ).rowcount
            or 0
        )
        rows = connection.execute(
            select(speech_recordings.c.id, speech_recordings.c.original_path).where(
                speech_recordings.c.workspace_id == workspace_id,
                speech_recordings.c.interaction_id.in_(part),
                speech_recordings.c.original_path.is_not(None),
            )
        ).all()
        if rows:
            connection.execute(
                update(speech_recordings)
                .where(speech_recordings.c.id.in_([r.id for r in rows]))
                .values(original_path=None)
            )
            _unlink_unused(connection, {r.original_path for r in rows}, base)
            count += len(rows)
    return count


def _delete_recordings(
    connection: Connection, workspace_id: int, ids: list[int], base: Path
) -> int:
    """Delete the files of these interactions' recordings; the count deleted."""
    if not ids:
        return 0
    delete_originals(connection, workspace_id, ids, base)
    rows = connection.execute(
        select(interactions.c.id, interactions.c.recording).where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.id.in_(ids),
            interactions.c.recording.is_not(None),
        )
    ).all()
    connection.execute(
        update(interactions)
        .where(interactions.c.id.in_([r.id for r in rows]))
        .values(recording=None)
    )
    connection.execute(
        update(speech_recordings)
        .where(speech_recordings.c.interaction_id.in_(ids))
        .values(path=None)
    )
    # a file another call still plays stays (the same bytes are stored once)
    _unlink_unused(connection, {r.recording for r in rows}, base)
    return len(rows)


def _blank_evidence(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("" if k == "text" else _blank_evidence(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_evidence(v) for v in value]
    return value


def _delete_transcripts(connection: Connection, ids: list[int]) -> int:
    if not ids:
        return 0
    count = connection.execute(delete(messages).where(messages.c.interaction_id.in_(ids))).rowcount
    for row in connection.execute(
        select(check_outcomes.c.interaction_id, check_outcomes.c.verdicts).where(
            check_outcomes.c.interaction_id.in_(ids)
        )
    ).all():
        connection.execute(
            update(check_outcomes)
            .where(check_outcomes.c.interaction_id == row.interaction_id)
            .values(verdicts=_blank_evidence(row.verdicts))
        )
    return int(count or 0)


def _anonymise(connection: Connection, workspace_id: int, ids: list[int]) -> int:
    """Replace the customers of these interactions by pseudonyms; the count changed."""
    if not ids:
        return 0
    rows = connection.execute(
        select(interactions.c.id, interactions.c.customer_id, interactions.c.customer_name).where(
            interactions.c.id.in_(ids),
            (interactions.c.customer_name.is_not(None))
            | (
                interactions.c.customer_id.is_not(None) & ~interactions.c.customer_id.like("anon-%")
            ),
        )
    ).all()
    for row in rows:
        pseudonym = (
            customer_pseudonym(workspace_id, row.customer_id)
            if row.customer_id and not row.customer_id.startswith("anon-")
            else row.customer_id
        )
        connection.execute(
            update(interactions)
            .where(interactions.c.id == row.id)
            .values(customer_id=pseudonym, customer_name=None)
        )
        connection.execute(
            update(interaction_facts)
            .where(interaction_facts.c.interaction_id == row.id)
            .values(customer_id=pseudonym)
        )
    return len(rows)


def _older_than(
    connection: Connection, workspace_id: int, days: int | None, now: datetime, *extra: Any
) -> list[int]:
    if days is None:
        return []
    return list(
        connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.started_at < now - timedelta(days=days),
                *extra,
            )
        ).scalars()
    )


@dataclass(frozen=True)
class RetentionRun:
    recordings: int
    transcripts: int
    customers: int
    interactions: int


def apply_retention(
    connection: Connection,
    workspace_id: int,
    *,
    recordings_dir: Path,
    now: datetime | None = None,
    by: str = "retention",
) -> RetentionRun:
    """Apply the workspace's policy once; logs each kind of deletion it made."""
    now = now or utcnow()
    policy = get_policy(connection, workspace_id)
    emptied = _older_than(connection, workspace_id, policy.interactions_days, now)
    recordings_days = min(
        d for d in (policy.recordings_days, policy.interactions_days, 10**9) if d is not None
    )
    transcripts_days = min(
        d for d in (policy.transcripts_days, policy.interactions_days, 10**9) if d is not None
    )
    customers_days = min(
        d for d in (policy.customers_days, policy.interactions_days, 10**9) if d is not None
    )
    limit = None if recordings_days == 10**9 else recordings_days
    recordings = _delete_recordings(
        connection,
        workspace_id,
        _older_than(connection, workspace_id, limit, now, interactions.c.recording.is_not(None)),
        recordings_dir,
    )
    limit = None if transcripts_days == 10**9 else transcripts_days
    transcripts = _delete_transcripts(
        connection,
        _older_than(connection, workspace_id, limit, now, interactions.c.message_count > 0),
    )
    if transcripts:
        connection.execute(
            update(interactions)
            .where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.started_at < now - timedelta(days=limit or 0),
            )
            .values(message_count=0)
        )
    limit = None if customers_days == 10**9 else customers_days
    anonymised = _older_than(connection, workspace_id, limit, now)
    customers = _anonymise(connection, workspace_id, anonymised)
    # the originals hold the personal data that anonymising removes
    delete_originals(connection, workspace_id, anonymised, recordings_dir)
    if emptied:
        connection.execute(
            update(interactions).where(interactions.c.id.in_(emptied)).values(meta={})
        )
    if not policy.keep_originals:
        # originals a recognition wrote while the policy was being turned off
        stray = _with_originals(connection, workspace_id)
        delete_originals(connection, workspace_id, stray, recordings_dir)
    run = RetentionRun(recordings, transcripts, customers, len(emptied))
    for what, count in (
        ("recordings", recordings),
        ("transcripts", transcripts),
        ("customers", customers),
        ("interactions", len(emptied)),
    ):
        if count:
            _log(
                connection, workspace_id, reason="retention", what=what, count=count, by=by, now=now
            )
    return run


def forget_customer(
    connection: Connection,
    workspace_id: int,
    customer_id: str,
    *,
    recordings_dir: Path,
    by: str,
    now: datetime | None = None,
    address: str | None = None,
) -> RetentionRun:
    """Remove or anonymise everything about one customer, and record that it was done.

    Recordings and transcripts are deleted, names and ids replaced by a
    pseudonym, survey comments and the interactions' ``meta`` cleared, orders
    re-keyed to the pseudonym. Counts (KPI facts, rollups) stay as they were.
    """
    customer_id = customer_id.strip()
    if not customer_id:
        raise InvalidInput(
            "customer_id: required",
            key="speech.error.customer_required",
            where_key="error.where.field",
            where_params={"field": "customer_id"},
        )
    now = now or utcnow()
    pseudonym = customer_pseudonym(workspace_id, customer_id)
    ids = list(
        connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.customer_id == customer_id,
            )
        ).scalars()
    )
    recordings = _delete_recordings(connection, workspace_id, ids, recordings_dir)
    transcripts = _delete_transcripts(connection, ids)
    if ids:
        connection.execute(
            update(interactions)
            .where(interactions.c.id.in_(ids))
            .values(customer_id=pseudonym, customer_name=None, meta={}, message_count=0)
        )
        connection.execute(
            update(interaction_facts)
            .where(interaction_facts.c.interaction_id.in_(ids))
            .values(customer_id=pseudonym)
        )
        connection.execute(
            update(surveys).where(surveys.c.interaction_id.in_(ids)).values(comment=None)
        )
    order_count = connection.execute(
        update(orders)
        .where(orders.c.workspace_id == workspace_id, orders.c.customer_id == customer_id)
        .values(customer_id=pseudonym, meta={})
    ).rowcount
    connection.execute(
        update(order_facts)
        .where(order_facts.c.workspace_id == workspace_id, order_facts.c.customer_id == customer_id)
        .values(customer_id=pseudonym)
    )
    _log(
        connection,
        workspace_id,
        reason="forget",
        what="customers",
        count=len(ids) + int(order_count or 0),
        by=by,
        now=now,
        customer_hash=pseudonym,
        address=address,
    )
    return RetentionRun(recordings, transcripts, 1 if ids or order_count else 0, len(ids))


def deletion_history(connection: Connection, workspace_id: int, limit: int = 200) -> list[Any]:
    return list(
        connection.execute(
            select(deletion_log)
            .where(deletion_log.c.workspace_id == workspace_id)
            .order_by(deletion_log.c.at.desc(), deletion_log.c.id.desc())
            .limit(limit)
        ).all()
    )
