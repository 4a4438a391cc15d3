"""The security headers every answer carries, as plain ASGI middleware.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's
``BaseHTTPMiddleware`` runs each request through an extra task and memory
streams, which cost the ingest API about a fifth of its time per request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` plus each security header the answer did not set itself.

    An answer that sets its own ``frame-ancestors`` (the scripts widget, meant for a
    helpdesk's side panel) decides its framing there: no ``X-Frame-Options`` then.
    """
    present = {name.lower() for name, _ in headers}
    if any(
        name.lower() == b"content-security-policy" and b"frame-ancestors" in value
        for name, value in headers
    ):
        present.add(b"x-frame-options")
    return headers + [(name, value) for name, value in SECURITY_HEADERS if name not in present]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(list(message["headers"]))}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secure_cookie(headers: list[tuple[bytes, bytes]], cookie: str) -> list[tuple[bytes, bytes]]:
    """``headers`` with the ``Secure`` attribute on every Set-Cookie of ``cookie``."""
    prefix = f"{cookie}=".encode()
    changed: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if (
            name.lower() == b"set-cookie"
            and value.startswith(prefix)
            and b"; secure" not in value.lower()
        ):
            value += b"; secure"
        changed.append((name, value))
    return changed


class SecureSessionCookie:
    """Marks the session cookie ``Secure`` by the ``cookie_secure`` setting.

    ``always`` and ``never`` mean what they say; ``auto`` (the default) marks it
    when the request came over HTTPS, as uvicorn reports it (behind a proxy that
    ends TLS, run uvicorn with ``--proxy-headers`` so X-Forwarded-Proto counts).
    """

    def __init__(self, app: ASGIApp, *, cookie: str, mode: str) -> None:
        self.app = app
        self.cookie = cookie
        self.mode = mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = self.mode == "always" or (self.mode == "auto" and scope.get("scheme") == "https")
        if scope["type"] != "http" or not secure:
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": secure_cookie(list(message["headers"]), self.cookie),
                }
            await send(message)

        await self.app(scope, receive, send_secure)
