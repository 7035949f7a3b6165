"""The child's voice (Lundy: space, voice, audience, influence): a child's views in their
own words or drawing, who heard them, what each view touched in the family plan or in a
decision, the "you said — we did" answer the child can read, and the child's own page.

Who may do what is decided here and nowhere else:

- Who SEES a view: the family group's practitioners, the child's own sign-in (the young
  person whose sign-in is the child's own, ThreeHouses.own_account_id), and everyone else
  in the family group (and the team manager) only when the child let the family see it
  (shared_with_family). For anyone else a view kept to practitioners does not exist: it
  answers NotFound (404) and is left out of every list, page and print.
- Who RECORDS and CHANGES a view: practitioners, and the child's own sign-in for that
  child's views. Anyone else who may see it gets NotAllowedHere (403, audited).
- Who ANSWERS a view ("you said — we did"): practitioners only.

Every read and every change is audited in the same transaction. Events about a view kept
to practitioners carry the object type "child_view_private", which the family's "who has
looked at our record" leaves out for everyone but practitioners."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, parse_id, utcnow
from fgdm.families.service import AccessRole, FamilyAccess, FamilyFormError
from fgdm.i18n import gettext as _
from fgdm.meetings.models import Meeting
from fgdm.network.models import Person
from fgdm.plans import service as plans_service
from fgdm.security.actor import Actor
from fgdm.stories import images
from fgdm.stories.models import Story
from fgdm.voice import service as houses_service
from fgdm.voice.models import VIEW_TEXT_LIMIT, ChildView, ChildViewLink, HowGiven, ThreeHouses

OBJECT_TYPE = "child_view"
PRIVATE_OBJECT_TYPE = "child_view_private"
SHORT_LIMIT = 300


# Problems with a form, by field, for the page to show beside each field.
ViewsError = FamilyFormError


@dataclass(frozen=True)
class ViewForm:
    """What the "record a view" form sends, as typed."""

    words: str = ""
    how_given: str = HowGiven.said_it.value
    where_given: str = ""
    heard_by: str = ""
    given_on: str = ""
    meeting_id: str = ""
    shared_with_family: bool = True


@dataclass(frozen=True)
class AnswerForm:
    """What the "you said — we did" form sends, as typed."""

    touched: str = ""  # "goal:3", "action:7", "request:2", or "" for a decision in words
    decision: str = ""
    we_did: str = ""
    differs_from_wish: bool = False
    why_different: str = ""


@dataclass(frozen=True)
class AnswerView:
    link: ChildViewLink
    touched: str  # what the view touched, in the plan's own words ("" for none)
    answered_by: str


@dataclass(frozen=True)
class ViewItem:
    view: ChildView
    answers: list[AnswerView]
    recorded_by: str
    meeting_label: str
    may_change: bool

    @property
    def has_drawing(self) -> bool:
        return self.view.drawing_content is not None


@dataclass
class ChildViews:
    """One child's views as this person may see them, and what they may do."""

    access: FamilyAccess
    child: Person
    views: list[ViewItem]
    may_record: bool
    may_answer: bool
    is_own: bool


@dataclass
class ChildPage:
    """What the child's own page shows: their views and answers, their stories, and whether
    this person may see their three houses."""

    views: ChildViews
    stories: list[Story] = field(default_factory=list)
    sees_houses: bool = False


# --- Who may do what ---------------------------------------------------------------------


def _own_child_ids(session: Session, actor: Actor, access: FamilyAccess) -> set[int]:
    """The children whose own sign-in this is."""
    if actor.user_id is None or access.role != AccessRole.young_person:
        return set()
    rows = session.exec(
        select(ThreeHouses.child_id).where(
            ThreeHouses.family_group_id == access.family_id,
            ThreeHouses.own_account_id == actor.user_id,
        )
    ).all()
    return set(rows)


def _may_see(view: ChildView, access: FamilyAccess, own: set[int]) -> bool:
    return access.is_practitioner or view.child_id in own or view.shared_with_family


def _may_change(view: ChildView, access: FamilyAccess, own: set[int]) -> bool:
    return access.is_practitioner or view.child_id in own


def _object_type(view: ChildView | None) -> str:
    if view is not None and not view.shared_with_family:
        return PRIVATE_OBJECT_TYPE
    return OBJECT_TYPE


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_id: object,
    view: ChildView | None = None,
    detail: str = "",
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=_object_type(view),
        object_id=object_id,
        actor_role=access.role.value,
        detail=detail,
    )


