"""The words-and-pictures pages: the list of stories, writing a story page by page, the
child's page-turning reader, the printable booklet, and the pictures (members only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.stories import service as stories_service
from fgdm.stories.images import MAX_BYTES
from fgdm.stories.pictograms import all_pictograms
from fgdm.web import FormDep, redirect, render

router = APIRouter()


class Photo:
    """An uploaded file's bytes, read no further than one byte past the limit."""

    def __init__(self, data: bytes | None, too_big: bool) -> None:
        self.data = data
        self.too_big = too_big


async def photo_upload(request: Request) -> Photo:
    """The "photo" field of a multipart form, if a file was chosen."""
    form = await request.form()
    upload = form.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Photo(None, False)
    # Never hold more than the limit in memory: one byte more tells us it is too big.
    data = await upload.read(MAX_BYTES + 1)
    return Photo(data, len(data) > MAX_BYTES)


PhotoDep = Annotated[Photo, Depends(photo_upload)]


def _list_page(
    request: Request,
    session: SessionDep,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    kids = stories_service.children(session, access=access)
    return render(
        request,
        "stories/list.html",
        {
            "family": access.family,
            "access": access,
            "stories": stories_service.list_stories(session, access=access),
            "children": [(str(c.id), c.known_as) for c in kids],
            "values": values or {},
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/stories", name="stories:list")
def stories_list(
    request: Request, family_id: int, session: SessionDep, access: FamilyDep
) -> Response:
    return _list_page(request, session, access)


@router.post("/families/{family_id}/stories", name="stories:start")
def start_story(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        story = stories_service.start_story(
            session,
            actor=actor,
            access=access,
            child_id=form.get("child_id", ""),
            title=form.get("title", ""),
        )
    except stories_service.StoryError as exc:
        return _list_page(request, session, access, values=form, errors=exc.errors, status_code=422)
    return redirect(request, f"/families/{family_id}/stories/{story.id}")


def _story_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    story_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = stories_service.load_story(session, actor=actor, access=access, story_id=story_id)
    return render(
        request,
        "stories/story.html",
        {
            "family": access.family,
            "access": access,
            "view": view,
            "pictograms": all_pictograms(),
            "values": values or {},
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/stories/{story_id}", name="stories:story")
def story_page(
    request: Request,
    family_id: int,
    story_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _story_page(request, session, actor, access, story_id)


@router.post("/families/{family_id}/stories/{story_id}/pages", name="stories:add_page")
def add_page(
    request: Request,
    family_id: int,
    story_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
    photo: PhotoDep,
) -> Response:
    try:
        stories_service.add_page(
            session,
            actor=actor,
            access=access,
            story_id=story_id,
            text=form.get("text", ""),
            pictogram=form.get("pictogram", ""),
            upload=photo.data,
            upload_too_big=photo.too_big,
        )
    except stories_service.StoryError as exc:
        return _story_page(
            request,
            session,
            actor,
            access,
            story_id,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/stories/{story_id}#add-page")


@router.post("/families/{family_id}/stories/{story_id}/pages/{page_id}", name="stories:update_page")
def update_page(
    request: Request,
    family_id: int,
    story_id: int,
    page_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        stories_service.update_page(
            session,
            actor=actor,
            access=access,
            story_id=story_id,
            page_id=page_id,
            version=form.version(),
            text=form.get("text", ""),
        )
    except stories_service.StoryError as exc:
        errors = {f"text-{page_id}": message for message in exc.errors.values()}
        values = {f"text-{page_id}": form.get("text", "")}
        return _story_page(
            request,
            session,
            actor,
            access,
            story_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/stories/{story_id}#page-{page_id}")


@router.post(
    "/families/{family_id}/stories/{story_id}/pages/{page_id}/move", name="stories:move_page"
)
def move_page(
    request: Request,
    family_id: int,
    story_id: int,
    page_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    stories_service.move_page(
        session,
        actor=actor,
        access=access,
        story_id=story_id,
        page_id=page_id,
        version=form.version(),
        direction=form.get("direction", ""),
    )
    return redirect(request, f"/families/{family_id}/stories/{story_id}#page-{page_id}")


@router.post(
    "/families/{family_id}/stories/{story_id}/pages/{page_id}/remove",
    name="stories:remove_page",
)
def remove_page(
    request: Request,
    family_id: int,
    story_id: int,
    page_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    stories_service.remove_page(
        session,
        actor=actor,
        access=access,
        story_id=story_id,
        page_id=page_id,
        version=form.version(),
    )
    return redirect(request, f"/families/{family_id}/stories/{story_id}")


@router.get("/families/{family_id}/stories/{story_id}/read", name="stories:read")
def read_story(
    request: Request,
    family_id: int,
    story_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    page: int = 1,
) -> Response:
    view = stories_service.load_story(session, actor=actor, access=access, story_id=story_id)
    total = len(view.pages)
    number = min(max(page, 1), max(total, 1))
    return render(
        request,
        "stories/read.html",
        {
            "family": access.family,
            "view": view,
            "current": view.pages[number - 1] if total else None,
            "number": number,
            "total": total,
            "nav": "families",
        },
    )


@router.get("/families/{family_id}/stories/{story_id}/booklet", name="stories:booklet")
def booklet(
    request: Request,
    family_id: int,
    story_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    view = stories_service.load_story(session, actor=actor, access=access, story_id=story_id)
    return render(
        request,
        "stories/booklet.html",
        {"family": access.family, "view": view, "nav": "families"},
    )


@router.get("/families/{family_id}/stories/images/{image_id}", name="stories:image")
def story_image(family_id: int, image_id: int, session: SessionDep, access: FamilyDep) -> Response:
    image = stories_service.get_image(session, access=access, image_id=image_id)
    return Response(
        content=image.content,
        media_type=image.mime,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )
