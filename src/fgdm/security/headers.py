"""Security headers on every response, a request id, and the pre-sign-in CSRF cookie."""

from __future__ import annotations

import secrets
import time
import uuid
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fgdm import logs
from fgdm.config import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)

PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


def add_security_headers(
    headers: MutableHeaders, *, settings: Settings, request_id: str, is_static: bool = False
) -> None:
    """Adds the security headers to one response. Also used by the server error page, which
    Starlette sends from outside every middleware."""
    headers["X-Request-ID"] = request_id
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if is_static:
        headers.setdefault("Cache-Control", "no-cache")
    else:
        # A response that already forbids storing (pictures say "private, no-store") keeps
        # its own wording; everything else is never stored.
        if "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: sets the request id, gives every browser a random CSRF
    cookie before sign-in, and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = uuid.uuid4().hex
        state["request_id"] = request_id
        # Every log line written while this request runs carries its id.
        id_token = logs.REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        cookie_name = self.settings.csrf_cookie_name
        existing = _read_cookie(scope, cookie_name)
        new_cookie = None
        if not existing or len(existing) > 100:
            new_cookie = secrets.token_urlsafe(32)
        state["csrf_cookie"] = existing if new_cookie is None else new_cookie
        # The service worker and the manifest hold no personal data either; a browser checks
        # them for a newer copy each time (no-cache), as it does the static files.
        is_static = scope["path"].startswith("/static/") or scope["path"] in (
            "/sw.js",
            "/manifest.webmanifest",
        )

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                add_security_headers(
                    headers, settings=self.settings, request_id=request_id, is_static=is_static
                )
                if new_cookie is not None:
                    flags = "Path=/; HttpOnly; SameSite=Lax"
                    if self.settings.secure_cookies:
                        flags += "; Secure"
                    headers.append("Set-Cookie", f"{cookie_name}={new_cookie}; {flags}")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            logs.log_request(
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
            logs.REQUEST_ID.reset(id_token)


def _read_cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is treated as none
                return None
            if name in jar:
                return jar[name].value
    return None
