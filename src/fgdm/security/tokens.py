"""Random tokens and their stored hashes, for sessions, invites and CSRF."""

from __future__ import annotations

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
