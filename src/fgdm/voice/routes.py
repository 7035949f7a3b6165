"""The three houses pages: the children whose houses this person may see, one child's
houses with what they put there and who can see it, a printable page, and the drawings.
Who may see or change what is decided in voice/service.py; these only parse and render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep, utcnow
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep
from fgdm.stories.routes import PhotoDep
from fgdm.voice import service as voice_service
from fgdm.voice.models import House
from fgdm.web import FormDep, page_qr_code, redirect, render

router = APIRouter()


def house_words() -> dict[House, dict[str, str]]:
    """Each house's name and what goes in it, in words a young child understands."""
    return {
        House.worries: {
            "heading": _("House of worries"),
            "hint": _("Things that make you feel worried, sad or scared."),
        },
        House.good_things: {
            "heading": _("House of good things"),
            "hint": _("Things that are good in your life, and people who make you happy."),
        },
        House.dreams: {
            "heading": _("House of dreams"),
            "hint": _("What you wish for, and how you would like things to be."),
        },
    }


def _houses_url(family_id: int, child_id: int) -> str:
    return f"/families/{family_id}/three-houses/{child_id}"


@router.get("/families/{family_id}/three-houses", name="voice:three_houses_list")
def three_houses_list(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    children = voice_service.list_children(session, actor=actor, access=access)
    return render(
        request,
        "voice/list.html",
        {"family": access.family, "access": access, "children": children, "nav": "families"},
    )


def _houses_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = voice_service.load(session, actor=actor, access=access, child_id=person_id)
    return render(
        request,
        "voice/houses.html",
        {
            "family": access.family,
            "access": access,
            "view": view,
            "houses": voice_service.HOUSE_ORDER,
            "words": house_words(),
            "own_account_options": [
                ("", _("%(name)s has no sign-in of their own") % {"name": view.child.known_as})
            ]
            + [(str(m.user_id), m.name) for m in view.young_people],
            "values": values or {},
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/three-houses/{person_id}", name="voice:three_houses")
def three_houses(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _houses_page(request, session, actor, access, person_id)


@router.get("/families/{family_id}/three-houses/{person_id}/print", name="voice:three_houses_print")
def three_houses_print(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    view = voice_service.load(
        session, actor=actor, access=access, child_id=person_id, action="three_houses_print"
    )
    page_url = str(request.url_for("voice:three_houses", family_id=family_id, person_id=person_id))
    qr_uri, qr_size = page_qr_code(page_url)
    return render(
        request,
        "voice/print.html",
        {
            "family": access.family,
            "view": view,
            "houses": voice_service.HOUSE_ORDER,
            "words": house_words(),
            "page_url": page_url,
            "qr_uri": qr_uri,
            "qr_size": qr_size,
            "now": utcnow(),
            "nav": "families",
        },
    )


@router.post(
    "/families/{family_id}/three-houses/{person_id}/entries", name="voice:three_houses_add"
)
def add_entry(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
    photo: PhotoDep,
) -> Response:
    house = form.get("house", "")
    try:
        voice_service.add_entry(
            session,
            actor=actor,
            access=access,
            child_id=person_id,
            house=house,
            text=form.get("text", ""),
            upload=photo.data,
            upload_too_big=photo.too_big,
        )
    except voice_service.HousesError as exc:
        # Each house has its own form on the page, so its fields carry the house's name.
        errors = {f"{name}-{house}": message for name, message in exc.errors.items()}
        values = {f"text-{house}": form.get("text", "")}
        return _houses_page(
            request,
            session,
            actor,
            access,
            person_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return redirect(request, f"{_houses_url(family_id, person_id)}#house-{house}")


@router.post(
    "/families/{family_id}/three-houses/{person_id}/entries/{entry_id}",
    name="voice:three_houses_edit",
)
def update_entry(
    request: Request,
    family_id: int,
    person_id: int,
    entry_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    try:
        voice_service.update_entry(
            session,
            actor=actor,
            access=access,
            child_id=person_id,
            entry_id=entry_id,
            version=form.version(),
            text=form.get("text", ""),
        )
    except voice_service.HousesError as exc:
        errors = {f"text-entry-{entry_id}": message for message in exc.errors.values()}
        values = {f"text-entry-{entry_id}": form.get("text", "")}
        return _houses_page(
            request,
            session,
            actor,
            access,
            person_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return redirect(request, f"{_houses_url(family_id, person_id)}#entry-{entry_id}")


@router.post(
    "/families/{family_id}/three-houses/{person_id}/entries/{entry_id}/remove",
    name="voice:three_houses_remove",
)
def remove_entry(
    request: Request,
    family_id: int,
    person_id: int,
    entry_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    voice_service.remove_entry(
        session,
        actor=actor,
        access=access,
        child_id=person_id,
        entry_id=entry_id,
        version=form.version(),
    )
    return redirect(request, _houses_url(family_id, person_id))


@router.post(
    "/families/{family_id}/three-houses/{person_id}/viewers", name="voice:three_houses_viewers"
)
def choose_viewers(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    voice_service.choose_viewers(
        session,
        actor=actor,
        access=access,
        child_id=person_id,
        version=form.version(),
        user_ids=form.getlist("viewer"),
    )
    return redirect(request, f"{_houses_url(family_id, person_id)}#who-can-see")


@router.post(
    "/families/{family_id}/three-houses/{person_id}/own-account",
    name="voice:three_houses_own_account",
)
def set_own_account(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    try:
        voice_service.set_own_account(
            session,
            actor=actor,
            access=access,
            child_id=person_id,
            version=form.version(),
            user_id=form.get("own_account", ""),
        )
    except voice_service.HousesError as exc:
        return _houses_page(
            request, session, actor, access, person_id, errors=exc.errors, status_code=422
        )
    return redirect(request, f"{_houses_url(family_id, person_id)}#who-can-see")


@router.get(
    "/families/{family_id}/three-houses/drawings/{drawing_id}", name="voice:three_houses_drawing"
)
def drawing(
    family_id: int, drawing_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    found = voice_service.get_drawing(session, actor=actor, access=access, drawing_id=drawing_id)
    return Response(
        content=found.content,
        media_type=found.mime,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )
