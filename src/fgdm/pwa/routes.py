"""Installable and offline: the web app manifest and the service worker at the root scope."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pwa"], include_in_schema=False)
