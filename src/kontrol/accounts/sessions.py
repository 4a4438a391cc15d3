"""Login sessions kept on the server, so that they can be ended.

The signed cookie carries a random token; the database keeps only its sha256
with the account, when the session began, when it was last used and when it
ends whatever happens. A session ends when its person logs out, when their
password changes (every session of the account), when an admin takes them
out of a workspace (every session: the next page is chosen again from what is
left), after ``session_idle_minutes`` without a request and after
``session_max_hours`` in any case (settings). A cookie copied before any of
these stops working at once: there is no row behind it any more.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select, update

from kontrol.domain.clock import utcnow
from kontrol.settings import current_settings
from kontrol.store.tables import login_sessions

# last_seen_at is written at most this often per session (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin_session(connection: Connection, user_id: int) -> str:
    """A new session of ``user_id``; the token to put in the cookie (shown once)."""
    settings = current_settings()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    connection.execute(
        insert(login_sessions).values(
            token_hash=_digest(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_max_hours),
        )
    )
    # Old rows of anyone go when a session begins: no job needed to keep the table small.
    connection.execute(
        delete(login_sessions).where(
            (login_sessions.c.expires_at < now)
            | (
                login_sessions.c.last_seen_at
                < now - timedelta(minutes=settings.session_idle_minutes)
            )
        )
    )
    return token


def session_user(connection: Connection, token: str, *, touch: bool = True) -> int | None:
    """The account of a live session with ``token``, or ``None`` (ended, expired, unknown).

    A live session is marked as used (at most once per ``TOUCH_EVERY``). An
    expired one is refused; its row goes when the refusing request's transaction
    commits, or with the next login of anyone (``begin_session``). ``touch=False``
    only reads (an error page drawing its frame writes nothing).
    """
    row = connection.execute(
        select(
            login_sessions.c.id,
            login_sessions.c.user_id,
            login_sessions.c.last_seen_at,
            login_sessions.c.expires_at,
        ).where(login_sessions.c.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_settings().session_idle_minutes)
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        if touch:
            connection.execute(delete(login_sessions).where(login_sessions.c.id == row.id))
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        connection.execute(
            update(login_sessions).where(login_sessions.c.id == row.id).values(last_seen_at=now)
        )
    return int(row.user_id)


def end_session(connection: Connection, token: str) -> None:
    """End the session with ``token`` (logging out)."""
    connection.execute(delete(login_sessions).where(login_sessions.c.token_hash == _digest(token)))


def end_sessions_of(connection: Connection, user_id: int, *, keep: str | None = None) -> int:
    """End every session of ``user_id`` but the one with token ``keep``; how many ended."""
    condition = login_sessions.c.user_id == user_id
    if keep is not None:
        condition = condition & (login_sessions.c.token_hash != _digest(keep))
    return connection.execute(delete(login_sessions).where(condition)).rowcount or 0


def live_sessions(connection: Connection, user_id: int) -> int:
    """How many sessions ``user_id`` has open (for the account page)."""
    rows = connection.execute(
        select(login_sessions.c.id).where(login_sessions.c.user_id == user_id)
    ).all()
    return len(rows)