def _refuse_at_once(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_id: object,
    view: ChildView | None = None,
) -> None:
    """Audits a refusal in its own transaction, since the request's is rolled back."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=_object_type(view),
        object_id=object_id,
        detail=f"role {access.role.value}",
    )


def _child(session: Session, access: FamilyAccess, child_id: int) -> Person:
    child = session.get(Person, child_id)
    if child is None or child.family_group_id != access.family_id or not child.is_child:
        raise NotFound(child_id)
    return child


def _children(session: Session, access: FamilyAccess) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .where(Person.family_group_id == access.family_id, col(Person.is_child).is_(True))
            .order_by(col(Person.known_as), col(Person.id))
        )
    )


def _view(
    session: Session, actor: Actor, access: FamilyAccess, view_id: int, action: str
) -> tuple[ChildView, set[int]]:
    """A view this person may see, or NotFound (audited) as if it did not exist."""
    view = session.get(ChildView, view_id)
    if view is None or view.family_group_id != access.family_id:
        raise NotFound(view_id)
    own = _own_child_ids(session, actor, access)
    if not _may_see(view, access, own):
        _refuse_at_once(session, actor, access, f"{action}_refused", view_id, view)
        raise NotFound(view_id)
    return view, own


def _view_to_change(
    session: Session, actor: Actor, access: FamilyAccess, view_id: int, action: str
) -> ChildView:
    view, own = _view(session, actor, access, view_id, action)
    if not _may_change(view, access, own):
        _refuse_at_once(session, actor, access, f"{action}_refused", view_id, view)
        raise NotAllowedHere(view_id)
    return view


def _require_practitioner(
    session: Session, actor: Actor, access: FamilyAccess, action: str, view: ChildView
) -> None:
    if not access.is_practitioner:
        _refuse_at_once(session, actor, access, f"{action}_refused", view.id, view)
        raise NotAllowedHere(view.id)


# --- Reading -----------------------------------------------------------------------------


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {
        u.id: u.display_name
        for u in session.exec(select(User).where(col(User.id).in_(ids))).all()
        if u.id is not None
    }


def meeting_label(meeting: Meeting) -> str:
    """A meeting named by its kind and day, as the form's list shows it."""
    when = meeting.starts_at.date().isoformat() if meeting.starts_at else _("no date yet")
    if meeting.kind.value == "review":
        return _("Review meeting (%(when)s)") % {"when": when}
    return _("Family meeting (%(when)s)") % {"when": when}


def meetings(session: Session, *, access: FamilyAccess) -> list[Meeting]:
    """The family group's meetings, newest first, for the "at which meeting" choice."""
    return list(
        session.exec(
            select(Meeting)
            .where(Meeting.family_group_id == access.family_id)
            .order_by(col(Meeting.id).desc())
        )
    )


def plan_parts(session: Session, *, actor: Actor, access: FamilyAccess) -> list[tuple[str, str]]:
    """The parts of the family plan a view can have touched: ("goal:3", its words) for
    each goal, action and request to services, read through the plan service (not audited
    again: the page that shows them is)."""
    plan = plans_service.read_plan(session, actor=actor, access=access, audit=False)
    if plan.plan is None:
        return []
    return (
        [
            (f"goal:{g.goal.id}", _("Goal: %(text)s") % {"text": g.goal.text[:120]})
            for g in plan.goals
        ]
        + [
            (f"action:{a.action.id}", _("Action: %(text)s") % {"text": a.action.what[:120]})
            for a in plan.actions
        ]
        + [
            (
                f"request:{r.request.id}",
                _("Asked of services: %(text)s") % {"text": r.request.what_we_ask[:120]},
            )
            for r in plan.requests
        ]
    )


def touched_key(link: ChildViewLink) -> str:
    """The plan part an answer is linked to, as the form names it ("goal:3"), or ""."""
    if link.goal_id is not None:
        return f"goal:{link.goal_id}"
    if link.action_id is not None:
        return f"action:{link.action_id}"
    if link.service_request_id is not None:
        return f"request:{link.service_request_id}"
    return ""


