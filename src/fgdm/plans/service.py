"""The family plan, written by the family in its own words at the family group conference:
what we want for the children, goals, actions (what, who from the network, by when, how we
will know), what we do if things go wrong, what we ask of services, people to call and the
review date. Every save keeps a revision; family members and young people agree to the
revision they read. All permission checks, audit writes and revisions happen here; every
page that shows the plan (page, print, children's version, decision) reads it through
read_plan()."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, select

from fgdm.accounts.models import User
from fgdm.analysis.findings import Finding
from fgdm.analysis.gaps import plan_action_gaps
from fgdm.analysis.snapshot import PlanAction as ActionNode
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, utcnow
from fgdm.families.service import AccessRole, FamilyAccess, FamilyFormError
from fgdm.i18n import gettext as _
from fgdm.meetings import lock
from fgdm.meetings.models import Meeting
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.plans import diff as plan_diff
from fgdm.plans.models import (
    CHILD_WORDS_LIMIT,
    PLAN_TEXT_LIMIT,
    SHORT_TEXT_LIMIT,
    FamilyPlan,
    FamilyPlanAgreement,
    FamilyPlanRevision,
    PlanAction,
    PlanActionPerson,
    PlanGoal,
    ServiceRequest,
)
from fgdm.safety.plan_service import N_, adults
from fgdm.security.actor import Actor

NAME_LIMIT = 120
T = TypeVar("T", bound=SQLModel)
WRITERS = (AccessRole.family_member, AccessRole.practitioner)
AGREERS = (AccessRole.family_member, AccessRole.young_person)
# The parts of the plan that are words on the plan itself, each changed on its own.
SECTIONS = ("what_we_want", "if_things_go_wrong", "people_to_call", "review_date")

__all__ = ["N_", "PlanView", "adults", "read_plan"]


class PlanChanged(Exception):
    """Someone tried to agree to a revision that is no longer the current one."""

    def __init__(self, *, read: int, current: int) -> None:
        super().__init__(f"agreed to revision {read}, current is {current}")
        self.read = read
        self.current = current


# --- Views -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    """Someone from the network named in the plan, as this reader may know them."""

    id: int
    name: str
    is_worry: bool = False  # only when the reader may see the worry


@dataclass
class GoalView:
    goal: PlanGoal
    number: int


@dataclass
class ActionView:
    action: PlanAction
    number: int
    people: list[PersonRef]
    goal: PlanGoal | None = None

    @property
    def who_names(self) -> list[str]:
        return [p.name for p in self.people]

    @property
    def who_ids(self) -> set[int]:
        return {p.id for p in self.people}

    @property
    def has_nobody(self) -> bool:
        return not self.people

    @property
    def only_worries(self) -> bool:
        return bool(self.people) and all(p.is_worry for p in self.people)


@dataclass
class RequestView:
    request: ServiceRequest
    number: int


@dataclass
class AgreementView:
    name_given: str
    agreement: FamilyPlanAgreement
    is_current: bool
    user_name: str = ""


@dataclass
class PlanView:
    """One family group's plan as this reader may see it. `plan` is None before anyone
    writes anything."""

    access: FamilyAccess
    plan: FamilyPlan | None
    goals: list[GoalView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    requests: list[RequestView] = field(default_factory=list)
    agreements: list[AgreementView] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    may_write: bool = False
    may_agree: bool = False
    agree_again_since: int | None = None  # the revision this reader agreed to, if older
    my_agreement: FamilyPlanAgreement | None = None
    family_time: Meeting | None = None  # the meeting in private family time, if any

    @property
    def revision(self) -> int:
        return self.plan.revision if self.plan else 0

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0

    @property
    def what_we_want(self) -> str:
        return self.plan.what_we_want if self.plan else ""

    @property
    def if_things_go_wrong(self) -> str:
        return self.plan.if_things_go_wrong if self.plan else ""

    @property
    def people_to_call(self) -> str:
        return self.plan.people_to_call if self.plan else ""

    @property
    def review_date(self) -> date | None:
        return self.plan.review_date if self.plan else None

    @property
    def presented_revision(self) -> int | None:
        return self.plan.presented_revision if self.plan else None

    @property
    def updated_at(self) -> datetime | None:
        return self.plan.updated_at if self.plan and self.plan.revision else None

    @property
    def is_empty(self) -> bool:
        return self.revision == 0

    @property
    def needs_to_agree_again(self) -> list[AgreementView]:
        """Everyone who agreed to an earlier revision and has not agreed since."""
        return [a for a in self.agreements if not a.is_current]

    @property
    def writable_now(self) -> bool:
        """May write, and is not a practitioner during private family time."""
        return self.may_write and not (self.family_time and self.access.is_practitioner)

    def section(self, name: str) -> str:
        """A section's saved words (the review date as yyyy-mm-dd), for forms."""
        if name == "review_date":
            return self.review_date.isoformat() if self.review_date else ""
        return str(getattr(self, name))


