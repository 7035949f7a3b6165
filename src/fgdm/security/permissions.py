"""The one dependency that decides access to a family group, and role checks within it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from fgdm.audit import service as audit_service
from fgdm.db import NotFound, SessionDep
from fgdm.families import service as families_service
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.meetings.models import Meeting
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep, NotAllowed, require_signed_in


def access_or_404(
    request: Request, session: SessionDep, actor: Actor, family_id: int
) -> FamilyAccess:
    """The family group for this actor, or 404 (the same for a family group that exists
    but is not theirs as for one that does not exist). Refusals are audited."""
    if actor.user is None:  # FamilyDep signs people in first; never reached without a user
        raise NotFound(family_id)
    access = families_service.get_access(session, user=actor.user, family_group_id=family_id)
    if access is not None and actor.on_family_device:
        access = _on_family_device(session, actor, access)
    if access is None:
        audit_service.record_at_once(
            request.app.state.engine,
            actor=actor,
            action="access_refused",
            family_group_id=family_id,
            object_type="family_group",
            object_id=family_id,
            detail=request.url.path[:255],
        )
        raise HTTPException(status_code=404)
    return access


def _on_family_device(session: Session, actor: Actor, access: FamilyAccess) -> FamilyAccess | None:
    """The meeting tablet during private family time reaches only the meeting's family
    group, and only as a family member: every other family group is not there for it."""
    meeting = session.get(Meeting, actor.family_time_meeting_id)
    if (
        meeting is None
        or meeting.family_group_id != access.family_id
        or not access.is_practitioner  # the account no longer works with this family group
    ):
        return None
    return replace(access, role=AccessRole.family_member, on_family_device=True)


def family_access(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    _user: object = Depends(require_signed_in),
) -> FamilyAccess:
    """Loads the family group for the signed-in user, or answers 404."""
    return access_or_404(request, session, actor, family_id)


FamilyDep = Annotated[FamilyAccess, Depends(family_access)]


def _refuse(request: Request, actor: Actor, access: FamilyAccess) -> None:
    audit_service.record_at_once(
        request.app.state.engine,
        actor=actor,
        action="access_refused",
        family_group_id=access.family_id,
        object_type="family_group",
        object_id=access.family_id,
        detail=f"role {access.role.value}: {request.url.path}"[:255],
    )
    raise NotAllowed()


def require_family_role(*roles: AccessRole):  # noqa: ANN201 - returns a dependency
    """A dependency: the family group, only if the user's role in it is one of these."""

    async def dependency(request: Request, access: FamilyDep, actor: ActorDep) -> FamilyAccess:
        if access.role not in roles:
            await run_in_threadpool(_refuse, request, actor, access)
        return access

    return dependency


async def require_family_editor(
    request: Request, access: FamilyDep, actor: ActorDep
) -> FamilyAccess:
    """The family group, only for roles that may change things in it (not managers)."""
    if not access.can_edit:
        await run_in_threadpool(_refuse, request, actor, access)
    return access


PractitionerFamilyDep = Annotated[
    FamilyAccess, Depends(require_family_role(AccessRole.practitioner))
]
EditorFamilyDep = Annotated[FamilyAccess, Depends(require_family_editor)]
