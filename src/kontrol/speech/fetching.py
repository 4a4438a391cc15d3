"""Recordings Kontrol fetches itself: a call whose ``recording`` is a URL on a host
the operator allows (``KONTROL_SPEECH_FETCH_HOSTS``) is downloaded into the
recordings directory by the ``speech.fetch`` job, then measured and queued for
recognition like an upload (docs/speech.md).

Only the listed hosts are contacted (exact host, or host:port), redirects are
not followed, and a download stops at ``MAX_FETCH_BYTES``: the field comes from
outside and must not make Kontrol reach anything else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, select

from kontrol.events import InteractionsStored, subscriber
from kontrol.jobs import JobContext, enqueue, job
from kontrol.settings import current_settings
from kontrol.speech.recognisers import RecognitionFailed
from kontrol.speech.recordings import MAX_UPLOAD_BYTES, attach_upload, recording_of
from kontrol.store.tables import interactions

MAX_FETCH_BYTES = MAX_UPLOAD_BYTES


def allowed_url(url: str, hosts: str) -> bool:
    """True when ``url`` is http(s) on one of the comma-separated ``hosts``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return False
    allowed = {h.strip().lower() for h in hosts.split(",") if h.strip()}
    try:
        port = parts.port
    except ValueError:
        return False
    host = parts.hostname.lower()
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def download(url: str, timeout: float) -> bytes:
    """The bytes at ``url``; raises :class:`RecognitionFailed` (retried) on trouble."""
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as answer:
            if answer.status_code != 200:
                raise RecognitionFailed(f"{url}: HTTP {answer.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_FETCH_BYTES:
                    raise RecognitionFailed(f"{url}: larger than {MAX_FETCH_BYTES} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as error:
        raise RecognitionFailed(f"{url}: {type(error).__name__}: {error}") from None
    return b"".join(chunks)


@job("speech.fetch", max_attempts=5)
def fetch_job(ctx: JobContext, *, workspace_id: int, interaction_id: int) -> None:
    """Download a call's recording from its allowed URL, measure it, queue recognition."""
    settings = current_settings()
    row = ctx.connection.execute(
        select(interactions.c.source, interactions.c.external_id, interactions.c.recording).where(
            interactions.c.workspace_id == workspace_id, interactions.c.id == interaction_id
        )
    ).first()
    if (
        row is None
        or not row.recording
        or recording_of(ctx.connection, workspace_id, interaction_id)
    ):
        return
    if not allowed_url(row.recording, settings.speech_fetch_hosts):
        return
    data = download(row.recording, settings.speech_timeout)
    attach_upload(
        ctx.connection,
        workspace_id,
        source=row.source,
        external_id=row.external_id,
        data=data,
    )


@subscriber(InteractionsStored)
def fetch_stored(engine: Engine, event: InteractionsStored) -> None:
    """Queue a download for each stored call whose recording is an allowed URL."""
    hosts = current_settings().speech_fetch_hosts
    if not hosts:
        return
    with engine.begin() as connection:
        for start in range(0, len(event.interaction_ids), 500):
            chunk = event.interaction_ids[start : start + 500]
            rows = connection.execute(
                select(interactions.c.id, interactions.c.recording).where(
                    interactions.c.workspace_id == event.workspace_id,
                    interactions.c.id.in_(chunk),
                    interactions.c.channel == "call",
                    interactions.c.recording.like("http%"),
                )
            ).all()
            for row in rows:
                if allowed_url(row.recording, hosts) and not recording_of(
                    connection, event.workspace_id, row.id
                ):
                    enqueue(
                        engine,
                        "speech.fetch",
                        connection=connection,
                        dedup_key=f"speech:fetch:{row.id}",
                        workspace_id=event.workspace_id,
                        interaction_id=row.id,
                    )
