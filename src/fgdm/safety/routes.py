"""The Signs of Safety pages: the mapping (worries, what is working well, what needs to
happen), danger statements, safety goals and scaling. Each form works as a plain POST and
303; with JavaScript, htmx boosts the same forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import NotAllowedHere, NotFound, SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.safety import rectification
from fgdm.safety import service as safety_service
from fgdm.safety.jargon import find_jargon
from fgdm.safety.models import (
    KINDS_BY_COLUMN,
    FamilyNote,
    MappingColumn,
    MappingKind,
    StatementType,
)
from fgdm.safety.service import StatementKind
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.web import FormDep, FormValues, redirect, render

router = APIRouter()


def column_heading(column: MappingColumn) -> str:
    """The plain question each mapping column answers."""
    return {
        MappingColumn.worried: _("What are we worried about?"),
        MappingColumn.working_well: _("What's working well?"),
        MappingColumn.needs_to_happen: _("What needs to happen?"),
    }[column]


def kind_label(kind: MappingKind) -> str:
    """Each kind of mapping item in the family's words."""
    return {
        MappingKind.past_harm: _("Something that happened"),
        MappingKind.future_danger: _("What could happen if nothing changes"),
        MappingKind.complicating_factor: _("Something that makes things harder"),
        MappingKind.strength: _("Something good about the family"),
        MappingKind.existing_safety: _("A time the children were kept safe"),
        MappingKind.safety_goal: _("What we need to see"),
        MappingKind.next_step: _("A next step"),
    }[kind]


def _column_kinds() -> dict[str, list[tuple[str, str]]]:
    return {
        column.value: [(k.value, kind_label(k)) for k in kinds]
        for column, kinds in KINDS_BY_COLUMN.items()
    }


STATEMENT_PATHS = {StatementKind.danger: "danger-statements", StatementKind.goal: "safety-goals"}


def _statement_words(kind: StatementKind) -> dict[str, str]:
    if kind == StatementKind.danger:
        return {
            "heading": _("Danger statement"),
            "label": _("What are people worried could happen?"),
            "hint": _(
                "Say who is worried, what the adult does, and what could happen to the "
                "child if nothing changes."
            ),
        }
    return {
        "heading": _("Safety goal"),
        "label": _("What do people need to see?"),
        "hint": _(
            "Say what the adults will be doing, for how long, and who will be around, so "
            "everyone knows the child is safe enough."
        ),
    }


