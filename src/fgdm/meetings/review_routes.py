"""The review meeting's page: what happened to each action, scaling scores then and now,
the network's findings compared with when the plan was agreed, what has changed, and
finishing the review. Plain POST and 303; htmx boosts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import NotFound, SessionDep, parse_id
from fgdm.families.service import FamilyAccess
from fgdm.meetings import review_service
from fgdm.meetings.review_service import ReviewError
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep
from fgdm.web import FormDep, redirect, render

router = APIRouter()

REVIEW = "/families/{family_id}/meetings/{meeting_id}/review"


def _page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    *,
    row_id: int | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = review_service.load_review(session, actor=actor, access=access, meeting_id=meeting_id)
    errors = errors or {}
    return render(
        request,
        "meetings/review.html",
        {
            "view": view,
            "family": access.family,
            "access": access,
            "nav": "families",
            "url": review_service.review_url(access, meeting_id),
            "meeting_url": f"/families/{access.family_id}/meetings/{meeting_id}",
            "labels": review_service.outcome_labels(),
            "row_id": row_id,
            "values": values or {},
            "errors": errors,
            "page_errors": {
                (f"{name}-{row_id}" if row_id is not None else name): text
                for name, text in errors.items()
            },
        },
        status_code=status_code,
    )


def _meeting_id(raw: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise NotFound(raw)
    return value


@router.get(REVIEW, name="meetings:review")
def review_page(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _page(request, session, actor, access, _meeting_id(meeting_id))


@router.post(REVIEW + "/actions/{action_id}", name="meetings:review_outcome")
def record_outcome(
    request: Request,
    family_id: int,
    meeting_id: str,
    action_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    mid, aid = _meeting_id(meeting_id), _meeting_id(action_id)
    try:
        review_service.record_outcome(
            session,
            actor=actor,
            access=access,
            meeting_id=mid,
            action_id=aid,
            outcome=form.get("outcome", ""),
            why=form.get("why", ""),
            version=form.version(),
        )
    except ReviewError as exc:
        return _page(
            request,
            session,
            actor,
            access,
            mid,
            row_id=aid,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"{review_service.review_url(access, mid)}#action-{aid}")


@router.post(REVIEW + "/changes", name="meetings:review_changes")
def update_changes(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    mid = _meeting_id(meeting_id)
    try:
        review_service.update_changes(
            session,
            actor=actor,
            access=access,
            meeting_id=mid,
            text=form.get("what_has_changed", ""),
            version=form.version(),
        )
    except ReviewError as exc:
        return _page(
            request, session, actor, access, mid, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"{review_service.review_url(access, mid)}#changes")


@router.post(REVIEW + "/finish", name="meetings:review_finish")
def finish(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    mid = _meeting_id(meeting_id)
    try:
        review_service.finish_review(
            session, actor=actor, access=access, meeting_id=mid, version=form.version()
        )
    except ReviewError as exc:
        return _page(request, session, actor, access, mid, errors=exc.errors, status_code=422)
    return redirect(request, review_service.review_url(access, mid))
