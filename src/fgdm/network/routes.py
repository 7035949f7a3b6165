"""The network pages: people who help us, one person's page, and the forms that change
them. Each form works as a plain POST and 303; htmx swaps the changed part in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from fgdm.analysis import Severity
from fgdm.db import SessionDep, parse_id
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network import service as network_service
from fgdm.network import vcard
from fgdm.network.ecomap import render_ecomap
from fgdm.network.service import PersonInput
from fgdm.network.vocabulary import (
    WEEK,
    Closeness,
    Day,
    Need,
    PartOfDay,
    PersonKind,
    Sureness,
    closeness_label,
    day_label,
    detail_field_labels,
    need_label,
    part_of_day_label,
    person_kind_label,
)
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.web import FormDep, FormValues, is_htmx, page_qr_code, redirect, render

router = APIRouter()

PERSON_FIELDS = ("known_as", "kind", "relationship_to_child", "full_name", "languages", "area")


def _choices() -> dict[str, Any]:
    """Options for the forms, in the family's words."""
    return {
        "kinds": [(k.value, person_kind_label(k)) for k in PersonKind],
        "closeness_options": [(c.value, closeness_label(c)) for c in Closeness],
        "needs": [(n.value, need_label(n)) for n in Need],
        "sureness_options": [
            (Sureness.yes.value, _("Yes, they said they will")),
            (Sureness.maybe.value, _("Maybe, not sure yet")),
        ],
        "days": [(d.value, day_label(d)) for d in Day],
        "parts": [(p.value, part_of_day_label(p)) for p in PartOfDay],
        "detail_fields": detail_field_labels(),
        "availability_label": _availability_label,
        "closeness_label": closeness_label,
        "kind_label": person_kind_label,
        "need_label": need_label,
    }


def _availability_label(stored: str) -> str:
    """Stored week slots in the family's words: "Monday morning, Saturday night"."""
    slots = network_service.parse_slots(stored)
    return ", ".join(
        _("%(day)s %(part)s") % {"day": day_label(d), "part": part_of_day_label(p)}
        for d, p in WEEK
        if (d, p) in slots
    )


def severity_label(severity: Severity) -> str:
    """How much a finding matters, in words (never shown by colour alone)."""
    return {
        Severity.serious: _("Important"),
        Severity.warning: _("Worth talking about"),
        Severity.info: _("Good to know"),
    }[severity]


def _network_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    view = network_service.load_network(session, actor=actor, access=access)
    report = network_service.report(view, settings=request.app.state.settings)
    children = ", ".join(c.person.known_as for c in view.children)
    snapshot = network_service.to_snapshot(view)
    page_url = str(request.url_for("network:page", family_id=access.family_id))
    qr_uri, qr_size = page_qr_code(page_url)
    return render(
        request,
        "network/network.html",
        {
            "view": view,
            "report": report,
            "page_url": page_url,
            "qr_uri": qr_uri,
            "qr_size": qr_size,
            "ecomap": render_ecomap(snapshot, title_name=children),
            # A wider drawing for A4, so names print at a readable size.
            "ecomap_print": render_ecomap(
                snapshot, title_name=children, id_prefix="ecomap-print", width=720
            ),
            "closeness_to_children": view.closeness_to_children(),
            "severity_label": severity_label,
            "family": access.family,
            "access": access,
            "values": values or {"closeness": Closeness.close.value, "kind": "family"},
            "errors": errors or {},
            "nav": "network",
            **_choices(),
        },
        status_code=status_code,
        block=block,
    )


@router.get("/families/{family_id}/network", name="network:page")
def network_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _network_page(request, session, actor, access)


def _person_input(form: FormValues) -> PersonInput:
    return PersonInput(
        known_as=form.get("known_as", ""),
        kind=form.get("kind", ""),
        relationship_to_child=form.get("relationship_to_child", ""),
        full_name=form.get("full_name", ""),
        languages=form.get("languages", ""),
        area=form.get("area", ""),
        closeness=form.get("closeness", ""),
    )


