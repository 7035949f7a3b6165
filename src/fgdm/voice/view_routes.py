"""The child's voice pages: what the children told us, one child's views with the form to
record a new one, one view with its "you said — we did" answers, the drawings, and the
child's own page. Who may see or change what is decided in voice/view_service.py; these
only parse and render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import FamilyDep
from fgdm.stories.routes import PhotoDep
from fgdm.voice import view_service
from fgdm.voice.models import HowGiven
from fgdm.voice.view_service import AnswerForm, ViewForm, ViewItem
from fgdm.web import FormDep, FormValues, redirect, render

router = APIRouter()


def how_given_words() -> list[tuple[str, str]]:
    """How a child can give their view, in plain words, for the form and the page."""
    return [
        (HowGiven.said_it.value, _("They said it")),
        (HowGiven.wrote_it.value, _("They wrote it")),
        (HowGiven.drew_it.value, _("They drew it")),
        (HowGiven.through_advocate.value, _("Through their advocate")),
        (HowGiven.at_the_meeting.value, _("At the family meeting")),
    ]


def _context(access: FamilyAccess) -> dict[str, object]:
    return {
        "family": access.family,
        "access": access,
        "nav": "families",
        "how_words": how_given_words(),
        "how_label": dict(how_given_words()),
    }


def _view_form(form: FormValues) -> ViewForm:
    return ViewForm(
        words=form.get("words", ""),
        how_given=form.get("how_given", ""),
        where_given=form.get("where_given", ""),
        heard_by=form.get("heard_by", ""),
        given_on=form.get("given_on", ""),
        meeting_id=form.get("meeting_id", ""),
        # The child's choice; a form sent without it means "keep it to practitioners".
        shared_with_family=form.get("shared_with_family", "") == "yes",
    )


def _answer_form(form: FormValues) -> AnswerForm:
    return AnswerForm(
        touched=form.get("touched", ""),
        decision=form.get("decision", ""),
        we_did=form.get("we_did", ""),
        differs_from_wish=form.get("differs_from_wish", "") == "yes",
        why_different=form.get("why_different", ""),
    )


def _view_values(item: ViewItem | None) -> dict[str, str]:
    """The form's fields as saved (a new view: shared with the family, said it)."""
    if item is None:
        return {"how_given": HowGiven.said_it.value, "shared_with_family": "yes"}
    v = item.view
    return {
        "words": v.words,
        "how_given": v.how_given.value,
        "where_given": v.where_given,
        "heard_by": v.heard_by,
        "given_on": v.given_on.isoformat() if v.given_on else "",
        "meeting_id": str(v.meeting_id or ""),
        "shared_with_family": "yes" if v.shared_with_family else "no",
    }


def _form_values(form: FormValues) -> dict[str, str]:
    values = dict(form)
    values.setdefault("shared_with_family", "no")
    return values


