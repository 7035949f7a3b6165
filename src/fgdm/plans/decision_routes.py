"""Agreeing the plan: the agency's decision and the answers to requests for help."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import NotFound, SessionDep, parse_id
from fgdm.families.service import FamilyAccess
from fgdm.plans import decision_service
from fgdm.plans import service as plan_service
from fgdm.plans.decision_service import DecisionError, DecisionInput, NotDecidable
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.web import FormDep, FormValues, redirect, render

router = APIRouter()

BASE = "/families/{family_id}/plan"


def _page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: FormValues | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    answering: int | None = None,
    status_code: int = 200,
) -> Response:
    page = decision_service.load_decisions(session, actor=actor, access=access)
    form = values if values is not None else FormValues([])
    return render(
        request,
        "plans/decision.html",
        {
            "page": page,
            "values": form,
            "not_agreed": form.getlist("not_agreed"),
            "errors": errors or {},
            "problem": problem,
            "answering": answering,
            "answer_labels": decision_service.answer_labels(),
            "family": access.family,
            "access": access,
            "base": plan_service.base_url(access),
            "nav": "families",
            "decision_page": True,
        },
        status_code=status_code,
    )


@router.get(BASE + "/decision", name="plan_decision:page")
def decision_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _page(request, session, actor, access)


@router.post(BASE + "/present", name="plan_decision:present")
def present(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        decision_service.present(session, actor=actor, access=access, version=form.version())
    except DecisionError as exc:
        return _page(request, session, actor, access, errors=exc.errors, status_code=422)
    return redirect(request, f"{plan_service.base_url(access)}/decision#presented")


def _decision_input(form: FormValues) -> DecisionInput:
    return DecisionInput(
        choice=form.get("choice", ""),
        revision=parse_id(form.get("revision", "")) or 0,
        last_decision_id=parse_id(form.get("last_decision", "")) or 0,
        not_agreed=form.getlist("not_agreed"),
        reasons={k: v for k, v in form.items() if k.startswith("reason_")},
    )


@router.post(BASE + "/decision", name="plan_decision:decide")
def decide(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        decision_service.decide(session, actor=actor, access=access, data=_decision_input(form))
    except DecisionError as exc:
        return _page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    except NotDecidable as exc:
        return _page(request, session, actor, access, problem=exc.message, status_code=409)
    return redirect(request, f"{plan_service.base_url(access)}/decision#decision")


@router.post(BASE + "/requests/{request_id}/answer", name="plan_decision:answer")
def answer(
    request: Request,
    family_id: int,
    request_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    row_id = parse_id(request_id)
    if row_id is None:
        raise NotFound(request_id)
    try:
        decision_service.answer_request(
            session,
            actor=actor,
            access=access,
            request_id=row_id,
            version=form.version(),
            answer=form.get("answer", ""),
            reason=form.get("reason", ""),
            referred_to=form.get("referred_to", ""),
        )
    except DecisionError as exc:
        errors = {f"{name}-{row_id}": message for name, message in exc.errors.items()}
        return _page(
            request,
            session,
            actor,
            access,
            values=form,
            errors=errors,
            answering=row_id,
            status_code=422,
        )
    return redirect(request, f"{plan_service.base_url(access)}/decision#request-{row_id}")
