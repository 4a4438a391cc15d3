"""Health and readiness for load balancers and orchestrators (docs/deploy.md).

- ``GET /healthz``: the process is alive and serves requests. It touches no
  database, so a database outage does not make an orchestrator restart every
  web process (which would not help).
- ``GET /readyz``: the process can do its work: the database answers within
  ``KONTROL_READINESS_TIMEOUT_SECONDS``, Redis too when ``KONTROL_REDIS_URL`` is
  set, and the database is at the migration this code expects. 200 when all
  hold, else 503 with the failing check named. A load balancer sends traffic
  only to ready processes.

Both are public (no login, no API key), not rate-limited, and JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
import redis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from kontrol import __version__
from kontrol.settings import current_settings
from kontrol.store.migrate import current_revision, head_revision
from kontrol.web.state import app_state

router = APIRouter(include_in_schema=False)

NO_CACHE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """Alive: answered by the event loop alone."""
    return JSONResponse({"status": "ok", "version": __version__}, headers=NO_CACHE)


def _database_check(engine: Engine, timeout: float) -> dict[str, Any]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            milliseconds = max(int(timeout * 1000), 1)
            connection.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))
        connection.execute(text("SELECT 1"))
        current = current_revision(connection)
        connection.rollback()
    head = head_revision()
    return {
        "ok": current == head,
        "migration": current,
        "expected_migration": head,
        **({} if current == head else {"error": "the database is not at the expected migration"}),
    }


def _redis_check(url: str, timeout: float) -> dict[str, Any]:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


async def _timed(check: Callable[[], dict[str, Any]], timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with anyio.fail_after(timeout):
            result = await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
    except TimeoutError:
        result = {"ok": False, "error": f"no answer within {timeout:g} s"}
    except Exception as error:  # any failure of the probe is "not ready", with its reason
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready: the database (at the expected migration) and Redis, when configured, answer."""
    settings = current_settings()
    timeout = settings.readiness_timeout_seconds
    engine = app_state(request).engine
    checks = {"database": await _timed(lambda: _database_check(engine, timeout), timeout)}
    if settings.redis_url:
        url = settings.redis_url
        checks["redis"] = await _timed(lambda: _redis_check(url, timeout), timeout)
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "unavailable", "version": __version__, "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers=NO_CACHE)