def _items(
    session: Session, actor: Actor, access: FamilyAccess, views: list[ChildView], own: set[int]
) -> list[ViewItem]:
    ids = [v.id for v in views if v.id is not None]
    links: dict[int, list[ChildViewLink]] = {i: [] for i in ids}
    if ids:
        for link in session.exec(
            select(ChildViewLink)
            .where(col(ChildViewLink.view_id).in_(ids))
            .order_by(col(ChildViewLink.id))
        ):
            links[link.view_id].append(link)
    every_link = [link for group in links.values() for link in group]
    names = _names(
        session,
        {v.recorded_by_id for v in views} | {lk.answered_by_id for lk in every_link},
    )
    parts = dict(plan_parts(session, actor=actor, access=access)) if every_link else {}
    labels = {m.id: meeting_label(m) for m in meetings(session, access=access)}
    return [
        ViewItem(
            view=v,
            answers=[
                AnswerView(
                    link=lk,
                    touched=parts.get(touched_key(lk), ""),
                    answered_by=names.get(lk.answered_by_id or 0, ""),
                )
                for lk in links.get(v.id or 0, [])
            ],
            recorded_by=names.get(v.recorded_by_id or 0, ""),
            meeting_label=labels.get(v.meeting_id, "") if v.meeting_id else "",
            may_change=_may_change(v, access, own),
        )
        for v in views
    ]


def _visible_views(
    session: Session, access: FamilyAccess, own: set[int], child_id: int | None = None
) -> list[ChildView]:
    query = select(ChildView).where(ChildView.family_group_id == access.family_id)
    if child_id is not None:
        query = query.where(ChildView.child_id == child_id)
    rows = session.exec(
        query.order_by(col(ChildView.given_on).desc(), col(ChildView.id).desc())
    ).all()
    return [v for v in rows if _may_see(v, access, own)]


def _child_views(
    session: Session, actor: Actor, access: FamilyAccess, child: Person, own: set[int]
) -> ChildViews:
    views = _visible_views(session, access, own, child.id)
    is_own = child.id in own
    return ChildViews(
        access=access,
        child=child,
        views=_items(session, actor, access, views, own),
        may_record=access.is_practitioner or is_own,
        may_answer=access.is_practitioner,
        is_own=is_own,
    )


def list_views(session: Session, *, actor: Actor, access: FamilyAccess) -> list[ChildViews]:
    """Every child of the family group with the views this person may see. Records the
    read."""
    own = _own_child_ids(session, actor, access)
    result = [
        _child_views(session, actor, access, child, own) for child in _children(session, access)
    ]
    _audit(session, actor, access, "view", None)
    return result


def child_views(
    session: Session, *, actor: Actor, access: FamilyAccess, child_id: int
) -> ChildViews:
    """One child's views as this person may see them. Records the read."""
    child = _child(session, access, child_id)
    own = _own_child_ids(session, actor, access)
    found = _child_views(session, actor, access, child, own)
    _audit(session, actor, access, "view", f"child:{child_id}")
    return found


def get_view(
    session: Session, *, actor: Actor, access: FamilyAccess, view_id: int
) -> tuple[ViewItem, ChildViews]:
    """One view with its answers, and its child's views (for the page around it), or
    NotFound for someone who may not see it. Records the read."""
    view, own = _view(session, actor, access, view_id, "child_view_view")
    child = _child(session, access, view.child_id)
    [item] = _items(session, actor, access, [view], own)
    _audit(session, actor, access, "child_view_view", view_id, view)
    return item, _child_views(session, actor, access, child, own)


def get_drawing(session: Session, *, actor: Actor, access: FamilyAccess, view_id: int) -> ChildView:
    """A view's cleaned drawing, only for someone who may see the view. Records the read."""
    view, _own = _view(session, actor, access, view_id, "child_view_drawing_view")
    if view.drawing_content is None:
        raise NotFound(view_id)
    _audit(session, actor, access, "child_view_drawing_view", view_id, view)
    return view


def child_page(session: Session, *, actor: Actor, access: FamilyAccess, child_id: int) -> ChildPage:
    """The child's own page: their views and the answers, their stories, and whether this
    person may see their three houses. Records the read."""
    child = _child(session, access, child_id)
    own = _own_child_ids(session, actor, access)
    stories = list(
        session.exec(
            select(Story)
            .where(Story.family_group_id == access.family_id, Story.child_id == child_id)
            .order_by(col(Story.created_at), col(Story.id))
        )
    )
    houses = houses_service.children_to_see(session, actor=actor, access=access)
    page = ChildPage(
        views=_child_views(session, actor, access, child, own),
        stories=stories,
        sees_houses=any(c.id == child_id for c in houses),
    )
    _audit(session, actor, access, "child_page_view", f"child:{child_id}")
    return page


# --- Recording and changing a view -------------------------------------------------------


def _too_long(limit: int) -> str:
    return _("This must be %(limit)s characters or fewer.") % {"limit": limit}


