"""The meeting on a tablet: the parts of the meeting, attendance and private family time.
Each form works as a plain POST and 303; htmx only speeds it up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import NotFound, SessionDep, parse_id
from fgdm.families.service import FamilyAccess
from fgdm.meetings import room_service
from fgdm.meetings.lock import private_family_time
from fgdm.meetings.models import MeetingPart
from fgdm.meetings.room_service import RoomError
from fgdm.network.ecomap import render_ecomap
from fgdm.network.routes import severity_label
from fgdm.network.service import to_snapshot
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep, CurrentUser
from fgdm.security.permissions import FamilyDep
from fgdm.web import FormDep, redirect, render

router = APIRouter()

BASE = "/families/{family_id}/meetings/{meeting_id}"


def _id(text: str) -> int:
    found = parse_id(text)
    if found is None:
        raise NotFound(text)
    return found


def _context(access: FamilyAccess) -> dict[str, object]:
    return {"family": access.family, "access": access, "nav": "families"}


def _room_url(access: FamilyAccess, meeting_id: int) -> str:
    return f"/families/{access.family_id}/meetings/{meeting_id}/room"


# --- The room (the coordinator's) ---------------------------------------------------------


def _room_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = room_service.load_room(
        session,
        actor=actor,
        access=access,
        meeting_id=meeting_id,
        settings=request.app.state.settings,
    )
    children = ", ".join(p.person.known_as for p in view.network.view.people if p.person.is_child)
    return render(
        request,
        "meetings/room.html",
        {
            "view": view,
            "report": view.network,
            "ecomap": render_ecomap(to_snapshot(view.network.view), title_name=children),
            "severity_label": severity_label,
            "errors": errors or {},
            "base": _room_url(access, meeting_id),
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/room", name="meeting_room:page")
def room_page(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _room_page(request, session, actor, access, _id(meeting_id))


@router.post(BASE + "/room/part", name="meeting_room:part")
def move_part(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    found = _id(meeting_id)
    try:
        room_service.move_to_next_part(
            session, actor=actor, access=access, meeting_id=found, version=form.version()
        )
    except RoomError as exc:
        return _room_page(
            request, session, actor, access, found, errors={"part": exc.message}, status_code=422
        )
    return redirect(request, _room_url(access, found))


@router.post(BASE + "/room/attendance/{invitation_id}", name="meeting_room:attendance")
def attendance(
    request: Request,
    family_id: int,
    meeting_id: str,
    invitation_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    found = _id(meeting_id)
    room_service.set_attendance(
        session,
        actor=actor,
        access=access,
        meeting_id=found,
        invitation_id=_id(invitation_id),
        version=form.version(),
        attended=form.get("attended", "") == "yes",
    )
    return redirect(request, _room_url(access, found) + f"#invitation-{invitation_id}")


@router.post(BASE + "/room/family-time/start", name="meeting_room:family_time_start")
def start_family_time(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    found = _id(meeting_id)
    try:
        room_service.start_family_time(
            session,
            actor=actor,
            access=access,
            meeting_id=found,
            version=form.version(),
            user_session=request.state.user_session,
        )
    except RoomError as exc:
        return _room_page(
            request, session, actor, access, found, errors={"part": exc.message}, status_code=422
        )
    return redirect(request, f"/families/{access.family_id}/plan")


# --- Private family time (the family's) -------------------------------------------------


@router.get("/family-time", name="meeting_room:device_home")
def device_home(
    request: Request, session: SessionDep, actor: ActorDep, _user: CurrentUser
) -> Response:
    """Where every page outside the family group sends the family's device."""
    meeting = room_service.device_meeting(session, actor=actor)
    if meeting is None:
        return redirect(request, "/families")
    return redirect(request, room_service.device_page(meeting))


@router.get(BASE + "/family-time", name="meeting_room:family_time")
def family_time_page(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    meeting = room_service.load_family_time(
        session, actor=actor, access=access, meeting_id=_id(meeting_id)
    )
    if access.on_family_device and meeting.part != MeetingPart.private_family_time:
        return redirect(request, room_service.device_page(meeting))
    return render(
        request,
        "meetings/room_family_time.html",
        {
            "meeting": meeting,
            "family_time": private_family_time(session, family_group_id=access.family_id),
            **_context(access),
        },
    )


@router.post(BASE + "/family-time/end", name="meeting_room:family_time_end")
def end_family_time(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    meeting = room_service.end_family_time(
        session, actor=actor, access=access, meeting_id=_id(meeting_id)
    )
    if access.on_family_device:
        return redirect(request, room_service.device_page(meeting))
    return redirect(request, f"/families/{access.family_id}/meetings/{meeting.id}/family-time")


def _return_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    meeting = room_service.load_return(session, actor=actor, access=access, meeting_id=meeting_id)
    if meeting.part == MeetingPart.private_family_time:
        return redirect(request, room_service.device_page(meeting))
    return render(
        request,
        "meetings/room_return.html",
        {"meeting": meeting, "errors": errors or {}, **_context(access)},
        status_code=status_code,
    )


@router.get(BASE + "/room/return", name="meeting_room:return")
def return_page(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _return_page(request, session, actor, access, _id(meeting_id))


@router.post(BASE + "/room/return", name="meeting_room:return_submit")
def return_submit(
    request: Request,
    family_id: int,
    meeting_id: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    found = _id(meeting_id)
    try:
        room_service.return_device(
            session,
            actor=actor,
            access=access,
            meeting_id=found,
            passphrase=form.get("passphrase", ""),
            user_session=request.state.user_session,
        )
    except room_service.ReturnThrottled as exc:
        response = _return_page(
            request, session, actor, access, found, errors={exc.field: exc.message}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except RoomError as exc:
        return _return_page(
            request, session, actor, access, found, errors={exc.field: exc.message}, status_code=422
        )
    return redirect(request, _room_url(access, found))
