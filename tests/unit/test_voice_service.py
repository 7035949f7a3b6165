"""The three houses service: who sees a child's houses and who writes in them, choosing
viewers, version conflicts, words-or-drawing, and the audit rows every read and write
leaves."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.network.models import Person
from fgdm.voice import service as voice_service
from fgdm.voice.models import House, HouseDrawing, HouseEntry, ThreeHouses, ThreeHousesViewer
from tests.factories import actor_for, make_family, make_user
from tests.unit.test_images import picture


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def child_of(db, family_id):
    return db.exec(
        select(Person).where(Person.family_group_id == family_id, col(Person.is_child).is_(True))
    ).first()


def load(db, settings, family, user, child=None):
    child = child or child_of(db, family.id)
    view = voice_service.load(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        child_id=child.id,
    )
    db.commit()
    return view


def add(db, settings, family, user, text="I worry about shouting", house="worries", **kw):
    entry = voice_service.add_entry(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        child_id=child_of(db, family.id).id,
        house=house,
        text=text,
        **kw,
    )
    db.commit()
    return entry


def choose(db, settings, family, user, viewers, version=None):
    houses = db.exec(select(ThreeHouses)).one()
    db.refresh(houses)
    result = voice_service.choose_viewers(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        child_id=houses.child_id,
        version=houses.version if version is None else version,
        user_ids=[str(v.id) for v in viewers],
    )
    db.commit()
    return result


def own_account(db, settings, family, user, young):
    houses = db.exec(select(ThreeHouses)).one()
    db.refresh(houses)
    result = voice_service.set_own_account(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        child_id=houses.child_id,
        version=houses.version,
        user_id=str(young.id) if young else "",
    )
    db.commit()
    return result


@pytest.fixture
def houses(db, settings, family):
    """The child's houses, made by the practitioner's first visit."""
    return load(db, settings, family, family.practitioner).houses


def test_the_practitioners_first_visit_makes_the_houses(db, settings, family):
    assert db.exec(select(ThreeHouses)).all() == []
    view = load(db, settings, family, family.practitioner)
    assert view.may_write
    assert db.exec(select(ThreeHouses)).one().child_id == view.child.id


def test_two_first_visits_at_the_same_moment_make_one_record(db, settings, family):
    from sqlmodel import Session

    child = child_of(db, family.id)
    # Another practitioner's first visit lands between this one's look and its insert.
    with Session(db.get_bind()) as other:
        other.add(ThreeHouses(family_group_id=family.id, child_id=child.id))
        other.commit()
    made = voice_service._create(
        db,
        actor_for(settings, family.practitioner),
        access_of(db, family.practitioner, family.id),
        child,
    )
    db.commit()
    assert [h.id for h in db.exec(select(ThreeHouses)).all()] == [made.id]


def test_a_parent_cannot_see_the_houses_and_does_not_make_them(db, settings, family):
    with pytest.raises(NotFound):
        load(db, settings, family, family.parent)
    db.rollback()
    assert db.exec(select(ThreeHouses)).all() == []


def test_a_parent_who_was_not_chosen_cannot_see_them(db, settings, family, houses):
    with pytest.raises(NotFound):
        load(db, settings, family, family.parent)


def test_a_young_person_who_is_not_the_child_and_not_chosen_cannot_see_them(
    db, settings, family, houses
):
    with pytest.raises(NotFound):
        load(db, settings, family, family.young_person)


def test_the_childs_own_sign_in_sees_and_writes(db, settings, family, houses):
    own_account(db, settings, family, family.practitioner, family.young_person)
    view = load(db, settings, family, family.young_person)
    assert view.may_write
    add(db, settings, family, family.young_person, "My cat")
    assert [
        e.entry.text for e in load(db, settings, family, family.young_person).entries[House.worries]
    ] == ["My cat"]


def test_a_chosen_member_sees_but_cannot_write(db, settings, family, houses):
    add(db, settings, family, family.practitioner, "Shouting at night")
    choose(db, settings, family, family.practitioner, [family.parent])
    view = load(db, settings, family, family.parent)
    assert not view.may_write
    assert [e.entry.text for e in view.entries[House.worries]] == ["Shouting at night"]
    with pytest.raises(NotAllowedHere):
        add(db, settings, family, family.parent, "Mum's words")
    db.rollback()
    assert [e.text for e in db.exec(select(HouseEntry))] == ["Shouting at night"]


def test_choosing_viewers_changes_what_a_parent_sees(db, settings, family, houses):
    choose(db, settings, family, family.practitioner, [family.parent])
    load(db, settings, family, family.parent)
    choose(db, settings, family, family.practitioner, [])
    with pytest.raises(NotFound):
        load(db, settings, family, family.parent)


def test_the_child_chooses_a_parent(db, settings, family, houses):
    own_account(db, settings, family, family.practitioner, family.young_person)
    choose(db, settings, family, family.young_person, [family.parent])
    assert db.exec(select(ThreeHousesViewer.user_id)).all() == [family.parent.id]


def test_a_member_taken_out_and_brought_back_is_not_chosen_until_the_child_says_so(
    db, settings, family, houses
):
    choose(db, settings, family, family.practitioner, [family.parent])
    practitioner = access_of(db, family.practitioner, family.id)
    [mum] = [
        row.membership
        for row in families_service.list_members(db, access=practitioner)
        if row.user.id == family.parent.id
    ]
    actor = actor_for(settings, family.practitioner)
    families_service.remove_member(
        db, actor=actor, access=practitioner, membership_id=mum.id, version=mum.version
    )
    families_service.add_member(
        db, actor=actor, access=practitioner, user=family.parent, role=MemberRole.family_member
    )
    db.commit()
    with pytest.raises(NotFound):
        load(db, settings, family, family.parent)
    db.rollback()
    assert load(db, settings, family, family.practitioner).viewers == []
    choose(db, settings, family, family.practitioner, [family.parent])
    assert [m.name for m in load(db, settings, family, family.parent).viewers] == ["Parent"]


def test_a_team_manager_cannot_see_the_houses(db, settings, family, houses):
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    access = access_of(db, manager, family.id)
    assert access.role == AccessRole.manager
    with pytest.raises(NotFound):
        voice_service.load(
            db, actor=actor_for(settings, manager), access=access, child_id=houses.child_id
        )
    with pytest.raises(NotFound):
        voice_service.list_children(db, actor=actor_for(settings, manager), access=access)


def test_a_member_of_another_family_cannot_reach_the_child(db, settings, family, houses):
    other = make_family(db, settings, name="Another family")
    choose(db, settings, family, family.practitioner, [family.parent])
    # Even with a practitioner's role in their own group, the child is not in it.
    for user in (other.practitioner, other.parent):
        access = access_of(db, user, other.id)
        with pytest.raises(NotFound):
            voice_service.load(
                db, actor=actor_for(settings, user), access=access, child_id=houses.child_id
            )


def test_a_forged_access_for_the_wrong_family_finds_nothing(db, settings, family, houses):
    other = make_family(db, settings, name="Another family")
    forged = FamilyAccess(family=other.family, role=AccessRole.practitioner)
    with pytest.raises(NotFound):
        voice_service.load(
            db,
            actor=actor_for(settings, other.practitioner),
            access=forged,
            child_id=houses.child_id,
        )


def test_only_family_members_and_young_people_can_be_chosen(db, settings, family, houses):
    colleague = make_user(db, settings, role=StaffRole.practitioner)
    families_service.add_member(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        user=colleague,
        role=MemberRole.practitioner,
    )
    db.commit()
    outsider = make_user(db, settings, name="Stranger")
    choose(db, settings, family, family.practitioner, [colleague, outsider, family.young_person])
    assert db.exec(select(ThreeHousesViewer.user_id)).all() == [family.young_person.id]


def test_only_a_practitioner_says_whose_sign_in_it_is(db, settings, family, houses):
    own_account(db, settings, family, family.practitioner, family.young_person)
    with pytest.raises(NotAllowedHere):
        own_account(db, settings, family, family.young_person, None)
    db.rollback()
    with pytest.raises(voice_service.HousesError) as caught:
        own_account(db, settings, family, family.practitioner, family.parent)
    assert "own_account" in caught.value.errors


def test_choosing_viewers_on_an_old_version_is_a_conflict(db, settings, family, houses):
    old = db.exec(select(ThreeHouses)).one().version
    choose(db, settings, family, family.practitioner, [family.parent])
    assert db.exec(select(ThreeHouses)).one().version == old + 1
    with pytest.raises(StaleEdit):
        choose(db, settings, family, family.practitioner, [], version=old)
    db.rollback()
    assert db.exec(select(ThreeHousesViewer.user_id)).all() == [family.parent.id]


def test_changing_words_on_an_old_version_is_a_conflict(db, settings, family, houses):
    entry = add(db, settings, family, family.practitioner, "First words")
    actor = actor_for(settings, family.practitioner)
    access = access_of(db, family.practitioner, family.id)
    voice_service.update_entry(
        db,
        actor=actor,
        access=access,
        child_id=houses.child_id,
        entry_id=entry.id,
        version=1,
        text="Second words",
    )
    db.commit()
    with pytest.raises(StaleEdit):
        voice_service.update_entry(
            db,
            actor=actor,
            access=access,
            child_id=houses.child_id,
            entry_id=entry.id,
            version=1,
            text="Lost words",
        )
    db.rollback()
    with pytest.raises(StaleEdit):
        voice_service.remove_entry(
            db, actor=actor, access=access, child_id=houses.child_id, entry_id=entry.id, version=1
        )
    db.rollback()
    assert db.exec(select(HouseEntry.text)).all() == ["Second words"]


def test_an_entry_needs_words_or_a_drawing(db, settings, family, houses):
    with pytest.raises(voice_service.HousesError) as caught:
        add(db, settings, family, family.practitioner, "   ")
    assert caught.value.errors == {"text": "Write something or add a photo of a drawing."}
    db.rollback()
    add(db, settings, family, family.practitioner, "", upload=picture("PNG"))
    [entry] = db.exec(select(HouseEntry)).all()
    assert entry.text == "" and entry.drawing_id is not None
    assert db.get(HouseDrawing, entry.drawing_id).mime == "image/png"


def test_words_that_are_too_long_are_refused(db, settings, family, houses):
    with pytest.raises(voice_service.HousesError) as caught:
        add(db, settings, family, family.practitioner, "a" * 1001)
    assert "1000 characters" in caught.value.errors["text"]


def test_removing_an_entry_removes_its_drawing(db, settings, family, houses):
    entry = add(db, settings, family, family.practitioner, "Look", upload=picture("JPEG"))
    voice_service.remove_entry(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        child_id=houses.child_id,
        entry_id=entry.id,
        version=entry.version,
    )
    db.commit()
    assert db.exec(select(HouseEntry)).all() == []
    assert db.exec(select(HouseDrawing)).all() == []


def test_a_drawing_is_only_for_those_who_see_the_houses(db, settings, family, houses):
    entry = add(db, settings, family, family.practitioner, "", upload=picture("PNG"))

    def get(user):
        found = voice_service.get_drawing(
            db,
            actor=actor_for(settings, user),
            access=access_of(db, user, family.id),
            drawing_id=entry.drawing_id,
        )
        db.commit()
        return found

    assert get(family.practitioner).id == entry.drawing_id
    with pytest.raises(NotFound):
        get(family.parent)
    db.rollback()
    choose(db, settings, family, family.practitioner, [family.parent])
    assert get(family.parent).id == entry.drawing_id


def test_the_list_shows_only_children_whose_houses_you_see(db, settings, family):
    setup = make_family(db, settings, name="Two children", children=("Ava", "Ben"))
    ava, ben = db.exec(
        select(Person).where(Person.family_group_id == setup.id).order_by(Person.known_as)
    ).all()
    for child in (ava, ben):
        load(db, settings, setup, setup.practitioner, child)
    houses_of_ben = db.exec(select(ThreeHouses).where(ThreeHouses.child_id == ben.id)).one()
    voice_service.choose_viewers(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access_of(db, setup.practitioner, setup.id),
        child_id=ben.id,
        version=houses_of_ben.version,
        user_ids=[str(setup.parent.id)],
    )
    db.commit()

    def names(user):
        return [
            c.known_as
            for c in voice_service.children_to_see(
                db, actor=actor_for(settings, user), access=access_of(db, user, setup.id)
            )
        ]

    assert names(setup.practitioner) == ["Ava", "Ben"]
    assert names(setup.parent) == ["Ben"]
    assert names(setup.young_person) == []


def test_reads_and_writes_are_audited(db, settings, family, houses):
    add(db, settings, family, family.practitioner, "Words")
    choose(db, settings, family, family.practitioner, [family.parent])
    load(db, settings, family, family.parent)
    rows = db.exec(
        select(AuditEvent)
        .where(AuditEvent.object_type == "three_houses")
        .order_by(col(AuditEvent.id))
    ).all()
    assert [(r.action, r.actor_id) for r in rows] == [
        ("three_houses_create", family.practitioner.id),
        ("view", family.practitioner.id),
        ("three_houses_entry_add", family.practitioner.id),
        ("three_houses_viewers_change", family.practitioner.id),
        ("view", family.parent.id),
    ]
    assert {r.family_group_id for r in rows} == {family.id}


def test_refusals_are_audited(db, settings, family, houses):
    with pytest.raises(NotFound):
        load(db, settings, family, family.parent)
    db.rollback()
    choose(db, settings, family, family.practitioner, [family.parent])
    with pytest.raises(NotAllowedHere):
        add(db, settings, family, family.parent)
    db.rollback()
    refused = db.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == "three_houses", AuditEvent.outcome == Outcome.refused
        )
    ).all()
    assert [(r.action, r.actor_id) for r in refused] == [
        ("view_refused", family.parent.id),
        ("three_houses_add_refused", family.parent.id),
    ]
