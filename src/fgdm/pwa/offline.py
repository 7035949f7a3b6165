"""Reading family pages offline: which pages a family member's phone may keep, and the
partition that keeps one person's saved pages apart from anyone else's on a shared phone.

The server decides, in one place (OfflinePagesMiddleware), which answers a phone may store:
it marks them with a header naming the partition, and the service worker stores only pages
with that header, in that partition's cache, and serves them only to the same person."""

from __future__ import annotations

import hashlib
import hmac

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The response header that marks a page as readable offline; its value is the partition.
OFFLINE_HEADER = "Fgdm-Offline-Partition"

# The pages a family keeps to read without signal (by route name): their families page
# (where the installed app opens), the family home, the network list, the safety plan and
# the family plan (and their children's versions) and the stories. Never prints, PDFs,
# forms, pictures or pages only practitioners use.
READABLE_OFFLINE = frozenset(
    {
        "families:list",
        "families:home",
        "network:page",
        "safety_plan:page",
        "safety_plan:children",
        "stories:list",
        "stories:read",
        "plans:page",
        "plan:children",
    }
)


def _mark(secret_key: str, purpose: str, user_id: int) -> str:
    message = f"{purpose}:{user_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def partition_for(*, secret_key: str, user_id: int) -> str:
    """The name of a person's saved pages on a phone: an HMAC of their id (never the id),
    the same for the same person on every visit and different for everyone else."""
    return _mark(secret_key, "offline-partition", user_id)


def last_person_mark(*, secret_key: str, user_id: int) -> str:
    """What the browser's last-person cookie holds: an HMAC of the id (never the id), and not
    the same value as the partition, so neither can be guessed from the other."""
    return _mark(secret_key, "last-person", user_id)


def is_readable_offline(
    *, method: str, route_name: str | None, status: int, headers: Headers, user: object
) -> bool:
    """True when a phone may keep this answer to read offline: a whole page (not an htmx
    fragment) of a readable route, answered 200 to a GET, for a family member or young
    person. Staff pages are never kept: a practitioner's tablet holds many families."""
    return (
        method == "GET"
        and route_name in READABLE_OFFLINE
        and status == 200
        and headers.get("content-type", "").startswith("text/html")
        and user is not None
        and not getattr(user, "is_staff", True)
    )


class OfflinePagesMiddleware:
    """Pure ASGI middleware: adds the offline header, with the signed-in person's partition,
    to the pages a phone may keep."""

    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        # htmx asks for parts of pages (and boosted pages) with this header; none are kept.
        from_htmx = Headers(scope=scope).get("hx-request") is not None

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and not from_htmx:
                headers = MutableHeaders(scope=message)
                route = scope.get("route")
                user = scope.get("state", {}).get("user")
                if is_readable_offline(
                    method=scope["method"],
                    route_name=getattr(route, "name", None),
                    status=message["status"],
                    headers=headers,
                    user=user,
                ):
                    headers[OFFLINE_HEADER] = partition_for(
                        secret_key=self.secret_key, user_id=user.id
                    )
            await send(message)

        await self.app(scope, receive, send_marked)


# Remembers (as last_person_mark) who last signed in on this browser, to know when a
# different person signs in on the same phone. Not personal data: an HMAC only.
LAST_PERSON_COOKIE = "fgdm_last_person"
LAST_PERSON_MAX_AGE = 365 * 24 * 60 * 60
CLEAR_SITE_DATA = '"cache", "storage"'


def last_person_cookie_name(*, secure: bool) -> str:
    return f"__Host-{LAST_PERSON_COOKIE}" if secure else LAST_PERSON_COOKIE


def after_sign_in(request: Request, response: Response, *, user_id: int) -> None:
    """On a sign-in answer: when someone other than the last person signed in on this
    browser (or nobody is known), tells the browser to empty its caches and storage (the
    saved pages, the offline outbox, the service worker), then remembers this person. The
    same person signing in again keeps their saved pages and waiting changes."""
    settings = request.app.state.settings
    name = last_person_cookie_name(secure=settings.secure_cookies)
    mark = last_person_mark(secret_key=request.app.state.secret_key, user_id=user_id)
    if not hmac.compare_digest(request.cookies.get(name, ""), mark):
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    response.set_cookie(
        name,
        mark,
        max_age=LAST_PERSON_MAX_AGE,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
