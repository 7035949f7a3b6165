"""Agreeing the plan (family group conference): the family presents its plan; the agency
agrees it, and the help asked for, unless a part would leave a child at risk of significant
harm, and then writes down why; the family can revise and present again. All permission
checks, audit writes and the rules about which revision is decided on live here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, StaleEdit, utcnow
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.meetings import lock
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.network import service as network_service
from fgdm.plans import service as plan_service
from fgdm.plans.models import (
    PLAN_TEXT_LIMIT,
    AgencyConcern,
    AgencyDecision,
    FamilyPlan,
    ServiceAnswer,
    ServiceRequest,
)
from fgdm.plans.service import PlanView
from fgdm.security.actor import Actor

PRESENTERS = (AccessRole.family_member, AccessRole.young_person, AccessRole.practitioner)
PART_LABEL_LIMIT = 300
WHAT_WE_WANT = "what_we_want"
IF_THINGS_GO_WRONG = "if_things_go_wrong"


class DecisionError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotDecidable(Exception):
    """The plan cannot be decided on as read: it was not presented, it changed since it was
    presented, or the family presented a newer version while the practitioner read it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Views -------------------------------------------------------------------------------


@dataclass
class Part:
    """One part of the plan the agency may not agree: its code and what it says."""

    key: str  # "action:12", "goal:3", "what_we_want", "if_things_go_wrong"
    kind_label: str
    text: str
    who: list[str] = field(default_factory=list)
    by_when: str = ""

    @property
    def field_name(self) -> str:
        """The form field for the reason this part is not agreed."""
        return "reason_" + self.key.replace(":", "_")

    @property
    def label(self) -> str:
        """The part's words, kept with a concern so it reads the same after changes."""
        return self.text[:PART_LABEL_LIMIT]


def part_kind(key: str) -> str:
    """What kind of part a concern is about, in the reader's language."""
    if key.startswith("action:"):
        return _("An action")
    if key.startswith("goal:"):
        return _("A goal")
    if key == WHAT_WE_WANT:
        return _("What we want for the children")
    if key == IF_THINGS_GO_WRONG:
        return _("What we do if things go wrong")
    return _("A part of the plan")


@dataclass
class ConcernView:
    """One part the agency did not agree, and why."""

    concern: AgencyConcern

    @property
    def part(self) -> str:
        return self.concern.part

    @property
    def kind_label(self) -> str:
        return part_kind(self.concern.part)

    @property
    def part_label(self) -> str:
        return self.concern.part_label

    @property
    def reason(self) -> str:
        return self.concern.reason


@dataclass
class DecisionView:
    """One decision by the agency on a presented version of the plan, with its reasons."""

    decision: AgencyDecision
    concerns: list[ConcernView]
    decided_by_name: str

    @property
    def accepted(self) -> bool:
        return self.decision.accepted

    @property
    def revision(self) -> int:
        return self.decision.revision

    @property
    def decided_at(self) -> datetime:
        return self.decision.decided_at


@dataclass
class RequestView:
    """Something the family asked of services, with the answer and who gave it."""

    request: ServiceRequest
    answered_by_name: str = ""

    @property
    def waiting(self) -> bool:
        return self.request.answer == ServiceAnswer.waiting


@dataclass
class DecisionPage:
    """Everything the decision page shows this reader."""

    access: FamilyAccess
    plan: FamilyPlan | None
    parts: list[Part] = field(default_factory=list)
    requests: list[RequestView] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    may_present: bool = False
    may_decide: bool = False

    @property
    def latest(self) -> DecisionView | None:
        return self.decisions[0] if self.decisions else None

    @property
    def presented(self) -> int | None:
        return self.plan.presented_revision if self.plan else None

    @property
    def revision(self) -> int:
        return self.plan.revision if self.plan else 0

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0

    @property
    def changed_since_presented(self) -> bool:
        return self.presented is not None and self.presented != self.revision

    @property
    def is_presented_now(self) -> bool:
        """The current version of the plan is the one the family presented."""
        return self.presented is not None and self.presented == self.revision

    @property
    def waiting_for_decision(self) -> bool:
        """Presented as it is now, and not decided on yet."""
        latest = self.latest
        return self.is_presented_now and (latest is None or latest.revision != self.presented)

    @property
    def last_decision_id(self) -> int:
        latest = self.latest
        return latest.decision.id or 0 if latest else 0