def _mapping_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_name: str = "",
    status_code: int = 200,
) -> Response:
    view = safety_service.load_mapping(session, actor=actor, access=access)
    return render(
        request,
        "safety/mapping.html",
        {
            "view": view,
            "family": access.family,
            "access": access,
            "columns": [(c.value, column_heading(c)) for c in MappingColumn],
            "column_kinds": _column_kinds(),
            "kind_label": kind_label,
            "statement_paths": STATEMENT_PATHS,
            "statement_words": {k.value: _statement_words(k) for k in StatementKind},
            "values": values or {},
            "errors": errors or {},
            "form_name": form_name,
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/mapping", name="safety:mapping")
def mapping_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _mapping_page(request, session, actor, access)


def _prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    # Three forms on one page: field ids carry the form's name, so error links find them.
    return {f"{prefix}-{name}": message for name, message in errors.items()}


@router.post("/families/{family_id}/mapping/items", name="safety:add_item")
def add_item(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    column = form.get("column", "")
    try:
        safety_service.add_item(
            session,
            actor=actor,
            access=access,
            column=column,
            kind=form.get("kind", ""),
            text=form.get("text", ""),
            share=form.get("share", "") == "yes",
        )
    except safety_service.SafetyError as exc:
        form_name = column if column in MappingColumn.__members__ else "worried"
        return _mapping_page(
            request,
            session,
            actor,
            access,
            values=form,
            errors=_prefixed(exc.errors, form_name),
            form_name=form_name,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/mapping#{column}")


def _item_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    item_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = safety_service.get_item(session, actor=actor, access=access, item_id=item_id)
    item = view.item
    saved = {
        "kind": item.kind.value,
        "text": item.text,
        "share": "yes" if item.shared_with_family else "no",
    }
    return render(
        request,
        "safety/item.html",
        {
            "iv": view,
            "family": access.family,
            "access": access,
            "heading": column_heading(item.column),
            "kinds": _column_kinds()[item.column.value],
            "kind_label": kind_label,
            "may_keep_back": access.is_practitioner
            and not safety_service.written_by_family(session, item=item),
            "values": values or saved,
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/mapping/items/{item_id}", name="safety:item")
def item_page(
    request: Request,
    family_id: int,
    item_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _item_page(request, session, actor, access, item_id)


@router.post("/families/{family_id}/mapping/items/{item_id}", name="safety:update_item")
def update_item(
    request: Request,
    family_id: int,
    item_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        safety_service.update_item(
            session,
            actor=actor,
            access=access,
            item_id=item_id,
            version=form.version(),
            kind=form.get("kind", ""),
            text=form.get("text", ""),
            share=form.get("share", "") == "yes",
        )
    except safety_service.SafetyError as exc:
        return _item_page(
            request,
            session,
            actor,
            access,
            item_id,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/mapping")


@router.post("/families/{family_id}/mapping/items/{item_id}/remove", name="safety:remove_item")
def remove_item(
    request: Request,
    family_id: int,
    item_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    safety_service.remove_item(
        session, actor=actor, access=access, item_id=item_id, version=form.version()
    )
    return redirect(request, f"/families/{family_id}/mapping")


# --- Danger statements and safety goals --------------------------------------------------


def _statement_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    kind: StatementKind,
    statement_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = safety_service.get_statement(
        session, access=access, kind=kind, statement_id=statement_id
    )
    text = (values or {}).get("text", view.statement.text)
    return render(
        request,
        "safety/statement.html",
        {
            "sv": view,
            "kind": kind.value,
            "path": STATEMENT_PATHS[kind],
            "words": _statement_words(kind),
            "jargon": find_jargon(text),
            "family": access.family,
            "access": access,
            "values": values or {"text": view.statement.text},
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


def _add_statement_route(kind: StatementKind) -> None:
    path = STATEMENT_PATHS[kind]

    def add(
        request: Request,
        family_id: int,
        session: SessionDep,
        actor: ActorDep,
        access: EditorFamilyDep,
        form: FormDep,
    ) -> Response:
        try:
            statement = safety_service.add_statement(
                session, actor=actor, access=access, kind=kind, text=form.get("text", "")
            )
        except safety_service.SafetyError as exc:
            return _mapping_page(
                request,
                session,
                actor,
                access,
                values=form,
                errors=_prefixed(exc.errors, kind.value),
                form_name=kind.value,
                status_code=422,
            )
        if find_jargon(statement.text):
            # Saved, but show the warning beside the words, where they can be changed.
            return redirect(request, f"/families/{family_id}/mapping/{path}/{statement.id}")
        return redirect(request, f"/families/{family_id}/mapping#{path}")

    def page(
        request: Request,
        family_id: int,
        statement_id: int,
        session: SessionDep,
        actor: ActorDep,
        access: FamilyDep,
    ) -> Response:
        return _statement_page(request, session, actor, access, kind, statement_id)

    def update(
        request: Request,
        family_id: int,
        statement_id: int,
        session: SessionDep,
        actor: ActorDep,
        access: EditorFamilyDep,
        form: FormDep,
    ) -> Response:
        try:
            statement = safety_service.update_statement(
                session,
                actor=actor,
                access=access,
                kind=kind,
                statement_id=statement_id,
                version=form.version(),
                text=form.get("text", ""),
            )
        except safety_service.SafetyError as exc:
            return _statement_page(
                request,
                session,
                actor,
                access,
                kind,
                statement_id,
                values=form,
                errors=exc.errors,
                status_code=422,
            )
        if find_jargon(statement.text):
            return redirect(request, f"/families/{family_id}/mapping/{path}/{statement_id}")
        return redirect(request, f"/families/{family_id}/mapping#{path}")

    def remove(
        request: Request,
        family_id: int,
        statement_id: int,
        session: SessionDep,
        actor: ActorDep,
        access: EditorFamilyDep,
        form: FormDep,
    ) -> Response:
        safety_service.remove_statement(
            session,
            actor=actor,
            access=access,
            kind=kind,
            statement_id=statement_id,
            version=form.version(),
        )
        return redirect(request, f"/families/{family_id}/mapping#{path}")

    base = f"/families/{{family_id}}/mapping/{path}"
    router.add_api_route(base, add, methods=["POST"], name=f"safety:add_{kind.value}")
    router.add_api_route(
        base + "/{statement_id}", page, methods=["GET"], name=f"safety:{kind.value}"
    )
    router.add_api_route(
        base + "/{statement_id}", update, methods=["POST"], name=f"safety:update_{kind.value}"
    )
    router.add_api_route(
        base + "/{statement_id}/remove",
        remove,
        methods=["POST"],
        name=f"safety:remove_{kind.value}",
    )


for _kind in StatementKind:
    _add_statement_route(_kind)


# --- Scaling -----------------------------------------------------------------------------


def _scaling_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = safety_service.load_scaling(session, actor=actor, access=access)
    return render(
        request,
        "safety/scaling.html",
        {
            "view": view,
            "family": access.family,
            "access": access,
            "values": values or {"scorer": f"user:{actor.user_id}"},
            "errors": errors or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/scaling", name="safety:scaling")
def scaling_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _scaling_page(request, session, actor, access)


@router.post("/families/{family_id}/scaling", name="safety:add_score")
def add_score(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        safety_service.add_score(
            session,
            actor=actor,
            access=access,
            scorer=form.get("scorer", ""),
            score=form.get("score", ""),
            why=form.get("why", ""),
            one_point_higher=form.get("one_point_higher", ""),
        )
    except safety_service.SafetyError as exc:
        return _scaling_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"/families/{family_id}/scaling#scores")


# --- Rectification: the family's notes beside professionals' statements --------------------

NOTE_PATHS = {
    "items": StatementType.mapping_item,
    "danger-statements": StatementType.danger,
    "safety-goals": StatementType.goal,
}


def _statement_type(path: str) -> StatementType:
    if path not in NOTE_PATHS:
        raise NotFound(path)
    return NOTE_PATHS[path]


def _note_page(
    request: Request,
    access: FamilyAccess,
    *,
    statement: object,
    action: str,
    note: FamilyNote | None = None,
    values: dict | FormValues | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "safety/note.html",
        {
            "family": access.family,
            "access": access,
            "statement": statement,
            "note": note,
            "action": action,
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/mapping/{kind}/{statement_id}/note", name="safety:note_form")
def note_form(
    request: Request,
    family_id: int,
    kind: str,
    statement_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    statement_type = _statement_type(kind)
    statement = rectification.get_statement(
        session, access=access, statement_type=statement_type, statement_id=statement_id
    )
    if not rectification.may_add_note(access):
        raise NotAllowedHere()
    action = f"/families/{family_id}/mapping/{kind}/{statement_id}/note"
    return _note_page(request, access, statement=statement, action=action)


@router.post("/families/{family_id}/mapping/{kind}/{statement_id}/note", name="safety:add_note")
def add_note(
    request: Request,
    family_id: int,
    kind: str,
    statement_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    statement_type = _statement_type(kind)
    if not rectification.may_add_note(access):
        raise NotAllowedHere()
    try:
        rectification.add_note(
            session,
            actor=actor,
            access=access,
            statement_type=statement_type,
            statement_id=statement_id,
            text=form.get("text", ""),
        )
    except rectification.NoteError as exc:
        statement = rectification.get_statement(
            session, access=access, statement_type=statement_type, statement_id=statement_id
        )
        action = f"/families/{family_id}/mapping/{kind}/{statement_id}/note"
        return _note_page(
            request,
            access,
            statement=statement,
            action=action,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/mapping")


@router.get("/families/{family_id}/mapping/notes/{note_id}", name="safety:note")
def note_page(
    request: Request,
    family_id: int,
    note_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    note = rectification.get_own_note(session, actor=actor, access=access, note_id=note_id)
    statement = rectification.get_statement(
        session, access=access, statement_type=note.statement_type, statement_id=note.statement_id
    )
    values = {"text": note.text, "version": str(note.version)}
    action = f"/families/{family_id}/mapping/notes/{note_id}"
    return _note_page(request, access, statement=statement, action=action, note=note, values=values)


@router.post("/families/{family_id}/mapping/notes/{note_id}", name="safety:update_note")
def update_note(
    request: Request,
    family_id: int,
    note_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        rectification.update_note(
            session,
            actor=actor,
            access=access,
            note_id=note_id,
            version=form.version(),
            text=form.get("text", ""),
        )
    except rectification.NoteError as exc:
        note = rectification.get_own_note(session, actor=actor, access=access, note_id=note_id)
        statement = rectification.get_statement(
            session,
            access=access,
            statement_type=note.statement_type,
            statement_id=note.statement_id,
        )
        return _note_page(
            request,
            access,
            statement=statement,
            action=f"/families/{family_id}/mapping/notes/{note_id}",
            note=note,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/mapping")


@router.post("/families/{family_id}/mapping/notes/{note_id}/remove", name="safety:remove_note")
def remove_note(
    request: Request,
    family_id: int,
    note_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    rectification.remove_note(
        session, actor=actor, access=access, note_id=note_id, version=form.version()
    )
    return redirect(request, f"/families/{family_id}/mapping")
