"""The review: a later meeting checks what happened to each action of the family plan (done,
partly, not done and why), the scaling scores then and now, the network's findings now
compared with when the plan was agreed, what has changed, and produces the next revision of
the plan. Permission checks, visibility and audit happen here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from fgdm.analysis.findings import FindingCode
from fgdm.db import NotFound, StaleEdit, utcnow
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.meetings import lock
from fgdm.meetings import service as meetings_service
from fgdm.meetings.models import (
    ActionOutcome,
    ActionOutcomeKind,
    Meeting,
    MeetingKind,
    ReviewRecord,
)
from fgdm.network import service as network_service
from fgdm.plans import service as plans_service
from fgdm.plans.models import AgencyDecision, FamilyPlan, PlanAction
from fgdm.plans.service import N_, ActionView
from fgdm.safety import service as safety_service
from fgdm.safety.models import ScalingScore
from fgdm.security.actor import Actor

WHY_LIMIT = 1000
CHANGES_LIMIT = 4000
# Findings that would tell a reader who does not see the whole network about a worry.
KEPT_FROM_FAMILY = {
    FindingCode.worry_in_safety_role.value,
    FindingCode.does_not_know_the_worries.value,
}


class ReviewError(ValueError):
    """A form the person can correct: messages by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("review form has errors")
        self.errors = errors


@dataclass
class OutcomeRow:
    """One action of the plan the review looks at, and what the review recorded for it."""

    action: ActionView
    outcome: ActionOutcome | None


@dataclass
class ScoreThenAndNow:
    """One person's scaling score before the plan was agreed and since."""

    name: str
    then: ScalingScore | None
    now: ScalingScore | None


@dataclass
class FindingsCompared:
    """The network's gaps now beside those when the plan was agreed, in plain words."""

    gone: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    still: list[str] = field(default_factory=list)
    agreed: bool = False  # False: the plan was never agreed, so nothing to compare with


@dataclass
class ReviewView:
    access: FamilyAccess
    meeting: Meeting
    record: ReviewRecord | None
    rows: list[OutcomeRow]
    scores: list[ScoreThenAndNow]
    findings: FindingsCompared
    agreed_at: datetime | None
    may_record: bool

    @property
    def is_finished(self) -> bool:
        return self.record is not None and self.record.finished_at is not None

    @property
    def missing(self) -> list[OutcomeRow]:
        return [row for row in self.rows if row.outcome is None]


# --- Rules -------------------------------------------------------------------------------


def may_record(access: FamilyAccess) -> bool:
    """Practitioners record the review; everyone in the group reads it."""
    return access.role == AccessRole.practitioner


def outcome_labels() -> dict[str, str]:
    """The plain words for each outcome."""
    return {
        ActionOutcomeKind.done.value: _("Done"),
        ActionOutcomeKind.partly.value: _("Partly done"),
        ActionOutcomeKind.not_done.value: _("Not done"),
    }


def finding_labels() -> dict[str, str]:
    """Plain words for each kind of gap, for gaps that are no longer there."""
    return {
        FindingCode.too_few_trusted_adults: _("Too few grown-ups the family trusts"),
        FindingCode.single_link: _("Someone the network hangs on"),
        FindingCode.need_uncovered: _("Something the child needs that nobody does"),
        FindingCode.need_single_provider: _("Something only one person does"),
        FindingCode.need_not_sure: _("Something nobody is sure they can do"),
        FindingCode.time_uncovered: _("A time of the week when nobody can help"),
        FindingCode.overloaded: _("Someone doing too much"),
        FindingCode.worry_in_safety_role: _("A worry in a part that keeps the child safe"),
        FindingCode.only_professionals: _("Only professionals helping"),
        FindingCode.no_own_community: _("Nobody from the family's own community"),
        FindingCode.nobody_near: _("Nobody living near"),
        FindingCode.conflict_in_need: _("People who do not get on sharing a job"),
        FindingCode.rule_without_person: _("A safety rule with nobody to keep it"),
        FindingCode.does_not_know_the_worries: _("A helper who does not know the worries"),
        FindingCode.action_without_person: _("An action in the plan with nobody to do it"),
    }


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object
) -> None:
    """Records a view or a change of the review in the same transaction."""
    meetings_service._audit(session, actor, access, action, object_id=object_id)


def _require_recorder(session: Session, actor: Actor, access: FamilyAccess, action: str) -> None:
    """Refuses anyone but practitioners (403, audited in its own transaction)."""
    if not may_record(access):
        raise meetings_service._refuse(session, actor, access, action, "meeting")


def get_review(session: Session, *, access: FamilyAccess, meeting_id: int) -> Meeting:
    """A review meeting of this family group, or NotFound (a conference has no review)."""
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    if meeting.kind != MeetingKind.review:
        raise NotFound(meeting_id)
    return meeting


def review_url(access: FamilyAccess, meeting_id: int) -> str:
    """The review page's address."""
    return f"/families/{access.family_id}/meetings/{meeting_id}/review"


