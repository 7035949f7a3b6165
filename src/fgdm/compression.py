"""Smaller downloads on a family's slow phone on pay-as-you-go data: the app's own files
(stylesheets, scripts, pictograms, the manifest and the service worker) and its pages are
sent gzip-compressed when the browser asks.

Compressing a page that carries a secret next to text an attacker can choose lets the
attacker guess the secret from the size of the answers (the BREACH attack). So: the CSRF
token on a page is masked afresh for every page (security/tokens.masked), every
compressed page carries a random number of padding bytes in its gzip header (so its size
varies from one answer to the next: "Heal the BREACH", as Django does), and a page that
shows a secret once (an invite link, recovery codes, a two-step set-up key, an API token)
is never compressed at all: its route marks it with `request.state.holds_secret`."""

from __future__ import annotations

import gzip
import secrets

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Files that are the same for everyone and hold no secret.
COMPRESSED_PREFIXES = ("/static/",)
COMPRESSED_PATHS = frozenset({"/sw.js", "/manifest.webmanifest"})
MINIMUM_SIZE = 500
COMPRESS_LEVEL = 6
# Up to this many bytes of padding in each compressed page's gzip header.
MAX_PADDING = 100


def is_compressed(path: str) -> bool:
    """Whether a response at this path is one of the app's own files, compressed as is."""
    return path in COMPRESSED_PATHS or path.startswith(COMPRESSED_PREFIXES)


def compress_page(body: bytes) -> bytes:
    """A page gzip-compressed, with a random-length file name in its header as padding."""
    packed = gzip.compress(body, compresslevel=COMPRESS_LEVEL, mtime=0)
    header = bytearray(packed[:10])
    header[3] |= gzip.FNAME
    padding = b"p" * secrets.randbelow(MAX_PADDING + 1) + b"\0"
    return bytes(header) + padding + packed[10:]


def _asks_for_gzip(scope: Scope) -> bool:
    return "gzip" in Headers(scope=scope).get("accept-encoding", "").lower()


class CompressionMiddleware:
    """Gzip for the app's own files and for pages; every other answer passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE, compresslevel=COMPRESS_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _asks_for_gzip(scope):
            await self.app(scope, receive, send)
        elif is_compressed(scope["path"]):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, _PageCompressor(scope, send))


class _PageCompressor:
    """Holds back an HTML page until its whole body is in, then sends it compressed
    (unless it is small, already encoded, or shows a secret)."""

    def __init__(self, scope: Scope, send: Send) -> None:
        self.scope = scope
        self.send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = Headers(raw=message["headers"])
            is_page = headers.get("content-type", "").startswith("text/html")
            if is_page and "content-encoding" not in headers:
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._send_page(b"".join(self.chunks))
            return
        await self.send(message)

    async def _send_page(self, body: bytes) -> None:
        assert self.start is not None
        headers = MutableHeaders(raw=self.start["headers"])
        holds_secret = self.scope.get("state", {}).get("holds_secret", False)
        if len(body) >= MINIMUM_SIZE and not holds_secret:
            body = compress_page(body)
            headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(body))
        headers.add_vary_header("Accept-Encoding")
        self.start["headers"] = headers.raw
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body})
