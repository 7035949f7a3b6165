"""The journey service: what each forward step needs, going back, closing and reopening
with a reason, who may move a family group, stale versions, the history and the
referral with the family's consent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import NotAllowedHere, StaleEdit, utcnow
from fgdm.families import journey
from fgdm.families import service as families_service
from fgdm.families.journey import JourneyError, ReferralInput
from fgdm.families.models import FamilyGroup, Referral, Stage, StageChange
from fgdm.meetings.models import Meeting, MeetingKind
from fgdm.plans.models import AgencyDecision, FamilyPlan
from tests.factories import actor_for, make_family, make_user


@pytest.fixture
def family(db, settings):
    return make_family(db, settings, name="The Osei family")


def access_of(db, user, family_id):
    db.expire_all()
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def move(db, settings, family, to_stage, *, user=None, note="", version=None):
    user = user or family.practitioner
    access = access_of(db, user, family.id)
    change = journey.move_stage(
        db,
        actor=actor_for(settings, user),
        access=access,
        to_stage=to_stage.value if isinstance(to_stage, Stage) else to_stage,
        version=access.family.version if version is None else version,
        note=note,
    )
    db.commit()
    return change


def refused_move(db, settings, family, to_stage, *, note=""):
    with pytest.raises(JourneyError) as caught:
        move(db, settings, family, to_stage, note=note)
    db.rollback()
    return caught.value.errors


def stage_of(db, family):
    db.expire_all()
    return db.get(FamilyGroup, family.id).stage


def put_at(db, family, stage):
    """Puts the family group at a stage without the checks (to test the next step)."""
    db.expire_all()
    group = db.get(FamilyGroup, family.id)
    group.stage = stage
    db.add(group)
    db.commit()


def full_referral(db, family, **changes):
    values = {
        "referred_by": "Sam Lee, social worker",
        "worries": "Nobody is sure who looks after Amir.",
        "decision_to_make": "Who Amir lives with.",
        "family_consents": True,
        "consent_date": date(2026, 3, 2),
        "consent_given_by": "Ama Osei",
    }
    values.update(changes)
    referral = Referral(family_group_id=family.id, **values)
    db.add(referral)
    db.commit()
    return referral


def user_for(db, settings, family, who):
    """The family group's parent or young person, or a manager of its team."""
    if who == "manager":
        return make_user(db, settings, role=StaffRole.manager)
    return getattr(family, who)


def meeting(db, family, kind=MeetingKind.conference, starts_at=None):
    db.add(Meeting(family_group_id=family.id, kind=kind, starts_at=starts_at))
    db.commit()


def presented_plan(db, family, *, revision=2, review_date=None):
    plan = FamilyPlan(
        family_group_id=family.id,
        revision=revision,
        presented_revision=revision,
        review_date=review_date,
    )
    db.add(plan)
    db.commit()
    return plan


def decide(db, plan, *, revision, accepted, at=None):
    db.add(
        AgencyDecision(
            plan_id=plan.id, revision=revision, accepted=accepted, decided_at=at or utcnow()
        )
    )
    db.commit()


def changes(db, family):
    db.expire_all()
    return db.exec(select(StageChange).where(StageChange.family_group_id == family.id)).all()


# --- The start and the history -----------------------------------------------------------


def test_a_new_family_group_started_at_the_referral_on_the_day_it_was_made(db, settings, family):
    view = journey.journey(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    assert view.stage == Stage.referral
    assert [s.words for s in view.steps] == [
        "Asking for a family meeting",
        "Getting ready",
        "The family meeting",
        "Our plan is agreed",
        "Checking how it is going",
        "Finished",
    ]
    first = view.steps[0]
    assert first.is_current and first.reached_at == family.family.created_at
    assert [s.is_current for s in view.steps[1:]] == [False] * 5
    assert [s.reached_at for s in view.steps[1:]] == [None] * 5
    assert len(view.history) == 1
    assert view.history[0].to_stage == Stage.referral
    assert view.history[0].who == family.practitioner.display_name
    assert view.moves == []  # a family member moves nothing


def test_reading_the_journey_is_audited(db, settings, family):
    journey.journey(
        db,
        actor=actor_for(settings, family.young_person),
        access=access_of(db, family.young_person, family.id),
    )
    db.commit()
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == "journey", AuditEvent.actor_id == family.young_person.id
        )
    ).one()
    assert event.action == "view"


def test_the_history_says_who_moved_it_when_and_why_newest_first(db, settings, family):
    full_referral(db, family)
    move(db, settings, family, Stage.preparation)
    move(db, settings, family, Stage.referral, note="The family asked for more time.")
    view = journey.journey(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
    )
    assert [(e.from_stage, e.to_stage) for e in view.history] == [
        (Stage.preparation, Stage.referral),
        (Stage.referral, Stage.preparation),
        (None, Stage.referral),
    ]
    assert view.history[0].note == "The family asked for more time."
    assert view.history[0].who == family.practitioner.display_name
    # Back at the start: "Getting ready" was reached once, but is not shown as done.
    assert view.steps[0].is_current
    assert view.steps[1].reached_at is None and not view.steps[1].is_done


# --- Forward, one step at a time, each with what it needs --------------------------------


def test_moving_on_from_the_referral_says_everything_that_is_missing(db, settings, family):
    errors = refused_move(db, settings, family, Stage.preparation)
    assert "The worries, in plain words" in errors["to_stage"]
    assert "The decision the family is asked to make" in errors["to_stage"]
    assert "The family's agreement to a family meeting" in errors["to_stage"]
    assert stage_of(db, family) == Stage.referral
    assert changes(db, family) == []


def test_consent_without_a_date_is_not_enough(db, settings, family):
    full_referral(db, family, consent_date=None)
    errors = refused_move(db, settings, family, Stage.preparation)
    assert "The family's agreement to a family meeting, with the date." in errors["to_stage"]
    assert "worries" not in errors["to_stage"]


def test_a_full_referral_moves_the_family_group_to_getting_ready(db, settings, family):
    full_referral(db, family)
    version = access_of(db, family.practitioner, family.id).family.version
    change = move(db, settings, family, Stage.preparation)
    assert stage_of(db, family) == Stage.preparation
    assert db.get(FamilyGroup, family.id).version == version + 1
    assert (change.from_stage, change.to_stage) == (Stage.referral, Stage.preparation)
    assert change.changed_by_id == family.practitioner.id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "stage_change")).one()
    assert event.family_group_id == family.id
    assert event.actor_id == family.practitioner.id


def test_no_step_can_be_skipped(db, settings, family):
    full_referral(db, family)
    meeting(db, family, starts_at=utcnow() + timedelta(days=7))
    errors = refused_move(db, settings, family, Stage.meeting)
    assert errors["to_stage"] == "Choose one of the steps shown."
    assert refused_move(db, settings, family, "nonsense")["to_stage"]
    assert stage_of(db, family) == Stage.referral


def test_the_family_meeting_needs_a_conference_with_a_date(db, settings, family):
    put_at(db, family, Stage.preparation)
    meeting(db, family)  # no date yet
    meeting(db, family, kind=MeetingKind.review, starts_at=utcnow())  # not the conference
    errors = refused_move(db, settings, family, Stage.meeting)
    assert "A family meeting with a date." in errors["to_stage"]
    meeting(db, family, starts_at=utcnow() + timedelta(days=3))
    move(db, settings, family, Stage.meeting)
    assert stage_of(db, family) == Stage.meeting


def test_the_plan_is_agreed_only_when_the_agency_accepted_the_revision_shown(db, settings, family):
    put_at(db, family, Stage.meeting)
    assert (
        "The family's plan, shown to the agency"
        in (refused_move(db, settings, family, Stage.plan_agreed)["to_stage"])
    )
    plan = presented_plan(db, family, revision=3)
    decide(db, plan, revision=2, accepted=True)  # an older revision
    decide(db, plan, revision=3, accepted=False)
    assert (
        "The agency's agreement to the plan the family showed."
        in (refused_move(db, settings, family, Stage.plan_agreed)["to_stage"])
    )
    decide(db, plan, revision=3, accepted=True)
    move(db, settings, family, Stage.plan_agreed)
    assert stage_of(db, family) == Stage.plan_agreed


def test_the_review_needs_a_review_meeting_with_a_date_or_the_plans_review_date(
    db, settings, family
):
    put_at(db, family, Stage.plan_agreed)
    plan = presented_plan(db, family)
    meeting(db, family, kind=MeetingKind.review)  # no date
    errors = refused_move(db, settings, family, Stage.review)
    assert "A date for the review" in errors["to_stage"]
    plan = db.get(FamilyPlan, plan.id)
    plan.review_date = date(2026, 9, 1)
    db.add(plan)
    db.commit()
    move(db, settings, family, Stage.review)
    assert stage_of(db, family) == Stage.review


def test_a_review_meeting_with_a_date_is_enough_for_the_review(db, settings, family):
    put_at(db, family, Stage.plan_agreed)
    meeting(db, family, kind=MeetingKind.review, starts_at=utcnow() + timedelta(days=60))
    move(db, settings, family, Stage.review)
    assert stage_of(db, family) == Stage.review


def test_after_a_review_the_plan_is_agreed_again_only_with_a_newer_decision(db, settings, family):
    put_at(db, family, Stage.plan_agreed)
    plan = presented_plan(db, family, review_date=date(2026, 9, 1))
    decide(db, plan, revision=2, accepted=True, at=utcnow() - timedelta(days=30))
    move(db, settings, family, Stage.review)
    errors = refused_move(db, settings, family, Stage.plan_agreed)
    assert "since the review began" in errors["to_stage"]
    decide(db, plan, revision=2, accepted=True, at=utcnow() + timedelta(seconds=1))
    move(db, settings, family, Stage.plan_agreed)
    assert stage_of(db, family) == Stage.plan_agreed


# --- Back, close and reopen, each with a reason ------------------------------------------


def test_going_back_one_step_needs_a_reason(db, settings, family):
    put_at(db, family, Stage.meeting)
    errors = refused_move(db, settings, family, Stage.preparation, note="   ")
    assert errors == {"note": "Say why, so the family and others can see the reason."}
    assert refused_move(db, settings, family, Stage.referral, note="x")["to_stage"]
    change = move(db, settings, family, Stage.preparation, note="The meeting was cancelled.")
    assert change.note == "The meeting was cancelled."
    assert stage_of(db, family) == Stage.preparation


@pytest.mark.parametrize(
    "stage", [Stage.referral, Stage.preparation, Stage.meeting, Stage.plan_agreed, Stage.review]
)
def test_closing_works_from_any_stage_with_a_reason(db, settings, family, stage):
    put_at(db, family, stage)
    assert "note" in refused_move(db, settings, family, Stage.closed)
    move(db, settings, family, Stage.closed, note="The family moved away.")
    assert stage_of(db, family) == Stage.closed


def test_a_closed_family_group_reopens_only_at_the_referral_with_a_reason(db, settings, family):
    put_at(db, family, Stage.closed)
    assert "note" in refused_move(db, settings, family, Stage.referral)
    assert refused_move(db, settings, family, Stage.review, note="x")["to_stage"]
    move(db, settings, family, Stage.referral, note="A new worry was reported.")
    assert stage_of(db, family) == Stage.referral


def test_a_reason_that_is_too_long_is_refused(db, settings, family):
    put_at(db, family, Stage.preparation)
    errors = refused_move(db, settings, family, Stage.closed, note="x" * 1001)
    assert errors["note"] == "This must be 1000 characters or fewer."
    assert stage_of(db, family) == Stage.preparation


# --- Who may move it, and stale versions -------------------------------------------------


@pytest.mark.parametrize("who", ["parent", "young_person", "manager"])
def test_only_practitioners_move_the_stage_and_refusals_are_audited(db, settings, family, who):
    full_referral(db, family)
    user = user_for(db, settings, family, who)
    with pytest.raises(NotAllowedHere):
        move(db, settings, family, Stage.preparation, user=user)
    db.rollback()
    assert stage_of(db, family) == Stage.referral
    assert changes(db, family) == []
    refusal = db.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id)).all()[-1]
    assert (refusal.action, refusal.outcome) == ("stage_change", Outcome.refused)


def test_a_stale_version_changes_nothing(db, settings, family):
    full_referral(db, family)
    old = access_of(db, family.practitioner, family.id).family.version
    move(db, settings, family, Stage.closed, note="Closed by mistake")
    with pytest.raises(StaleEdit) as caught:
        move(db, settings, family, Stage.preparation, version=old)
    db.rollback()
    assert caught.value.back_url == f"/families/{family.id}/journey"
    assert stage_of(db, family) == Stage.closed
    assert len(changes(db, family)) == 1


# --- The referral ------------------------------------------------------------------------


def referral_input(**changes):
    values = {
        "referred_by": "Sam Lee, social worker",
        "worries": "Nobody is sure who looks after Amir.",
        "decision_to_make": "Who Amir lives with.",
        "family_consents": "yes",
        "consent_date": "2026-03-02",
        "consent_given_by": "Ama Osei",
    }
    values.update(changes)
    return ReferralInput(**values)


def save(db, settings, family, data, *, user=None, version=None):
    user = user or family.practitioner
    access = access_of(db, user, family.id)
    if version is None:
        saved = journey.get_referral(db, access=access)
        version = saved.version if saved else 0
    referral = journey.save_referral(
        db, actor=actor_for(settings, user), access=access, version=version, data=data
    )
    db.commit()
    return referral


def test_a_practitioner_writes_the_referral_and_it_is_audited(db, settings, family):
    referral = save(db, settings, family, referral_input())
    assert referral.family_consents and referral.consent_date == date(2026, 3, 2)
    assert referral.recorded_by_id == family.practitioner.id
    save(db, settings, family, referral_input(family_consents="no"))
    db.expire_all()
    again = db.exec(select(Referral)).one()
    assert (again.family_consents, again.consent_date, again.consent_given_by) == (False, None, "")
    assert again.version == 2
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_type == "referral")).all()
    assert actions == ["referral_save", "referral_save"]


def test_a_referral_form_with_problems_says_each_beside_its_field(db, settings, family):
    tomorrow = (journey.today() + timedelta(days=1)).isoformat()
    with pytest.raises(JourneyError) as caught:
        save(
            db,
            settings,
            family,
            referral_input(referred_by=" ", consent_date=tomorrow, consent_given_by=""),
        )
    assert set(caught.value.errors) == {"referred_by", "consent_date", "consent_given_by"}
    with pytest.raises(JourneyError) as caught:
        save(db, settings, family, referral_input(consent_date="31 2 2026", family_consents=""))
    assert set(caught.value.errors) == {"consent_date", "family_consents"}
    db.rollback()
    assert db.exec(select(Referral)).all() == []


def test_a_stale_referral_gets_both_versions(db, settings, family):
    save(db, settings, family, referral_input())
    with pytest.raises(StaleEdit) as caught:
        save(db, settings, family, referral_input(worries="Something else"), version=0)
    db.rollback()
    rows = {label: (mine, saved) for label, mine, saved in caught.value.rows}
    assert rows["The worries"] == ("Something else", "Nobody is sure who looks after Amir.")
    assert db.exec(select(Referral)).one().worries == "Nobody is sure who looks after Amir."


def test_family_members_and_managers_cannot_write_the_referral(db, settings, family):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, manager):
        with pytest.raises(NotAllowedHere):
            save(db, settings, family, referral_input(), user=user, version=0)
        db.rollback()
    assert db.exec(select(Referral)).all() == []


def test_a_family_member_gives_consent_with_their_name_and_todays_date(db, settings, family):
    save(db, settings, family, referral_input(family_consents="no"))
    access = access_of(db, family.parent, family.id)
    referral = journey.give_consent(
        db, actor=actor_for(settings, family.parent), access=access, version=1
    )
    db.commit()
    assert referral.family_consents
    assert referral.consent_given_by == family.parent.display_name
    assert referral.consent_date == journey.today()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "referral_consent")).one()


def test_consent_cannot_be_given_by_a_young_person_or_on_a_stale_referral(db, settings, family):
    save(db, settings, family, referral_input(family_consents="no"))
    young = access_of(db, family.young_person, family.id)
    with pytest.raises(NotAllowedHere):
        journey.give_consent(
            db, actor=actor_for(settings, family.young_person), access=young, version=1
        )
    db.rollback()
    parent = access_of(db, family.parent, family.id)
    with pytest.raises(StaleEdit):
        journey.give_consent(db, actor=actor_for(settings, family.parent), access=parent, version=7)
    db.rollback()
    assert not db.exec(select(Referral)).one().family_consents


def test_consent_needs_a_referral_to_agree_to(db, settings, family):
    access = access_of(db, family.parent, family.id)
    with pytest.raises(JourneyError):
        journey.give_consent(db, actor=actor_for(settings, family.parent), access=access, version=0)


def test_reading_the_referral_is_audited_for_everyone(db, settings, family):
    save(db, settings, family, referral_input())
    for user in (family.parent, family.young_person):
        view = journey.view_referral(
            db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
        )
        db.commit()
        assert view.referral.worries == "Nobody is sure who looks after Amir."
        assert not view.may_write
    views = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "referral", AuditEvent.action == "view")
    ).all()
    assert len(views) == 2
