"""Subject access: the review page and the downloads (practitioners only)."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep, parse_id
from fgdm.exports import service as exports_service
from fgdm.i18n import gettext as _
from fgdm.plans import pdf
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import PractitionerFamilyDep
from fgdm.web import FormDep, render

router = APIRouter()


def reason_words() -> dict[str, str]:
    """Why a row is held back for review, in plain words."""
    return {
        "practitioners_only": _("Kept to practitioners"),
        "named_people_only": _("Only named people may see it"),
        "third_party": _("About someone else (a third party)"),
        "child_chose": _("A child chose who may see it"),
    }


@router.get("/families/{family_id}/export", name="exports:review")
def review_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    person_id: str = "",
) -> Response:
    subject = parse_id(person_id)
    gathered = exports_service.review(session, actor=actor, access=access, person_id=subject)
    return render(
        request,
        "exports/review.html",
        {
            "family": access.family,
            "gathered": gathered,
            "people": exports_service.subjects(session, access=access),
            "subject_id": subject,
            "reasons": reason_words(),
            "nav": "families",
        },
    )


@router.post("/families/{family_id}/export", name="exports:download")
def download(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    form: FormDep,
) -> Response:
    subject = parse_id(form.get("person_id", ""))
    export = exports_service.make_export(
        session,
        actor=actor,
        access=access,
        person_id=subject,
        release=set(form.getlist("release")),
    )
    name = f"fgdm-family-{family_id}" + (f"-person-{subject}" if subject else "")
    name += f"-{date.today().isoformat()}"
    if form.get("format") in ("html", "pdf"):
        response = render(
            request,
            "exports/bundle.html",
            {"doc": export.document, "reasons": reason_words()},
        )
        if form.get("format") == "pdf":
            # The same copy to read, drawn as an A4 PDF (in the thread pool: a plain def).
            page = bytes(response.body).decode("utf-8")
            response = Response(
                pdf.render_pdf(page, base_url=str(request.url)), media_type="application/pdf"
            )
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{name}.{form.get("format")}"'
        )
    else:
        response = Response(
            json.dumps(export.document, ensure_ascii=False, indent=1),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
        )
    response.headers["Cache-Control"] = "no-store"
    return response
