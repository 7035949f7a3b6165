"""Random tokens and their stored hashes, for sessions, invites and CSRF."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets


def new_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The hash stored in place of a token (a database leak does not reveal live tokens)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signed(secret_key: str, purpose: str, value: str) -> str:
    """An HMAC of value for one purpose, keyed by the app's secret."""
    return hmac.new(
        secret_key.encode("utf-8"), f"{purpose}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def same(a: str, b: str) -> bool:
    """Compares two secrets in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def masked(token: str) -> str:
    """The token under a fresh random mask: every page carries different text for the same
    token, so a compressed page's size tells an attacker nothing about it (BREACH)."""
    raw = token.encode("utf-8")
    mask = secrets.token_bytes(len(raw))
    hidden = bytes(a ^ b for a, b in zip(mask, raw, strict=True))
    return base64.urlsafe_b64encode(mask + hidden).decode("ascii").rstrip("=")


def unmasked(value: str) -> str:
    """The token a masked value carries ("" when the value is not a masked token)."""
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return ""
    half = len(data) // 2
    if not half or len(data) % 2:
        return ""
    return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True)).decode("latin-1")
