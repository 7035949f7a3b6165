"""The family plan as a handout: the A4 print view, the PDF and the children's version."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep, utcnow
from fgdm.families.service import FamilyAccess
from fgdm.plans import handout as handout_service
from fgdm.plans import pdf
from fgdm.plans import service as plan_service
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep
from fgdm.web import page_qr_code, render

router = APIRouter()

BASE = "/families/{family_id}/plan"


def _print_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyAccess,
    *,
    staff: str,
    as_pdf: bool,
) -> Response:
    handout = handout_service.read_handout(
        session, actor=actor, access=access, staff_details=staff == "1", as_pdf=as_pdf
    )
    base = plan_service.base_url(access)
    page_url = str(request.base_url).rstrip("/") + base
    qr_uri, qr_size = page_qr_code(page_url)
    query = "?staff=1" if handout.with_staff_details else ""
    return render(
        request,
        "plans/print.html",
        {
            "handout": handout,
            "view": handout.view,
            "may_see_staff": handout_service.may_see_staff_details(access),
            "answer_label": handout_service.answer_label,
            "printed_at": utcnow(),
            "page_url": page_url,
            "qr_uri": qr_uri,
            "qr_size": qr_size,
            "pdf_url": f"{base}/print.pdf{query}",
            "print_url": f"{base}/print",
            "family": access.family,
            "access": access,
            "base": base,
            "nav": "families",
        },
    )


@router.get(BASE + "/print", name="plan:print")
def print_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    staff: str = "",
) -> Response:
    return _print_page(request, session, actor, access, staff=staff, as_pdf=False)


@router.get(BASE + "/print.pdf", name="plan:print_pdf")
def print_pdf(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    staff: str = "",
) -> Response:
    # A plain def: FastAPI runs it in the thread pool, so drawing the PDF (CPU-heavy) does
    # not hold up other requests.
    page = _print_page(request, session, actor, access, staff=staff, as_pdf=True)
    data = pdf.render_pdf(bytes(page.body).decode("utf-8"), base_url=str(request.url))
    name = f"family-plan-{utcnow().date().isoformat()}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(BASE + "/children", name="plan:children")
def children_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    version = handout_service.read_childrens_version(session, actor=actor, access=access)
    base = plan_service.base_url(access)
    return render(
        request,
        "plans/children.html",
        {
            "version": version,
            "view": version.view,
            "family": access.family,
            "access": access,
            "base": base,
            "nav": "families",
        },
    )