@dataclass
class RevisionView:
    revision: FamilyPlanRevision
    author_name: str
    changes: list[plan_diff.Change]

    @property
    def summary(self) -> str:
        """The summary in the reader's language (it is kept in English)."""
        return _(self.revision.summary) if self.revision.summary else ""


@dataclass
class HistoryView:
    access: FamilyAccess
    revisions: list[RevisionView]
    since: int | None = None
    since_changes: list[plan_diff.Change] = field(default_factory=list)
    current: int = 0


# --- Helpers -----------------------------------------------------------------------------


def may_write(access: FamilyAccess) -> bool:
    """Family members (it is their plan) and practitioners (helping) write; young people
    and managers read."""
    return access.role in WRITERS


def may_agree(access: FamilyAccess) -> bool:
    """Family members and young people agree to the plan."""
    return access.role in AGREERS


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object = None
) -> None:
    """Records a view or a change of the plan in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="family_plan",
        object_id=object_id,
        actor_role=access.role.value,
    )


def _require_writer(session: Session, actor: Actor, access: FamilyAccess, action: str) -> None:
    """Refuses readers (403, audited on its own) and practitioners during private family
    time (423)."""
    if not may_write(access):
        audit_service.record_at_once(
            session.get_bind(),  # type: ignore[arg-type]
            actor=actor,
            action=action,
            family_group_id=access.family_id,
            object_type="family_plan",
            detail=f"role {access.role.value}",
        )
        raise NotAllowedHere(access.family_id)
    lock.check_plan_writable(session, access=access)


# Built once: most family pages read the plan (for the gap analysis, if nothing else).
_PLAN = select(FamilyPlan).where(FamilyPlan.family_group_id == sa.bindparam("family_id"))


def _plan(session: Session, *, family_id: int) -> FamilyPlan | None:
    return session.exec(_PLAN, params={"family_id": family_id}).first()


def _plan_for_writing(session: Session, *, access: FamilyAccess) -> FamilyPlan:
    plan = _plan(session, family_id=access.family_id)
    if plan is None:
        # Two people writing the first thing in the plan at the same moment make one plan
        # between them: the row is added only if it is still missing, then read.
        values = FamilyPlan(family_group_id=access.family_id).model_dump(exclude={"id"})
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(FamilyPlan)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["family_group_id"])
        )
        plan = _plan(session, family_id=access.family_id)
        if plan is None:
            raise NotFound("family plan")
    return plan


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def base_url(access: FamilyAccess) -> str:
    """The plan page's address."""
    return f"/families/{access.family_id}/plan"


def _rows(session: Session, model: type[T], plan: FamilyPlan | None) -> list[T]:
    """A plan's goals, actions or requests in their order."""
    if plan is None:
        return []
    return list(
        session.exec(
            select(model)
            .where(model.plan_id == plan.id)  # type: ignore[attr-defined]
            .order_by(col(model.position), col(model.id))  # type: ignore[attr-defined]
        )
    )


def _doers(session: Session, action_ids: list[int]) -> dict[int, list[Person]]:
    found: dict[int, list[Person]] = {aid: [] for aid in action_ids}
    if not action_ids:
        return found
    rows = session.exec(
        select(PlanActionPerson, Person)
        .join(Person, col(Person.id) == col(PlanActionPerson.person_id))
        .where(col(PlanActionPerson.action_id).in_(action_ids))
        .order_by(col(Person.known_as), col(Person.id))
    ).all()
    for link, person in rows:
        found[link.action_id].append(person)
    return found


def _action_views(
    session: Session, plan: FamilyPlan | None, goals: dict[int | None, PlanGoal] | None = None
) -> list[ActionView]:
    """The plan's actions with who does each (none flagged as a worry); with each one's
    goal unless `goals` is given (the goals already read, or none when only the actions
    are wanted)."""
    actions = _rows(session, PlanAction, plan)
    if goals is None:
        goals = {g.id: g for g in _rows(session, PlanGoal, plan)}
    doers = _doers(session, [a.id for a in actions if a.id is not None])
    return [
        ActionView(
            action=action,
            number=number,
            people=[
                PersonRef(id=p.id, name=p.known_as)
                for p in doers.get(action.id or 0, [])
                if p.id is not None
            ],
            goal=goals.get(action.goal_id) if action.goal_id else None,
        )
        for number, action in enumerate(actions, start=1)
    ]


