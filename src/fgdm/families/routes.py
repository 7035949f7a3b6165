"""Family group pages: the list, creating one, its home page and its members."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fgdm.analysis import Severity
from fgdm.db import SessionDep
from fgdm.families import journey
from fgdm.families import service as families_service
from fgdm.families.service import ChildInput, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network import service as network_service
from fgdm.network.routes import severity_label
from fgdm.safety import plan_service
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep, CurrentUser, PractitionerUser
from fgdm.security.permissions import FamilyDep, PractitionerFamilyDep
from fgdm.voice import service as voice_service
from fgdm.web import FormDep, redirect, render

router = APIRouter()

CHILD_SLOTS = 4


@router.get("/families", name="families:list")
def family_list(request: Request, session: SessionDep, actor: ActorDep, user: CurrentUser):
    summaries = families_service.list_for_user(session, actor=actor)
    return render(request, "families/list.html", {"summaries": summaries, "nav": "families"})


@router.get("/families/new", name="families:new")
def family_new(request: Request, user: PractitionerUser) -> Response:
    return render(
        request,
        "families/new.html",
        {"values": {}, "errors": {}, "child_slots": range(CHILD_SLOTS), "nav": "families"},
    )


def _parse_children(form: dict[str, str]) -> tuple[list[ChildInput], list[int], dict[str, str]]:
    """Reads the child slots that have anything typed in them. Returns the children, the
    slot each came from, and errors in the format of dates and ages."""
    children: list[ChildInput] = []
    slots: list[int] = []
    errors: dict[str, str] = {}
    for slot in range(CHILD_SLOTS):
        prefix = f"child_{slot}_"
        name = form.get(prefix + "first_name", "")
        dob_text = form.get(prefix + "date_of_birth", "").strip()
        age_text = form.get(prefix + "age", "").strip()
        pronouns = form.get(prefix + "pronouns", "")
        if not (name.strip() or dob_text or age_text or pronouns.strip()):
            continue
        dob = None
        age = None
        if dob_text:
            try:
                dob = date.fromisoformat(dob_text)
            except ValueError:
                errors[prefix + "date_of_birth"] = _(
                    "Enter the date of birth as a real date, for example 27 3 2017."
                )
        if age_text:
            if age_text.isdigit() and len(age_text) <= 3:
                age = int(age_text)
            else:
                errors[prefix + "age"] = _("Enter the age as a whole number, like 7.")
        children.append(
            ChildInput(first_name=name, date_of_birth=dob, age_years=age, pronouns=pronouns)
        )
        slots.append(slot)
    return children, slots, errors


@router.post("/families/new", name="families:create")
def family_create(
    request: Request, session: SessionDep, actor: ActorDep, user: PractitionerUser, form: FormDep
) -> Response:
    children, slots, errors = _parse_children(form)
    name = form.get("name", "")
    for key, message in families_service.check_new_family(name=name, children=children).items():
        if key.startswith("child_"):
            # The service counts the children given; the form counts its slots.
            _child, index, field = key.split("_", 2)
            slot = slots[int(index)] if int(index) < len(slots) else 0
            key = f"child_{slot}_{field}"
        errors.setdefault(key, message)
    if errors:
        return render(
            request,
            "families/new.html",
            {
                "values": form,
                "errors": errors,
                "child_slots": range(CHILD_SLOTS),
                "nav": "families",
            },
            status_code=422,
        )
    family = families_service.create_family_group(
        session, actor=actor, name=name, children=children
    )
    return redirect(request, f"/families/{family.id}")


@router.get("/families/{family_id}", name="families:home")
def family_home(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    network = network_service.load_network(session, actor=actor, access=access, audit=False)
    # Every child of the family group, read once with the network (as the network page
    # reads them) for the parts of this page that name them.
    children = [view.person for view in network.children]
    overview = families_service.get_overview(session, actor=actor, access=access, children=children)
    report = network_service.report(network, settings=request.app.state.settings)
    return render(
        request,
        "families/home.html",
        {
            "overview": overview,
            "findings": [f for f in report.findings if f.severity >= Severity.warning][:3],
            "finding_count": len(report.findings),
            "names": report.names,
            "severity_label": severity_label,
            # Only children whose three houses this person may see: no link for the others.
            "house_children": voice_service.children_to_see(
                session, actor=actor, access=access, children=children
            ),
            "agree_again_since": plan_service.agree_again_since(
                session, actor=actor, access=access
            ),
            "journey_steps": journey.where_we_are(session, access=access),
            "family": access.family,
            "access": access,
            "nav": "families",
        },
    )


@router.get("/families/{family_id}/members", name="families:members")
def family_members(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
) -> Response:
    return _members_page(request, session, access, actor=actor)


def _members_page(
    request: Request,
    session: SessionDep,
    access: FamilyAccess,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    actor: Actor | None = None,
) -> Response:
    members = (
        families_service.view_members(session, actor=actor, access=access)
        if actor
        else families_service.list_members(session, access=access)
    )
    return render(
        request,
        "families/members.html",
        {
            "members": members,
            "family": access.family,
            "access": access,
            "errors": errors or {},
            "values": values or {},
            "nav": "families",
        },
        status_code=status_code,
    )


@router.post("/families/{family_id}/members/add", name="families:add_practitioner")
def family_member_add(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    login: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        families_service.add_practitioner(session, actor=actor, access=access, login=login)
    except families_service.FamilyError as exc:
        return _members_page(
            request,
            session,
            access,
            errors={"login": exc.message},
            values={"login": login},
            status_code=422,
        )
    return redirect(request, f"/families/{family_id}/members")


@router.post("/families/{family_id}/members/{membership_id}/remove", name="families:remove")
def family_member_remove(
    request: Request,
    family_id: int,
    membership_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: PractitionerFamilyDep,
    version: Annotated[int, Form()] = 0,
) -> Response:
    try:
        families_service.remove_member(
            session, actor=actor, access=access, membership_id=membership_id, version=version
        )
    except families_service.FamilyError as exc:
        return _members_page(
            request, session, access, errors={"members": exc.message}, status_code=422
        )
    return redirect(request, f"/families/{family_id}/members")
