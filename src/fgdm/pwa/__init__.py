"""Installable and offline: the web app manifest, the service worker and the offline
outbox's idempotency keys."""
