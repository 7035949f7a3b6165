"""Request dependencies: who is signed in, the acting user, CSRF checks, staff roles, and
the meeting tablet that is the family's during private family time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole, User
from fgdm.db import MAX_ID, SessionDep
from fgdm.i18n import choose_locale, current_locale, language_cookie_name, set_locale
from fgdm.security import tokens
from fgdm.security.actor import Actor

if TYPE_CHECKING:
    from sqlmodel import Session

    from fgdm.config import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class NotSignedIn(Exception):
    """The page needs a signed-in user."""


class CsrfRefused(Exception):
    """An unsafe request came without a valid CSRF token."""


class NotAllowed(Exception):
    """Signed in, but this role may not do this (answers 403)."""


class OnFamilyDevice(NotSignedIn):
    """A page outside the family group asked for by the meeting tablet while it is the
    family's (private family time): it is sent to the family time page instead."""


# Where the family's device is sent from any page that is not theirs; the page there finds
# the meeting and sends it on to the family time page of its family group.
FAMILY_TIME_HOME = "/family-time"
# Pages outside the family group that the family's device still uses.
FAMILY_DEVICE_PAGES = frozenset({"/session/keep-alive", FAMILY_TIME_HOME})


def client_ip(request: Request) -> str:
    """The client's address (uvicorn applies trusted proxy headers before this)."""
    return request.client.host if request.client else ""


async def load_signed_in(request: Request, session: SessionDep) -> None:
    """Runs on every request: finds the signed-in user from the session cookie and picks
    the language for the page. It is async so the language it sets is seen by the route
    and templates (a context variable set in a worker thread would be lost)."""
    settings = request.app.state.settings
    token = request.cookies.get(settings.session_cookie_name, "")
    signed, timed_out = (None, False)
    if token:
        signed, timed_out = await run_in_threadpool(_session_for, session, settings, token)
    # A session still waiting for the second step of sign-in signs nobody in: only the
    # two-step pages read it (as pending_user), so no other page can be reached with it.
    pending = signed is not None and signed.session.second_factor_pending
    request.state.user = signed.user if signed and not pending else None
    request.state.pending_user = signed.user if signed and pending else None
    request.state.user_session = signed.session if signed else None
    request.state.session_timed_out = timed_out
    set_locale(
        choose_locale(
            account=signed.user.locale if signed else None,
            cookie=request.cookies.get(language_cookie_name(secure=settings.secure_cookies)),
            accept_language=request.headers.get("accept-language"),
        )
    )
    request.state.locale = current_locale()


def _session_for(
    session: Session, settings: Settings, token: str
) -> tuple[accounts_service.SignedIn | None, bool]:
    """The live session behind a cookie, or None and whether it ended by timing out. One
    trip to a worker thread for all of it (each trip waits its turn under load)."""
    # The session's time-stamps are written in a transaction of their own (see
    # load_session): the request's own has only read, holds no write lock, and goes on
    # with the same database connection.
    signed = accounts_service.load_session(session, settings=settings, token=token)
    if signed is not None:
        return signed, False
    return None, accounts_service.session_timed_out(session, settings=settings, token=token)


def actor_from_request(request: Request) -> Actor:
    """The acting user, from what this request has already loaded."""
    user_session = getattr(request.state, "user_session", None)
    return Actor(
        user=getattr(request.state, "user", None),
        ip_address=client_ip(request),
        request_id=getattr(request.state, "request_id", ""),
        settings=request.app.state.settings,
        session_id=user_session.id if user_session else None,
        family_time_meeting_id=user_session.family_time_meeting_id if user_session else None,
    )


async def get_actor(request: Request, _signed_in: None = Depends(load_signed_in)) -> Actor:
    """The acting user for services and the audit log."""
    return actor_from_request(request)


ActorDep = Annotated[Actor, Depends(get_actor)]


def csrf_token(request: Request) -> str:
    """The CSRF token for this browser: bound to the session once signed in, otherwise to
    the random pre-sign-in cookie."""
    user_session = getattr(request.state, "user_session", None)
    binding = user_session.id if user_session else getattr(request.state, "csrf_cookie", "")
    return tokens.signed(request.app.state.secret_key, "csrf", binding or "")


def masked_csrf_token(request: Request) -> str:
    """The CSRF token as a page carries it: masked afresh for each page (pages are sent
    compressed, and a token that never repeats cannot be guessed from their size)."""
    return tokens.masked(csrf_token(request))


async def csrf_protect(request: Request, _signed_in: None = Depends(load_signed_in)) -> None:
    """Refuses any unsafe request without the right token (form field or htmx header)."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD, "")
            sent = value if isinstance(value, str) else ""
    if not sent or not tokens.same(tokens.unmasked(sent), csrf_token(request)):
        raise CsrfRefused()


async def refuse_impossible_ids(request: Request) -> None:
    """An address with an id no record can have (zero, negative, or too big for the
    database) answers 404 like any record that does not exist, instead of failing
    deeper down with a server error."""
    for name, value in request.path_params.items():
        if not name.endswith("_id") or not isinstance(value, str):
            continue
        digits = value.removeprefix("-")
        if digits.isdigit() and (len(digits) > 19 or not 0 < int(value) <= MAX_ID):
            raise HTTPException(status_code=404)


async def require_signed_in(request: Request, _signed_in: None = Depends(load_signed_in)) -> User:
    """The signed-in user, or a redirect to the sign-in page; the family's device too (the
    family group pages decide what it may see)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotSignedIn()
    return user


def send_to_family_time(request: Request, _exc: Exception) -> Response:
    """Where main.py sends OnFamilyDevice: the family time page (never a sign-in page)."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "Private family time"}, status_code=403)
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": FAMILY_TIME_HOME})
    return RedirectResponse(FAMILY_TIME_HOME, status_code=303)


def on_family_device(request: Request) -> bool:
    """True when this browser's session is the meeting tablet handed to the family."""
    user_session = getattr(request.state, "user_session", None)
    return user_session is not None and user_session.family_time_meeting_id is not None


async def require_user(request: Request, user: User = Depends(require_signed_in)) -> User:
    """The signed-in user, or a redirect to the sign-in page. The family's device is sent
    to the family time page from every page outside the family group (the families list,
    the caseload, the account, admin and two-step pages)."""
    if on_family_device(request) and request.url.path not in FAMILY_DEVICE_PAGES:
        raise OnFamilyDevice()
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def require_staff(*roles: StaffRole):  # noqa: ANN201 - returns a dependency
    """A dependency that lets only staff with one of these roles through."""

    async def dependency(user: CurrentUser) -> User:
        if user.staff_role not in roles:
            raise NotAllowed()
        return user

    return dependency


AdminUser = Annotated[User, Depends(require_staff(StaffRole.admin))]
PractitionerUser = Annotated[User, Depends(require_staff(StaffRole.practitioner))]
StaffUser = Annotated[
    User, Depends(require_staff(StaffRole.practitioner, StaffRole.manager, StaffRole.admin))
]
