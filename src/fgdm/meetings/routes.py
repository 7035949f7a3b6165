"""Preparing a family group conference: date, venue, invite list, needs, safety. Each form
works as a plain POST and 303; htmx boosts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.meetings import service as meetings_service
from fgdm.meetings.models import ArrangementKind, InvitationStatus, MeetingKind
from fgdm.meetings.service import InvitationInput, MeetingError, MeetingInput
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep, PractitionerFamilyDep
from fgdm.web import FormDep, FormValues, redirect, render

router = APIRouter()

BASE = "/families/{family_id}/meetings"
ARRANGEMENTS = "/families/{family_id}/safety-arrangements"


def _base(access: FamilyAccess) -> str:
    return f"/families/{access.family_id}/meetings"


def _context(access: FamilyAccess) -> dict[str, object]:
    return {
        "family": access.family,
        "access": access,
        "base": _base(access),
        "nav": "families",
        "kind_label": meetings_service.kind_label,
        "status_labels": meetings_service.status_labels(),
        "arrangement_labels": meetings_service.arrangement_labels(),
    }


# --- Meetings ----------------------------------------------------------------------------


def _meetings_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = meetings_service.list_meetings(session, actor=actor, access=access)
    return render(
        request,
        "meetings/list.html",
        {
            "view": view,
            "may_schedule": meetings_service.may_schedule(access),
            "kinds": [k.value for k in MeetingKind],
            "values": values or {"kind": MeetingKind.conference.value},
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE, name="meetings:list")
def meetings_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _meetings_page(request, session, actor, access)


@router.post(BASE, name="meetings:schedule")
def schedule(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        meeting = meetings_service.schedule_meeting(
            session,
            actor=actor,
            access=access,
            kind=form.get("kind", ""),
            date_text=form.get("date", ""),
            time_text=form.get("time", ""),
        )
    except MeetingError as exc:
        return _meetings_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"{_base(access)}/{meeting.id}")


def _meeting_input(form: FormValues) -> MeetingInput:
    return MeetingInput(
        date=form.get("date", ""),
        time=form.get("time", ""),
        venue=form.get("venue", ""),
        venue_home_of=form.get("venue_home_of", ""),
        arrangements=form.get("arrangements", ""),
        advocate_name=form.get("advocate_name", ""),
        advocate_for_child=form.get("advocate_for_child", ""),
    )


def _meeting_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    add_values: dict[str, str] | None = None,
    add_errors: dict[str, str] | None = None,
    row_id: int | None = None,
    row_values: dict[str, str] | None = None,
    row_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = meetings_service.load_meeting(session, actor=actor, access=access, meeting_id=meeting_id)
    rows = {
        iv.invitation.id: meetings_service.invitation_values(iv.invitation)
        for iv in view.invitations
    }
    if row_id is not None and row_values is not None:
        rows[row_id] = row_values
    return render(
        request,
        "meetings/meeting.html",
        {
            "view": view,
            "values": values or meetings_service.meeting_values(view.meeting),
            "errors": errors or {},
            "add_values": add_values or {},
            "add_errors": add_errors or {},
            "rows": rows,
            "row_id": row_id,
            "row_errors": row_errors or {},
            "statuses": [s.value for s in InvitationStatus],
            "adults": meetings_service.adults(session, access=access)
            if view.may_change_details
            else [],
            "children": meetings_service.children(session, access=access)
            if view.may_change_details
            else [],
            "to_invite": meetings_service.people_to_invite(
                session, access=access, meeting_id=meeting_id
            )
            if view.may_change_invites
            else [],
            "page_errors": {
                **(errors or {}),
                **(add_errors or {}),
                **{f"{name}-{row_id}": text for name, text in (row_errors or {}).items()},
            },
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/{meeting_id}", name="meetings:meeting")
def meeting_page(
    request: Request,
    family_id: int,
    meeting_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _meeting_page(request, session, actor, access, meeting_id)


@router.post(BASE + "/{meeting_id}", name="meetings:update")
def update_meeting(
    request: Request,
    family_id: int,
    meeting_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        meetings_service.update_meeting(
            session,
            actor=actor,
            access=access,
            meeting_id=meeting_id,
            version=form.version(),
            data=_meeting_input(form),
        )
    except MeetingError as exc:
        return _meeting_page(
            request,
            session,
            actor,
            access,
            meeting_id,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"{_base(access)}/{meeting_id}#details")


# --- The invite list ---------------------------------------------------------------------


@router.post(BASE + "/{meeting_id}/invitations", name="meetings:invite")
def add_invitation(
    request: Request,
    family_id: int,
    meeting_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        invitation = meetings_service.add_invitation(
            session,
            actor=actor,
            access=access,
            meeting_id=meeting_id,
            person_id=form.get("person_id", ""),
        )
    except MeetingError as exc:
        return _meeting_page(
            request,
            session,
            actor,
            access,
            meeting_id,
            add_values=form,
            add_errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"{_base(access)}/{meeting_id}#invitation-{invitation.id}")


@router.post(BASE + "/{meeting_id}/invitations/{invitation_id}", name="meetings:update_invitation")
def update_invitation(
    request: Request,
    family_id: int,
    meeting_id: int,
    invitation_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    data = InvitationInput(
        status=form.get("status", ""),
        own_arrival_note=form.get("own_arrival_note", ""),
        interpreter_language=form.get("interpreter_language", ""),
        access_needs=form.get("access_needs", ""),
        needs_childcare=form.get("needs_childcare") == "yes",
    )
    try:
        meetings_service.update_invitation(
            session,
            actor=actor,
            access=access,
            meeting_id=meeting_id,
            invitation_id=invitation_id,
            version=form.version(),
            data=data,
        )
    except MeetingError as exc:
        return _meeting_page(
            request,
            session,
            actor,
            access,
            meeting_id,
            row_id=invitation_id,
            row_values=form,
            row_errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"{_base(access)}/{meeting_id}#invitation-{invitation_id}")


# --- Printed invitations -----------------------------------------------------------------


def _print_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    invitation_id: int | None,
) -> Response:
    prints = meetings_service.print_invitations(
        session, actor=actor, access=access, meeting_id=meeting_id, invitation_id=invitation_id
    )
    return render(
        request,
        "meetings/invitations_print.html",
        {"prints": prints, "meeting_id": meeting_id, **_context(access)},
    )


@router.get(BASE + "/{meeting_id}/invitations/print", name="meetings:print_all")
def print_all(
    request: Request,
    family_id: int,
    meeting_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
) -> Response:
    return _print_page(request, session, actor, access, meeting_id, None)


@router.get(BASE + "/{meeting_id}/invitations/{invitation_id}/print", name="meetings:print_one")
def print_one(
    request: Request,
    family_id: int,
    meeting_id: int,
    invitation_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
) -> Response:
    return _print_page(request, session, actor, access, meeting_id, invitation_id)


# --- Safety arrangements -----------------------------------------------------------------


def _arrangements_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    arrangements = meetings_service.list_arrangements(session, actor=actor, access=access)
    return render(
        request,
        "meetings/arrangements.html",
        {
            "arrangements": arrangements,
            "people": meetings_service.adults(session, access=access)
            + meetings_service.children(session, access=access),
            "kinds": [k.value for k in ArrangementKind],
            "values": values or {},
            "errors": errors or {},
            "arrangements_url": f"/families/{access.family_id}/safety-arrangements",
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(ARRANGEMENTS, name="meetings:arrangements")
def arrangements_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
) -> Response:
    return _arrangements_page(request, session, actor, access)


@router.post(ARRANGEMENTS, name="meetings:add_arrangement")
def add_arrangement(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    form: FormDep,
) -> Response:
    try:
        arrangement = meetings_service.add_arrangement(
            session,
            actor=actor,
            access=access,
            kind=form.get("kind", ""),
            person_id=form.get("person_id", ""),
            other_person_id=form.get("other_person_id", ""),
            reason=form.get("reason", ""),
        )
    except MeetingError as exc:
        return _arrangements_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(
        request, f"/families/{access.family_id}/safety-arrangements#arrangement-{arrangement.id}"
    )


@router.post(ARRANGEMENTS + "/{arrangement_id}/remove", name="meetings:remove_arrangement")
def remove_arrangement(
    request: Request,
    family_id: int,
    arrangement_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    form: FormDep,
) -> Response:
    meetings_service.remove_arrangement(
        session,
        actor=actor,
        access=access,
        arrangement_id=arrangement_id,
        version=form.version(),
    )
    return redirect(request, f"/families/{access.family_id}/safety-arrangements")
