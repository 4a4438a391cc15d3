"""Sessions, the logged-in viewer, the interface language and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, get_account, memberships_of
from kontrol.accounts.sessions import session_user
from kontrol.accounts.tokens import TOKEN_PREFIX, authenticate_personal_token
from kontrol.domain.errors import Forbidden, KontrolError, NotFound
from kontrol.i18n import DEFAULT_LOCALE, LOCALES, pick_locale


class LoginRequired(KontrolError):
    """No one is logged in (pages redirect to the login form, the API answers 401)."""


class CsrfFailed(KontrolError):
    """A form came without the token of this session."""


def locale_of(request: Request) -> str:
    """The interface language: chosen in the session, else the browser's."""
    chosen = request.session.get("locale")
    if isinstance(chosen, str) and chosen in LOCALES:
        return chosen
    return pick_locale(request.headers.get("accept-language")) or DEFAULT_LOCALE


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise unless ``submitted`` is this session's token."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not submitted:
        raise CsrfFailed("missing form token", key="web.error.form_token_missing")
    if not hmac.compare_digest(expected, submitted):
        raise CsrfFailed("wrong form token", key="web.error.form_token_wrong")


def client_address(request: Request) -> str:
    """The address a request came from (behind a proxy: uvicorn --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def load_account(connection: Connection, request: Request, *, touch: bool = True) -> Account:
    """The logged-in account, whether or not it belongs to a workspace yet.

    The cookie's user must have a live server-side session (accounts/sessions.py):
    after logging out, a password change or a timeout, the same cookie logs no one in.
    ``touch=False`` only reads (see :func:`session_user`).
    """
    user_id = request.session.get("user_id")
    token = request.session.get("sid")
    if not isinstance(user_id, int) or not isinstance(token, str):
        raise LoginRequired("log in first", key="web.error.log_in")
    if session_user(connection, token, touch=touch) != user_id:
        request.session.clear()
        raise LoginRequired("log in first", key="web.error.log_in")
    try:
        return get_account(connection, user_id)
    except NotFound:
        request.session.clear()
        raise LoginRequired("log in first", key="web.error.log_in") from None


# The methods a personal token may use: it reads, never writes.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def personal_token_of(request: Request) -> str | None:
    """The personal token an API request carries (``Authorization: Bearer kpt_...``)."""
    if not request.url.path.startswith("/api/"):
        return None
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX):
        return None
    return secret


def token_viewer(connection: Connection, request: Request, secret: str) -> Viewer:
    """The person a personal token acts for, in its workspace, with their role of now.

    Unknown, expired or revoked: 401. Its person no longer a member: 401. A
    method that writes: 403 (tokens only read; docs/security.md).
    """
    token = authenticate_personal_token(connection, secret, address=client_address(request))
    if token is None:
        raise LoginRequired(
            "the personal API token is unknown, expired or revoked", key="web.error.token"
        )
    try:
        account = get_account(connection, token.user_id)
    except NotFound:
        raise LoginRequired(
            "the personal API token is unknown, expired or revoked", key="web.error.token"
        ) from None
    membership = next(
        (m for m in memberships_of(connection, account) if m.workspace.id == token.workspace_id),
        None,
    )
    if membership is None:
        raise LoginRequired(
            "the token's person is no longer a member of its workspace",
            key="web.error.token_member",
        )
    if request.method.upper() not in READING_METHODS:
        raise Forbidden(
            "a personal API token only reads (GET); log in to the app to change anything",
            key="web.error.token_reads",
        )
    return Viewer(account, membership)


def load_viewer(connection: Connection, request: Request, *, touch: bool = True) -> Viewer:
    """The logged-in person in their current workspace (or the person of a personal token).

    ``touch=False`` only reads: an error page finding who to draw its frame for.
    """
    secret = personal_token_of(request)
    if secret is not None:
        return token_viewer(connection, request, secret)
    account = load_account(connection, request, touch=touch)
    memberships = memberships_of(connection, account)
    if not memberships:
        raise LoginRequired("this account belongs to no workspace", key="web.error.no_workspace")
    wanted = request.session.get("workspace_id")
    chosen = next((m for m in memberships if m.workspace.id == wanted), memberships[0])
    return Viewer(account, chosen)
