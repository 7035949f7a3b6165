"""The family's own view of the audit trail: who has looked at or changed their record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fgdm.audit import service as audit_service
from fgdm.db import SessionDep
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep
from fgdm.voice import service as voice_service
from fgdm.web import render

router = APIRouter()


@router.get("/families/{family_id}/audit", name="audit:family")
def family_audit(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    sees_houses = voice_service.children_to_see(session, actor=actor, access=access)
    events = audit_service.list_for_family(
        session,
        actor=actor,
        access=access,
        page=page,
        hidden_object_types=frozenset() if sees_houses else frozenset({"three_houses"}),
    )
    return render(
        request,
        "audit/family.html",
        {"events": events, "family": access.family, "access": access, "nav": "families"},
    )
