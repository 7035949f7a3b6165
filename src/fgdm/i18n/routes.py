"""Languages: choosing the language of the pages, before and after signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fgdm import i18n
from fgdm.db import SessionDep
from fgdm.i18n import gettext as _
from fgdm.i18n import service as i18n_service
from fgdm.security.deps import ActorDep, OnFamilyDevice, on_family_device
from fgdm.web import redirect, render, safe_next

router = APIRouter(tags=["languages"], include_in_schema=False)


def _refuse_family_device(request: Request) -> None:
    # The meeting tablet in private family time is signed in as the practitioner: the
    # family must not change the practitioner's account from it.
    if on_family_device(request):
        raise OnFamilyDevice()


def _language_page(
    request: Request, *, next_url: str, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    user = getattr(request.state, "user", None)
    languages = [
        {"code": code, "name": name, "direction": i18n.text_direction(code)}
        for code, name in i18n.LANGUAGES.items()
    ]
    return render(
        request,
        "i18n/language.html",
        {
            "languages": languages,
            "chosen": i18n.current_locale(),
            "next_url": next_url,
            "version": user.version if user else None,
            "errors": errors or {},
            "nav": "account" if user else "",
        },
        status_code=status_code,
    )


@router.get("/language", name="i18n:language")
def language_page(request: Request, _actor: ActorDep, next: str = "/") -> Response:
    _refuse_family_device(request)
    return _language_page(request, next_url=safe_next(next))


@router.post("/language", name="i18n:choose")
def choose_language(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    locale: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    _refuse_family_device(request)
    next_url = safe_next(next)
    if locale not in i18n.LANGUAGES:
        error = _("Choose one of the languages on this page.")
        return _language_page(request, next_url=next_url, errors={"locale": error}, status_code=422)
    if actor.user is not None:
        i18n_service.choose_language(
            session,
            actor=actor,
            locale=locale,
            version=int(version) if version.isdigit() else 0,
        )
    response = redirect(request, next_url)
    settings = request.app.state.settings
    # Kept in this browser too, so the sign-in page after signing out speaks it as well.
    response.set_cookie(
        i18n.language_cookie_name(secure=settings.secure_cookies),
        locale,
        max_age=i18n.LANGUAGE_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response
