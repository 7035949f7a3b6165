"""The safety plan service: revisions on every save, who may write and agree, stale edits,
agreeing again after a change, and the audit trail."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import NotAllowedHere, StaleEdit
from fgdm.families import service as families_service
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.safety import plan_service
from fgdm.safety.models import (
    SafetyPlan,
    SafetyPlanAgreement,
    SafetyPlanRevision,
    SafetyRule,
)
from fgdm.safety.plan_service import PlanChanged, RuleInput
from fgdm.safety.service import SafetyError
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


def child_id(db, family):
    from fgdm.network.models import Person

    return db.exec(
        select(Person.id).where(Person.family_group_id == family.id, Person.is_child)
    ).one()


def add_rule(db, settings, family, user, what="Nan picks the children up from school", who=()):
    rule = plan_service.add_rule(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        data=RuleInput(what=what, who=[str(p.id) for p in who], when_happens="Every school day"),
    )
    db.commit()
    return rule


def revisions(db, family):
    db.expire_all()
    plan = db.exec(select(SafetyPlan).where(SafetyPlan.family_group_id == family.id)).one()
    return plan, list(
        db.exec(
            select(SafetyPlanRevision)
            .where(SafetyPlanRevision.plan_id == plan.id)
            .order_by(SafetyPlanRevision.number)
        )
    )


def test_every_save_makes_a_numbered_revision_with_the_whole_plan(db, settings, family):
    nan = person(db, settings, family, "Nan")
    dev = person(db, settings, family, "Dev")
    actor = actor_for(settings, family.parent)
    access = access_of(db, family.parent, family.id)
    rule = add_rule(db, settings, family, family.parent, who=[nan, dev])
    member = plan_service.add_member(
        db,
        actor=actor,
        access=access,
        person_id=str(nan.id),
        what_they_do="Checks in every evening",
        knows_the_worries=True,
    )
    db.commit()
    plan, _ = revisions(db, family)
    plan_service.update_if_not_working(
        db, actor=actor, access=access, version=plan.version, text="Call Nan"
    )
    db.commit()
    plan_service.update_rule(
        db,
        actor=actor,
        access=access,
        rule_id=rule.id,
        version=rule.version,
        data=RuleInput(what="Nan collects the children", who=[str(nan.id)]),
    )
    db.commit()
    plan_service.remove_member(db, actor=actor, access=access, member_id=member.id, version=1)
    db.commit()

    plan, rows = revisions(db, family)
    assert plan.revision == 5
    assert [r.number for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].content == {
        "if_not_working": "",
        "rules": [
            {
                "id": rule.id,
                "what": "Nan picks the children up from school",
                "who": ["Dev", "Nan"],
                "when": "Every school day",
                "how_child_knows": "",
                "if_broken": "",
                "child_words": "",
                "pictogram": "",
            }
        ],
        "network": [],
    }
    assert rows[1].content["network"] == [
        {
            "person_id": nan.id,
            "name": "Nan",
            "what_they_do": "Checks in every evening",
            "knows_the_worries": True,
        }
    ]
    assert rows[2].content["if_not_working"] == "Call Nan"
    assert rows[3].content["rules"][0]["what"] == "Nan collects the children"
    assert rows[3].content["rules"][0]["who"] == ["Nan"]
    assert rows[4].content["network"] == []
    assert [r.summary for r in rows][:2] == ["Added a rule", "Added someone who helps"]
    assert all(r.created_by_id == family.parent.id for r in rows)


def test_the_history_shows_each_revision_newest_first_with_its_changes(db, settings, family):
    add_rule(db, settings, family, family.practitioner, what="Nan picks the children up")
    add_rule(db, settings, family, family.parent, what="Dad never drinks at home")
    history = plan_service.load_history(
        db,
        actor=actor_for(settings, family.young_person),
        access=access_of(db, family.young_person, family.id),
    )
    assert [rv.revision.number for rv in history.revisions] == [2, 1]
    assert history.revisions[0].author_name == family.parent.display_name
    assert {c.kind for c in history.revisions[0].changes} == {"added"}
    assert "Dad never drinks at home" in history.revisions[0].changes[0].subject


def test_moving_a_rule_changes_the_order_and_makes_a_revision(db, settings, family):
    first = add_rule(db, settings, family, family.parent, what="First rule")
    add_rule(db, settings, family, family.parent, what="Second rule")
    plan_service.move_rule(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        rule_id=first.id,
        version=first.version,
        up=False,
    )
    db.commit()
    plan, rows = revisions(db, family)
    assert [r["what"] for r in rows[-1].content["rules"]] == ["Second rule", "First rule"]
    assert plan.revision == 3


def test_only_adults_of_this_family_can_do_a_rule(db, settings, family):
    other = make_family(db, settings, name="Another family")
    stranger = person(db, settings, other, "Stranger")
    for who in ([str(stranger.id)], [str(child_id(db, family))], ["abc"]):
        with pytest.raises(SafetyError) as caught:
            plan_service.add_rule(
                db,
                actor=actor_for(settings, family.parent),
                access=access_of(db, family.parent, family.id),
                data=RuleInput(what="Someone walks to school", who=who),
            )
        assert "who" in caught.value.errors
    db.rollback()
    assert db.exec(select(SafetyRule)).all() == []


def test_a_child_cannot_be_in_the_safety_network(db, settings, family):
    with pytest.raises(SafetyError) as caught:
        plan_service.add_member(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            person_id=str(child_id(db, family)),
            what_they_do="",
            knows_the_worries=False,
        )
    assert "person_id" in caught.value.errors


def test_a_rule_needs_words_and_keeps_to_the_limits(db, settings, family):
    with pytest.raises(SafetyError) as caught:
        plan_service.add_rule(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            data=RuleInput(what="  ", who=[], child_words="x" * 301, pictogram="nope"),
        )
    assert set(caught.value.errors) == {"what", "child_words", "pictogram"}


def test_long_sentences_for_children_are_found_but_not_refused(db, settings, family):
    words = "Nan will pick you up from school every day and walk you home to Mum. Okay."
    assert plan_service.long_sentences(words) == [
        "Nan will pick you up from school every day and walk you home to Mum."
    ]
    rule = plan_service.add_rule(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        data=RuleInput(what="Nan collects", who=[], child_words=words),
    )
    assert rule.child_words == words


def test_stale_rule_plan_and_member_versions_are_refused(db, settings, family):
    nan = person(db, settings, family, "Nan")
    actor = actor_for(settings, family.parent)
    access = access_of(db, family.parent, family.id)
    rule = add_rule(db, settings, family, family.parent)
    member = plan_service.add_member(
        db,
        actor=actor,
        access=access,
        person_id=str(nan.id),
        what_they_do="",
        knows_the_worries=False,
    )
    db.commit()
    with pytest.raises(StaleEdit) as caught:
        plan_service.update_rule(
            db,
            actor=actor,
            access=access,
            rule_id=rule.id,
            version=rule.version - 1,
            data=RuleInput(what="My words", who=[]),
        )
    assert ("What will happen", "My words", "Nan picks the children up from school") in (
        caught.value.rows
    )
    with pytest.raises(StaleEdit):
        plan_service.remove_rule(db, actor=actor, access=access, rule_id=rule.id, version=99)
    with pytest.raises(StaleEdit):
        plan_service.update_if_not_working(db, actor=actor, access=access, version=1, text="x")
    with pytest.raises(StaleEdit):
        plan_service.update_member(
            db,
            actor=actor,
            access=access,
            member_id=member.id,
            version=member.version + 1,
            what_they_do="x",
            knows_the_worries=True,
        )
    db.rollback()
    plan, rows = revisions(db, family)
    assert plan.revision == 2
    assert plan.if_not_working == ""


def agree(db, settings, family, user, revision, name="Mum"):
    row = plan_service.agree(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        revision=revision,
        name_given=name,
        agreed=True,
    )
    db.commit()
    return row


def test_agreeing_records_the_current_revision_and_a_change_asks_to_agree_again(
    db, settings, family
):
    add_rule(db, settings, family, family.practitioner)
    row = agree(db, settings, family, family.parent, 1, name="Nadia Khan")
    assert (row.revision, row.name_given, row.user_id) == (1, "Nadia Khan", family.parent.id)
    parent_actor = actor_for(settings, family.parent)
    parent_access = access_of(db, family.parent, family.id)
    assert plan_service.agree_again_since(db, actor=parent_actor, access=parent_access) is None

    add_rule(db, settings, family, family.practitioner, what="A second rule")
    assert plan_service.agree_again_since(db, actor=parent_actor, access=parent_access) == 1
    view = plan_service.load_plan(db, actor=parent_actor, access=parent_access)
    assert view.agree_again_since == 1
    assert [(a.user_name, a.is_current) for a in view.agreements] == [
        (family.parent.display_name, False)
    ]

    agree(db, settings, family, family.parent, 2)
    assert plan_service.agree_again_since(db, actor=parent_actor, access=parent_access) is None
    assert len(db.exec(select(SafetyPlanAgreement)).all()) == 2


def test_agreeing_to_a_revision_that_is_no_longer_current_is_refused(db, settings, family):
    add_rule(db, settings, family, family.practitioner)
    add_rule(db, settings, family, family.practitioner, what="Another")
    with pytest.raises(PlanChanged):
        agree(db, settings, family, family.young_person, 1)
    db.rollback()
    assert db.exec(select(SafetyPlanAgreement)).all() == []


def test_agreeing_needs_a_name_and_the_tick(db, settings, family):
    add_rule(db, settings, family, family.practitioner)
    with pytest.raises(SafetyError) as caught:
        plan_service.agree(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            revision=1,
            name_given=" ",
            agreed=False,
        )
    assert set(caught.value.errors) == {"name_given", "agreed"}


def test_staff_do_not_agree_here(db, settings, family):
    add_rule(db, settings, family, family.practitioner)
    with pytest.raises(NotAllowedHere):
        agree(db, settings, family, family.practitioner, 1)


def test_young_people_and_managers_cannot_change_the_plan_and_are_audited(db, settings, family):
    manager = make_user(db, settings, role=StaffRole.manager)
    people = [
        (family.young_person, access_of(db, family.young_person, family.id)),
        (manager, FamilyAccess(family=family.family, role=AccessRole.manager)),
    ]
    for user, access in people:
        with pytest.raises(NotAllowedHere):
            plan_service.add_rule(
                db,
                actor=actor_for(settings, user),
                access=access,
                data=RuleInput(what="Not allowed", who=[]),
            )
        with pytest.raises(NotAllowedHere):
            plan_service.update_if_not_working(
                db, actor=actor_for(settings, user), access=access, version=0, text="x"
            )
    db.rollback()
    assert db.exec(select(SafetyRule)).all() == []
    refused = db.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == "safety_plan", AuditEvent.outcome == Outcome.refused
        )
    ).all()
    assert sorted(e.action for e in refused) == sorted(
        ["safety_rule_add", "safety_plan_update"] * 2
    )


def test_reads_and_writes_are_audited(db, settings, family):
    add_rule(db, settings, family, family.parent)
    plan_service.load_plan(
        db,
        actor=actor_for(settings, family.young_person),
        access=access_of(db, family.young_person, family.id),
    )
    db.commit()
    events = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "safety_plan").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("safety_rule_add", family.parent.id),
        ("view", family.young_person.id),
    ]


def test_taking_someone_the_plan_names_off_the_map_is_a_save_that_asks_to_agree_again(
    db, settings, family
):
    nan = person(db, settings, family, "Nan")
    neighbour = person(db, settings, family, "Mrs Patel")
    add_rule(db, settings, family, family.practitioner, who=[nan])
    agree(db, settings, family, family.parent, 1)
    practitioner = actor_for(settings, family.practitioner)
    access = access_of(db, family.practitioner, family.id)

    # Someone the plan does not name: the plan is not touched.
    db.refresh(neighbour)
    network_service.remove_person(
        db, actor=practitioner, access=access, person_id=neighbour.id, version=neighbour.version
    )
    db.commit()
    assert len(revisions(db, family)[1]) == 1

    db.refresh(nan)
    network_service.remove_person(
        db, actor=practitioner, access=access, person_id=nan.id, version=nan.version
    )
    db.commit()
    plan, saved = revisions(db, family)
    assert [r.number for r in saved] == [1, 2]
    assert saved[-1].content["rules"][0]["who"] == []
    assert "taken off the map" in saved[-1].summary
    parent_actor = actor_for(settings, family.parent)
    parent_access = access_of(db, family.parent, family.id)
    assert plan_service.agree_again_since(db, actor=parent_actor, access=parent_access) == 1
