"""The two-step sign-in pages for staff: the code after the passphrase, setting up an
authenticator app, recovery codes, and the account's two-step settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fgdm.accounts import service as accounts_service
from fgdm.accounts import two_factor
from fgdm.accounts.models import User
from fgdm.db import SessionDep
from fgdm.i18n import gettext as _
from fgdm.i18n import ngettext
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep, StaffUser, client_ip
from fgdm.web import redirect, render, safe_next

router = APIRouter()
T = TypeVar("T")

SIGN_IN_PATH = "/login/two-step"
SIGN_IN_SETUP_PATH = "/login/two-step/set-up"


def second_step_url(user: User, next_url: str) -> str:
    """Where the sign-in goes after the passphrase: the code, or setting the app up."""
    path = SIGN_IN_PATH if user.has_two_factor else SIGN_IN_SETUP_PATH
    return f"{path}?next={quote(safe_next(next_url, '/families'), safe='/')}"


def _pending_user(request: Request) -> User | None:
    return getattr(request.state, "pending_user", None)


def _throttled(exc: accounts_service.Throttled) -> str:
    minutes = max(1, (exc.retry_after + 59) // 60)
    return ngettext(
        "Too many codes that were not right. For your safety, wait %(minutes)s minute and "
        "try again.",
        "Too many codes that were not right. For your safety, wait %(minutes)s minutes and "
        "try again.",
        minutes,
    ) % {"minutes": minutes}


def _finish_sign_in(
    request: Request, session: SessionDep, actor: Actor, user: User, response: Response
) -> Response:
    """Swaps the half-way session for a full one (a new id), on the given response."""
    from fgdm.accounts.routes import set_session_cookie

    two_factor.finish_pending(session, actor=actor, pending=request.state.user_session)
    token = accounts_service.start_session(
        session,
        settings=request.app.state.settings,
        user=user,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    set_session_cookie(request, response, token)
    return response


def _code_page(
    request: Request, *, next_url: str, errors: dict[str, str] | None = None, status_code=200
) -> Response:
    return render(
        request,
        "accounts/two_step.html",
        {"values": {"next": safe_next(next_url, "/families")}, "errors": errors or {}},
        status_code=status_code,
    )


@router.get(SIGN_IN_PATH, name="accounts:two_step")
def two_step_page(request: Request, next: str = "/families") -> Response:
    user = _pending_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not user.has_two_factor:
        return RedirectResponse(second_step_url(user, next), status_code=303)
    return _code_page(request, next_url=next)


@router.post(SIGN_IN_PATH, name="accounts:two_step_submit")
def two_step_submit(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/families",
) -> Response:
    user = _pending_user(request)
    if user is None:
        return redirect(request, "/login")
    if not code.strip():
        return _code_page(
            request,
            next_url=next,
            errors={"code": _("Enter the 6 numbers from your app.")},
            status_code=422,
        )
    try:
        result = two_factor.check_code(session, actor=actor, user=user, code=code)
    except accounts_service.Throttled as exc:
        response = _code_page(
            request, next_url=next, errors={"code": _throttled(exc)}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except two_factor.TwoFactorError as exc:
        return _code_page(request, next_url=next, errors={exc.field: exc.message}, status_code=422)
    target = safe_next(next, "/families")
    if result.used_recovery_code:
        target = "/account/two-step?done=recovery"
    return _finish_sign_in(request, session, actor, user, redirect(request, target))


def _setup_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    action: str,
    next_url: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    secret = two_factor.begin_setup(session, user=user)
    qr_uri, qr_width = two_factor.setup_qr(user)
    return render(
        request,
        "accounts/two_step_setup.html",
        {
            "action": action,
            "qr_uri": qr_uri,
            "qr_width": qr_width,
            "secret": two_factor.grouped_secret(secret),
            # Like the sign-in page, the form only ever carries a page of this app onward.
            "values": {"next": safe_next(next_url, "/families") if next_url else ""},
            "errors": errors or {},
        },
        status_code=status_code,
    )


def _codes_page(request: Request, codes: list[str], next_url: str) -> Response:
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": safe_next(next_url, "/families")},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(SIGN_IN_SETUP_PATH, name="accounts:two_step_setup")
def sign_in_setup_page(request: Request, session: SessionDep, next: str = "/families") -> Response:
    user = _pending_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.has_two_factor:
        return RedirectResponse(second_step_url(user, next), status_code=303)
    return _setup_page(request, session, user, action=SIGN_IN_SETUP_PATH, next_url=next)


@router.post(SIGN_IN_SETUP_PATH, name="accounts:two_step_setup_submit")
def sign_in_setup_submit(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/families",
) -> Response:
    user = _pending_user(request)
    if user is None:
        return redirect(request, "/login")
    try:
        codes = two_factor.confirm_setup(session, actor=actor, user=user, code=code)
    except two_factor.TwoFactorError as exc:
        return _setup_page(
            request,
            session,
            user,
            action=SIGN_IN_SETUP_PATH,
            next_url=next,
            errors={exc.field: exc.message},
            status_code=422,
        )
    return _finish_sign_in(request, session, actor, user, _codes_page(request, codes, next))


# --- The account's two-step settings (signed in, staff) -------------------------------------


def _settings_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "accounts/two_step_settings.html",
        {
            "codes_left": two_factor.recovery_codes_left(session, user=user),
            "required": request.app.state.settings.staff_two_factor_required,
            "notice": notice,
            "errors": errors or {},
            "values": {},
            "nav": "account",
        },
        status_code=status_code,
    )


@router.get("/account/two-step", name="accounts:two_step_settings")
def settings_page(
    request: Request, session: SessionDep, user: StaffUser, done: str = ""
) -> Response:
    notices = {
        "off": _("Two-step sign-in is off."),
        "recovery": _(
            "You signed in with a recovery code. It will not work again. If your phone is "
            "lost, ask an admin to reset your two-step sign-in, or make new recovery codes."
        ),
    }
    return _settings_page(request, session, user, notice=notices.get(done, ""))


@router.get("/account/two-step/set-up", name="accounts:account_two_step_setup")
def account_setup_page(request: Request, session: SessionDep, user: StaffUser) -> Response:
    if user.has_two_factor:
        return RedirectResponse("/account/two-step", status_code=303)
    return _setup_page(request, session, user, action="/account/two-step/set-up")


@router.post("/account/two-step/set-up", name="accounts:account_two_step_setup_submit")
def account_setup_submit(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: StaffUser,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        codes = two_factor.confirm_setup(session, actor=actor, user=user, code=code)
    except two_factor.TwoFactorError as exc:
        return _setup_page(
            request,
            session,
            user,
            action="/account/two-step/set-up",
            errors={exc.field: exc.message},
            status_code=422,
        )
    return _codes_page(request, codes, "/account/two-step")


def _with_code(
    request: Request,
    session: SessionDep,
    user: User,
    change: Callable[[], T],
    *,
    field: str = "code",
) -> Response | T:
    """Runs a change that needs a current code, or gives the settings page with why not
    beside the form's code field."""
    try:
        return change()
    except accounts_service.Throttled as exc:
        response = _settings_page(
            request, session, user, errors={field: _throttled(exc)}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except two_factor.TwoFactorError as exc:
        return _settings_page(request, session, user, errors={field: exc.message}, status_code=422)


@router.post("/account/two-step/recovery-codes", name="accounts:replace_recovery_codes")
def replace_recovery_codes(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: StaffUser,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if not user.has_two_factor:
        return RedirectResponse("/account/two-step", status_code=303)
    outcome = _with_code(
        request,
        session,
        user,
        lambda: two_factor.replace_recovery_codes(session, actor=actor, user=user, code=code),
    )
    if isinstance(outcome, Response):
        return outcome
    return _codes_page(request, outcome, "/account/two-step")


@router.post("/account/two-step/off", name="accounts:two_step_off")
def turn_off(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: StaffUser,
    off_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if not user.has_two_factor:
        return RedirectResponse("/account/two-step", status_code=303)
    outcome = _with_code(
        request,
        session,
        user,
        lambda: two_factor.turn_off(session, actor=actor, user=user, code=off_code),
        # Where it is required there is no form to put the message beside.
        field="" if request.app.state.settings.staff_two_factor_required else "off_code",
    )
    if isinstance(outcome, Response):
        return outcome
    return redirect(request, "/account/two-step?done=off")