@router.get("/families/{family_id}/views", name="voice:views")
def views_list(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    children = view_service.list_views(session, actor=actor, access=access)
    return render(
        request,
        "voice/views.html",
        {"children": children, **_context(access)},
    )


def _child_views_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = view_service.child_views(session, actor=actor, access=access, child_id=child_id)
    return render(
        request,
        "voice/views_child.html",
        {
            "child_views": found,
            "meetings": view_service.meetings(session, access=access) if found.may_record else [],
            "meeting_label": view_service.meeting_label,
            "values": values if values is not None else _view_values(None),
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/children/{child_id}/views", name="voice:child_views")
def child_views(
    request: Request,
    family_id: int,
    child_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _child_views_page(request, session, actor, access, child_id)


@router.post("/families/{family_id}/children/{child_id}/views", name="voice:record_view")
def record_view(
    request: Request,
    family_id: int,
    child_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
    photo: PhotoDep,
) -> Response:
    try:
        view = view_service.record_view(
            session,
            actor=actor,
            access=access,
            child_id=child_id,
            form=_view_form(form),
            upload=photo.data,
            upload_too_big=photo.too_big,
        )
    except view_service.ViewsError as exc:
        return _child_views_page(
            request,
            session,
            actor,
            access,
            child_id,
            values=_form_values(form),
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/children/{child_id}/views#view-{view.id}")


def _view_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    view_id: int,
    *,
    values: dict[str, str] | None = None,
    answer_values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    item, around = view_service.get_view(session, actor=actor, access=access, view_id=view_id)
    answers = {
        str(a.link.id): {
            "touched": view_service.touched_key(a.link),
            "decision": a.link.decision,
            "we_did": a.link.we_did,
            "differs_from_wish": "yes" if a.link.differs_from_wish else "",
            "why_different": a.link.why_different,
        }
        for a in item.answers
    }
    answers.update(answer_values or {})
    return render(
        request,
        "voice/views_view.html",
        {
            "item": item,
            "child_views": around,
            "meetings": view_service.meetings(session, access=access) if item.may_change else [],
            "meeting_label": view_service.meeting_label,
            "plan_parts": (
                view_service.plan_parts(session, actor=actor, access=access)
                if around.may_answer
                else []
            ),
            "values": values if values is not None else _view_values(item),
            "answer_values": answers,
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/views/{view_id}", name="voice:view")
def view_page(
    request: Request,
    family_id: int,
    view_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _view_page(request, session, actor, access, view_id)


@router.post("/families/{family_id}/views/{view_id}", name="voice:update_view")
def update_view(
    request: Request,
    family_id: int,
    view_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
    photo: PhotoDep,
) -> Response:
    try:
        view_service.update_view(
            session,
            actor=actor,
            access=access,
            view_id=view_id,
            version=form.version(),
            form=_view_form(form),
            upload=photo.data,
            upload_too_big=photo.too_big,
        )
    except view_service.ViewsError as exc:
        return _view_page(
            request,
            session,
            actor,
            access,
            view_id,
            values=_form_values(form),
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/views/{view_id}")


@router.post("/families/{family_id}/views/{view_id}/answers", name="voice:add_answer")
def add_answer(
    request: Request,
    family_id: int,
    view_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    try:
        link = view_service.add_answer(
            session, actor=actor, access=access, view_id=view_id, form=_answer_form(form)
        )
    except view_service.ViewsError as exc:
        # The new answer's fields carry the prefix "new-" on the page.
        return _view_page(
            request,
            session,
            actor,
            access,
            view_id,
            answer_values={"new": dict(form)},
            errors={f"new-{name}": message for name, message in exc.errors.items()},
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/views/{view_id}#answer-{link.id}")


@router.post("/families/{family_id}/views/{view_id}/answers/{link_id}", name="voice:update_answer")
def update_answer(
    request: Request,
    family_id: int,
    view_id: int,
    link_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    form: FormDep,
) -> Response:
    try:
        view_service.update_answer(
            session,
            actor=actor,
            access=access,
            view_id=view_id,
            link_id=link_id,
            version=form.version(),
            form=_answer_form(form),
        )
    except view_service.ViewsError as exc:
        return _view_page(
            request,
            session,
            actor,
            access,
            view_id,
            answer_values={str(link_id): dict(form)},
            errors={f"{link_id}-{name}": message for name, message in exc.errors.items()},
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/views/{view_id}#answer-{link_id}")


@router.get("/families/{family_id}/views/{view_id}/drawing", name="voice:view_drawing")
def drawing(
    family_id: int, view_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    view = view_service.get_drawing(session, actor=actor, access=access, view_id=view_id)
    return Response(
        content=view.drawing_content,
        media_type=view.drawing_mime,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


@router.get("/families/{family_id}/children/{child_id}", name="voice:child_page")
def child_page(
    request: Request,
    family_id: int,
    child_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    page = view_service.child_page(session, actor=actor, access=access, child_id=child_id)
    return render(
        request,
        "voice/my_page.html",
        {"page": page, "child_views": page.views, **_context(access)},
    )
