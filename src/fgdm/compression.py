"""Smaller downloads on a family's slow phone: the app's own files (stylesheets, scripts,
pictograms, the manifest and the service worker) are sent gzip-compressed when the
browser asks. Pages are never compressed: they carry a CSRF token next to words people
typed, and compressing the two together would let an attacker guess the token from the
size of the answer (the BREACH attack)."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# Files that are the same for everyone and hold no secret.
COMPRESSED_PREFIXES = ("/static/",)
COMPRESSED_PATHS = frozenset({"/sw.js", "/manifest.webmanifest"})


def is_compressed(path: str) -> bool:
    """Whether a response at this path may be sent compressed (never a page)."""
    return path in COMPRESSED_PATHS or path.startswith(COMPRESSED_PREFIXES)


class StaticCompressionMiddleware:
    """Gzip for the app's own files only; every other response passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_compressed(scope["path"]):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
