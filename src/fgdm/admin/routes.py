"""Admin pages: staff accounts and the audit search. Admins only; no family content."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from fgdm.accounts.models import StaffRole
from fgdm.admin import service as admin_service
from fgdm.audit import service as audit_service
from fgdm.audit.models import Outcome
from fgdm.db import SessionDep
from fgdm.i18n import gettext as _
from fgdm.security.deps import ActorDep, AdminUser
from fgdm.web import redirect, render

router = APIRouter()


def _role_options() -> list[tuple[str, str]]:
    return [
        (StaffRole.practitioner.value, _("Practitioner")),
        (StaffRole.manager.value, _("Team manager")),
        (StaffRole.admin.value, _("Admin")),
    ]


def _users_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    overview = admin_service.list_accounts(session, actor=actor)
    return render(
        request,
        "admin/users.html",
        {
            "overview": overview,
            "role_options": _role_options(),
            "values": values or {},
            "errors": errors or {},
            "notice": notice,
            "nav": "admin",
        },
        status_code=status_code,
    )


@router.get("/admin/users", name="admin:users")
def users(
    request: Request, session: SessionDep, actor: ActorDep, _admin: AdminUser, done: str = ""
) -> Response:
    notices = {
        "created": _(
            "The account has been made. Give the person their passphrase safely, and ask them "
            "to change it in My account."
        ),
        "disabled": _("The account has been turned off. That person has been signed out."),
        "enabled": _("The account has been turned on again."),
        "two_step_reset": _(
            "Two-step sign-in has been reset. That person has been signed out and sets it up "
            "again when they next sign in."
        ),
    }
    return _users_page(request, session, actor, notice=notices.get(done, ""))


@router.post("/admin/users", name="admin:create_user")
def create_user(  # nosec B107
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    _admin: AdminUser,
    login: Annotated[str, Form(max_length=300)] = "",
    display_name: Annotated[str, Form(max_length=300)] = "",
    staff_role: Annotated[str, Form(max_length=32)] = "",
    team: Annotated[str, Form(max_length=300)] = "",
    passphrase: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        admin_service.create_staff_account(
            session,
            actor=actor,
            login=login,
            display_name=display_name,
            role=staff_role,
            team_name=team,
            passphrase=passphrase,
        )
    except admin_service.AdminFormError as exc:
        values = {"login": login, "display_name": display_name, "staff_role": staff_role}
        values["team"] = team
        return _users_page(
            request, session, actor, values=values, errors=exc.errors, status_code=422
        )
    return redirect(request, "/admin/users?done=created")


def _change_active(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    *,
    user_id: int,
    version: int,
    is_active: bool,
) -> Response:
    try:
        admin_service.change_active(
            session, actor=actor, user_id=user_id, version=version, is_active=is_active
        )
    except admin_service.AccountNotFound as exc:
        raise HTTPException(status_code=404) from exc
    except admin_service.AdminFormError as exc:
        return _users_page(request, session, actor, errors=exc.errors, status_code=422)
    return redirect(request, "/admin/users?done=" + ("enabled" if is_active else "disabled"))


@router.post("/admin/users/{user_id}/disable", name="admin:disable_user")
def disable_user(
    request: Request,
    user_id: int,
    session: SessionDep,
    actor: ActorDep,
    _admin: AdminUser,
    version: Annotated[int, Form()] = 0,
) -> Response:
    return _change_active(
        request, session, actor, user_id=user_id, version=version, is_active=False
    )


@router.post("/admin/users/{user_id}/enable", name="admin:enable_user")
def enable_user(
    request: Request,
    user_id: int,
    session: SessionDep,
    actor: ActorDep,
    _admin: AdminUser,
    version: Annotated[int, Form()] = 0,
) -> Response:
    return _change_active(request, session, actor, user_id=user_id, version=version, is_active=True)


@router.post("/admin/users/{user_id}/two-step/reset", name="admin:reset_two_step")
def reset_two_step(
    request: Request,
    user_id: int,
    session: SessionDep,
    actor: ActorDep,
    _admin: AdminUser,
    version: Annotated[int, Form()] = 0,
) -> Response:
    try:
        admin_service.reset_two_factor(session, actor=actor, user_id=user_id, version=version)
    except admin_service.AccountNotFound as exc:
        raise HTTPException(status_code=404) from exc
    return redirect(request, "/admin/users?done=two_step_reset")


@router.get("/admin/audit", name="admin:audit")
def audit_search(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    _admin: AdminUser,
    family: Annotated[str, Query(max_length=20)] = "",
    actor_login: Annotated[str, Query(max_length=300)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    outcome: Annotated[str, Query(max_length=20)] = "",
    date_from: Annotated[str, Query(max_length=20)] = "",
    date_to: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    values = {
        "family": family,
        "actor_login": actor_login,
        "action": action,
        "outcome": outcome,
        "date_from": date_from,
        "date_to": date_to,
    }
    filters, errors = audit_service.parse_filters(**values)
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "outcome_options": [
            (Outcome.ok.value, _("Done")),
            (Outcome.refused.value, _("Refused")),
            (Outcome.failed.value, _("Failed")),
        ],
        "result": None,
        "query": "",
        "nav": "audit",
    }
    if errors:
        return render(request, "admin/audit.html", context, status_code=422)
    result = audit_service.search(session, actor=actor, filters=filters, page=page)
    if not result.actor_found:
        errors["actor_login"] = _("No account has this sign-in name.")
    context["result"] = result
    context["query"] = urlencode({key: value for key, value in values.items() if value})
    return render(request, "admin/audit.html", context, status_code=422 if errors else 200)