def _record(session: Session, meeting_id: int) -> ReviewRecord | None:
    return session.exec(select(ReviewRecord).where(ReviewRecord.meeting_id == meeting_id)).first()


def _outcomes(session: Session, meeting_id: int) -> dict[int, ActionOutcome]:
    rows = session.exec(select(ActionOutcome).where(ActionOutcome.meeting_id == meeting_id)).all()
    return {row.action_id: row for row in rows}


def _rows(session: Session, actions: list[ActionView], meeting: Meeting) -> list[OutcomeRow]:
    """The actions this review looks at: those not finished with at an earlier review."""
    outcomes = _outcomes(session, meeting.id or 0)
    return [
        OutcomeRow(action=av, outcome=outcomes.get(av.action.id or 0))
        for av in actions
        if av.action.closed_at_review_id in (None, meeting.id)
    ]


def _agreed(session: Session, plan: FamilyPlan | None) -> AgencyDecision | None:
    """The agency's latest acceptance of the plan, if any."""
    if plan is None:
        return None
    return session.exec(
        select(AgencyDecision)
        .where(AgencyDecision.plan_id == plan.id, col(AgencyDecision.accepted).is_(True))
        .order_by(col(AgencyDecision.decided_at).desc(), col(AgencyDecision.id).desc())
    ).first()


def _scores(
    session: Session, *, actor: Actor, access: FamilyAccess, since: datetime | None
) -> list[ScoreThenAndNow]:
    """Each person's last score before the plan was agreed and their last one since."""
    scaling = safety_service.load_scaling(session, actor=actor, access=access)
    compared = []
    for series in scaling.series:
        then = now = None
        for score in series.scores:
            if since is not None and score.created_at < since:
                then = score
            else:
                now = score
        compared.append(ScoreThenAndNow(name=series.name, then=then, now=now))
    return compared


def _finding_codes_now(session: Session, *, actor: Actor, access: FamilyAccess) -> dict[str, list]:
    """What the network analysis finds now as this reader sees it: explanations by code."""
    network = network_service.load_network(session, actor=actor, access=access, audit=False)
    found: dict[str, list[str]] = {}
    for finding in network_service.report(network, settings=actor.settings).findings:
        words = found.setdefault(finding.code.value, [])
        if finding.explanation not in words:
            words.append(finding.explanation)
    return found


def compare_findings(
    *, before: list[str], now: dict[str, list[str]], agreed: bool, sees_everything: bool
) -> FindingsCompared:
    """Fewer gaps than last time, new ones and ones still there, in plain words."""
    labels = finding_labels()
    before_codes = set(before)
    if not sees_everything:
        before_codes -= KEPT_FROM_FAMILY
    result = FindingsCompared(agreed=agreed)
    for code in sorted(before_codes - set(now)):
        result.gone.append(labels.get(code, code))
    for code, words in sorted(now.items()):
        (result.still if code in before_codes else result.new).extend(words)
    return result


def load_review(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int
) -> ReviewView:
    """Everything the review page shows; audited as a view."""
    meeting = get_review(session, access=access, meeting_id=meeting_id)
    plan_view = plans_service.read_plan(session, actor=actor, access=access, audit=False)
    agreed = _agreed(session, plan_view.plan)
    view = ReviewView(
        access=access,
        meeting=meeting,
        record=_record(session, meeting_id),
        rows=_rows(session, plan_view.actions, meeting),
        scores=_scores(
            session, actor=actor, access=access, since=agreed.decided_at if agreed else None
        ),
        findings=compare_findings(
            before=list(agreed.findings) if agreed else [],
            now=_finding_codes_now(session, actor=actor, access=access),
            agreed=agreed is not None,
            sees_everything=network_service.sees_everything(access),
        ),
        agreed_at=agreed.decided_at if agreed else None,
        may_record=may_record(access),
    )
    _audit(session, actor, access, "review_view", meeting.id)
    return view


# --- Writing -----------------------------------------------------------------------------


def check_outcome(outcome: str, why: str) -> dict[str, str]:
    """Every problem with one action's outcome, by field."""
    errors: dict[str, str] = {}
    if outcome not in outcome_labels():
        errors["outcome"] = _("Say whether this was done, partly done or not done.")
    elif outcome != ActionOutcomeKind.done.value and not why.strip():
        errors["why"] = _("Say why it was not all done.")
    if len(why.strip()) > WHY_LIMIT:
        errors["why"] = _("This must be %(limit)s characters or fewer.") % {"limit": WHY_LIMIT}
    return errors


def _refuse_if_finished(record: ReviewRecord | None, name: str) -> None:
    if record is not None and record.finished_at is not None:
        raise ReviewError({name: _("This review is finished. Nothing was changed.")})