# --- Helpers -----------------------------------------------------------------------------


def may_present(access: FamilyAccess) -> bool:
    """Family members, young people (and the meeting tablet, which acts as the family) and
    practitioners present the plan; managers read."""
    return access.role in PRESENTERS


def may_decide(access: FamilyAccess) -> bool:
    """Only practitioners record the agency's decision and answer requests for help."""
    return access.role == AccessRole.practitioner


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object = None
) -> None:
    """Records a view or a change of the plan in the same transaction."""
    plan_service.audit_view(session, actor=actor, access=access, action=action, object_id=object_id)


def _refuse(session: Session, actor: Actor, access: FamilyAccess, action: str) -> NotAllowedHere:
    """Audits a refused change in its own transaction (the request's is rolled back) and
    gives the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="family_plan",
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(access.family_id)


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def plan_parts(view: PlanView) -> list[Part]:
    """The parts of the plan the agency may not agree, in the order the plan reads (actions
    finished with at a review are no longer part of it)."""
    parts: list[Part] = []
    if view.what_we_want.strip():
        parts.append(Part(WHAT_WE_WANT, part_kind(WHAT_WE_WANT), view.what_we_want))
    for gv in view.goals:
        label = _("Goal %(number)s") % {"number": gv.number}
        parts.append(Part(f"goal:{gv.goal.id}", label, gv.goal.text))
    for av in view.actions:
        if av.action.closed_at_review_id is not None:
            continue
        label = _("Action %(number)s") % {"number": av.number}
        parts.append(
            Part(
                f"action:{av.action.id}",
                label,
                av.action.what,
                who=av.who_names,
                by_when=av.action.by_when,
            )
        )
    if view.if_things_go_wrong.strip():
        parts.append(
            Part(IF_THINGS_GO_WRONG, part_kind(IF_THINGS_GO_WRONG), view.if_things_go_wrong)
        )
    return parts


def _has_actions(parts: list[Part]) -> bool:
    return any(p.key.startswith("action:") for p in parts)


def _requests(session: Session, view: PlanView) -> list[RequestView]:
    rows = [rv.request for rv in view.requests]
    names = _names(session, {r.answered_by_id for r in rows})
    return [
        RequestView(request=r, answered_by_name=names.get(r.answered_by_id or 0, "")) for r in rows
    ]


def _decision_views(session: Session, decisions: list[AgencyDecision]) -> list[DecisionView]:
    ids = [d.id for d in decisions if d.id is not None]
    concerns: dict[int, list[ConcernView]] = {i: [] for i in ids}
    if ids:
        for concern in session.exec(
            select(AgencyConcern)
            .where(col(AgencyConcern.decision_id).in_(ids))
            .order_by(col(AgencyConcern.id))
        ):
            concerns[concern.decision_id].append(ConcernView(concern))
    names = _names(session, {d.decided_by_id for d in decisions})
    return [
        DecisionView(
            decision=d,
            concerns=concerns.get(d.id or 0, []),
            decided_by_name=names.get(d.decided_by_id or 0, _("someone who has left")),
        )
        for d in decisions
    ]


def _decisions(session: Session, plan_id: int | None) -> list[AgencyDecision]:
    if plan_id is None:
        return []
    return list(
        session.exec(
            select(AgencyDecision)
            .where(AgencyDecision.plan_id == plan_id)
            .order_by(col(AgencyDecision.decided_at).desc(), col(AgencyDecision.id).desc())
        )
    )


# --- Reading -----------------------------------------------------------------------------


def latest_decision(session: Session, *, plan_id: int | None) -> DecisionView | None:
    """The agency's newest decision on this plan with its reasons, or None (for the plan
    page, which audits its own view)."""
    found = _decisions(session, plan_id)[:1]
    views = _decision_views(session, found)
    return views[0] if views else None


def load_decisions(session: Session, *, actor: Actor, access: FamilyAccess) -> DecisionPage:
    """The plan as presented, the agency's decisions (newest first) with their reasons and
    the answers to requests for help; everyone in the group reads them. Audited."""
    view = plan_service.read_plan(session, actor=actor, access=access, audit=False)
    plan = view.plan
    page = DecisionPage(
        access=access,
        plan=plan,
        may_present=may_present(access),
        may_decide=may_decide(access),
    )
    if plan is not None:
        page.parts = plan_parts(view)
        page.requests = _requests(session, view)
        page.decisions = _decision_views(session, _decisions(session, plan.id))
    _audit(session, actor, access, "view_plan_decision", plan.id if plan else None)
    return page


# --- Presenting --------------------------------------------------------------------------


def present(session: Session, *, actor: Actor, access: FamilyAccess, version: int) -> FamilyPlan:
    """The family says "this is the plan we present": the current revision goes to the
    agency for its decision. Refused when the plan has no actions yet."""
    if not may_present(access):
        raise _refuse(session, actor, access, "plan_present")
    lock.check_plan_writable(session, access=access)
    view = plan_service.read_plan(session, actor=actor, access=access, audit=False)
    plan = view.plan
    if plan is None or not _has_actions(plan_parts(view)):
        raise DecisionError(
            {"present": _("Add at least one action to the plan before you present it.")}
        )
    if plan.version != version:
        raise StaleEdit(
            what=_("the family plan"), back_url=f"{plan_service.base_url(access)}/decision"
        )
    plan.presented_revision = plan.revision
    session.add(plan)
    session.flush()
    _audit(session, actor, access, "plan_present", plan.id)
    return plan


# --- The decision ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    """What the practitioner chose: agree the whole plan ("agree") or not all of it
    ("not_all"), the parts not agreed (part keys) and the reasons (by form field name)."""

    choice: str
    revision: int
    last_decision_id: int
    not_agreed: list[str]
    reasons: dict[str, str]


def _decidable(plan: FamilyPlan | None, revision: int) -> FamilyPlan:
    """The plan, when the revision read is the one presented and still the current one."""
    if plan is None or plan.presented_revision is None:
        raise NotDecidable(_("The family has not presented the plan yet."))
    if plan.presented_revision != plan.revision:
        raise NotDecidable(
            _(
                "The plan has changed since the family presented it. The family needs to "
                "present it again before a decision can be made."
            )
        )
    if revision != plan.presented_revision:
        raise NotDecidable(
            _(
                "The family presented a new version of the plan while you were reading. "
                "Read it and decide again."
            )
        )
    return plan


def check_decision(data: DecisionInput, parts: list[Part]) -> dict[str, str]:
    """Every problem with the decision form, by field."""
    errors: dict[str, str] = {}
    by_key = {p.key: p for p in parts}
    chosen = [key for key in data.not_agreed if key in by_key]
    if data.choice not in ("agree", "not_all"):
        errors["choice"] = _("Say whether the plan is agreed.")
        return errors
    if data.choice == "agree":
        if chosen or any(r.strip() for r in data.reasons.values()):
            errors["choice"] = _(
                "You marked parts as not agreed. Choose “Some parts are not agreed”, "
                "or untick them and take the reasons out."
            )
        return errors
    if not chosen:
        errors["parts"] = _(
            "Choose the parts that would leave a child unsafe, and say why for each."
        )
    for part in parts:
        reason = data.reasons.get(part.field_name, "").strip()
        if part.key in chosen and not reason:
            errors[part.field_name] = _("Say why this part would leave a child unsafe.")
        elif reason and part.key not in chosen:
            errors[part.field_name] = _("Tick “Not agreed” for this part, or take the reason out.")
        elif len(reason) > PLAN_TEXT_LIMIT:
            errors[part.field_name] = _("This must be %(limit)s characters or fewer.") % {
                "limit": PLAN_TEXT_LIMIT
            }
    return errors


def _meeting_now(session: Session, *, access: FamilyAccess) -> int | None:
    """The meeting that is agreeing the plan now, if any."""
    meeting = session.exec(
        select(Meeting)
        .where(
            Meeting.family_group_id == access.family_id,
            Meeting.part == MeetingPart.agreeing_the_plan,
        )
        .order_by(col(Meeting.id).desc())
    ).first()
    return meeting.id if meeting else None


def _finding_codes(session: Session, *, actor: Actor, access: FamilyAccess) -> list[str]:
    """The codes of what the network analysis finds now, kept for the review to compare."""
    network = network_service.load_network(session, actor=actor, access=access, audit=False)
    report = network_service.report(network, settings=actor.settings)
    return sorted(f.code.value for f in report.findings)


def decide(
    session: Session, *, actor: Actor, access: FamilyAccess, data: DecisionInput
) -> AgencyDecision:
    """Records the agency's decision on the presented revision: the whole plan agreed, or
    the parts not agreed, each with why it would leave a child unsafe."""
    if not may_decide(access):
        raise _refuse(session, actor, access, "plan_decision")
    lock.check_plan_writable(session, access=access)
    view = plan_service.read_plan(session, actor=actor, access=access, audit=False)
    plan = _decidable(view.plan, data.revision)
    parts = plan_parts(view)
    errors = check_decision(data, parts)
    if errors:
        raise DecisionError(errors)
    latest = latest_decision(session, plan_id=plan.id)
    if (latest.decision.id if latest else 0) != data.last_decision_id:
        assert latest is not None
        raise StaleEdit(
            what=_("the decision on the plan"),
            rows=[
                (
                    _("Decision"),
                    _("The plan is agreed")
                    if data.choice == "agree"
                    else _("Some parts are not agreed"),
                    _("The plan is agreed") if latest.accepted else _("Some parts are not agreed"),
                )
            ],
            back_url=f"{plan_service.base_url(access)}/decision",
        )
    decision = AgencyDecision(
        plan_id=plan.id,  # type: ignore[arg-type]
        revision=plan.revision,
        accepted=data.choice == "agree",
        meeting_id=_meeting_now(session, access=access),
        findings=_finding_codes(session, actor=actor, access=access),
        decided_by_id=actor.user_id,
        decided_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    if not decision.accepted:
        chosen = set(data.not_agreed)
        for part in parts:
            if part.key in chosen:
                session.add(
                    AgencyConcern(
                        decision_id=decision.id,  # type: ignore[arg-type]
                        part=part.key,
                        part_label=part.label,
                        reason=data.reasons[part.field_name].strip(),
                    )
                )
        session.flush()
    _audit(session, actor, access, "plan_decision", decision.id)
    return decision


# --- Answers to requests for help --------------------------------------------------------


def answer_labels() -> dict[str, str]:
    """Each answer in plain words, for the form and for the family."""
    return {
        ServiceAnswer.waiting.value: _("Waiting for an answer"),
        ServiceAnswer.agreed.value: _("Agreed"),
        ServiceAnswer.not_agreed.value: _("Not agreed"),
        ServiceAnswer.referred_on.value: _("Passed on to someone else"),
    }


def check_answer(answer: str, reason: str, referred_to: str) -> dict[str, str]:
    """Every problem with an answer to a request for help, by field."""
    errors: dict[str, str] = {}
    if answer not in (ServiceAnswer.agreed, ServiceAnswer.not_agreed, ServiceAnswer.referred_on):
        errors["answer"] = _("Choose an answer.")
    elif answer == ServiceAnswer.not_agreed and not reason.strip():
        errors["reason"] = _("Say why the help is not agreed.")
    elif answer == ServiceAnswer.referred_on and not referred_to.strip():
        errors["referred_to"] = _("Say who the request was passed on to.")
    for name, value in (("reason", reason), ("referred_to", referred_to)):
        if len(value.strip()) > PLAN_TEXT_LIMIT:
            errors.setdefault(
                name, _("This must be %(limit)s characters or fewer.") % {"limit": PLAN_TEXT_LIMIT}
            )
    return errors


def answer_request(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    request_id: int,
    version: int,
    answer: str,
    reason: str = "",
    referred_to: str = "",
) -> ServiceRequest:
    """A practitioner answers a request for help: agreed, not agreed (with the reason) or
    passed on (to whom, kept as the reason)."""
    if not may_decide(access):
        raise _refuse(session, actor, access, "request_answer")
    lock.check_plan_writable(session, access=access)
    row = plan_service.get_request(session, access=access, request_id=request_id)
    errors = check_answer(answer, reason, referred_to)
    if errors:
        raise DecisionError(errors)
    text = referred_to if answer == ServiceAnswer.referred_on else reason
    if row.version != version:
        labels = answer_labels()
        raise StaleEdit(
            what=_("the answer to this request"),
            rows=[
                (_("Answer"), labels.get(answer, ""), labels[row.answer.value]),
                (_("Why, or to whom"), text.strip(), row.answer_reason),
            ],
            back_url=f"{plan_service.base_url(access)}/decision#request-{request_id}",
        )
    row.answer = ServiceAnswer(answer)
    row.answer_reason = text.strip() if answer != ServiceAnswer.agreed else reason.strip()
    row.answered_by_id = actor.user_id
    row.answered_at = utcnow()
    session.add(row)
    session.flush()
    _audit(session, actor, access, "request_answer", row.id)
    return row
