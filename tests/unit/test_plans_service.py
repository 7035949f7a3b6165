"""The family plan service: reading the plan as each reader may see it, revisions on every
save, who may write, private family time, stale edits, agreeing (and again after a change),
findings about actions, history, and the audit trail."""

from __future__ import annotations

import sys

import pytest
from sqlmodel import Session, select

from fgdm.accounts.models import StaffRole
from fgdm.analysis.findings import FindingCode, Severity
from fgdm.audit.models import AuditEvent
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.families import service as families_service
from fgdm.families.service import AccessRole, FamilyAccess, FamilyFormError
from fgdm.meetings.lock import PlanLocked
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.plans import service as plans_service
from fgdm.plans.models import FamilyPlan, FamilyPlanRevision, PlanAction
from fgdm.plans.service import ActionInput, GoalInput, PlanChanged, RequestInput
from tests.factories import actor_for, make_family, make_user


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def person(db, settings, family, name):
    made = network_service.add_person(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        data=PersonInput(known_as=name, kind="family"),
    )
    db.commit()
    return made


def flag_worry(db, settings, family, who, *, visibility="practitioners"):
    network_service.add_detail(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        person_id=who.id,
        field_name="worry",
        value="Hit the children last year",
        visibility=visibility,
        named=set(),
    )
    db.commit()


def as_(db, settings, family, user):
    return {"actor": actor_for(settings, user), "access": access_of(db, user, family.id)}


def add_action(db, settings, family, user, what="Nan takes Amir to school", who=()):
    action = plans_service.add_action(
        db,
        **as_(db, settings, family, user),
        data=ActionInput(what=what, who=[str(p.id) for p in who], by_when="every Monday"),
    )
    db.commit()
    return action


def read(db, settings, family, user):
    db.expire_all()
    return plans_service.read_plan(db, **as_(db, settings, family, user))


def revisions(db, family):
    db.expire_all()
    plan = db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == family.id)).one()
    return list(
        db.exec(
            select(FamilyPlanRevision)
            .where(FamilyPlanRevision.plan_id == plan.id)
            .order_by(FamilyPlanRevision.number)
        )
    )


def start_family_time(db, family):
    meeting = Meeting(family_group_id=family.id, part=MeetingPart.private_family_time)
    db.add(meeting)
    db.commit()
    return meeting


def test_a_plan_not_started_reads_as_empty(db, settings, family):
    view = read(db, settings, family, family.parent)
    assert view.plan is None
    assert view.is_empty
    assert view.goals == [] and view.actions == [] and view.requests == []
    assert view.may_write and view.may_agree


def test_read_plan_gives_goals_actions_people_requests_and_review_date(db, settings, family):
    nan = person(db, settings, family, "Nan")
    goal = plans_service.add_goal(
        db, **as_(db, settings, family, family.parent), data=GoalInput(text="Amir goes to school")
    )
    db.commit()
    plans_service.add_action(
        db,
        **as_(db, settings, family, family.parent),
        data=ActionInput(what="Walk Amir to school", who=[str(nan.id)], goal_id=str(goal.id)),
    )
    plans_service.add_request(
        db,
        **as_(db, settings, family, family.parent),
        data=RequestInput(what_we_ask="Help with the rent", of_whom="Housing"),
    )
    plans_service.update_section(
        db,
        **as_(db, settings, family, family.parent),
        section="review_date",
        was="",
        value="2027-02-01",
    )
    db.commit()
    view = read(db, settings, family, family.young_person)
    assert [g.goal.text for g in view.goals] == ["Amir goes to school"]
    assert view.actions[0].who_names == ["Nan"]
    assert view.actions[0].goal is not None and view.actions[0].goal.text == "Amir goes to school"
    assert view.requests[0].request.of_whom == "Housing"
    assert view.requests[0].request.answer.value == "waiting"
    assert view.review_date is not None and view.review_date.isoformat() == "2027-02-01"
    assert view.revision == 4
    assert not view.may_write and view.may_agree


