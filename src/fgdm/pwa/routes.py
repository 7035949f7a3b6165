"""Installable and offline: the web app manifest, the service worker at the root scope, and
the page a phone shows when it is offline and has not saved the page asked for."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from fgdm import i18n
from fgdm.i18n import gettext as _
from fgdm.web import STATIC_DIR, TEMPLATE_DIR, render, static_url

router = APIRouter(tags=["pwa"], include_in_schema=False)

SERVICE_WORKER_FILE = "js/sw.js"
OFFLINE_TEMPLATE = "pwa/offline.html"
OFFLINE_URL = "/offline"
MANIFEST_URL = "/manifest.webmanifest"
# The same colours as app.css (--brand and --paper).
THEME_COLOUR = "#1d4e89"
BACKGROUND_COLOUR = "#ffffff"
# Kinds of static file kept on the phone when the service worker is installed.
SHELL_SUFFIXES = (".css", ".js", ".svg", ".png", ".json")
ICONS = [
    {"src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {
        "src": "icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
    {"src": "icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
]


def shell_files() -> list[str]:
    """The static files the service worker keeps on install (paths under /static/): the
    styles, scripts, vendored htmx, pictograms and icons; not the worker itself."""
    files = [
        path.relative_to(STATIC_DIR).as_posix()
        for path in sorted(STATIC_DIR.rglob("*"))
        if path.is_file() and path.suffix in SHELL_SUFFIXES
    ]
    return [name for name in files if name != SERVICE_WORKER_FILE]


@cache
def service_worker_script() -> str:
    """The service worker: its settings (a version made from the content of every file it
    keeps, so a new deploy replaces the old caches; the URLs to keep, with the same ?v=
    hashes the pages ask for) followed by static/js/sw.js."""
    digest = hashlib.sha256()
    for name in [*shell_files(), SERVICE_WORKER_FILE]:
        digest.update(name.encode() + b"\0" + (STATIC_DIR / name).read_bytes())
    digest.update((TEMPLATE_DIR / OFFLINE_TEMPLATE).read_bytes())
    settings = {
        "version": digest.hexdigest()[:16],
        "shell": [static_url(name) for name in shell_files()],
        "offlineUrl": OFFLINE_URL,
        "manifestUrl": MANIFEST_URL,
        "outbox": static_url("js/outbox.js"),
    }
    script = (STATIC_DIR / SERVICE_WORKER_FILE).read_text(encoding="utf-8")
    return f"self.FGDM_SW = {json.dumps(settings)};\n{script}"


@router.get("/sw.js", name="pwa:service_worker")
def service_worker() -> Response:
    # Served from the root so that it may look after every page of the app.
    return Response(
        service_worker_script(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@router.get(MANIFEST_URL, name="pwa:manifest")
def manifest() -> Response:
    # Browsers fetch the manifest without cookies: its words follow the browser's language.
    name = _("Family Network")
    body = {
        "id": "/",
        "name": name,
        "short_name": _("Family"),
        "description": _("Your family's network of support, safety plan and family plan."),
        "lang": i18n.current_locale(),
        "dir": i18n.text_direction(),
        "start_url": "/families",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{**icon, "src": static_url(icon["src"])} for icon in ICONS],
    }
    return JSONResponse(
        body,
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language, Cookie"},
    )


@router.get(OFFLINE_URL, name="pwa:offline")
def offline_page(request: Request) -> Response:
    # Kept by the service worker for anyone on this phone: it never names who is signed in.
    return render(request, OFFLINE_TEMPLATE, {"user": None})
