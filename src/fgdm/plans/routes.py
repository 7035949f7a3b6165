"""The family plan pages: the plan (live during private family time), its words, goals,
actions and requests to services, the history of changes and agreeing. Each form works as
a plain POST and 303; htmx boosts, and polls the plan while the family writes it together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fgdm.db import NotFound, SessionDep
from fgdm.families.service import FamilyAccess, FamilyFormError
from fgdm.network.routes import severity_label
from fgdm.plans import decision_service
from fgdm.plans import diff as plan_diff
from fgdm.plans import service as plans_service
from fgdm.plans.service import ActionInput, GoalInput, PlanChanged, RequestInput
from fgdm.security.actor import Actor
from fgdm.security.deps import ActorDep
from fgdm.security.permissions import EditorFamilyDep, FamilyDep
from fgdm.web import FormDep, FormValues, redirect, render

router = APIRouter()

BASE = "/families/{family_id}/plan"


def _context(access: FamilyAccess) -> dict[str, object]:
    return {
        "family": access.family,
        "access": access,
        "base": plans_service.base_url(access),
        "nav": "families",
        "labels": plan_diff.field_labels(),
        "answers": plan_diff.answer_labels(),
    }


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


# --- The plan ----------------------------------------------------------------------------


def _plan_page(
    request: Request, session: SessionDep, view: plans_service.PlanView, access: FamilyAccess
) -> Response:
    plan_id = view.plan.id if view.plan else None
    return render(
        request,
        "plans/plan.html",
        {
            "view": view,
            "decision": decision_service.latest_decision(session, plan_id=plan_id),
            "family_time": view.family_time,
            "severity_label": severity_label,
            **_context(access),
        },
        block="plan_live",
    )


@router.get(BASE, name="plans:page")
def plan_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    view = plans_service.read_plan(session, actor=actor, access=access)
    return _plan_page(request, session, view, access)


@router.get(BASE + "/live", name="plans:live")
def plan_live(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    revision: str = "",
) -> Response:
    """The plan block again when someone else saved a change, or 204 (nothing to swap)."""
    current = plans_service.current_revision(session, actor=actor, access=access)
    if _number(revision) == current:
        return Response(status_code=204, headers={"Vary": "HX-Request"})
    view = plans_service.read_plan(session, actor=actor, access=access, audit_action="view_live")
    return _plan_page(request, session, view, access)


@router.get(BASE + "/history", name="plans:history")
def history_page(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
    since: str = "",
) -> Response:
    number = _number(since)
    history = plans_service.read_history(
        session, actor=actor, access=access, since=number if number >= 0 else None
    )
    return render(
        request,
        "plans/plan_history.html",
        {"history": history, "grouped": plan_diff.grouped, **_context(access)},
    )


# --- Forms: one page per part, so the live plan never wipes what someone is typing ------


def _form_page(
    request: Request,
    template: str,
    access: FamilyAccess,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: object,
) -> Response:
    return render(
        request,
        template,
        {
            "values": values,
            "errors": errors or {},
            "may_write": plans_service.may_write(access),
            **extra,
            **_context(access),
        },
        status_code=status_code,
    )


def _form_values(form: FormValues) -> dict[str, Any]:
    values: dict[str, Any] = dict(form)
    values["who"] = form.getlist("who")
    return values


def _saving(
    request: Request, save: Callable[[], object], again: Callable[[dict[str, str]], Response]
) -> Response | None:
    """Runs a save; a form error shows the form again with the messages (nothing saved)."""
    try:
        save()
    except FamilyFormError as exc:
        return again(exc.errors)
    return None


@router.get(BASE + "/words/{section}", name="plans:words")
def words_page(
    request: Request,
    family_id: int,
    section: str,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    if section not in plans_service.SECTIONS:
        raise NotFound(section)
    view = plans_service.read_plan(session, actor=actor, access=access, audit_action="view_words")
    saved = view.section(section)
    return _form_page(
        request,
        "plans/plan_words.html",
        access,
        values={section: saved, "was": saved},
        section=section,
    )


@router.post(BASE + "/words/{section}", name="plans:update_words")
def update_words(
    request: Request,
    family_id: int,
    section: str,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    failed = _saving(
        request,
        lambda: plans_service.update_section(
            session,
            actor=actor,
            access=access,
            section=section,
            was=form.get("was", ""),
            value=form.get(section, ""),
        ),
        lambda errors: _form_page(
            request,
            "plans/plan_words.html",
            access,
            values=dict(form),
            errors=errors,
            status_code=422,
            section=section,
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#{section}")


# --- Goals -------------------------------------------------------------------------------


def _goal_page(
    request: Request, access: FamilyAccess, *, goal: object = None, **kwargs: Any
) -> Response:
    return _form_page(request, "plans/plan_goal.html", access, goal=goal, **kwargs)


@router.get(BASE + "/goals/new", name="plans:new_goal")
def new_goal_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    plans_service.audit_view(session, actor=actor, access=access, action="view_goal_form")
    return _goal_page(request, access, values={})


@router.post(BASE + "/goals", name="plans:add_goal")
def add_goal(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    data = GoalInput(text=form.get("text", ""), child_words=form.get("child_words", ""))
    failed = _saving(
        request,
        lambda: plans_service.add_goal(session, actor=actor, access=access, data=data),
        lambda errors: _goal_page(
            request, access, values=dict(form), errors=errors, status_code=422
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#goals")


@router.get(BASE + "/goals/{goal_id}", name="plans:goal")
def goal_page(
    request: Request,
    family_id: int,
    goal_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    goal = plans_service.get_goal(session, access=access, goal_id=goal_id)
    plans_service.audit_view(
        session, actor=actor, access=access, action="view_goal", object_id=goal_id
    )
    values = {"text": goal.text, "child_words": goal.child_words, "version": str(goal.version)}
    return _goal_page(request, access, goal=goal, values=values)


@router.post(BASE + "/goals/{goal_id}", name="plans:update_goal")
def update_goal(
    request: Request,
    family_id: int,
    goal_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    data = GoalInput(text=form.get("text", ""), child_words=form.get("child_words", ""))
    failed = _saving(
        request,
        lambda: plans_service.update_goal(
            session, actor=actor, access=access, goal_id=goal_id, version=form.version(), data=data
        ),
        lambda errors: _goal_page(
            request,
            access,
            goal=plans_service.get_goal(session, access=access, goal_id=goal_id),
            values=dict(form),
            errors=errors,
            status_code=422,
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#goal-{goal_id}")


# --- Actions -----------------------------------------------------------------------------


def _action_input(form: FormValues) -> ActionInput:
    return ActionInput(
        what=form.get("what", ""),
        who=form.getlist("who"),
        by_when=form.get("by_when", ""),
        due_date=form.get("due_date", ""),
        how_we_know=form.get("how_we_know", ""),
        goal_id=form.get("goal_id", ""),
    )


def _action_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    access: FamilyAccess,
    *,
    av: plans_service.ActionView | None = None,
    **kwargs: Any,
) -> Response:
    view = plans_service.read_plan(session, actor=actor, access=access, audit=False)
    return _form_page(
        request,
        "plans/plan_action.html",
        access,
        av=av,
        adults=plans_service.adults(session, access=access),
        goals=view.goals,
        **kwargs,
    )


@router.get(BASE + "/actions/new", name="plans:new_action")
def new_action_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    plans_service.audit_view(session, actor=actor, access=access, action="view_action_form")
    return _action_page(request, session, actor, access, values={"who": []})


@router.post(BASE + "/actions", name="plans:add_action")
def add_action(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    failed = _saving(
        request,
        lambda: plans_service.add_action(
            session, actor=actor, access=access, data=_action_input(form)
        ),
        lambda errors: _action_page(
            request,
            session,
            actor,
            access,
            values=_form_values(form),
            errors=errors,
            status_code=422,
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#actions")


@router.get(BASE + "/actions/{action_id}", name="plans:action")
def action_page(
    request: Request,
    family_id: int,
    action_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    av = plans_service.get_action(session, access=access, action_id=action_id)
    plans_service.audit_view(
        session, actor=actor, access=access, action="view_action", object_id=action_id
    )
    action = av.action
    values = {
        "what": action.what,
        "who": [str(i) for i in av.who_ids],
        "by_when": action.by_when,
        "due_date": action.due_date.isoformat() if action.due_date else "",
        "how_we_know": action.how_we_know,
        "goal_id": str(action.goal_id or ""),
        "version": str(action.version),
    }
    return _action_page(request, session, actor, access, av=av, values=values)


@router.post(BASE + "/actions/{action_id}", name="plans:update_action")
def update_action(
    request: Request,
    family_id: int,
    action_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    failed = _saving(
        request,
        lambda: plans_service.update_action(
            session,
            actor=actor,
            access=access,
            action_id=action_id,
            version=form.version(),
            data=_action_input(form),
        ),
        lambda errors: _action_page(
            request,
            session,
            actor,
            access,
            av=plans_service.get_action(session, access=access, action_id=action_id),
            values=_form_values(form),
            errors=errors,
            status_code=422,
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#action-{action_id}")


# --- What we ask of services -------------------------------------------------------------


def _request_page(
    request: Request, access: FamilyAccess, *, sr: object = None, **kwargs: Any
) -> Response:
    return _form_page(request, "plans/plan_request.html", access, sr=sr, **kwargs)


@router.get(BASE + "/requests/new", name="plans:new_request")
def new_request_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    plans_service.audit_view(session, actor=actor, access=access, action="view_request_form")
    return _request_page(request, access, values={})


@router.post(BASE + "/requests", name="plans:add_request")
def add_request(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    data = RequestInput(what_we_ask=form.get("what_we_ask", ""), of_whom=form.get("of_whom", ""))
    failed = _saving(
        request,
        lambda: plans_service.add_request(session, actor=actor, access=access, data=data),
        lambda errors: _request_page(
            request, access, values=dict(form), errors=errors, status_code=422
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#requests")


@router.get(BASE + "/requests/{request_id}", name="plans:request")
def request_page(
    request: Request,
    family_id: int,
    request_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: FamilyDep,
) -> Response:
    sr = plans_service.get_request(session, access=access, request_id=request_id)
    plans_service.audit_view(
        session, actor=actor, access=access, action="view_request", object_id=request_id
    )
    values = {"what_we_ask": sr.what_we_ask, "of_whom": sr.of_whom, "version": str(sr.version)}
    return _request_page(request, access, sr=sr, values=values)


@router.post(BASE + "/requests/{request_id}", name="plans:update_request")
def update_request(
    request: Request,
    family_id: int,
    request_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    data = RequestInput(what_we_ask=form.get("what_we_ask", ""), of_whom=form.get("of_whom", ""))
    failed = _saving(
        request,
        lambda: plans_service.update_request(
            session,
            actor=actor,
            access=access,
            request_id=request_id,
            version=form.version(),
            data=data,
        ),
        lambda errors: _request_page(
            request,
            access,
            sr=plans_service.get_request(session, access=access, request_id=request_id),
            values=dict(form),
            errors=errors,
            status_code=422,
        ),
    )
    return failed or redirect(request, f"{plans_service.base_url(access)}#request-{request_id}")


# --- Removing and moving goals, actions and requests -------------------------------------

_REMOVE = {
    "goals": (plans_service.remove_goal, "goal_id"),
    "actions": (plans_service.remove_action, "action_id"),
    "requests": (plans_service.remove_request, "request_id"),
}
_MOVE = {
    "goals": (plans_service.move_goal, "goal_id"),
    "actions": (plans_service.move_action, "action_id"),
}


@router.post(BASE + "/{kind}/{row_id}/remove", name="plans:remove")
def remove_row(
    request: Request,
    family_id: int,
    kind: str,
    row_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    if kind not in _REMOVE:
        raise NotFound(kind)
    remove, id_name = _REMOVE[kind]
    remove(session, actor=actor, access=access, version=form.version(), **{id_name: row_id})
    return redirect(request, f"{plans_service.base_url(access)}#{kind}")


@router.post(BASE + "/{kind}/{row_id}/move", name="plans:move")
def move_row(
    request: Request,
    family_id: int,
    kind: str,
    row_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    if kind not in _MOVE:
        raise NotFound(kind)
    move, id_name = _MOVE[kind]
    move(
        session,
        actor=actor,
        access=access,
        version=form.version(),
        up=form.get("direction") == "up",
        **{id_name: row_id},
    )
    return redirect(request, f"{plans_service.base_url(access)}#{kind[:-1]}-{row_id}")


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
    view = plans_service.read_plan(session, actor=actor, access=access, audit_action="view_agree")
    on_device = bool(getattr(access, "on_family_device", False))
    name = "" if on_device or actor.user is None else actor.user.display_name
    return render(
        request,
        "plans/plan_agree.html",
        {
            "view": view,
            "on_device": on_device,
            "adults": plans_service.adults(session, access=access) if on_device else [],
            "values": values or {"name_given": name},
            "errors": errors or {},
            "changed_since": changed_since,
            "family_time": view.family_time,
            **_context(access),
        },
        status_code=status_code,
    )


@router.get(BASE + "/agree", name="plans:agree")
def agree_page(
    request: Request, family_id: int, session: SessionDep, actor: ActorDep, access: FamilyDep
) -> Response:
    return _agree_page(request, session, actor, access)


@router.post(BASE + "/agree", name="plans:agree_post")
def agree(
    request: Request,
    family_id: int,
    session: SessionDep,
    actor: ActorDep,
    access: EditorFamilyDep,
    form: FormDep,
) -> Response:
    try:
        plans_service.agree(
            session,
            actor=actor,
            access=access,
            revision=_number(form.get("revision", "")),
            name_given=form.get("name_given", ""),
            agreed=form.get("agreed") == "yes",
            person_id=form.get("person_id", ""),
        )
    except FamilyFormError as exc:
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
    if getattr(access, "on_family_device", False):
        # The next person present agrees on the same tablet.
        return redirect(request, f"{plans_service.base_url(access)}/agree")
    return redirect(request, f"{plans_service.base_url(access)}#agreements")
