"""The JSON API (read only): a family group's network and findings, as the caller may see
them, under the caller's session or a staff API token. Also the page where staff make and
revoke their tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer

from fgdm.api import service as api_service
from fgdm.api.schemas import (
    DetailOut,
    ErrorOut,
    FindingOut,
    FindingsOut,
    NetworkOut,
    OfferOut,
    PersonOut,
    RelationshipOut,
)
from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.network import service as network_service
from fgdm.security.actor import Actor
from fgdm.security.deps import (
    ActorDep,
    NotSignedIn,
    StaffUser,
    actor_from_request,
    client_ip,
    load_signed_in,
)
from fgdm.security.permissions import access_or_404
from fgdm.web import redirect, render

router = APIRouter()


# Declared so the API description tells integrators how to authenticate; the header is
# read below (a missing or bad token answers 401, never FastAPI's 403).
STAFF_TOKEN = HTTPBearer(
    auto_error=False,
    scheme_name="staffToken",
    description="A staff API token, made on the account page (Authorization: Bearer …).",
)


def api_actor(
    request: Request,
    session: SessionDep,
    _signed_in: None = Depends(load_signed_in),
    _token: object = Depends(STAFF_TOKEN),
) -> Actor:
    """The caller: a staff API token (Authorization: Bearer …) or the signed-in session."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = api_service.user_for_token(session, secret=header[7:].strip())
        session.commit()  # the token's last use, apart from the request (see load_signed_in)
        if user is None:
            raise NotSignedIn()
        return Actor(
            user=user,
            ip_address=client_ip(request),
            request_id=getattr(request.state, "request_id", ""),
            settings=request.app.state.settings,
        )
    if getattr(request.state, "user", None) is None:
        raise NotSignedIn()
    return actor_from_request(request)


ApiActor = Annotated[Actor, Depends(api_actor)]


def api_family(
    request: Request, family_id: int, session: SessionDep, actor: ApiActor
) -> FamilyAccess:
    """The family group for the API caller, or 404."""
    return access_or_404(request, session, actor, family_id)


ApiFamily = Annotated[FamilyAccess, Depends(api_family)]

# The answers a caller gets besides 200, so integrators (and the fuzz tests) can rely on
# them. 422 replaces FastAPI's default list of validation errors, which the app never sends.
API_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "No session and no live API token"},
    404: {"model": ErrorOut, "description": "No such family group, or not the caller's"},
    422: {"model": ErrorOut, "description": "The family group id is not a number"},
}


@router.get(
    "/api/v1/families/{family_id}/network",
    response_model=NetworkOut,
    responses=API_ERRORS,
    name="api:network",
    summary="A family group's network, with visibility applied for the caller",
)
def network_json(
    family_id: int, session: SessionDep, actor: ApiActor, access: ApiFamily
) -> NetworkOut:
    view = network_service.load_network(session, actor=actor, access=access)
    return NetworkOut(
        family_group_id=access.family_id,
        people=[
            PersonOut(
                id=p.person.id,
                known_as=p.person.known_as,
                full_name=p.person.full_name,
                kind=p.person.kind,
                is_child=p.person.is_child,
                relationship_to_child=p.person.relationship_to_child,
                languages=p.person.languages,
                area=p.person.area,
                is_worry=p.worry is not None,
                details=[
                    DetailOut(
                        id=d.detail.id,
                        field=d.detail.field,
                        value=d.detail.value,
                        visibility=d.detail.visibility,
                    )
                    for d in p.details
                ],
                offers=[
                    OfferOut(
                        id=o.id,
                        need=o.need,
                        sureness=o.sureness,
                        details=o.details,
                        availability=[
                            f"{d.value}:{part.value}"
                            for d, part in sorted(network_service.parse_slots(o.availability))
                        ],
                    )
                    for o in p.offers
                ],
            )
            for p in view.people
        ],
        relationships=[
            RelationshipOut(
                id=r.id,
                person_a_id=r.person_a_id,
                person_b_id=r.person_b_id,
                closeness=r.closeness,
                note=r.note,
            )
            for r in view.relationships
        ],
    )


@router.get(
    "/api/v1/families/{family_id}/findings",
    response_model=FindingsOut,
    responses=API_ERRORS,
    name="api:findings",
    summary="Where a family group's network has gaps, from what the caller may see",
)
def findings_json(
    request: Request, family_id: int, session: SessionDep, actor: ApiActor, access: ApiFamily
) -> FindingsOut:
    view = network_service.load_network(session, actor=actor, access=access)
    report = network_service.report(view, settings=request.app.state.settings)
    return FindingsOut(
        family_group_id=access.family_id,
        findings=[
            FindingOut(
                code=f.code.value,
                severity=f.severity.name,
                people=list(f.people),
                need=f.need,
                explanation=f.explanation,
                question=f.question,
            )
            for f in report.findings
        ],
        resilience=report.resilience,
    )


# --- Token page for staff ------------------------------------------------------------------


def _tokens_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    secret: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": api_service.list_tokens(session, actor=actor),
            "secret": secret,
            "errors": errors or {},
            "values": values or {},
            "nav": "account",
        },
        status_code=status_code,
    )


@router.get("/account/api-tokens", name="api:tokens")
def tokens_page(request: Request, session: SessionDep, actor: ActorDep, user: StaffUser):
    return _tokens_page(request, session, actor)


@router.post("/account/api-tokens", name="api:token_create")
def token_create(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user: StaffUser,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        _token, secret = api_service.create_token(session, actor=actor, name=name)
    except api_service.TokenError as exc:
        return _tokens_page(
            request,
            session,
            actor,
            errors={exc.field: exc.message},
            values={"name": name},
            status_code=422,
        )
    # Shown once, on this response only: the secret is never stored.
    return _tokens_page(request, session, actor, secret=secret)


@router.post("/account/api-tokens/{token_id}/revoke", name="api:token_revoke")
def token_revoke(
    request: Request,
    token_id: int,
    session: SessionDep,
    actor: ActorDep,
    user: StaffUser,
    version: Annotated[int, Form()] = 0,
) -> Response:
    try:
        api_service.revoke_token(session, actor=actor, token_id=token_id, version=version)
    except LookupError:
        raise HTTPException(status_code=404) from None
    return redirect(request, "/account/api-tokens")