@router.post("/families/{family_id}/network/people", name="network:add_person")
def add_person(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        network_service.add_person(session, actor=actor, access=access, data=_person_input(form))
    except network_service.NetworkError as exc:
        return _network_page(
            request,
            session,
            actor,
            access,
            values=form,
            errors=exc.errors,
            status_code=422,
            block="network_body",
        )
    if is_htmx(request):
        return _network_page(request, session, actor, access, block="network_body")
    return redirect(request, f"/families/{family_id}/network#people")


def _person_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_name: str = "",
    status_code: int = 200,
) -> Response:
    view = network_service.load_network(session, actor=actor, access=access)
    person = view.person(person_id)
    names = {p.person.id: p.person.known_as for p in view.people}
    links = [
        (r, names[r.person_b_id if r.person_a_id == person_id else r.person_a_id])
        for r in view.relationships
        if person_id in (r.person_a_id, r.person_b_id)
    ]
    linked = {person_id} | {r.person_a_id for r, _n in links} | {r.person_b_id for r, _n in links}
    family_members = [
        row
        for row in families_service.list_members(session, access=access)
        if row.membership.role != MemberRole.practitioner
    ]
    saved = {name: getattr(person.person, name) for name in PERSON_FIELDS}
    saved["kind"] = person.person.kind.value
    return render(
        request,
        "network/person.html",
        {
            "view": view,
            "pv": person,
            "links": links,
            "others": [p for p in view.people if p.person.id not in linked],
            "family_members": family_members,
            "family": access.family,
            "access": access,
            "person_values": values if form_name == "person" and values else saved,
            "values": values if form_name != "person" and values else {},
            "form_name": form_name,
            "errors": errors or {},
            "checked": {
                "named": values.getlist("named") if isinstance(values, FormValues) else [],
                "slot": values.getlist("slot") if isinstance(values, FormValues) else [],
            },
            "may_change_worries": network_service.may_change_worries(access),
            "sees_everything": network_service.sees_everything(access),
            "nav": "network",
            **_choices(),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/network/people/{person_id}", name="network:person")
def person_page(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _person_page(request, session, actor, access, person_id)


def _slots(form: FormValues) -> set[tuple[Day, PartOfDay]]:
    chosen = set()
    for item in form.getlist("slot"):
        day, _sep, part = item.partition(":")
        if day in Day._value2member_map_ and part in PartOfDay._value2member_map_:
            chosen.add((Day(day), PartOfDay(part)))
    return chosen


def _named(form: FormValues) -> set[int]:
    return {int(v) for v in form.getlist("named") if v.isdigit()}


def _change(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    form: FormValues,
    *,
    form_name: str,
    call: Callable[[], object],
    done_url: str,
) -> Response:
    """Runs one change to a person's page: the form again with messages for bad input,
    otherwise back to the page (what is not theirs to reach answers 404 app-wide)."""
    try:
        call()
    except network_service.NetworkError as exc:
        return _person_page(
            request,
            session,
            actor,
            access,
            person_id,
            values=form,
            errors=exc.errors,
            form_name=form_name,
            status_code=422,
        )
    return redirect(request, done_url)


def _person_url(family_id: int, person_id: int, anchor: str) -> str:
    return f"/families/{family_id}/network/people/{person_id}#{anchor}"


@router.post("/families/{family_id}/network/people/{person_id}", name="network:update_person")
def update_person(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="person",
        call=lambda: network_service.update_person(
            session,
            actor=actor,
            access=access,
            person_id=person_id,
            version=form.version(),
            data=_person_input(form),
        ),
        done_url=_person_url(family_id, person_id, "about"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/remove", name="network:remove_person"
)
def remove_person(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="remove",
        call=lambda: network_service.remove_person(
            session, actor=actor, access=access, person_id=person_id, version=form.version()
        ),
        done_url=f"/families/{family_id}/network#people",
    )


@router.post("/families/{family_id}/network/people/{person_id}/details", name="network:add_detail")
def add_detail(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="detail",
        call=lambda: network_service.add_detail(
            session,
            actor=actor,
            access=access,
            person_id=person_id,
            field_name=form.get("field", ""),
            value=form.get("value", ""),
            visibility=form.get("visibility", ""),
            named=_named(form),
        ),
        done_url=_person_url(family_id, person_id, "private-details"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/details/{detail_id}",
    name="network:update_detail",
)
def update_detail(
    request: Request,
    family_id: int,
    person_id: int,
    detail_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name=f"detail-{detail_id}",
        call=lambda: network_service.update_detail(
            session,
            actor=actor,
            access=access,
            detail_id=detail_id,
            version=form.version(),
            value=form.get("value", ""),
            visibility=form.get("visibility", ""),
            named=_named(form),
        ),
        done_url=_person_url(family_id, person_id, "private-details"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/details/{detail_id}/remove",
    name="network:remove_detail",
)
def remove_detail(
    request: Request,
    family_id: int,
    person_id: int,
    detail_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="detail",
        call=lambda: network_service.remove_detail(
            session, actor=actor, access=access, detail_id=detail_id, version=form.version()
        ),
        done_url=_person_url(family_id, person_id, "private-details"),
    )


@router.post("/families/{family_id}/network/people/{person_id}/offers", name="network:add_offer")
def add_offer(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="offer",
        call=lambda: network_service.add_offer(
            session,
            actor=actor,
            access=access,
            person_id=person_id,
            need=form.get("need", ""),
            sureness=form.get("sureness", ""),
            details=form.get("details", ""),
            slots=_slots(form),
        ),
        done_url=_person_url(family_id, person_id, "offers"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/offers/{offer_id}/remove",
    name="network:remove_offer",
)
def remove_offer(
    request: Request,
    family_id: int,
    person_id: int,
    offer_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="offer",
        call=lambda: network_service.remove_offer(
            session, actor=actor, access=access, offer_id=offer_id, version=form.version()
        ),
        done_url=_person_url(family_id, person_id, "offers"),
    )


@router.post("/families/{family_id}/network/people/{person_id}/links", name="network:add_link")
def add_link(
    request: Request,
    family_id: int,
    person_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    other = form.get("other_id", "")
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="link",
        call=lambda: network_service.add_relationship(
            session,
            actor=actor,
            access=access,
            person_id=person_id,
            other_id=parse_id(other) or 0,
            closeness=form.get("closeness", ""),
            note=form.get("note", ""),
        ),
        done_url=_person_url(family_id, person_id, "links"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/links/{relationship_id}",
    name="network:update_link",
)
def update_link(
    request: Request,
    family_id: int,
    person_id: int,
    relationship_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name=f"link-{relationship_id}",
        call=lambda: network_service.update_relationship(
            session,
            actor=actor,
            access=access,
            relationship_id=relationship_id,
            version=form.version(),
            closeness=form.get("closeness", ""),
            note=form.get("note", ""),
        ),
        done_url=_person_url(family_id, person_id, "links"),
    )


@router.post(
    "/families/{family_id}/network/people/{person_id}/links/{relationship_id}/remove",
    name="network:remove_link",
)
def remove_link(
    request: Request,
    family_id: int,
    person_id: int,
    relationship_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    return _change(
        request,
        session,
        actor,
        access,
        person_id,
        form,
        form_name="link",
        call=lambda: network_service.remove_relationship(
            session,
            actor=actor,
            access=access,
            relationship_id=relationship_id,
            version=form.version(),
        ),
        done_url=_person_url(family_id, person_id, "links"),
    )


# --- Import from phone contacts ----------------------------------------------------------


def _import_page(
    request: Request,
    access: FamilyAccess,
    *,
    contacts: list[tuple[str, str]] | None = None,
    picked: set[int] | None = None,
    kind: str = PersonKind.friend.value,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "network/import.html",
        {
            "family": access.family,
            "access": access,
            "contacts": contacts,
            "picked": picked if picked is not None else set(range(len(contacts or []))),
            "values": {"kind": kind},
            "errors": errors or {},
            "nav": "network",
            **_choices(),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/network/import", name="network:import")
def import_page(request: Request, family_id: int, access: EditorFamilyDep) -> Response:
    return _import_page(request, access)


@router.post("/families/{family_id}/network/import", name="network:import_read")
def import_read(
    request: Request,
    family_id: int,
    access: EditorFamilyDep,
    contacts: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if contacts is None or not contacts.filename:
        return _import_page(
            request,
            access,
            errors={"contacts": _("Choose a contacts file to upload.")},
            status_code=422,
        )
    data = contacts.file.read(vcard.MAX_BYTES + 1)
    try:
        found = vcard.read_contacts(data)
    except vcard.VCardError as exc:
        return _import_page(request, access, errors={"contacts": str(exc)}, status_code=422)
    return _import_page(request, access, contacts=[(c.name, c.phone) for c in found])


@router.post("/families/{family_id}/network/import/add", name="network:import_add")
def import_add(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    listed = [
        (form.get(f"name_{i}", ""), form.get(f"phone_{i}", ""))
        for i in range(vcard.MAX_CONTACTS + 1)
        if f"name_{i}" in form
    ]
    picked = {int(v) for v in form.getlist("pick") if v.isdigit() and int(v) < len(listed)}
    chosen = [listed[i] for i in sorted(picked)]
    try:
        network_service.import_contacts(
            session, actor=actor, access=access, contacts=chosen, kind=form.get("kind", "")
        )
    except network_service.NetworkError as exc:
        return _import_page(
            request,
            access,
            contacts=listed,
            picked=picked,
            kind=form.get("kind", ""),
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/network#people")


# --- What if -----------------------------------------------------------------------------


@router.get("/families/{family_id}/network/what-if", name="network:what_if")
def what_if_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    remove: Annotated[list[int] | None, Query()] = None,
) -> Response:
    view = network_service.load_network(session, actor=actor, access=access)
    names = {p.person.id: p.person.known_as for p in view.people}
    removed = {i for i in (remove or []) if i in names}
    result = (
        network_service.what_if(view, removed_ids=removed, settings=request.app.state.settings)
        if removed
        else None
    )
    return render(
        request,
        "network/what_if.html",
        {
            "view": view,
            "names": names,
            "removed": removed,
            "removed_names": ", ".join(names[i] for i in sorted(removed)),
            "result": result,
            "severity_label": severity_label,
            "family": access.family,
            "access": access,
            "nav": "network",
            **_choices(),
        },
    )