def _check_view(
    session: Session, access: FamilyAccess, form: ViewForm
) -> tuple[dict[str, str], HowGiven, date | None, int | None]:
    errors: dict[str, str] = {}
    if len(form.words.strip()) > VIEW_TEXT_LIMIT:
        errors["words"] = _too_long(VIEW_TEXT_LIMIT)
    try:
        how = HowGiven(form.how_given)
    except ValueError:
        errors["how_given"] = _("Choose how they told us.")
        how = HowGiven.said_it
    for name, value in (("where_given", form.where_given), ("heard_by", form.heard_by)):
        if len(value.strip()) > SHORT_LIMIT:
            errors[name] = _too_long(SHORT_LIMIT)
    given_on = None
    if form.given_on.strip():
        try:
            given_on = date.fromisoformat(form.given_on.strip())
        except ValueError:
            errors["given_on"] = _("Enter a real date, for example 27 3 2026.")
        else:
            if given_on > utcnow().date():
                errors["given_on"] = _("The date cannot be in the future.")
    meeting_id = None
    if form.meeting_id:
        meeting_id = parse_id(form.meeting_id)
        meeting = session.get(Meeting, meeting_id) if meeting_id else None
        if meeting is None or meeting.family_group_id != access.family_id:
            errors["meeting_id"] = _("Choose one of the meetings listed.")
    return errors, how, given_on, meeting_id


def _clean_drawing(
    errors: dict[str, str], upload: bytes | None, upload_too_big: bool
) -> images.CleanImage | None:
    if upload_too_big:
        megabytes = f"{images.MAX_BYTES / (1024 * 1024):g}"
        errors["photo"] = _(
            "That picture is too big. Choose one smaller than %(megabytes)s MB."
        ) % {"megabytes": megabytes}
    elif upload:
        try:
            return images.clean_upload(upload)
        except images.UploadError as exc:
            errors["photo"] = exc.message
    return None


def _apply(
    view: ChildView,
    form: ViewForm,
    how: HowGiven,
    given_on: date | None,
    meeting_id: int | None,
    clean: images.CleanImage | None,
) -> None:
    view.words = form.words.strip()
    view.how_given = how
    view.where_given = form.where_given.strip()
    view.heard_by = form.heard_by.strip()
    view.given_on = given_on
    view.meeting_id = meeting_id
    view.shared_with_family = form.shared_with_family
    if clean is not None:
        view.drawing_content = clean.content
        view.drawing_mime = clean.mime


def record_view(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    form: ViewForm,
    upload: bytes | None = None,
    upload_too_big: bool = False,
) -> ChildView:
    """Records a child's view: their words, a photo of their drawing (cleaned by
    clean_upload before anything is saved), or both, with how, where and to whom they gave
    it. Practitioners and the child's own sign-in only."""
    child = _child(session, access, child_id)
    own = _own_child_ids(session, actor, access)
    if not (access.is_practitioner or child_id in own):
        _refuse_at_once(session, actor, access, "child_view_add_refused", child_id)
        raise NotAllowedHere(child_id)
    errors, how, given_on, meeting_id = _check_view(session, access, form)
    clean = _clean_drawing(errors, upload, upload_too_big)
    if not errors and not form.words.strip() and clean is None:
        errors["words"] = _("Write what %(name)s told us, or add a photo of their drawing.") % {
            "name": child.known_as
        }
    if errors:
        raise ViewsError(errors)
    view = ChildView(
        family_group_id=access.family_id, child_id=child_id, recorded_by_id=actor.user_id
    )
    _apply(view, form, how, given_on, meeting_id, clean)
    session.add(view)
    session.flush()
    _audit(session, actor, access, "child_view_add", view.id, view)
    return view


def _stale(access: FamilyAccess, what: str, rows: list[tuple[str, str, str]], url: str) -> None:
    raise StaleEdit(what=what, rows=rows, back_url=url)


def update_view(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    view_id: int,
    version: int,
    form: ViewForm,
    upload: bytes | None = None,
    upload_too_big: bool = False,
) -> ChildView:
    """Changes a view (words, drawing, how, where, who heard it, and whether the family may
    see it); a stale version gets the conflict page and nothing is saved."""
    view = _view_to_change(session, actor, access, view_id, "child_view_edit")
    if view.version != version:
        _stale(
            access,
            _("this view"),
            [(_("What they told us"), form.words, view.words)],
            f"/families/{access.family_id}/views/{view_id}",
        )
    errors, how, given_on, meeting_id = _check_view(session, access, form)
    clean = _clean_drawing(errors, upload, upload_too_big)
    if not errors and not form.words.strip() and clean is None and view.drawing_content is None:
        errors["words"] = _("Write what they told us, or add a photo of their drawing.")
    if errors:
        raise ViewsError(errors)
    _apply(view, form, how, given_on, meeting_id, clean)
    session.add(view)
    session.flush()
    _audit(session, actor, access, "child_view_edit", view.id, view)
    return view


