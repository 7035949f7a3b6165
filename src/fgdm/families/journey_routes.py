"""The family group's journey through a family group conference: stages and the referral.
Each form works as a plain POST and 303; htmx boosts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fgdm.db import SessionDep
from fgdm.families import journey
from fgdm.families.journey import JourneyError, ReferralInput
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep, PractitionerFamilyDep, require_family_role
from fgdm.web import FormDep, redirect, render

router = APIRouter()

FamilyMemberDep = Annotated[FamilyAccess, Depends(require_family_role(AccessRole.family_member))]


def _context(access: FamilyAccess) -> dict[str, object]:
    return {"family": access.family, "access": access, "nav": "families"}


# --- The journey -------------------------------------------------------------------------


def _journey_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = journey.journey(session, actor=actor, access=access)
    return render(
        request,
        "families/journey.html",
        {
            "view": view,
            "journey_steps": view.steps,
            "values": values or {},
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/journey", name="journey:page")
def journey_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _journey_page(request, session, actor, access)


@router.post("/families/{family_id}/journey/stage", name="journey:move")
def move_stage(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    form: FormDep,
) -> Response:
    try:
        journey.move_stage(
            session,
            actor=actor,
            access=access,
            to_stage=form.get("to_stage", ""),
            version=form.version(),
            note=form.get("note", ""),
        )
    except JourneyError as exc:
        return _journey_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"/families/{family_id}/journey")


# --- The referral ------------------------------------------------------------------------


def _referral_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = journey.view_referral(session, actor=actor, access=access)
    saved = view.referral
    if values is None:
        values = {"version": str(view.version)}
        if saved is not None:
            values.update(
                referred_by=saved.referred_by,
                worries=saved.worries,
                decision_to_make=saved.decision_to_make,
                family_consents="yes" if saved.family_consents else "no",
                consent_date=saved.consent_date.isoformat() if saved.consent_date else "",
                consent_given_by=saved.consent_given_by,
            )
    return render(
        request,
        "families/referral.html",
        {"view": view, "values": values, "errors": errors or {}, **_context(access)},
        status_code=status_code,
    )


@router.get("/families/{family_id}/referral", name="journey:referral")
def referral_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _referral_page(request, session, actor, access)


@router.post("/families/{family_id}/referral", name="journey:referral_save")
def referral_save(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    form: FormDep,
) -> Response:
    data = ReferralInput(
        referred_by=form.get("referred_by", ""),
        worries=form.get("worries", ""),
        decision_to_make=form.get("decision_to_make", ""),
        family_consents=form.get("family_consents", ""),
        consent_date=form.get("consent_date", ""),
        consent_given_by=form.get("consent_given_by", ""),
    )
    try:
        journey.save_referral(
            session, actor=actor, access=access, version=form.version(), data=data
        )
    except JourneyError as exc:
        return _referral_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"/families/{family_id}/referral")


@router.post("/families/{family_id}/referral/consent", name="journey:consent")
def referral_consent(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyMemberDep,
    form: FormDep,
) -> Response:
    try:
        journey.give_consent(session, actor=actor, access=access, version=form.version())
    except JourneyError as exc:
        return _referral_page(request, session, actor, access, errors=exc.errors, status_code=422)
    return redirect(request, f"/families/{family_id}/referral#consent")
