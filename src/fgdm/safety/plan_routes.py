"""The safety plan pages: the plan, its rules, the people who help keep the children safe,
what happens if the plan is not working, the history of changes, agreeing, the children's
version and the printed handout. Each form works as a plain POST and 303; htmx boosts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import SessionDep
from fgdm.families.service import FamilyAccess
from fgdm.network.routes import severity_label
from fgdm.safety import plan_diff, plan_service
from fgdm.safety.plan_service import PlanChanged, RuleInput, RuleView
from fgdm.safety.service import SafetyError
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.stories.pictograms import all_pictograms
from fgdm.web import FormDep, FormValues, page_qr_code, redirect, render

router = APIRouter()

BASE = "/families/{family_id}/safety-plan"


def _base(access: FamilyAccess) -> str:
    return f"/families/{access.family_id}/safety-plan"


def _context(access: FamilyAccess) -> dict[str, object]:
    return {"family": access.family, "access": access, "base": _base(access), "nav": "families"}


# --- The plan ----------------------------------------------------------------------------


@router.get(BASE, name="safety_plan:page")
def plan_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    view = plan_service.load_plan(
        session, actor=actor, access=access, settings=request.app.state.settings
    )
    return render(
        request,
        "safety/plan.html",
        {"view": view, "severity_label": severity_label, **_context(access)},
    )


@router.get(BASE + "/children", name="safety_plan:children")
def children_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    view = plan_service.load_plan(session, actor=actor, access=access, audit_action="view_children")
    return render(request, "safety/plan_children.html", {"view": view, **_context(access)})


@router.get(BASE + "/print", name="safety_plan:print")
def print_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    view = plan_service.load_plan(session, actor=actor, access=access, audit_action="print")
    page_url = str(request.url_for("safety_plan:page", family_id=access.family_id))
    qr_uri, qr_size = page_qr_code(page_url)
    return render(
        request,
        "safety/plan_print.html",
        {
            "view": view,
            "page_url": page_url,
            "qr_uri": qr_uri,
            "qr_size": qr_size,
            **_context(access),
        },
    )


@router.get(BASE + "/history", name="safety_plan:history")
def history_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    since: str = "",
) -> Response:
    number = int(since) if since.isdigit() and len(since) < 10 else None
    history = plan_service.load_history(session, actor=actor, access=access, since=number)
    return render(
        request,
        "safety/plan_history.html",
        {"history": history, "grouped": plan_diff.grouped, **_context(access)},
    )


# --- Rules -------------------------------------------------------------------------------


def _rule_input(form: FormValues) -> RuleInput:
    return RuleInput(
        what=form.get("what", ""),
        who=form.getlist("who"),
        when_happens=form.get("when_happens", ""),
        how_child_knows=form.get("how_child_knows", ""),
        if_broken=form.get("if_broken", ""),
        child_words=form.get("child_words", ""),
        pictogram=form.get("pictogram", ""),
    )


def _rule_values(rv: RuleView) -> dict[str, object]:
    rule = rv.rule
    return {
        "what": rule.what,
        "who": [str(i) for i in rv.who_ids],
        "when_happens": rule.when_happens,
        "how_child_knows": rule.how_child_knows,
        "if_broken": rule.if_broken,
        "child_words": rule.child_words,
        "pictogram": rule.pictogram,
        "version": str(rule.version),
    }


def _form_values(form: FormValues) -> dict[str, object]:
    values: dict[str, object] = dict(form)
    values["who"] = form.getlist("who")
    return values


def _rule_page(
    request: Request,
    session: SessionDep,
    access: FamilyAccess,
    *,
    rv: RuleView | None = None,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if values is None:
        values = _rule_values(rv) if rv else {"who": []}
    child_words = str(values.get("child_words", ""))
    return render(
        request,
        "safety/plan_rule.html",
        {
            "rv": rv,
            "adults": plan_service.adults(session, access=access),
            "pictograms": all_pictograms(),
            "long_sentences": plan_service.long_sentences(child_words),
            "may_write": plan_service.may_write(access),
            "values": values,
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/rules/new", name="safety_plan:new_rule")
def new_rule_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    plan_service.open_new_rule(session, actor=actor, access=access)
    return _rule_page(request, session, access)


@router.post(BASE + "/rules", name="safety_plan:add_rule")
def add_rule(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        rule = plan_service.add_rule(session, actor=actor, access=access, data=_rule_input(form))
    except SafetyError as exc:
        return _rule_page(
            request, session, access, values=_form_values(form), errors=exc.errors, status_code=422
        )
    if plan_service.long_sentences(rule.child_words):
        # Saved, but show the warning beside the words, where they can be made shorter.
        return redirect(request, f"{_base(access)}/rules/{rule.id}")
    return redirect(request, f"{_base(access)}#rule-{rule.id}")


@router.get(BASE + "/rules/{rule_id}", name="safety_plan:rule")
def rule_page(
    request: Request,
    family_id: int,
    rule_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    rv = plan_service.view_rule(session, actor=actor, access=access, rule_id=rule_id)
    return _rule_page(request, session, access, rv=rv)


@router.post(BASE + "/rules/{rule_id}", name="safety_plan:update_rule")
def update_rule(
    request: Request,
    family_id: int,
    rule_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        rule = plan_service.update_rule(
            session,
            actor=actor,
            access=access,
            rule_id=rule_id,
            version=form.version(),
            data=_rule_input(form),
        )
    except SafetyError as exc:
        rv = plan_service.get_rule(session, access=access, rule_id=rule_id)
        return _rule_page(
            request,
            session,
            access,
            rv=rv,
            values=_form_values(form),
            errors=exc.errors,
            status_code=422,
        )
    if plan_service.long_sentences(rule.child_words):
        return redirect(request, f"{_base(access)}/rules/{rule_id}")
    return redirect(request, f"{_base(access)}#rule-{rule_id}")


@router.post(BASE + "/rules/{rule_id}/remove", name="safety_plan:remove_rule")
def remove_rule(
    request: Request,
    family_id: int,
    rule_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    plan_service.remove_rule(
        session, actor=actor, access=access, rule_id=rule_id, version=form.version()
    )
    return redirect(request, _base(access))


@router.post(BASE + "/rules/{rule_id}/move", name="safety_plan:move_rule")
def move_rule(
    request: Request,
    family_id: int,
    rule_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    plan_service.move_rule(
        session,
        actor=actor,
        access=access,
        rule_id=rule_id,
        version=form.version(),
        up=form.get("direction") == "up",
    )
    return redirect(request, f"{_base(access)}#rule-{rule_id}")


# --- If the plan is not working ----------------------------------------------------------


def _if_not_working_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = plan_service.load_plan(session, actor=actor, access=access)
    return render(
        request,
        "safety/plan_if_not_working.html",
        {
            "view": view,
            "values": values
            or {"if_not_working": view.if_not_working, "version": str(view.version)},
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/if-not-working", name="safety_plan:if_not_working")
def if_not_working_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _if_not_working_page(request, session, actor, access)


@router.post(BASE + "/if-not-working", name="safety_plan:update_if_not_working")
def update_if_not_working(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        plan_service.update_if_not_working(
            session,
            actor=actor,
            access=access,
            version=form.version(),
            text=form.get("if_not_working", ""),
        )
    except SafetyError as exc:
        return _if_not_working_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"{_base(access)}#if-not-working")


# --- The safety network ------------------------------------------------------------------


def _network_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = plan_service.load_plan(session, actor=actor, access=access)
    return render(
        request,
        "safety/plan_network.html",
        {
            "view": view,
            "choices": plan_service.people_to_add(session, access=access),
            "values": values or {},
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/network", name="safety_plan:network")
def network_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _network_page(request, session, actor, access)


@router.post(BASE + "/network", name="safety_plan:add_member")
def add_member(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        plan_service.add_member(
            session,
            actor=actor,
            access=access,
            person_id=form.get("person_id", ""),
            what_they_do=form.get("what_they_do", ""),
            knows_the_worries=form.get("knows_the_worries") == "yes",
        )
    except SafetyError as exc:
        return _network_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    return redirect(request, f"{_base(access)}/network#helpers")


def _member_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    member_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    mv = plan_service.view_member(session, actor=actor, access=access, member_id=member_id)
    saved = {
        "what_they_do": mv.member.what_they_do,
        "knows_the_worries": "yes" if mv.member.knows_the_worries else "",
        "version": str(mv.member.version),
    }
    return render(
        request,
        "safety/plan_member.html",
        {
            "mv": mv,
            "may_write": plan_service.may_write(access),
            "values": values or saved,
            "errors": errors or {},
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/network/{member_id}", name="safety_plan:member")
def member_page(
    request: Request,
    family_id: int,
    member_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    return _member_page(request, session, actor, access, member_id)


@router.post(BASE + "/network/{member_id}", name="safety_plan:update_member")
def update_member(
    request: Request,
    family_id: int,
    member_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        plan_service.update_member(
            session,
            actor=actor,
            access=access,
            member_id=member_id,
            version=form.version(),
            what_they_do=form.get("what_they_do", ""),
            knows_the_worries=form.get("knows_the_worries") == "yes",
        )
    except SafetyError as exc:
        return _member_page(
            request,
            session,
            actor,
            access,
            member_id,
            values=form,
            errors=exc.errors,
            status_code=422,
        )
    return redirect(request, f"{_base(access)}/network#helpers")


@router.post(BASE + "/network/{member_id}/remove", name="safety_plan:remove_member")
def remove_member(
    request: Request,
    family_id: int,
    member_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    plan_service.remove_member(
        session, actor=actor, access=access, member_id=member_id, version=form.version()
    )
    return redirect(request, f"{_base(access)}/network#helpers")


# --- Agreeing ----------------------------------------------------------------------------


def _agree_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    changed_since: int | None = None,
    status_code: int = 200,
) -> Response:
    view = plan_service.load_plan(session, actor=actor, access=access)
    name = actor.user.display_name if actor.user else ""
    return render(
        request,
        "safety/plan_agree.html",
        {
            "view": view,
            "values": values or {"name_given": name},
            "errors": errors or {},
            "changed_since": changed_since,
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/agree", name="safety_plan:agree")
def agree_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _agree_page(request, session, actor, access)


@router.post(BASE + "/agree", name="safety_plan:agree_post")
def agree(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    raw = form.get("revision", "")
    try:
        plan_service.agree(
            session,
            actor=actor,
            access=access,
            revision=int(raw) if raw.isdigit() and len(raw) < 10 else -1,
            name_given=form.get("name_given", ""),
            agreed=form.get("agreed") == "yes",
        )
    except SafetyError as exc:
        return _agree_page(
            request, session, actor, access, values=form, errors=exc.errors, status_code=422
        )
    except PlanChanged as exc:
        # Nothing is recorded: they read an older plan. Show them the newest one to read.
        return _agree_page(
            request,
            session,
            actor,
            access,
            values={"name_given": form.get("name_given", "")},
            changed_since=exc.read,
            status_code=409,
        )
    return redirect(request, f"{_base(access)}#agreements")