# --- "You said — we did" -----------------------------------------------------------------


def _check_answer(
    session: Session, actor: Actor, access: FamilyAccess, form: AnswerForm, child: Person
) -> tuple[dict[str, str], dict[str, int | None]]:
    errors: dict[str, str] = {}
    targets: dict[str, int | None] = dict.fromkeys(("goal_id", "action_id", "service_request_id"))
    if form.touched:
        if form.touched in dict(plan_parts(session, actor=actor, access=access)):
            kind, _sep, number = form.touched.partition(":")
            column = {"goal": "goal_id", "action": "action_id", "request": "service_request_id"}
            targets[column[kind]] = parse_id(number)
        else:
            errors["touched"] = _("Choose one of the parts of the plan listed.")
    for name, value in (
        ("decision", form.decision),
        ("we_did", form.we_did),
        ("why_different", form.why_different),
    ):
        if len(value.strip()) > VIEW_TEXT_LIMIT:
            errors[name] = _too_long(VIEW_TEXT_LIMIT)
    if not form.touched and not form.decision.strip() and "touched" not in errors:
        errors.setdefault(
            "decision", _("Choose the part of the plan this touched, or write the decision.")
        )
    if not form.we_did.strip():
        errors.setdefault(
            "we_did",
            _("Write what we did, in words %(name)s can read.") % {"name": child.known_as},
        )
    if form.differs_from_wish and not form.why_different.strip():
        errors.setdefault(
            "why_different",
            _("Say why the decision is different from what %(name)s wanted.")
            % {"name": child.known_as},
        )
    return errors, targets


def _apply_answer(
    link: ChildViewLink, form: AnswerForm, targets: dict[str, int | None], actor: Actor
) -> None:
    link.goal_id = targets["goal_id"]
    link.action_id = targets["action_id"]
    link.service_request_id = targets["service_request_id"]
    link.decision = form.decision.strip()
    link.we_did = form.we_did.strip()
    link.differs_from_wish = form.differs_from_wish
    # The "why" belongs only to a decision that differs from what the child wanted.
    link.why_different = form.why_different.strip() if form.differs_from_wish else ""
    link.answered_by_id = actor.user_id
    link.answered_at = utcnow()


def add_answer(
    session: Session, *, actor: Actor, access: FamilyAccess, view_id: int, form: AnswerForm
) -> ChildViewLink:
    """Links a view to what it touched and writes the "we did" answer the child can read;
    when the decision differs from what the child wanted, why is required. Practitioners
    only."""
    view, _own = _view(session, actor, access, view_id, "child_view_link_add")
    _require_practitioner(session, actor, access, "child_view_link_add", view)
    child = _child(session, access, view.child_id)
    errors, targets = _check_answer(session, actor, access, form, child)
    if errors:
        raise ViewsError(errors)
    link = ChildViewLink(view_id=view_id)
    _apply_answer(link, form, targets, actor)
    session.add(link)
    session.flush()
    _audit(session, actor, access, "child_view_link_add", view_id, view, f"link {link.id}")
    return link


def update_answer(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    view_id: int,
    link_id: int,
    version: int,
    form: AnswerForm,
) -> ChildViewLink:
    """Changes a "you said — we did" answer; a stale version gets the conflict page."""
    view, _own = _view(session, actor, access, view_id, "child_view_link_edit")
    _require_practitioner(session, actor, access, "child_view_link_edit", view)
    link = session.get(ChildViewLink, link_id)
    if link is None or link.view_id != view_id:
        raise NotFound(link_id)
    if link.version != version:
        _stale(
            access,
            _("this answer"),
            [
                (_("We did"), form.we_did, link.we_did),
                (_("Why"), form.why_different, link.why_different),
            ],
            f"/families/{access.family_id}/views/{view_id}#answer-{link_id}",
        )
    child = _child(session, access, view.child_id)
    errors, targets = _check_answer(session, actor, access, form, child)
    if errors:
        raise ViewsError(errors)
    _apply_answer(link, form, targets, actor)
    session.add(link)
    session.flush()
    _audit(session, actor, access, "child_view_link_edit", view_id, view, f"link {link_id}")
    return link