def record_outcome(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    action_id: int,
    outcome: str,
    why: str,
    version: int,
) -> ActionOutcome:
    """Records what happened to one action (done, partly, not done and why). `version` is
    the outcome's version the form was loaded with (0: none recorded yet)."""
    _require_recorder(session, actor, access, "review_outcome")
    meeting = get_review(session, access=access, meeting_id=meeting_id)
    action = plans_service.get_action(session, access=access, action_id=action_id).action
    if action.closed_at_review_id not in (None, meeting.id):
        raise NotFound(action_id)
    _refuse_if_finished(_record(session, meeting_id), "outcome")
    errors = check_outcome(outcome, why)
    if errors:
        raise ReviewError(errors)
    row = _outcomes(session, meeting_id).get(action_id)
    if (row.version if row else 0) != version:
        labels = outcome_labels()
        raise StaleEdit(
            what=_("what happened to this action"),
            rows=[
                (_("What happened"), labels[outcome], labels[row.outcome] if row else ""),
                (_("Why"), why.strip(), row.why if row else ""),
            ],
            back_url=review_url(access, meeting_id),
        )
    if row is None:
        row = ActionOutcome(
            meeting_id=meeting_id, action_id=action_id, outcome=ActionOutcomeKind(outcome)
        )
    row.outcome = ActionOutcomeKind(outcome)
    row.why = why.strip()
    row.recorded_by_id = actor.user_id
    row.recorded_at = utcnow()
    session.add(row)
    session.flush()
    _audit(session, actor, access, "review_outcome", row.id)
    return row


def _record_for_writing(session: Session, meeting_id: int, access: FamilyAccess) -> ReviewRecord:
    record = _record(session, meeting_id)
    if record is None:
        plan = session.exec(
            select(FamilyPlan).where(FamilyPlan.family_group_id == access.family_id)
        ).first()
        record = ReviewRecord(meeting_id=meeting_id, reviewed_revision=plan.revision if plan else 0)
    return record


def update_changes(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    text: str,
    version: int,
) -> ReviewRecord:
    """Records, in words, what has changed since the plan was made."""
    _require_recorder(session, actor, access, "review_changes")
    get_review(session, access=access, meeting_id=meeting_id)
    record = _record(session, meeting_id)
    _refuse_if_finished(record, "what_has_changed")
    if len(text.strip()) > CHANGES_LIMIT:
        raise ReviewError(
            {
                "what_has_changed": _("This must be %(limit)s characters or fewer.")
                % {"limit": CHANGES_LIMIT}
            }
        )
    if (record.version if record else 0) != version:
        assert record is not None
        raise StaleEdit(
            what=_("what has changed"),
            rows=[(_("What has changed"), text.strip(), record.what_has_changed)],
            back_url=review_url(access, meeting_id),
        )
    record = _record_for_writing(session, meeting_id, access)
    record.what_has_changed = text.strip()
    session.add(record)
    session.flush()
    _audit(session, actor, access, "review_changes", record.id)
    return record


def finish_review(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int, version: int
) -> ReviewRecord:
    """Finishes the review: every open action needs an outcome; the findings then and now
    are kept; actions done are closed at this review; the plan gets its next revision."""
    _require_recorder(session, actor, access, "review_finish")
    meeting = get_review(session, access=access, meeting_id=meeting_id)
    record = _record(session, meeting_id)
    _refuse_if_finished(record, "finish")
    lock.check_plan_writable(session, access=access)
    if (record.version if record else 0) != version:
        assert record is not None
        raise StaleEdit(
            what=_("this review"),
            rows=[(_("What has changed"), "", record.what_has_changed)],
            back_url=review_url(access, meeting_id),
        )
    plan_view = plans_service.read_plan(session, actor=actor, access=access, audit=False)
    rows = _rows(session, plan_view.actions, meeting)
    missing = [row for row in rows if row.outcome is None]
    if missing:
        raise ReviewError(
            {
                "finish": _("Say what happened to every action first. Still to do: %(list)s")
                % {
                    "list": "; ".join(
                        f"{row.action.number}. {row.action.action.what}" for row in missing
                    )
                }
            }
        )
    plan = plan_view.plan
    if plan is None:
        raise ReviewError({"finish": _("There is no family plan to review yet.")})
    record = _record_for_writing(session, meeting_id, access)
    record.reviewed_revision = plan.revision
    agreed = _agreed(session, plan)
    record.findings_before = list(agreed.findings) if agreed else []
    record.findings_now = sorted(_finding_codes_now(session, actor=actor, access=access))
    close_done_actions(session, rows=rows, meeting=meeting)
    plans_service.save_revision(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("After the review"),
        action="review_finish",
        object_id=meeting.id,
    )
    record.new_revision = plan.revision
    record.finished_at = utcnow()
    record.finished_by_id = actor.user_id
    session.add(record)
    session.flush()
    _audit(session, actor, access, "review_finish", record.id)
    return record


def close_done_actions(session: Session, *, rows: list[OutcomeRow], meeting: Meeting) -> None:
    """Marks the actions recorded as done as finished with at this review (kept for the
    history, no longer on the plan's list of things to do)."""
    for row in rows:
        if row.outcome is not None and row.outcome.outcome == ActionOutcomeKind.done:
            action: PlanAction = row.action.action
            action.closed_at_review_id = meeting.id
            session.add(action)
    session.flush()
