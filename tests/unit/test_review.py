"""The review, in the service: what happened to each action (why needed unless done), the
scores then and now, the findings compared with when the plan was agreed, finishing only
with every action looked at, done actions closed and the plan's next revision, who may do
what, stale edits and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from fgdm.audit.models import AuditEvent
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, utcnow
from fgdm.meetings import review_service
from fgdm.meetings.models import ActionOutcome, Meeting, MeetingKind, ReviewRecord
from fgdm.meetings.review_service import ReviewError
from fgdm.plans.models import AgencyDecision, FamilyPlanRevision, PlanAction
from fgdm.safety.models import ScalingScore
from tests.factories import actor_for, make_family
from tests.unit.test_plan_decision import make_plan
from tests.unit.test_safety_plan_service import access_of


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def as_(db, settings, family, who="practitioner"):
    user = getattr(family, who)
    return {"actor": actor_for(settings, user), "access": access_of(db, user, family.id)}


def make_review(db, family, kind=MeetingKind.review):
    meeting = Meeting(family_group_id=family.id, kind=kind)
    db.add(meeting)
    db.commit()
    return meeting


def actions_of(db, plan):
    db.expire_all()
    return list(
        db.exec(select(PlanAction).where(PlanAction.plan_id == plan.id).order_by(PlanAction.id))
    )


def agree(db, plan, findings, when=None):
    decision = AgencyDecision(
        plan_id=plan.id,
        revision=plan.revision,
        accepted=True,
        findings=findings,
        decided_at=when or utcnow(),
    )
    db.add(decision)
    db.commit()
    return decision


def record(db, settings, family, meeting, action, outcome="done", why="", version=0):
    row = review_service.record_outcome(
        db,
        **as_(db, settings, family),
        meeting_id=meeting.id,
        action_id=action.id,
        outcome=outcome,
        why=why,
        version=version,
    )
    db.commit()
    return row


def test_an_outcome_is_recorded_and_changed_with_its_version(db, settings, family):
    plan = make_plan(db, family)
    meeting = make_review(db, family)
    action = actions_of(db, plan)[0]
    row = record(db, settings, family, meeting, action, "partly", "Nan was ill in May")
    changed = record(db, settings, family, meeting, action, "done", "", version=row.version)
    assert changed.outcome.value == "done"
    assert len(db.exec(select(ActionOutcome)).all()) == 1


def test_why_is_needed_when_an_action_was_partly_or_not_done(db, settings, family):
    plan = make_plan(db, family)
    meeting = make_review(db, family)
    action = actions_of(db, plan)[0]
    for outcome in ("partly", "not_done"):
        with pytest.raises(ReviewError) as caught:
            record(db, settings, family, meeting, action, outcome, "  ")
        assert set(caught.value.errors) == {"why"}
    with pytest.raises(ReviewError) as caught:
        record(db, settings, family, meeting, action, "maybe", "")
    assert set(caught.value.errors) == {"outcome"}
    db.rollback()
    assert db.exec(select(ActionOutcome)).all() == []


def test_a_stale_outcome_is_refused(db, settings, family):
    plan = make_plan(db, family)
    meeting = make_review(db, family)
    action = actions_of(db, plan)[0]
    record(db, settings, family, meeting, action, "done")
    with pytest.raises(StaleEdit):
        record(db, settings, family, meeting, action, "not_done", "Nobody went", version=0)


def test_family_members_and_young_people_may_not_record(db, settings, family):
    plan = make_plan(db, family)
    meeting = make_review(db, family)
    action = actions_of(db, plan)[0]
    for who in ("parent", "young_person"):
        with pytest.raises(NotAllowedHere):
            review_service.record_outcome(
                db,
                **as_(db, settings, family, who),
                meeting_id=meeting.id,
                action_id=action.id,
                outcome="done",
                why="",
                version=0,
            )


def test_a_conference_has_no_review(db, settings, family):
    make_plan(db, family)
    meeting = make_review(db, family, kind=MeetingKind.conference)
    with pytest.raises(NotFound):
        review_service.load_review(db, **as_(db, settings, family), meeting_id=meeting.id)


def test_finishing_needs_every_open_action_and_says_which_are_missing(db, settings, family):
    plan = make_plan(db, family, actions=("Nan picks Amir up", "Mum goes to the group"))
    meeting = make_review(db, family)
    first, second = actions_of(db, plan)
    record(db, settings, family, meeting, first, "done")
    with pytest.raises(ReviewError) as caught:
        review_service.finish_review(
            db, **as_(db, settings, family), meeting_id=meeting.id, version=0
        )
    assert "Mum goes to the group" in caught.value.errors["finish"]
    assert "Nan picks Amir up" not in caught.value.errors["finish"]


def test_finishing_closes_done_actions_and_makes_the_next_revision(db, settings, family):
    plan = make_plan(db, family, actions=("Nan picks Amir up", "Mum goes to the group"))
    agree(db, plan, ["need_uncovered", "too_few_trusted_adults"])
    meeting = make_review(db, family)
    first, second = actions_of(db, plan)
    record(db, settings, family, meeting, first, "done")
    record(db, settings, family, meeting, second, "not_done", "The group closed")
    finished = review_service.finish_review(
        db, **as_(db, settings, family), meeting_id=meeting.id, version=0
    )
    db.commit()
    first, second = actions_of(db, plan)
    assert first.closed_at_review_id == meeting.id
    assert second.closed_at_review_id is None
    db.refresh(plan)
    assert finished.reviewed_revision == 1
    assert finished.new_revision == plan.revision == 2
    assert finished.findings_before == ["need_uncovered", "too_few_trusted_adults"]
    assert finished.finished_at is not None
    revision = db.exec(select(FamilyPlanRevision).where(FamilyPlanRevision.number == 2)).one()
    assert revision.summary == "After the review"
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_type == "meeting")).all()
    assert {"review_outcome", "review_finish"} <= set(actions)
    with pytest.raises(ReviewError):
        review_service.finish_review(
            db, **as_(db, settings, family), meeting_id=meeting.id, version=finished.version
        )


def test_a_later_review_looks_only_at_actions_still_open(db, settings, family):
    plan = make_plan(db, family, actions=("Nan picks Amir up", "Mum goes to the group"))
    meeting = make_review(db, family)
    first, second = actions_of(db, plan)
    record(db, settings, family, meeting, first, "done")
    record(db, settings, family, meeting, second, "partly", "Twice, not weekly")
    review_service.finish_review(db, **as_(db, settings, family), meeting_id=meeting.id, version=0)
    db.commit()
    later = make_review(db, family)
    view = review_service.load_review(db, **as_(db, settings, family), meeting_id=later.id)
    assert [row.action.action.what for row in view.rows] == ["Mum goes to the group"]
    with pytest.raises(NotFound):
        record(db, settings, family, later, first, "done")


def test_findings_are_compared_with_when_the_plan_was_agreed():
    compared = review_service.compare_findings(
        before=["need_uncovered", "too_few_trusted_adults"],
        now={"too_few_trusted_adults": ["Only one grown-up"], "nobody_near": ["Nobody near"]},
        agreed=True,
        sees_everything=True,
    )
    assert compared.gone == [review_service.finding_labels()["need_uncovered"]]
    assert compared.new == ["Nobody near"]
    assert compared.still == ["Only one grown-up"]


def test_findings_about_worries_are_not_compared_for_the_family():
    compared = review_service.compare_findings(
        before=["worry_in_safety_role"], now={}, agreed=True, sees_everything=False
    )
    assert compared.gone == []


def test_scores_then_and_now_are_split_at_the_agreement(db, settings, family):
    plan = make_plan(db, family)
    agreed_at = utcnow() - timedelta(days=30)
    agree(db, plan, [], when=agreed_at)
    for score, days_ago in ((3, 40), (4, 35), (7, 2)):
        db.add(
            ScalingScore(
                family_group_id=family.id,
                user_id=family.parent.id,
                score=score,
                created_at=utcnow() - timedelta(days=days_ago),
            )
        )
    db.commit()
    meeting = make_review(db, family)
    view = review_service.load_review(
        db, **as_(db, settings, family, "parent"), meeting_id=meeting.id
    )
    (parent,) = view.scores
    assert (parent.then.score, parent.now.score) == (4, 7)
    assert view.findings.agreed
    events = db.exec(select(AuditEvent.action).where(AuditEvent.object_type == "meeting")).all()
    assert "review_view" in events


def test_what_has_changed_is_versioned(db, settings, family):
    make_plan(db, family)
    meeting = make_review(db, family)
    saved = review_service.update_changes(
        db, **as_(db, settings, family), meeting_id=meeting.id, text="Dad moved out", version=0
    )
    db.commit()
    assert db.exec(select(ReviewRecord)).one().what_has_changed == "Dad moved out"
    with pytest.raises(StaleEdit):
        review_service.update_changes(
            db, **as_(db, settings, family), meeting_id=meeting.id, text="Other", version=0
        )
    review_service.update_changes(
        db,
        **as_(db, settings, family),
        meeting_id=meeting.id,
        text="Dad moved out in June",
        version=saved.version,
    )
