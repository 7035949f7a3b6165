"""The network service: people, details with visibility, relationships, offers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.audit.models import AuditEvent
from fgdm.db import StaleEdit
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.network import service as network_service
from fgdm.network.models import DetailField, Visibility
from fgdm.network.service import PersonInput
from fgdm.network.vocabulary import Closeness, Day, Need, PartOfDay
from tests.factories import actor_for, make_family, make_user


@pytest.fixture
def family(db, settings):
    """The Test family: a practitioner, mum (the parent) and dad (a second parent)."""
    setup = make_family(db, settings)
    dad = make_user(db, settings, name="Dad")
    families_service.add_member(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access_of(db, setup.practitioner, setup.id),
        user=dad,
        role=MemberRole.family_member,
    )
    db.commit()
    setup.dad = dad  # type: ignore[attr-defined]
    return setup


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def add_person(db, settings, user, family_id, name="Nan", closeness="close", **extra):
    person = network_service.add_person(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family_id),
        data=PersonInput(
            known_as=name, kind=extra.pop("kind", "family"), closeness=closeness, **extra
        ),
    )
    db.commit()
    return person


def visible_values(db, settings, user, family_id, person_id):
    view = network_service.load_network(
        db, actor=actor_for(settings, user), access=access_of(db, user, family_id)
    )
    return [d.detail.value for d in view.person(person_id).details]


def test_mothers_new_address_never_reaches_the_father(db, settings, family):
    mum, dad, worker = family.parent, family.dad, family.practitioner
    mum_person = add_person(db, settings, worker, family.id, name="Mum")
    network_service.add_detail(
        db,
        actor=actor_for(settings, mum),
        access=access_of(db, mum, family.id),
        person_id=mum_person.id,
        field_name=DetailField.address,
        value="14 New Street, Leicester LE2 1AB",
        visibility=Visibility.practitioners,
        named=set(),
    )
    db.commit()
    assert visible_values(db, settings, dad, family.id, mum_person.id) == []
    assert visible_values(db, settings, mum, family.id, mum_person.id) == [
        "14 New Street, Leicester LE2 1AB"
    ]
    assert visible_values(db, settings, worker, family.id, mum_person.id) == [
        "14 New Street, Leicester LE2 1AB"
    ]


def test_named_detail_is_seen_by_the_named_members_and_practitioners_only(db, settings, family):
    worker = family.practitioner
    nan = add_person(db, settings, worker, family.id)
    network_service.add_detail(
        db,
        actor=actor_for(settings, worker),
        access=access_of(db, worker, family.id),
        person_id=nan.id,
        field_name=DetailField.phone,
        value="07700 900123",
        visibility=Visibility.named,
        named={family.parent.id},
    )
    db.commit()
    assert visible_values(db, settings, family.parent, family.id, nan.id) == ["07700 900123"]
    assert visible_values(db, settings, family.dad, family.id, nan.id) == []
    assert visible_values(db, settings, family.young_person, family.id, nan.id) == []


def test_a_hidden_worry_does_not_reach_the_family_or_their_analysis(db, settings, family):
    worker = family.practitioner
    dev = add_person(db, settings, worker, family.id, name="Uncle Dev")
    network_service.add_detail(
        db,
        actor=actor_for(settings, worker),
        access=access_of(db, worker, family.id),
        person_id=dev.id,
        field_name=DetailField.worry,
        value="Shouted at the children last month",
        visibility=Visibility.practitioners,
        named=set(),
    )
    db.commit()
    for user, expected in ((worker, True), (family.parent, False), (family.dad, False)):
        view = network_service.load_network(
            db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
        )
        snapshot = network_service.to_snapshot(view)
        node = next(p for p in snapshot.people if p.id == dev.id)
        assert node.is_worry is expected


def test_only_practitioners_record_worries(db, settings, family):
    dev = add_person(db, settings, family.practitioner, family.id, name="Uncle Dev")
    with pytest.raises(network_service.NetworkError) as raised:
        network_service.add_detail(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            person_id=dev.id,
            field_name=DetailField.worry,
            value="I am worried",
            visibility=Visibility.everyone,
            named=set(),
        )
    assert "practitioner" in raised.value.errors["field"]


def test_a_member_cannot_change_or_delete_a_detail_they_cannot_see(db, settings, family):
    worker = family.practitioner
    mum_person = add_person(db, settings, worker, family.id, name="Mum")
    detail = network_service.add_detail(
        db,
        actor=actor_for(settings, worker),
        access=access_of(db, worker, family.id),
        person_id=mum_person.id,
        field_name=DetailField.address,
        value="secret address",
        visibility=Visibility.practitioners,
        named=set(),
    )
    db.commit()
    dad_access = access_of(db, family.dad, family.id)
    with pytest.raises(network_service.NotFound):
        network_service.update_detail(
            db,
            actor=actor_for(settings, family.dad),
            access=dad_access,
            detail_id=detail.id,
            version=detail.version,
            value="overwritten",
            visibility=Visibility.everyone,
            named=set(),
        )
    with pytest.raises(network_service.NotFound):
        network_service.remove_detail(
            db,
            actor=actor_for(settings, family.dad),
            access=dad_access,
            detail_id=detail.id,
            version=detail.version,
        )


def test_adding_a_person_links_them_to_each_child_and_is_audited(db, settings, family):
    nan = add_person(db, settings, family.parent, family.id, closeness="close")
    view = network_service.load_network(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    child = view.children[0].person
    assert [(r.person_a_id, r.person_b_id, r.closeness) for r in view.relationships] == [
        (child.id, nan.id, Closeness.close)
    ]
    actions = db.exec(
        select(AuditEvent.action).where(AuditEvent.family_group_id == family.id)
    ).all()
    assert "person_add" in actions and "view" in actions


def test_bad_person_form_reports_each_field(db, settings, family):
    with pytest.raises(network_service.NetworkError) as raised:
        network_service.add_person(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            data=PersonInput(known_as=" ", kind="alien", area="x" * 81, closeness="best"),
        )
    assert set(raised.value.errors) == {"known_as", "kind", "area", "closeness"}


def test_stale_person_edit_raises_conflict_and_keeps_the_saved_version(db, settings, family):
    nan = add_person(db, settings, family.parent, family.id)
    access = access_of(db, family.parent, family.id)
    actor = actor_for(settings, family.parent)
    network_service.update_person(
        db,
        actor=actor,
        access=access,
        person_id=nan.id,
        version=1,
        data=PersonInput(known_as="Nanna", kind="family"),
    )
    db.commit()
    with pytest.raises(StaleEdit) as raised:
        network_service.update_person(
            db,
            actor=actor,
            access=access,
            person_id=nan.id,
            version=1,
            data=PersonInput(known_as="Granny", kind="family"),
        )
    assert ("Name", "Granny", "Nanna") in raised.value.rows


def test_people_of_another_family_cannot_be_reached(db, settings, family):
    other = make_family(db, settings, name="Other family")
    stranger = add_person(db, settings, other.practitioner, other.id, name="Stranger")
    with pytest.raises(network_service.NotFound):
        network_service.update_person(
            db,
            actor=actor_for(settings, family.practitioner),
            access=access_of(db, family.practitioner, family.id),
            person_id=stranger.id,
            version=1,
            data=PersonInput(known_as="Mine now", kind="family"),
        )
    with pytest.raises(network_service.NetworkError):
        network_service.add_relationship(
            db,
            actor=actor_for(settings, family.practitioner),
            access=access_of(db, family.practitioner, family.id),
            person_id=add_person(db, settings, family.practitioner, family.id).id,
            other_id=stranger.id,
            closeness="close",
        )


def test_offers_keep_their_week_and_reach_the_snapshot(db, settings, family):
    nan = add_person(db, settings, family.parent, family.id)
    network_service.add_offer(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        person_id=nan.id,
        need=Need.school_run,
        sureness="maybe",
        details="Tuesdays and Thursdays",
        slots={(Day.tuesday, PartOfDay.morning), (Day.thursday, PartOfDay.morning)},
    )
    db.commit()
    view = network_service.load_network(
        db,
        actor=actor_for(settings, family.dad),
        access=access_of(db, family.dad, family.id),
    )
    offer = view.person(nan.id).offers[0]
    assert offer.availability == "tue:morning,thu:morning"
    snapshot = network_service.to_snapshot(view)
    assert snapshot.offers[0].slots == {
        (Day.tuesday, PartOfDay.morning),
        (Day.thursday, PartOfDay.morning),
    }


def test_the_gap_analysis_reads_the_safety_plan_rules_and_safety_network(db, settings, family):
    from fgdm.analysis import FindingCode
    from fgdm.safety.models import (
        SafetyNetworkMember,
        SafetyPlan,
        SafetyRule,
        SafetyRuleResponsible,
    )

    nan = add_person(db, settings, family.practitioner, family.id, "Nan")
    dev = add_person(db, settings, family.practitioner, family.id, "Uncle Dev")
    plan = SafetyPlan(family_group_id=family.id)
    db.add(plan)
    db.flush()
    held = SafetyRule(plan_id=plan.id, position=1, what="Nan walks Aisha to school")
    empty = SafetyRule(plan_id=plan.id, position=2, what="Someone checks the house at night")
    db.add_all([held, empty])
    db.flush()
    db.add(SafetyRuleResponsible(rule_id=held.id, person_id=nan.id))
    db.add(SafetyNetworkMember(plan_id=plan.id, person_id=nan.id, knows_the_worries=True))
    db.add(SafetyNetworkMember(plan_id=plan.id, person_id=dev.id, knows_the_worries=False))
    db.commit()

    view = network_service.load_network(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    findings = network_service.report(view, settings=settings).findings
    unheld = [f for f in findings if f.code == FindingCode.rule_without_person]
    assert [f.rule_id for f in unheld] == [empty.id]
    unaware = [f for f in findings if f.code == FindingCode.does_not_know_the_worries]
    assert [f.people for f in unaware] == [(dev.id,)]
