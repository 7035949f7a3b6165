"""Agreeing the plan, in the service: presenting, the agency's decision with a reason for
each part not agreed, deciding only on the presented version, answers to requests for help,
who may do what, stale edits, private family time and the audit trail."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.db import NotAllowedHere, StaleEdit
from fgdm.families import service as families_service
from fgdm.meetings.lock import PlanLocked
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.plans import decision_service
from fgdm.plans.decision_service import DecisionError, DecisionInput, NotDecidable
from fgdm.plans.models import (
    AgencyConcern,
    AgencyDecision,
    FamilyPlan,
    PlanAction,
    PlanGoal,
    ServiceAnswer,
    ServiceRequest,
)
from tests.factories import FamilySetup, actor_for, make_family, make_user


def make_plan(
    db: Session,
    family: FamilySetup,
    *,
    actions: tuple[str, ...] = ("Nan picks Amir up from school every day",),
    goals: tuple[str, ...] = ("Amir feels safe at home",),
    requests: tuple[str, ...] = ("A place at the after-school club",),
    what_we_want: str = "Amir stays at home with his mum",
    if_things_go_wrong: str = "Mum calls Nan",
) -> FamilyPlan:
    """A family plan at revision 1, written straight into the tables."""
    plan = FamilyPlan(
        family_group_id=family.id,
        what_we_want=what_we_want,
        if_things_go_wrong=if_things_go_wrong,
        revision=1,
    )
    db.add(plan)
    db.flush()
    for position, text in enumerate(goals):
        db.add(PlanGoal(plan_id=plan.id, position=position, text=text))
    for position, what in enumerate(actions):
        db.add(PlanAction(plan_id=plan.id, position=position, what=what, by_when="every day"))
    for position, what in enumerate(requests):
        db.add(
            ServiceRequest(plan_id=plan.id, position=position, what_we_ask=what, of_whom="School")
        )
    db.commit()
    db.refresh(plan)
    return plan


def revise(db: Session, plan: FamilyPlan, what_we_want: str) -> None:
    """The family changes its plan (as the plan page does: a new revision)."""
    db.refresh(plan)
    plan.what_we_want = what_we_want
    plan.revision += 1
    db.add(plan)
    db.commit()


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def only_action(db, plan):
    return db.exec(select(PlanAction).where(PlanAction.plan_id == plan.id)).one()


def only_request(db, plan):
    return db.exec(select(ServiceRequest).where(ServiceRequest.plan_id == plan.id)).one()


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def present(db, settings, family, user=None):
    db.expire_all()
    plan = db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == family.id)).one()
    user = user or family.parent
    done = decision_service.present(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        version=plan.version,
    )
    db.commit()
    return done


def decide(db, settings, family, *, choice="agree", not_agreed=(), reasons=None, user=None):
    user = user or family.practitioner
    page = decision_service.load_decisions(
        db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
    )
    db.commit()
    data = DecisionInput(
        choice=choice,
        revision=page.presented or 0,
        last_decision_id=page.last_decision_id,
        not_agreed=list(not_agreed),
        reasons=reasons or {},
    )
    made = decision_service.decide(
        db, actor=actor_for(settings, user), access=access_of(db, user, family.id), data=data
    )
    db.commit()
    return made


def audit_actions(db, family):
    return [
        e.action
        for e in db.exec(select(AuditEvent).where(AuditEvent.family_group_id == family.id)).all()
    ]


# --- Presenting --------------------------------------------------------------------------


def test_the_family_presents_the_plan_as_it_is_now(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    db.refresh(plan)
    assert plan.presented_revision == 1
    assert "plan_present" in audit_actions(db, family)


def test_a_young_person_and_a_practitioner_may_present_but_a_manager_may_not(db, settings, family):
    make_plan(db, family)
    present(db, settings, family, user=family.young_person)
    present(db, settings, family, user=family.practitioner)
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    with pytest.raises(NotAllowedHere):
        present(db, settings, family, user=manager)


def test_a_plan_without_actions_cannot_be_presented(db, settings, family):
    plan = make_plan(db, family, actions=())
    with pytest.raises(DecisionError) as caught:
        present(db, settings, family)
    assert "action" in caught.value.errors["present"]
    db.rollback()
    db.refresh(plan)
    assert plan.presented_revision is None


def test_presenting_from_an_old_page_is_a_stale_edit(db, settings, family):
    plan = make_plan(db, family)
    with pytest.raises(StaleEdit):
        decision_service.present(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            version=plan.version + 1,
        )
    db.rollback()
    db.refresh(plan)
    assert plan.presented_revision is None


# --- The decision ------------------------------------------------------------------------


def test_the_practitioner_agrees_the_whole_plan(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    decision = decide(db, settings, family)
    assert decision.accepted
    assert decision.revision == 1
    assert decision.decided_by_id == family.practitioner.id
    assert isinstance(decision.findings, list)
    assert db.exec(select(AgencyConcern)).all() == []
    latest = decision_service.latest_decision(db, plan_id=plan.id)
    assert latest is not None and latest.accepted
    assert latest.decided_by_name == family.practitioner.display_name
    assert "plan_decision" in audit_actions(db, family)


def test_the_decision_keeps_the_network_findings_of_that_moment(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    decision = decide(db, settings, family)
    # One child and nobody around them: the analysis finds too few trusted adults.
    assert "too_few_trusted_adults" in decision.findings


def test_a_part_not_agreed_needs_a_reason_and_nothing_is_saved_without_one(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    action = only_action(db, plan)
    with pytest.raises(DecisionError) as caught:
        decide(db, settings, family, choice="not_all", not_agreed=[f"action:{action.id}"])
    assert caught.value.errors == {
        f"reason_action_{action.id}": "Say why this part would leave a child unsafe."
    }
    db.rollback()
    assert db.exec(select(AgencyDecision)).all() == []


def test_not_agreeing_nothing_and_giving_no_reason_is_refused(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    with pytest.raises(DecisionError) as caught:
        decide(db, settings, family, choice="not_all")
    assert "parts" in caught.value.errors
    with pytest.raises(DecisionError) as caught:
        decide(db, settings, family, choice="")
    assert "choice" in caught.value.errors
    db.rollback()
    assert db.exec(select(AgencyDecision)).all() == []


def test_agreeing_the_whole_plan_with_a_part_marked_not_agreed_is_refused(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    action = only_action(db, plan)
    with pytest.raises(DecisionError) as caught:
        decide(db, settings, family, choice="agree", not_agreed=[f"action:{action.id}"])
    assert "choice" in caught.value.errors


def test_parts_not_agreed_are_kept_with_their_reasons_in_plain_words(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    action = only_action(db, plan)
    decision = decide(
        db,
        settings,
        family,
        choice="not_all",
        not_agreed=[f"action:{action.id}", "if_things_go_wrong"],
        reasons={
            f"reason_action_{action.id}": "Nan works until six, so nobody would collect Amir.",
            "reason_if_things_go_wrong": "Mum needs someone to call at night too.",
        },
    )
    assert not decision.accepted
    latest = decision_service.latest_decision(db, plan_id=plan.id)
    assert latest is not None
    assert [(c.part, c.reason) for c in latest.concerns] == [
        (f"action:{action.id}", "Nan works until six, so nobody would collect Amir."),
        ("if_things_go_wrong", "Mum needs someone to call at night too."),
    ]
    assert latest.concerns[0].part_label == "Nan picks Amir up from school every day"
    assert latest.concerns[0].kind_label == "An action"


def test_a_reason_for_a_part_that_is_not_ticked_is_not_lost(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    goal = db.exec(select(PlanGoal).where(PlanGoal.plan_id == plan.id)).one()
    with pytest.raises(DecisionError) as caught:
        decide(
            db,
            settings,
            family,
            choice="not_all",
            not_agreed=["what_we_want"],
            reasons={"reason_what_we_want": "Why", f"reason_goal_{goal.id}": "Typed here"},
        )
    assert list(caught.value.errors) == [f"reason_goal_{goal.id}"]


def test_everyone_in_the_group_reads_the_decision_and_the_reasons(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    action = only_action(db, plan)
    decide(
        db,
        settings,
        family,
        choice="not_all",
        not_agreed=[f"action:{action.id}"],
        reasons={f"reason_action_{action.id}": "Nan works until six."},
    )
    for user in (family.parent, family.young_person):
        page = decision_service.load_decisions(
            db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
        )
        assert page.latest is not None
        assert [c.reason for c in page.latest.concerns] == ["Nan works until six."]
        assert not page.may_decide
    assert audit_actions(db, family).count("view_plan_decision") >= 2


def test_a_family_member_or_manager_cannot_decide(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    for user in (family.parent, family.young_person, manager):
        with pytest.raises(NotAllowedHere):
            decide(db, settings, family, user=user)
        db.rollback()
    assert db.exec(select(AgencyDecision)).all() == []


def test_a_plan_that_was_not_presented_cannot_be_decided(db, settings, family):
    make_plan(db, family)
    with pytest.raises(NotDecidable):
        decide(db, settings, family)


def test_a_plan_changed_since_it_was_presented_cannot_be_decided(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    revise(db, plan, "Amir lives with Nan for now")
    with pytest.raises(NotDecidable) as caught:
        decide(db, settings, family)
    assert "changed since" in caught.value.message
    db.rollback()
    assert db.exec(select(AgencyDecision)).all() == []


def test_a_decision_read_before_the_family_presented_again_is_refused(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    revise(db, plan, "Amir lives with Nan for now")
    present(db, settings, family)
    with pytest.raises(NotDecidable):
        decision_service.decide(
            db,
            actor=actor_for(settings, family.practitioner),
            access=access_of(db, family.practitioner, family.id),
            data=DecisionInput("agree", revision=1, last_decision_id=0, not_agreed=[], reasons={}),
        )


def test_a_decision_recorded_meanwhile_makes_the_form_stale(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    decide(db, settings, family)
    with pytest.raises(StaleEdit):
        decision_service.decide(
            db,
            actor=actor_for(settings, family.practitioner),
            access=access_of(db, family.practitioner, family.id),
            data=DecisionInput("agree", revision=1, last_decision_id=0, not_agreed=[], reasons={}),
        )


def test_the_family_revises_and_presents_again_and_a_new_decision_is_needed(db, settings, family):
    plan = make_plan(db, family)
    present(db, settings, family)
    action = only_action(db, plan)
    decide(
        db,
        settings,
        family,
        choice="not_all",
        not_agreed=[f"action:{action.id}"],
        reasons={f"reason_action_{action.id}": "Nan works until six."},
    )
    revise(db, plan, "Amir stays at home; Grandad collects him")
    page = decision_service.load_decisions(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    assert page.changed_since_presented and not page.waiting_for_decision
    present(db, settings, family)
    page = decision_service.load_decisions(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    assert page.waiting_for_decision
    decide(db, settings, family)
    page = decision_service.load_decisions(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    assert [(d.revision, d.accepted) for d in page.decisions] == [(2, True), (1, False)]
    assert not page.waiting_for_decision


def test_no_decision_during_private_family_time(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    db.add(Meeting(family_group_id=family.id, part=MeetingPart.private_family_time))
    db.commit()
    with pytest.raises(PlanLocked):
        decide(db, settings, family)
    db.rollback()
    assert db.exec(select(AgencyDecision)).all() == []


def test_a_decision_at_the_meeting_names_the_meeting(db, settings, family):
    make_plan(db, family)
    present(db, settings, family)
    meeting = Meeting(family_group_id=family.id, part=MeetingPart.agreeing_the_plan)
    db.add(meeting)
    db.commit()
    assert decide(db, settings, family).meeting_id == meeting.id


# --- Answers to requests for help --------------------------------------------------------


def answer(db, settings, family, row, *, user=None, version=None, **fields):
    user = user or family.practitioner
    done = decision_service.answer_request(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        request_id=row.id,
        version=row.version if version is None else version,
        **fields,
    )
    db.commit()
    return done


def test_a_request_is_agreed(db, settings, family):
    plan = make_plan(db, family)
    row = answer(db, settings, family, only_request(db, plan), answer="agreed")
    assert row.answer == ServiceAnswer.agreed
    assert row.answered_by_id == family.practitioner.id
    assert row.answered_at is not None
    assert "request_answer" in audit_actions(db, family)


def test_not_agreed_needs_the_reason(db, settings, family):
    plan = make_plan(db, family)
    row = only_request(db, plan)
    with pytest.raises(DecisionError) as caught:
        answer(db, settings, family, row, answer="not_agreed", reason="  ")
    assert list(caught.value.errors) == ["reason"]
    db.rollback()
    row = answer(
        db, settings, family, row, answer="not_agreed", reason="The club is full until June."
    )
    assert (row.answer, row.answer_reason) == (
        ServiceAnswer.not_agreed,
        "The club is full until June.",
    )


def test_referred_on_needs_to_whom_and_keeps_it_as_the_reason(db, settings, family):
    plan = make_plan(db, family)
    row = only_request(db, plan)
    with pytest.raises(DecisionError) as caught:
        answer(db, settings, family, row, answer="referred_on")
    assert list(caught.value.errors) == ["referred_to"]
    db.rollback()
    row = answer(db, settings, family, row, answer="referred_on", referred_to="Early Help team")
    assert (row.answer, row.answer_reason) == (ServiceAnswer.referred_on, "Early Help team")


def test_an_answer_from_an_old_page_is_a_stale_edit(db, settings, family):
    plan = make_plan(db, family)
    row = only_request(db, plan)
    old = row.version
    answer(db, settings, family, row, answer="agreed")
    with pytest.raises(StaleEdit):
        answer(db, settings, family, row, answer="not_agreed", reason="No", version=old)
    db.rollback()
    db.refresh(row)
    assert row.answer == ServiceAnswer.agreed


def test_only_practitioners_answer_requests(db, settings, family):
    plan = make_plan(db, family)
    row = only_request(db, plan)
    with pytest.raises(NotAllowedHere):
        answer(db, settings, family, row, user=family.parent, answer="agreed")


def test_a_request_of_another_family_is_not_found(db, settings, family):
    from fgdm.db import NotFound

    other = make_family(db, settings, name="Other family", practitioner=family.practitioner)
    theirs = make_plan(db, other)
    make_plan(db, family)
    with pytest.raises(NotFound):
        answer(db, settings, family, only_request(db, theirs), answer="agreed")
