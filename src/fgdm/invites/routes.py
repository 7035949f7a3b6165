"""Invite pages: practitioners make and cancel invite links; family members and young
people open one to join their family group."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from fgdm.accounts import routes as accounts_routes
from fgdm.accounts import service as accounts_service
from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.invites import log_filter
from fgdm.invites import service as invites_service
from fgdm.pwa import offline
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep, CurrentUser, client_ip
from fgdm.security.permissions import PractitionerFamilyDep
from fgdm.web import qr_code, redirect, render

router = APIRouter()

# Whatever serves these pages must never write a working invite link to its access log.
log_filter.install()

QR_SCALE = 5


def _list_page(
    request: Request,
    session: Session,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "invites/list.html",
        {
            "family": access.family,
            "invites": invites_service.list_invites(session, access=access),
            "values": values or {},
            "errors": errors or {},
            "valid_days": request.app.state.settings.invite_valid_days,
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/invites", name="invites:list")
def invite_list(
    request: Request, family_id: int, session: SessionDep, access: PractitionerFamilyDep
) -> Response:
    return _list_page(request, session, access)


@router.post("/families/{family_id}/invites", name="invites:create")
def invite_create(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    invited_name: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        new = invites_service.create_invite(
            session, actor=actor, access=access, invited_name=invited_name, role=role
        )
    except invites_service.InviteFormError as exc:
        values = {"invited_name": invited_name, "role": role}
        return _list_page(
            request, session, access, values=values, errors=exc.errors, status_code=422
        )
    # Only the hash is stored, so this response is the one time the link can be shown.
    link = str(request.url_for("invites:join", token=new.token))
    qr_uri, qr_size = qr_code(link, scale=QR_SCALE)
    return render(
        request,
        "invites/created.html",
        {
            "family": access.family,
            "invite": new.invite,
            "link": link,
            "qr_uri": qr_uri,
            "qr_size": qr_size,
            "valid_days": request.app.state.settings.invite_valid_days,
            "nav": "families",
        },
    )


@router.post("/families/{family_id}/invites/{invite_id}/revoke", name="invites:revoke")
def invite_revoke(
    request: Request,
    family_id: int,
    invite_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    version: Annotated[int, Form()] = 0,
) -> Response:
    try:
        invites_service.revoke_invite(
            session, actor=actor, access=access, invite_id=invite_id, version=version
        )
    except invites_service.InviteNotFound as exc:
        raise HTTPException(status_code=404) from exc
    except invites_service.InviteNotWaiting as exc:
        return _list_page(request, session, access, errors={"invites": str(exc)}, status_code=422)
    return redirect(request, f"/families/{family_id}/invites")


# --- Opening a link -------------------------------------------------------------------


def _not_valid(request: Request) -> Response:
    # The same page whatever the reason, so a link says nothing about whether it existed.
    return render(
        request,
        "invites/not_valid.html",
        {"valid_days": request.app.state.settings.invite_valid_days},
        status_code=404,
    )


def _throttled(request: Request, retry_after: int) -> Response:
    minutes = max(1, (retry_after + 59) // 60)
    response = render(request, "invites/throttled.html", {"minutes": minutes}, status_code=429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _staff(request: Request) -> Response:
    return render(request, "invites/staff.html", status_code=403)


def _join_page(
    request: Request,
    session: Session,
    actor: Actor,
    token: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        view = invites_service.open_invite(session, actor=actor, token=token)
    except invites_service.StaffCannotJoin:
        return _staff(request)
    except accounts_service.Throttled as exc:
        return _throttled(request, exc.retry_after)
    except invites_service.InviteNotValid:
        return _not_valid(request)
    return render(
        request,
        "invites/join.html",
        {
            "view": view,
            "token": token,
            "values": values or {"display_name": view.invite.invited_name},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/join/{token}", name="invites:join")
def join(request: Request, token: str, session: SessionDep, actor: ActorDep) -> Response:
    return _join_page(request, session, actor, token)


@router.post("/join/{token}", name="invites:join_submit")
def join_submit(  # nosec B107
    request: Request,
    token: str,
    session: SessionDep,
    actor: ActorDep,
    display_name: Annotated[str, Form(max_length=1000)] = "",
    login: Annotated[str, Form(max_length=1000)] = "",
    passphrase: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        joined = invites_service.redeem_invite(
            session,
            actor=actor,
            token=token,
            display_name=display_name,
            login=login,
            passphrase=passphrase,
            locale=getattr(request.state, "locale", ""),
        )
    except invites_service.StaffCannotJoin:
        return _staff(request)
    except accounts_service.Throttled as exc:
        return _throttled(request, exc.retry_after)
    except invites_service.InviteNotValid:
        return _not_valid(request)
    except invites_service.InviteFormError as exc:
        values = {"display_name": display_name, "login": login}
        return _join_page(
            request, session, actor, token, values=values, errors=exc.errors, status_code=422
        )
    # Someone else was signed in on this phone: their session ends here.
    previous = getattr(request.state, "user_session", None)
    if previous is not None:
        accounts_service.end_session(session, actor=actor, user_session=previous)
    cookie = accounts_service.start_session(
        session,
        settings=request.app.state.settings,
        user=joined.user,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    response = redirect(request, f"/families/{joined.family_group_id}")
    accounts_routes.set_session_cookie(request, response, cookie)
    # A new account on this phone: the browser empties what the last person kept.
    offline.after_sign_in(request, response, user_id=joined.user.id)
    return response


@router.post("/join/{token}/accept", name="invites:accept")
def join_accept(
    request: Request, token: str, session: SessionDep, actor: ActorDep, _user: CurrentUser
) -> Response:
    try:
        joined = invites_service.accept_invite(session, actor=actor, token=token)
    except invites_service.StaffCannotJoin:
        return _staff(request)
    except accounts_service.Throttled as exc:
        return _throttled(request, exc.retry_after)
    except invites_service.InviteNotValid:
        return _not_valid(request)
    except invites_service.AlreadyMember:
        return _join_page(request, session, actor, token, status_code=422)
    return redirect(request, f"/families/{joined.family_group_id}")
