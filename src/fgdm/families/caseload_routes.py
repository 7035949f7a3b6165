"""A practitioner's or manager's caseload: every family group with its stage and what is due."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fgdm.accounts.models import StaffRole, User
from fgdm.db import SessionDep
from fgdm.families import caseload as caseload_service
from fgdm.families.caseload import SORTS, CaseloadQuery
from fgdm.families.models import Stage
from fgdm.security.deps import ActorDep, require_staff
from fgdm.web import render

router = APIRouter()

CaseloadUser = Annotated[User, Depends(require_staff(StaffRole.practitioner, StaffRole.manager))]


def _address(query: CaseloadQuery, **changes: str) -> str:
    """The caseload's address with these sorting and filters (for the sort links)."""
    params = {
        "sort": query.sort,
        "order": query.order,
        "stage": query.stage.value if query.stage else "",
        "overdue": "1" if query.overdue_only else "",
        "q": query.search,
    }
    params.update(changes)
    return "/caseload?" + urlencode({k: v for k, v in params.items() if v})


@router.get("/caseload", name="caseload")
def caseload_page(
    request: Request, session: SessionDep, actor: ActorDep, user: CaseloadUser
) -> Response:
    query, errors = caseload_service.parse_query(request.query_params)
    caseload = caseload_service.caseload(session, actor=actor, query=query)
    caseload.errors = errors
    columns = [
        (
            sort,
            _address(
                query,
                sort=sort,
                order="desc" if query.sort == sort and query.order == "asc" else "asc",
            ),
        )
        for sort in SORTS
    ]
    return render(
        request,
        "families/caseload.html",
        {
            "caseload": caseload,
            "query": query,
            "errors": errors,
            "columns": dict(columns),
            "stages": [(stage, caseload_service.stage_label(stage)) for stage in Stage],
            "nav": "caseload",
        },
        block="results",
    )