def for_analysis(session: Session, *, family_id: int) -> list[ActionNode]:
    """The plan's actions with who does each, for the gap analysis beside the network."""
    plan = _plan(session, family_id=family_id)
    return _action_nodes(_action_views(session, plan, goals={}))


def _action_nodes(actions: list[ActionView]) -> list[ActionNode]:
    return [
        ActionNode(id=av.action.id, text=av.action.what, doer_ids=frozenset(av.who_ids))
        for av in actions
        if av.action.id is not None
    ]


def plan_content(session: Session, *, plan: FamilyPlan) -> dict[str, Any]:
    """The whole plan as plain data, as kept with each revision (names, not ids, so the
    history reads the same after people leave the network)."""
    return {
        "what_we_want": plan.what_we_want,
        "goals": [
            {"id": g.id, "text": g.text, "child_words": g.child_words}
            for g in _rows(session, PlanGoal, plan)
        ],
        "actions": [
            {
                "id": av.action.id,
                "what": av.action.what,
                "who": av.who_names,
                "by_when": av.action.by_when,
                "due_date": av.action.due_date.isoformat() if av.action.due_date else "",
                "how_we_know": av.action.how_we_know,
                "goal": av.goal.text if av.goal else "",
            }
            for av in _action_views(session, plan)
        ],
        "if_things_go_wrong": plan.if_things_go_wrong,
        "requests": [
            {
                "id": r.id,
                "what_we_ask": r.what_we_ask,
                "of_whom": r.of_whom,
                "answer": r.answer.value,
                "answer_reason": r.answer_reason,
            }
            for r in _rows(session, ServiceRequest, plan)
        ],
        "people_to_call": plan.people_to_call,
        "review_date": plan.review_date.isoformat() if plan.review_date else "",
    }


