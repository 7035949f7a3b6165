"""Sign in and out, the session time-out, and a person's own account page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fgdm.accounts import service as accounts_service
from fgdm.accounts import two_factor, two_factor_routes
from fgdm.db import SessionDep
from fgdm.i18n import gettext as _
from fgdm.i18n import ngettext
from fgdm.pwa import offline
from fgdm.security.deps import ActorDep, CurrentUser, client_ip
from fgdm.web import redirect, render, safe_next

router = APIRouter()
router.include_router(two_factor_routes.router)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Sets the session cookie: HttpOnly, SameSite=Lax, and Secure with the __Host- prefix
    in production. No expiry date: the server decides when a session ends."""
    settings = request.app.state.settings
    response.set_cookie(
        settings.session_cookie_name,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    settings = request.app.state.settings
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


@router.get("/", name="home")
def home(request: Request) -> Response:
    if getattr(request.state, "user", None) is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/families", status_code=303)


@router.get("/login", name="accounts:login")
def login_page(request: Request, next: str = "/families", signed_out: int = 0) -> Response:
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(next, "/families"), status_code=303)
    notice = ""
    if signed_out:
        notice = _("You have signed out.")
    elif getattr(request.state, "session_timed_out", False):
        notice = _("You were signed out because nothing happened for a while. Sign in again.")
    return render(
        request,
        "accounts/login.html",
        {"values": {"next": safe_next(next, "/families")}, "errors": {}, "notice": notice},
    )


def _throttled_message(exc: accounts_service.Throttled) -> str:
    minutes = max(1, (exc.retry_after + 59) // 60)
    return ngettext(
        "Too many attempts to sign in. For your safety, wait %(minutes)s minute and try again.",
        "Too many attempts to sign in. For your safety, wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


@router.post("/login", name="accounts:login_submit")
def login_submit(  # nosec B107
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    login: Annotated[str, Form(max_length=300)] = "",
    passphrase: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/families",
) -> Response:
    values = {"login": login, "next": safe_next(next, "/families")}
    errors: dict[str, str] = {}
    if not login.strip():
        errors["login"] = _("Enter your sign-in name or email address.")
    if not passphrase:
        errors["passphrase"] = _("Enter your passphrase.")
    if errors:
        return render(
            request, "accounts/login.html", {"values": values, "errors": errors}, status_code=422
        )
    try:
        user = accounts_service.authenticate(
            session, actor=actor, login=login, passphrase=passphrase
        )
    except accounts_service.Throttled as exc:
        errors["login"] = _throttled_message(exc)
        response = render(
            request, "accounts/login.html", {"values": values, "errors": errors}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts_service.AccountError as exc:
        errors[exc.field or "login"] = exc.message
        return render(
            request, "accounts/login.html", {"values": values, "errors": errors}, status_code=422
        )
    # A different person signing in on the same phone: end whatever session was there.
    previous = getattr(request.state, "user_session", None)
    if previous is not None:
        accounts_service.end_session(session, actor=actor, user_session=previous)
    settings = request.app.state.settings
    # Staff with two-step sign-in (or where it is required) get a half-way session that
    # reaches only the second step.
    pending = two_factor.needs_second_step(user, required=settings.staff_two_factor_required)
    token = accounts_service.start_session(
        session,
        settings=settings,
        user=user,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        second_factor_pending=pending,
    )
    target = two_factor_routes.second_step_url(user, values["next"]) if pending else values["next"]
    response = redirect(request, target)
    set_session_cookie(request, response, token)
    # A different person on this phone: the browser empties what the last one kept.
    offline.after_sign_in(request, response, user_id=user.id)
    return response


@router.post("/logout", name="accounts:logout")
def logout(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    user_session = getattr(request.state, "user_session", None)
    if user_session is not None:
        accounts_service.end_session(session, actor=actor, user_session=user_session)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_session_cookie(request, response)
    # Clears what this browser kept of family data (caches, storage) on a shared phone.
    response.headers["Clear-Site-Data"] = offline.CLEAR_SITE_DATA
    return response


@router.post("/session/keep-alive", name="accounts:keep_alive")
def keep_alive(
    request: Request,
    session: SessionDep,
    _user: CurrentUser,
    next: Annotated[str, Form(max_length=2000)] = "/families",
) -> Response:
    accounts_service.touch_session(session, user_session=request.state.user_session)
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204)
    return RedirectResponse(safe_next(next, "/families"), status_code=303)


def _account_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    live = accounts_service.list_live_sessions(
        session, user_id=user.id, settings=request.app.state.settings
    )
    return render(
        request,
        "accounts/account.html",
        {
            "sessions": live,
            "this_session_id": request.state.user_session.id,
            "errors": errors or {},
            "values": {},
            "notice": notice,
            "nav": "account",
        },
        status_code=status_code,
    )


@router.get("/account", name="accounts:account")
def account(request: Request, session: SessionDep, user: CurrentUser, done: str = "") -> Response:
    notices = {
        "passphrase": _(
            "Your passphrase has been changed. You have been signed out everywhere else."
        ),
        "session": _("That device has been signed out."),
    }
    return _account_page(request, session, user, notice=notices.get(done, ""))


@router.post("/account/passphrase", name="accounts:change_passphrase")
def change_passphrase(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: CurrentUser,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        accounts_service.change_passphrase(session, actor=actor, current=current, new=new)
    except accounts_service.Throttled as exc:
        response = _account_page(
            request, session, user, errors={"current": _throttled_message(exc)}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts_service.AccountError as exc:
        return _account_page(
            request, session, user, errors={exc.field: exc.message}, status_code=422
        )
    return redirect(request, "/account?done=passphrase")


@router.post("/account/sessions/end", name="accounts:end_session")
def end_session(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: CurrentUser,
    session_ref: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if session_ref and request.state.user_session.id.startswith(session_ref):
        return _account_page(
            request,
            session,
            user,
            errors={"sessions": _("To end this device's session, use Sign out.")},
            status_code=422,
        )
    if not accounts_service.end_own_session(session, actor=actor, short_id=session_ref):
        return _account_page(
            request,
            session,
            user,
            errors={"sessions": _("That session has already ended.")},
            status_code=422,
        )
    return redirect(request, "/account?done=session")