def test_every_save_raises_the_revision_and_keeps_a_copy_with_names(db, settings, family):
    nan = person(db, settings, family, "Nan")
    add_action(db, settings, family, family.parent, who=[nan])
    add_action(db, settings, family, family.practitioner, what="Call the school")
    saved = revisions(db, family)
    assert [r.number for r in saved] == [1, 2]
    assert saved[0].content["actions"][0]["who"] == ["Nan"]
    assert len(saved[1].content["actions"]) == 2
    assert not saved[1].during_family_time


def test_two_actions_added_at_the_same_moment_are_both_kept_each_in_its_own_revision(
    app, db, settings, family
):
    add_action(db, settings, family, family.parent, what="First")
    with Session(app.state.engine, expire_on_commit=False) as mums_phone:
        # Mum's phone has the plan as it was at revision 1 ...
        mum = as_(mums_phone, settings, family, family.parent)
        as_mum_read_it = plans_service.read_plan(mums_phone, **mum)
        assert as_mum_read_it.revision == 1
        # ... when the practitioner adds an action and saves it ...
        add_action(db, settings, family, family.practitioner, what="Call the school")
        # ... and then hers is saved.
        plans_service.add_action(
            mums_phone, **mum, data=ActionInput(what="Nan takes Amir", who=[], by_when="")
        )
        mums_phone.commit()
        assert as_mum_read_it.plan is not None
    saved = revisions(db, family)
    assert [r.number for r in saved] == [1, 2, 3]
    assert [a["what"] for a in saved[-1].content["actions"]] == [
        "First",
        "Call the school",
        "Nan takes Amir",
    ]
    assert read(db, settings, family, family.parent).revision == 3


def test_two_people_writing_the_first_thing_in_the_plan_at_once_make_one_plan(
    app, db, settings, family, monkeypatch
):
    real_plan = plans_service._plan
    with Session(app.state.engine, expire_on_commit=False) as mums_phone:

        def looked_before_the_other_save(session, *, family_id):
            # Mum's phone looked for the plan to write to just before the practitioner's
            # first save made it.
            if session is mums_phone and sys._getframe(1).f_code.co_name == "_plan_for_writing":
                monkeypatch.setattr(plans_service, "_plan", real_plan)
                return None
            return real_plan(session, family_id=family_id)

        add_action(db, settings, family, family.practitioner, what="Call the school")
        monkeypatch.setattr(plans_service, "_plan", looked_before_the_other_save)
        plans_service.add_action(
            mums_phone,
            **as_(mums_phone, settings, family, family.parent),
            data=ActionInput(what="Nan takes Amir", who=[], by_when=""),
        )
        mums_phone.commit()
    assert len(db.exec(select(FamilyPlan)).all()) == 1
    assert [v.action.what for v in read(db, settings, family, family.parent).actions] == [
        "Call the school",
        "Nan takes Amir",
    ]


def test_an_action_with_nobody_is_a_finding_with_its_action(db, settings, family):
    action = add_action(db, settings, family, family.parent, who=())
    view = read(db, settings, family, family.parent)
    assert [f.code for f in view.findings] == [FindingCode.action_without_person]
    assert view.findings[0].action_id == action.id
    assert "Nan takes Amir to school" in view.findings[0].explanation
    assert view.actions[0].has_nobody


def test_an_action_only_for_a_worry_is_serious_for_whoever_sees_the_worry(db, settings, family):
    dad = person(db, settings, family, "Dad")
    flag_worry(db, settings, family, dad)
    add_action(db, settings, family, family.parent, who=[dad])
    practitioner = read(db, settings, family, family.practitioner)
    assert practitioner.findings[0].severity == Severity.serious
    assert practitioner.actions[0].only_worries
    # The parent may not see the worry: no finding, no flag gives it away.
    parent = read(db, settings, family, family.parent)
    assert parent.findings == []
    assert not parent.actions[0].people[0].is_worry


def test_actions_reach_the_network_gaps(db, settings, family):
    add_action(db, settings, family, family.parent, who=())
    access = access_of(db, family.practitioner, family.id)
    network = network_service.load_network(
        db, actor=actor_for(settings, family.practitioner), access=access, audit=False
    )
    report = network_service.report(network, settings=settings)
    assert FindingCode.action_without_person in {f.code for f in report.findings}


def test_young_people_and_managers_cannot_write(db, settings, family):
    with pytest.raises(NotAllowedHere):
        add_action(db, settings, family, family.young_person)
    manager = make_user(db, settings, role=StaffRole.manager)
    access = FamilyAccess(family=family.family, role=AccessRole.manager)
    with pytest.raises(NotAllowedHere):
        plans_service.add_goal(
            db, actor=actor_for(settings, manager), access=access, data=GoalInput(text="x")
        )
    assert db.exec(select(PlanAction)).all() == []


def test_during_private_family_time_a_practitioner_is_locked_out_and_the_family_writes(
    db, settings, family
):
    start_family_time(db, family)
    with pytest.raises(PlanLocked):
        add_action(db, settings, family, family.practitioner)
    db.rollback()
    assert db.exec(select(PlanAction)).all() == []
    add_action(db, settings, family, family.parent)
    saved = revisions(db, family)
    assert saved[-1].during_family_time
    view = read(db, settings, family, family.practitioner)
    assert view.family_time is not None and not view.writable_now


def test_a_bad_action_says_what_is_wrong_by_field_and_saves_nothing(db, settings, family):
    with pytest.raises(FamilyFormError) as caught:
        plans_service.add_action(
            db,
            **as_(db, settings, family, family.parent),
            data=ActionInput(what=" ", who=["999999"], due_date="31/02/2026"),
        )
    assert set(caught.value.errors) == {"what", "who", "due_date"}
    db.rollback()
    assert db.exec(select(PlanAction)).all() == []


def test_a_stale_action_is_a_conflict_with_both_versions(db, settings, family):
    action = add_action(db, settings, family, family.parent)
    old = action.version
    plans_service.update_action(
        db,
        **as_(db, settings, family, family.practitioner),
        action_id=action.id,
        version=old,
        data=ActionInput(what="Nan takes Amir to school on Mondays", who=[]),
    )
    db.commit()
    with pytest.raises(StaleEdit) as caught:
        plans_service.update_action(
            db,
            **as_(db, settings, family, family.parent),
            action_id=action.id,
            version=old,
            data=ActionInput(what="Mum takes Amir", who=[]),
        )
    assert ("What will be done", "Mum takes Amir", "Nan takes Amir to school on Mondays") in (
        caught.value.rows
    )


def test_changing_different_sections_at_once_keeps_both(db, settings, family):
    plans_service.update_section(
        db, **as_(db, settings, family, family.parent), section="what_we_want", was="", value="A"
    )
    db.commit()
    # Someone loaded the page before that save and changes another section: kept.
    plans_service.update_section(
        db,
        **as_(db, settings, family, family.practitioner),
        section="people_to_call",
        was="",
        value="Nan 0700",
    )
    db.commit()
    # The same section from a stale page: a conflict.
    with pytest.raises(StaleEdit):
        plans_service.update_section(
            db,
            **as_(db, settings, family, family.practitioner),
            section="what_we_want",
            was="",
            value="B",
        )
    view = read(db, settings, family, family.parent)
    assert (view.what_we_want, view.people_to_call) == ("A", "Nan 0700")


def test_agreeing_and_agreeing_again_after_a_change(db, settings, family):
    add_action(db, settings, family, family.parent)
    plans_service.agree(
        db, **as_(db, settings, family, family.parent), revision=1, name_given="Sam", agreed=True
    )
    db.commit()
    view = read(db, settings, family, family.parent)
    assert [a.is_current for a in view.agreements] == [True]
    add_action(db, settings, family, family.practitioner, what="Call school")
    view = read(db, settings, family, family.parent)
    assert [a.name_given for a in view.needs_to_agree_again] == ["Sam"]
    assert view.agree_again_since == 1
    with pytest.raises(PlanChanged):
        plans_service.agree(
            db,
            **as_(db, settings, family, family.parent),
            revision=1,
            name_given="Sam",
            agreed=True,
        )


def test_practitioners_do_not_agree(db, settings, family):
    add_action(db, settings, family, family.parent)
    with pytest.raises(NotAllowedHere):
        plans_service.agree(
            db,
            **as_(db, settings, family, family.practitioner),
            revision=1,
            name_given="P",
            agreed=True,
        )


def test_on_the_family_device_several_people_agree_one_after_another(db, settings, family):
    nan = person(db, settings, family, "Nan")
    meeting = start_family_time(db, family)
    add_action(db, settings, family, family.parent)
    access = access_of(db, family.parent, family.id)
    device = type("DeviceAccess", (), {})()
    for name in ("family", "role", "family_id", "is_practitioner", "is_family", "can_edit"):
        setattr(device, name, getattr(access, name))
    device.on_family_device = True
    actor = actor_for(settings, family.parent)
    plans_service.agree(
        db,
        actor=actor,
        access=device,
        revision=1,
        name_given="Nan",
        agreed=True,
        person_id=str(nan.id),
    )
    plans_service.agree(
        db, actor=actor, access=device, revision=1, name_given="Uncle Dev", agreed=True
    )
    db.commit()
    view = read(db, settings, family, family.parent)
    assert sorted(a.name_given for a in view.agreements) == ["Nan", "Uncle Dev"]
    assert all(a.agreement.meeting_id == meeting.id for a in view.agreements)


def test_history_shows_changes_word_by_word_and_since(db, settings, family):
    action = add_action(db, settings, family, family.parent, what="Nan takes Amir")
    plans_service.update_action(
        db,
        **as_(db, settings, family, family.parent),
        action_id=action.id,
        version=action.version,
        data=ActionInput(what="Nan takes Amir to school", who=[]),
    )
    db.commit()
    history = plans_service.read_history(db, **as_(db, settings, family, family.parent), since=1)
    assert [r.revision.number for r in history.revisions] == [2, 1]
    change = next(c for c in history.revisions[0].changes if c.field == "What will be done")
    assert [(w.text, w.change) for w in change.words] == [
        ("Nan takes Amir", "same"),
        ("to school", "added"),
    ]
    assert history.since == 1 and history.since_changes


def test_goals_move_and_remove(db, settings, family):
    who = as_(db, settings, family, family.parent)
    first = plans_service.add_goal(db, **who, data=GoalInput(text="One"))
    plans_service.add_goal(db, **who, data=GoalInput(text="Two"))
    db.commit()
    plans_service.move_goal(db, **who, goal_id=first.id, version=first.version, up=False)
    db.commit()
    assert [g.goal.text for g in read(db, settings, family, family.parent).goals] == ["Two", "One"]
    db.refresh(first)
    plans_service.remove_goal(db, **who, goal_id=first.id, version=first.version)
    db.commit()
    assert [g.goal.text for g in read(db, settings, family, family.parent).goals] == ["Two"]


def test_another_familys_rows_are_not_found(db, settings, family):
    other = make_family(db, settings, name="Other")
    action = add_action(db, settings, other, other.parent)
    with pytest.raises(NotFound):
        plans_service.get_action(
            db, access=access_of(db, family.parent, family.id), action_id=action.id
        )


def test_reading_and_writing_are_audited(db, settings, family):
    add_action(db, settings, family, family.parent)
    read(db, settings, family, family.young_person)
    actions = [
        e.action
        for e in db.exec(select(AuditEvent).where(AuditEvent.object_type == "family_plan")).all()
    ]
    assert "plan_action_add" in actions and "view" in actions