def save_revision(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    plan: FamilyPlan,
    summary: str,
    action: str,
    object_id: object = None,
) -> None:
    """Every save of any part of the plan: a new revision with a copy of the whole plan,
    and the audit row, in the same transaction as the change. The summary is kept in
    English (marked with N_) and translated for each reader."""
    session.flush()
    # The database counts the revision itself (not plan.revision + 1 as read earlier), so
    # two people saving at the same moment (an action each) get a number each, and the
    # count leaves the plan's version alone: it guards the plan's own words only.
    now = utcnow()
    number = session.execute(
        sa.update(FamilyPlan)
        .where(col(FamilyPlan.id) == plan.id)
        .values(revision=FamilyPlan.revision + 1, updated_at=now, updated_by_id=actor.user_id)
        .returning(FamilyPlan.revision)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(plan, "revision", number)
    set_committed_value(plan, "updated_at", now)
    set_committed_value(plan, "updated_by_id", actor.user_id)
    session.add(
        FamilyPlanRevision(
            plan_id=plan.id,  # type: ignore[arg-type]
            number=plan.revision,
            content=plan_content(session, plan=plan),
            summary=summary[:200],
            during_family_time=lock.private_family_time(session, family_group_id=access.family_id)
            is not None,
            created_by_id=actor.user_id,
        )
    )
    session.flush()
    _audit(session, actor, access, action, object_id if object_id is not None else plan.id)


def _agreement_key(row: FamilyPlanAgreement) -> tuple[object, ...]:
    """Who agreed: the person chosen on the meeting tablet, the name typed there, or the
    account that agreed."""
    if row.person_id is not None:
        return ("person", row.person_id)
    if row.meeting_id is not None:
        return ("name", row.user_id, row.name_given.casefold())
    return ("user", row.user_id)


def _latest_agreements(
    session: Session, plan: FamilyPlan
) -> dict[tuple[object, ...], FamilyPlanAgreement]:
    rows = session.exec(
        select(FamilyPlanAgreement)
        .where(FamilyPlanAgreement.plan_id == plan.id)
        .order_by(col(FamilyPlanAgreement.agreed_at), col(FamilyPlanAgreement.id))
    ).all()
    latest: dict[tuple[object, ...], FamilyPlanAgreement] = {}
    for row in rows:
        latest[_agreement_key(row)] = row
    return latest


# --- Reading -----------------------------------------------------------------------------


def read_plan(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    audit: bool = True,
    audit_action: str = "view",
) -> PlanView:
    """The whole plan as this reader may see it: goals, actions with who does them (a worry
    flagged only for readers who may see it), requests with their answers, who agreed and
    who needs to agree again, and the findings about actions; audited as a view."""
    plan = _plan(session, family_id=access.family_id)
    goals = _rows(session, PlanGoal, plan)
    actions = _action_views(session, plan, goals={g.id: g for g in goals})
    # The actions just read are the ones the analysis checks beside the network.
    network = network_service.load_network(
        session, actor=actor, access=access, audit=False, actions=_action_nodes(actions)
    )
    snapshot = network_service.to_snapshot(network)
    worries = {p.id for p in snapshot.people if p.is_worry}
    # A worry is flagged only for readers who may see it: the network read for them says.
    for action in actions:
        action.people = [replace(p, is_worry=p.id in worries) for p in action.people]
    view = PlanView(
        access=access,
        plan=plan,
        goals=[GoalView(goal=g, number=n) for n, g in enumerate(goals, 1)],
        actions=actions,
        requests=[
            RequestView(request=r, number=n)
            for n, r in enumerate(_rows(session, ServiceRequest, plan), 1)
        ],
        findings=plan_action_gaps(snapshot),
        names={p.id: p.name for p in snapshot.people},
        may_write=may_write(access),
        may_agree=may_agree(access),
        family_time=lock.private_family_time(session, family_group_id=access.family_id),
    )
    if plan is not None:
        latest = _latest_agreements(session, plan)
        users = _names(session, {row.user_id for row in latest.values()})
        view.agreements = sorted(
            (
                AgreementView(
                    name_given=row.name_given,
                    agreement=row,
                    is_current=row.revision == plan.revision,
                    user_name=users.get(row.user_id or 0, ""),
                )
                for row in latest.values()
            ),
            key=lambda a: (a.name_given.casefold(), a.agreement.id or 0),
        )
        mine = latest.get(("user", actor.user_id))
        view.my_agreement = mine
        if view.may_agree and mine is not None and mine.revision < plan.revision:
            view.agree_again_since = mine.revision
    if audit:
        _audit(session, actor, access, audit_action, plan.id if plan else None)
    return view


def current_revision(session: Session, *, actor: Actor, access: FamilyAccess) -> int:
    """The plan's revision now (for the live page to ask if anything changed). Not audited:
    it says nothing about the plan's content."""
    plan = _plan(session, family_id=access.family_id)
    return plan.revision if plan else 0


def read_history(
    session: Session, *, actor: Actor, access: FamilyAccess, since: int | None = None
) -> HistoryView:
    """Every saved revision, newest first, each with what changed word by word from the
    one before; with `since`, also everything that changed from that revision to now."""
    plan = _plan(session, family_id=access.family_id)
    revisions: list[FamilyPlanRevision] = []
    if plan is not None:
        revisions = list(
            session.exec(
                select(FamilyPlanRevision)
                .where(FamilyPlanRevision.plan_id == plan.id)
                .order_by(col(FamilyPlanRevision.number))
            )
        )
    names = _names(session, {r.created_by_id for r in revisions})
    views: list[RevisionView] = []
    before: dict[str, Any] | None = None
    for revision in revisions:
        views.append(
            RevisionView(
                revision=revision,
                author_name=names.get(revision.created_by_id or 0, _("someone who has left")),
                changes=plan_diff.describe_changes(before, revision.content),
            )
        )
        before = revision.content
    history = HistoryView(
        access=access, revisions=list(reversed(views)), current=plan.revision if plan else 0
    )
    by_number = {r.number: r for r in revisions}
    if since is not None and since in by_number and since < revisions[-1].number:
        history.since = since
        history.since_changes = plan_diff.describe_changes(
            by_number[since].content, revisions[-1].content
        )
    _audit(session, actor, access, "view_history", plan.id if plan else None)
    return history


def _get(session: Session, access: FamilyAccess, model: type[T], row_id: int) -> T:
    """One goal, action or request of this family group's plan, or NotFound."""
    plan = _plan(session, family_id=access.family_id)
    row = session.get(model, row_id)
    if row is None or plan is None or row.plan_id != plan.id:  # type: ignore[attr-defined]
        raise NotFound(row_id)
    return row


def get_goal(session: Session, *, access: FamilyAccess, goal_id: int) -> PlanGoal:
    """One goal of this family group's plan, or NotFound."""
    return _get(session, access, PlanGoal, goal_id)


def get_action(session: Session, *, access: FamilyAccess, action_id: int) -> ActionView:
    """One action of this family group's plan with who does it, or NotFound."""
    _get(session, access, PlanAction, action_id)
    plan = _plan(session, family_id=access.family_id)
    return next(av for av in _action_views(session, plan) if av.action.id == action_id)


def get_request(session: Session, *, access: FamilyAccess, request_id: int) -> ServiceRequest:
    """One request to services of this family group's plan, or NotFound."""
    return _get(session, access, ServiceRequest, request_id)


def audit_view(
    session: Session, *, actor: Actor, access: FamilyAccess, action: str, object_id: object = None
) -> None:
    """Audits opening a page of the plan that shows part of it (a form, a row)."""
    _audit(session, actor, access, action, object_id)


# --- Checking forms ----------------------------------------------------------------------


def _check_length(errors: dict[str, str], name: str, value: str, limit: int) -> None:
    if len(value.strip()) > limit:
        errors.setdefault(name, _("This must be %(limit)s characters or fewer.") % {"limit": limit})


def _parse_date(errors: dict[str, str], name: str, raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Give a real date, for example 2026-03-27.")
        return None
    if not 2000 <= value.year <= 2100:
        errors[name] = _("Give a real date, for example 2026-03-27.")
        return None
    return value


# --- The words on the plan ---------------------------------------------------------------


def section_labels() -> dict[str, str]:
    """The family's words for each section of the plan."""
    return plan_diff.field_labels()


def update_section(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    section: str,
    was: str,
    value: str,
) -> FamilyPlan:
    """Changes one section (what we want, if things go wrong, people to call, the review
    date). `was` is the section as the writer loaded it: if someone changed this section
    meanwhile it is a conflict, but changes to other parts of the plan are kept."""
    if section not in SECTIONS:
        raise NotFound(section)
    _require_writer(session, actor, access, "family_plan_update")
    errors: dict[str, str] = {}
    new_date: date | None = None
    if section == "review_date":
        new_date = _parse_date(errors, section, value)
    else:
        _check_length(errors, section, value, PLAN_TEXT_LIMIT)
    if errors:
        raise FamilyFormError(errors)
    plan = _plan_for_writing(session, access=access)
    saved = PlanView(access=access, plan=plan).section(section)
    if saved.strip() != was.strip():
        raise StaleEdit(
            what=_("this part of the plan"),
            rows=[(section_labels()[section], value.strip(), saved)],
            back_url=f"{base_url(access)}/words/{section}",
        )
    if section == "review_date":
        plan.review_date = new_date
    else:
        setattr(plan, section, value.strip())
    save_revision(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary={
            "what_we_want": N_("Changed what we want for the children"),
            "if_things_go_wrong": N_("Changed what we do if things go wrong"),
            "people_to_call": N_("Changed the people to call"),
            "review_date": N_("Changed the review date"),
        }[section],
        action="family_plan_update",
    )
    return plan


# --- Goals, actions and requests: the parts shared by all three --------------------------


def _append(session: Session, plan: FamilyPlan, row: T) -> T:
    rows = _rows(session, type(row), plan)
    row.position = (max(r.position for r in rows) + 1) if rows else 0  # type: ignore[attr-defined]
    session.add(row)
    session.flush()
    return row


def _check_version(row: SQLModel, version: int, what: str, back_url: str, rows: list) -> None:
    if row.version != version:  # type: ignore[attr-defined]
        raise StaleEdit(what=what, rows=rows, back_url=back_url)


def _move(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    model: type[SQLModel],
    row_id: int,
    version: int,
    up: bool,
    summary: str,
    action: str,
) -> None:
    _require_writer(session, actor, access, action)
    row = _get(session, access, model, row_id)
    _check_version(row, version, _("this part of the plan"), base_url(access), [])
    plan = _plan_for_writing(session, access=access)
    rows = _rows(session, model, plan)
    index = next(i for i, r in enumerate(rows) if r.id == row_id)  # type: ignore[attr-defined]
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, each in enumerate(rows):
        if each.position != position:  # type: ignore[attr-defined]
            each.position = position  # type: ignore[attr-defined]
            session.add(each)
    save_revision(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=summary,
        action=action,
        object_id=row_id,
    )


def _remove(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    model: type[SQLModel],
    row_id: int,
    version: int,
    summary: str,
    action: str,
) -> None:
    _require_writer(session, actor, access, action)
    row = _get(session, access, model, row_id)
    _check_version(row, version, _("this part of the plan"), base_url(access), [])
    if model is PlanAction:
        for link in session.exec(
            select(PlanActionPerson).where(PlanActionPerson.action_id == row_id)
        ).all():
            session.delete(link)
        session.flush()
    session.delete(row)
    plan = _plan_for_writing(session, access=access)
    save_revision(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=summary,
        action=action,
        object_id=row_id,
    )


def _saved(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    row: SQLModel,
    summary: str,
    action: str,
) -> None:
    session.add(row)
    save_revision(
        session,
        actor=actor,
        access=access,
        plan=_plan_for_writing(session, access=access),
        summary=summary,
        action=action,
        object_id=row.id,  # type: ignore[attr-defined]
    )


def _update_words(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    row: SQLModel,
    version: int,
    values: dict[str, str],
    what: str,
    back_url: str,
    summary: str,
    action: str,
) -> None:
    """Saves new words into a goal or request, or, when someone changed it meanwhile,
    raises the conflict with what was written beside what is saved."""
    labels = plan_diff.field_labels()
    _check_version(
        row,
        version,
        what,
        back_url,
        [(labels[name], value.strip(), getattr(row, name)) for name, value in values.items()],
    )
    for name, value in values.items():
        setattr(row, name, value.strip())
    _saved(session, actor=actor, access=access, row=row, summary=summary, action=action)


# --- Goals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalInput:
    text: str
    child_words: str = ""


def check_goal(data: GoalInput) -> dict[str, str]:
    """Every problem with a goal, by form field."""
    errors: dict[str, str] = {}
    if not data.text.strip():
        errors["text"] = _("Write what you want to achieve.")
    _check_length(errors, "text", data.text, PLAN_TEXT_LIMIT)
    _check_length(errors, "child_words", data.child_words, CHILD_WORDS_LIMIT)
    return errors


def add_goal(session: Session, *, actor: Actor, access: FamilyAccess, data: GoalInput) -> PlanGoal:
    """Adds a goal at the end of the plan's goals."""
    _require_writer(session, actor, access, "plan_goal_add")
    errors = check_goal(data)
    if errors:
        raise FamilyFormError(errors)
    plan = _plan_for_writing(session, access=access)
    goal = _append(
        session,
        plan,
        PlanGoal(
            plan_id=plan.id,  # type: ignore[arg-type]
            text=data.text.strip(),
            child_words=data.child_words.strip(),
            created_by_id=actor.user_id,
        ),
    )
    _saved(
        session,
        actor=actor,
        access=access,
        row=goal,
        summary=N_("Added a goal"),
        action="plan_goal_add",
    )
    return goal


def update_goal(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    goal_id: int,
    version: int,
    data: GoalInput,
) -> PlanGoal:
    """Changes a goal's words; a stale version gets the conflict page with both versions."""
    _require_writer(session, actor, access, "plan_goal_update")
    goal = get_goal(session, access=access, goal_id=goal_id)
    errors = check_goal(data)
    if errors:
        raise FamilyFormError(errors)
    _update_words(
        session,
        actor=actor,
        access=access,
        row=goal,
        version=version,
        values={"text": data.text, "child_words": data.child_words},
        what=_("this goal"),
        back_url=f"{base_url(access)}/goals/{goal_id}",
        summary=N_("Changed a goal"),
        action="plan_goal_update",
    )
    return goal


def remove_goal(
    session: Session, *, actor: Actor, access: FamilyAccess, goal_id: int, version: int
) -> None:
    """Takes a goal out of the plan (its actions stay, under no goal)."""
    _remove(
        session,
        actor=actor,
        access=access,
        model=PlanGoal,
        row_id=goal_id,
        version=version,
        summary=N_("Took a goal out"),
        action="plan_goal_remove",
    )


def move_goal(
    session: Session, *, actor: Actor, access: FamilyAccess, goal_id: int, version: int, up: bool
) -> None:
    """Moves a goal one place up or down."""
    _move(
        session,
        actor=actor,
        access=access,
        model=PlanGoal,
        row_id=goal_id,
        version=version,
        up=up,
        summary=N_("Moved a goal"),
        action="plan_goal_move",
    )


# --- Actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    what: str
    who: list[str]
    by_when: str = ""
    due_date: str = ""
    how_we_know: str = ""
    goal_id: str = ""


def check_action(
    data: ActionInput, *, adult_ids: set[int], goal_ids: set[int]
) -> tuple[dict[str, str], set[int], date | None, int | None]:
    """Every problem with an action, by form field, and the people, date and goal chosen."""
    errors: dict[str, str] = {}
    if not data.what.strip():
        errors["what"] = _("Write what will be done.")
    _check_length(errors, "what", data.what, PLAN_TEXT_LIMIT)
    _check_length(errors, "by_when", data.by_when, SHORT_TEXT_LIMIT)
    _check_length(errors, "how_we_know", data.how_we_know, PLAN_TEXT_LIMIT)
    due = _parse_date(errors, "due_date", data.due_date)
    chosen: set[int] = set()
    for raw in data.who:
        if not raw.isdigit() or len(raw) > 12 or int(raw) not in adult_ids:
            errors["who"] = _("Choose grown-ups from this family's network.")
            break
        chosen.add(int(raw))
    goal_id: int | None = None
    if data.goal_id:
        if (
            not data.goal_id.isdigit()
            or len(data.goal_id) > 12
            or int(data.goal_id) not in goal_ids
        ):
            errors["goal_id"] = _("Choose one of the plan's goals, or no goal.")
        else:
            goal_id = int(data.goal_id)
    return errors, chosen, due, goal_id


def _set_doers(session: Session, *, action: PlanAction, people: set[int]) -> None:
    for link in session.exec(
        select(PlanActionPerson).where(PlanActionPerson.action_id == action.id)
    ).all():
        if link.person_id not in people:
            session.delete(link)
        else:
            people = people - {link.person_id}
    for person_id in sorted(people):
        session.add(PlanActionPerson(action_id=action.id, person_id=person_id))  # type: ignore[arg-type]


def _checked_action(
    session: Session, access: FamilyAccess, data: ActionInput
) -> tuple[set[int], date | None, int | None, dict[int, str]]:
    grown_ups = {p.id: p.known_as for p in adults(session, access=access) if p.id is not None}
    plan = _plan(session, family_id=access.family_id)
    goal_ids = {g.id for g in _rows(session, PlanGoal, plan) if g.id is not None}
    errors, people, due, goal_id = check_action(data, adult_ids=set(grown_ups), goal_ids=goal_ids)
    if errors:
        raise FamilyFormError(errors)
    return people, due, goal_id, grown_ups


def _fill_action(
    action: PlanAction, data: ActionInput, due: date | None, goal_id: int | None
) -> None:
    action.what = data.what.strip()
    action.by_when = data.by_when.strip()
    action.due_date = due
    action.how_we_know = data.how_we_know.strip()
    action.goal_id = goal_id


def add_action(
    session: Session, *, actor: Actor, access: FamilyAccess, data: ActionInput
) -> PlanAction:
    """Adds an action at the end of the plan, with the people who do it."""
    _require_writer(session, actor, access, "plan_action_add")
    people, due, goal_id, _grown_ups = _checked_action(session, access, data)
    plan = _plan_for_writing(session, access=access)
    action = PlanAction(plan_id=plan.id, what="", created_by_id=actor.user_id)  # type: ignore[arg-type]
    _fill_action(action, data, due, goal_id)
    _append(session, plan, action)
    _set_doers(session, action=action, people=people)
    _saved(
        session,
        actor=actor,
        access=access,
        row=action,
        summary=N_("Added an action"),
        action="plan_action_add",
    )
    return action


def update_action(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    action_id: int,
    version: int,
    data: ActionInput,
) -> PlanAction:
    """Changes an action: what, who, when, how we will know, its goal."""
    _require_writer(session, actor, access, "plan_action_update")
    saved = get_action(session, access=access, action_id=action_id)
    people, due, goal_id, grown_ups = _checked_action(session, access, data)
    action = saved.action
    labels = plan_diff.field_labels()
    mine_who = ", ".join(sorted(grown_ups[p] for p in people))
    _check_version(
        action,
        version,
        _("this action"),
        f"{base_url(access)}/actions/{action_id}",
        [
            (label, a, b)
            for label, a, b in [
                (labels["what"], data.what.strip(), action.what),
                (labels["who"], mine_who, ", ".join(saved.who_names)),
                (labels["by_when"], data.by_when.strip(), action.by_when),
                (labels["how_we_know"], data.how_we_know.strip(), action.how_we_know),
            ]
            if a != b
        ],
    )
    _fill_action(action, data, due, goal_id)
    _set_doers(session, action=action, people=people)
    _saved(
        session,
        actor=actor,
        access=access,
        row=action,
        summary=N_("Changed an action"),
        action="plan_action_update",
    )
    return action


def remove_action(
    session: Session, *, actor: Actor, access: FamilyAccess, action_id: int, version: int
) -> None:
    """Takes an action out of the plan."""
    _remove(
        session,
        actor=actor,
        access=access,
        model=PlanAction,
        row_id=action_id,
        version=version,
        summary=N_("Took an action out"),
        action="plan_action_remove",
    )


def move_action(
    session: Session, *, actor: Actor, access: FamilyAccess, action_id: int, version: int, up: bool
) -> None:
    """Moves an action one place up or down."""
    _move(
        session,
        actor=actor,
        access=access,
        model=PlanAction,
        row_id=action_id,
        version=version,
        up=up,
        summary=N_("Moved an action"),
        action="plan_action_move",
    )


def person_leaving_the_network(
    session: Session, *, actor: Actor, access: FamilyAccess, person_id: int
) -> None:
    """Called before someone is taken off the map: if an action names them, they are taken
    off it as a save of its own, so the history says so and people agree again."""
    plan = _plan(session, family_id=access.family_id)
    if plan is None:
        return
    action_ids = [a.id for a in _rows(session, PlanAction, plan)]
    links = session.exec(
        select(PlanActionPerson).where(
            PlanActionPerson.person_id == person_id,
            col(PlanActionPerson.action_id).in_(action_ids),
        )
    ).all()
    if not links:
        return
    for link in links:
        session.delete(link)
    save_revision(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Someone the plan named was taken off the map of people who help"),
        action="family_plan_person_removed",
        object_id=person_id,
    )


# --- What we ask of services -------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    what_we_ask: str
    of_whom: str = ""


def check_request(data: RequestInput) -> dict[str, str]:
    """Every problem with a request to services, by form field."""
    errors: dict[str, str] = {}
    if not data.what_we_ask.strip():
        errors["what_we_ask"] = _("Write what you ask for.")
    _check_length(errors, "what_we_ask", data.what_we_ask, PLAN_TEXT_LIMIT)
    _check_length(errors, "of_whom", data.of_whom, SHORT_TEXT_LIMIT)
    return errors


def add_request(
    session: Session, *, actor: Actor, access: FamilyAccess, data: RequestInput
) -> ServiceRequest:
    """Adds something the family asks of services (the answer is given at the decision)."""
    _require_writer(session, actor, access, "service_request_add")
    errors = check_request(data)
    if errors:
        raise FamilyFormError(errors)
    plan = _plan_for_writing(session, access=access)
    request = _append(
        session,
        plan,
        ServiceRequest(
            plan_id=plan.id,  # type: ignore[arg-type]
            what_we_ask=data.what_we_ask.strip(),
            of_whom=data.of_whom.strip(),
            created_by_id=actor.user_id,
        ),
    )
    _saved(
        session,
        actor=actor,
        access=access,
        row=request,
        summary=N_("Added something we ask of services"),
        action="service_request_add",
    )
    return request


def update_request(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    request_id: int,
    version: int,
    data: RequestInput,
) -> ServiceRequest:
    """Changes what the family asks and of whom (never the answer)."""
    _require_writer(session, actor, access, "service_request_update")
    request = get_request(session, access=access, request_id=request_id)
    errors = check_request(data)
    if errors:
        raise FamilyFormError(errors)
    _update_words(
        session,
        actor=actor,
        access=access,
        row=request,
        version=version,
        values={"what_we_ask": data.what_we_ask, "of_whom": data.of_whom},
        what=_("this request"),
        back_url=f"{base_url(access)}/requests/{request_id}",
        summary=N_("Changed something we ask of services"),
        action="service_request_update",
    )
    return request


def remove_request(
    session: Session, *, actor: Actor, access: FamilyAccess, request_id: int, version: int
) -> None:
    """Takes a request to services out of the plan."""
    _remove(
        session,
        actor=actor,
        access=access,
        model=ServiceRequest,
        row_id=request_id,
        version=version,
        summary=N_("Took out something we ask of services"),
        action="service_request_remove",
    )


# --- Agreeing ----------------------------------------------------------------------------


def agree(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    revision: int,
    name_given: str,
    agreed: bool,
    person_id: str = "",
) -> FamilyPlanAgreement:
    """Records that a family member or young person agrees to the revision they read, with
    the name they typed. On the meeting tablet in private family time, each person present
    agrees in turn: they choose themselves from the network's grown-ups or type a name."""
    if not may_agree(access) or actor.user_id is None:
        audit_service.record_at_once(
            session.get_bind(),  # type: ignore[arg-type]
            actor=actor,
            action="family_plan_agree",
            family_group_id=access.family_id,
            object_type="family_plan",
            detail=f"role {access.role.value}",
        )
        raise NotAllowedHere(access.family_id)
    on_device = bool(getattr(access, "on_family_device", False))
    errors: dict[str, str] = {}
    chosen: int | None = None
    if on_device and person_id:
        grown_ups = {p.id: p for p in adults(session, access=access)}
        if not person_id.isdigit() or len(person_id) > 12 or int(person_id) not in grown_ups:
            errors["person_id"] = _("Choose someone from this family's network.")
        else:
            chosen = int(person_id)
    if not name_given.strip():
        errors["name_given"] = _("Type your name to show it is you who agrees.")
    _check_length(errors, "name_given", name_given, NAME_LIMIT)
    if not agreed:
        errors["agreed"] = _("Tick the box if you agree to this plan.")
    plan = _plan(session, family_id=access.family_id)
    if plan is None or plan.revision == 0:
        errors["agreed"] = _("There is nothing in the plan to agree to yet.")
    if errors:
        raise FamilyFormError(errors)
    assert plan is not None
    if revision != plan.revision:
        raise PlanChanged(read=revision, current=plan.revision)
    meeting = lock.private_family_time(session, family_group_id=access.family_id)
    row = FamilyPlanAgreement(
        plan_id=plan.id,  # type: ignore[arg-type]
        user_id=actor.user_id,
        person_id=chosen,
        meeting_id=meeting.id if (on_device and meeting) else None,
        revision=plan.revision,
        name_given=name_given.strip(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, access, "family_plan_agree", plan.id)
    return row
