"""Wrong passwords are limited by account and by address, and checked a few at a time.

After ``login_failures_per_account`` wrong passwords for one username, or
``login_failures_per_address`` from one address, within
``login_window_minutes``, logins are refused until the window ends, without
checking the password (so guessing costs the server nothing). A good login
clears the account's count. The counters are in Redis when
``KONTROL_REDIS_URL`` is set (every web process shares them), else in this
process. Each refusal and each failure is logged with the account and address.

Checking a password (argon2) takes a core for tens of milliseconds on purpose;
``password_checks_at_once`` bounds how many run at once in one process, so a
burst of logins waits its turn instead of slowing every other request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from kontrol.ratelimit import RateLimiter, make_rate_limiter
from kontrol.settings import current_settings

log = logging.getLogger("kontrol.logins")


@dataclass(frozen=True)
class LoginRefusal:
    """Why logins are refused for now, and for how many more minutes."""

    reason: str  # "account" or "address"
    minutes: int


@lru_cache(maxsize=4)
def _limiter(redis_url: str | None) -> RateLimiter:
    return make_rate_limiter(redis_url)


def _window() -> int:
    return current_settings().login_window_minutes * 60


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"login:user:{username.strip().casefold()}", f"login:addr:{address}"


def _minutes_left(window: int) -> int:
    return max(1, int((window - time.time() % window) // 60) + 1)


def login_refusal(username: str, address: str) -> LoginRefusal | None:
    """Whether logins of ``username`` from ``address`` are refused now."""
    settings = current_settings()
    limiter, window = _limiter(settings.redis_url), _window()
    user_key, address_key = _keys(username, address)
    if limiter.count(user_key, window) >= settings.login_failures_per_account:
        refusal = LoginRefusal("account", _minutes_left(window))
    elif limiter.count(address_key, window) >= settings.login_failures_per_address:
        refusal = LoginRefusal("address", _minutes_left(window))
    else:
        return None
    log.warning(
        "login refused: too many wrong passwords (%s) account=%r address=%s",
        refusal.reason,
        username[:100],
        address,
    )
    return refusal


def count_failure(username: str, address: str) -> None:
    """Count one wrong password for ``username`` and for ``address``."""
    settings = current_settings()
    limiter, window = _limiter(settings.redis_url), _window()
    for key in _keys(username, address):
        limiter.hit(key, 0, window)
    log.warning("login failed: account=%r address=%s", username[:100], address)


def clear_failures(username: str, address: str) -> None:
    """A good login: the account's wrong passwords are forgiven (the address's are not)."""
    user_key, _ = _keys(username, address)
    _limiter(current_settings().redis_url).clear(user_key, _window())


_checks_lock = threading.Lock()
_checks: dict[int, threading.BoundedSemaphore] = {}


@contextmanager
def password_check_turn() -> Iterator[None]:
    """Wait for one of the ``password_checks_at_once`` turns to check a password."""
    size = max(1, current_settings().password_checks_at_once)
    with _checks_lock:
        turns = _checks.setdefault(size, threading.BoundedSemaphore(size))
    with turns:
        yield
