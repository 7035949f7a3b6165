"""Mass assignment: the main forms are sent with the extra fields an attacker would add (another
family's id, a role, someone else as author, a made-up version, a record's id, flags only
practitioners set), and with ids from another family where a form takes an id. Nothing
moves to another family, nobody gains a role, the author is always the person signed in,
and versions follow the database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from fgdm.accounts.models import StaffRole, User
from fgdm.api.models import ApiToken
from fgdm.families import service as families_service
from fgdm.families.models import Membership
from fgdm.invites.models import Invite
from fgdm.network import service as network_service
from fgdm.network.models import DetailViewer, Person, PersonDetail, Relationship
from fgdm.network.service import PersonInput
from fgdm.safety.models import MappingItem, SafetyRule, SafetyRuleResponsible
from fgdm.stories.models import Story
from fgdm.voice.models import HouseEntry, ThreeHouses
from tests.conftest import Browser
from tests.factories import PASSPHRASE, actor_for
from tests.security.conftest import World

pytestmark = pytest.mark.usefixtures("world")


def extras(world: World, **more: str) -> dict[str, str]:
    """What an attacker adds to a form: another family, a role, someone else as author."""
    other = str(world.b.parent.id)
    return {
        "family_group_id": str(world.b.id),
        "family_id": str(world.b.id),
        "role": "admin",
        "staff_role": "admin",
        "author_id": other,
        "created_by_id": other,
        "written_by_id": other,
        "recorded_by_id": other,
        "updated_by_id": other,
        "user_id": other,
        "id": "424242",
        "is_child": "true",
        "shared_with_family": "false",
        **more,
    }


def _people(db: Session, family_id: int) -> list[Person]:
    db.expire_all()
    return list(
        db.exec(
            select(Person).where(Person.family_group_id == family_id).order_by(col(Person.id))
        ).all()
    )


def _child(db: Session, family_id: int) -> Person:
    return next(p for p in _people(db, family_id) if p.is_child)


def _add_person(db: Session, settings, world: World, name: str) -> Person:
    access = families_service.get_access(db, user=world.a.practitioner, family_group_id=world.a.id)
    assert access is not None
    person = network_service.add_person(
        db,
        actor=actor_for(settings, world.a.practitioner),
        access=access,
        data=PersonInput(known_as=name, kind="family"),
    )
    db.commit()
    return person


@pytest.fixture
def practitioner(world: World, browser_for) -> Browser:
    return browser_for(world.a.practitioner)


def test_adding_a_person_with_extra_fields_keeps_them_in_this_family_as_an_adult(
    world, db, practitioner
):
    before_b = len(_people(db, world.b.id))
    response = practitioner.submit(
        f"/families/{world.a.id}/network/people",
        {"known_as": "Nan", "kind": "family", "closeness": "close", **extras(world, version="999")},
    )
    assert response.status_code == 303
    nan = next(p for p in _people(db, world.a.id) if p.known_as == "Nan")
    assert nan.id != 424242
    assert nan.is_child is False
    assert nan.version == 1
    assert nan.created_by_id == world.a.practitioner.id
    assert len(_people(db, world.b.id)) == before_b


def test_changing_a_person_with_extra_fields_changes_only_their_words(
    world, db, settings, practitioner
):
    nan = _add_person(db, settings, world, "Nan")
    response = practitioner.submit(
        f"/families/{world.a.id}/network/people/{nan.id}",
        {"known_as": "Nana", "kind": "family", "version": "1", **extras(world)},
    )
    assert response.status_code == 303
    db.refresh(nan)
    assert (nan.known_as, nan.family_group_id, nan.is_child) == ("Nana", world.a.id, False)
    assert nan.version == 2
    assert nan.created_by_id == world.a.practitioner.id


def test_a_made_up_version_is_refused_as_a_conflict_and_saves_nothing(
    world, db, settings, practitioner
):
    nan = _add_person(db, settings, world, "Nan")
    response = practitioner.submit(
        f"/families/{world.a.id}/network/people/{nan.id}",
        {"known_as": "Nana", "kind": "family", "version": "999"},
    )
    assert response.status_code == 409
    db.refresh(nan)
    assert (nan.known_as, nan.version) == ("Nan", 1)


def test_a_detail_cannot_be_shown_to_someone_from_another_family(world, db, settings, practitioner):
    nan = _add_person(db, settings, world, "Nan")
    url = f"/families/{world.a.id}/network/people/{nan.id}/details"
    form = {"field": "address", "value": "1 High Street", "visibility": "named"}
    refused = practitioner.submit(url, {**form, "named": str(world.b.parent.id)})
    assert refused.status_code == 422
    db.expire_all()
    assert db.exec(select(PersonDetail).where(PersonDetail.person_id == nan.id)).all() == []
    done = practitioner.submit(
        url, {**form, "named": str(world.a.parent.id), **extras(world, person_id="1")}
    )
    assert done.status_code == 303
    detail = db.exec(select(PersonDetail).where(PersonDetail.person_id == nan.id)).one()
    assert detail.updated_by_id == world.a.practitioner.id
    viewers = db.exec(select(DetailViewer.user_id).where(DetailViewer.detail_id == detail.id))
    assert set(viewers) == {world.a.parent.id}


def test_a_person_cannot_be_linked_to_someone_in_another_family(world, db, settings, practitioner):
    nan = _add_person(db, settings, world, "Nan")
    stranger = _child(db, world.b.id)
    response = practitioner.submit(
        f"/families/{world.a.id}/network/people/{nan.id}/links",
        {"other_id": str(stranger.id), "closeness": "close", **extras(world)},
    )
    assert response.status_code in (404, 422)
    db.expire_all()
    assert db.exec(select(Relationship).where(Relationship.person_b_id == stranger.id)).all() == []
    assert db.exec(select(Relationship).where(Relationship.person_a_id == stranger.id)).all() == []


def test_a_parents_mapping_item_is_theirs_shared_and_in_their_family(world, db, browser_for):
    parent = browser_for(world.a.parent)
    response = parent.submit(
        f"/families/{world.a.id}/mapping/items",
        {
            "column": "working_well",
            "kind": "strength",
            "text": "We eat together",
            "share": "no",
            **extras(world, version="999"),
        },
    )
    assert response.status_code == 303
    db.expire_all()
    item = db.exec(select(MappingItem).where(MappingItem.text == "We eat together")).one()
    assert item.family_group_id == world.a.id
    assert item.author_id == world.a.parent.id
    assert item.shared_with_family is True
    assert item.version == 1

    changed = parent.submit(
        f"/families/{world.a.id}/mapping/items/{item.id}",
        {
            "kind": "strength",
            "text": "We eat together on Sundays",
            "version": "1",
            "share": "no",
            **extras(world),
        },
    )
    assert changed.status_code == 303
    db.refresh(item)
    assert (item.text, item.version) == ("We eat together on Sundays", 2)
    assert (item.family_group_id, item.author_id) == (world.a.id, world.a.parent.id)
    assert item.shared_with_family is True


def test_a_rule_is_written_by_the_person_signed_in_and_names_only_this_familys_people(
    world, db, settings, practitioner
):
    nan = _add_person(db, settings, world, "Nan")
    stranger = _add_person_b(db, settings, world, "Stranger")
    url = f"/families/{world.a.id}/safety-plan/rules"
    refused = practitioner.submit(url, {"what": "Nan collects", "who": str(stranger.id)})
    assert refused.status_code == 422
    response = practitioner.submit(
        url,
        {"what": "Nan collects", "who": str(nan.id), **extras(world, version="999", plan_id="1")},
    )
    assert response.status_code == 303
    db.expire_all()
    rule = db.exec(select(SafetyRule).where(SafetyRule.what == "Nan collects")).one()
    assert rule.created_by_id == world.a.practitioner.id
    assert rule.version == 1
    who = db.exec(
        select(SafetyRuleResponsible.person_id).where(SafetyRuleResponsible.rule_id == rule.id)
    )
    assert set(who) == {nan.id}

    changed = practitioner.submit(
        f"{url}/{rule.id}",
        {"what": "Nan collects on Fridays", "who": str(nan.id), "version": "1", **extras(world)},
    )
    assert changed.status_code == 303
    db.refresh(rule)
    assert (rule.what, rule.version, rule.created_by_id) == (
        "Nan collects on Fridays",
        2,
        world.a.practitioner.id,
    )
    stale = practitioner.submit(
        f"{url}/{rule.id}", {"what": "Nobody collects", "who": str(nan.id), "version": "999"}
    )
    assert stale.status_code == 409
    db.refresh(rule)
    assert rule.what == "Nan collects on Fridays"


def _add_person_b(db: Session, settings, world: World, name: str) -> Person:
    access = families_service.get_access(db, user=world.b.practitioner, family_group_id=world.b.id)
    assert access is not None
    person = network_service.add_person(
        db,
        actor=actor_for(settings, world.b.practitioner),
        access=access,
        data=PersonInput(known_as=name, kind="family"),
    )
    db.commit()
    return person


def test_a_story_is_for_a_child_of_this_family_and_written_by_the_person_signed_in(
    world, db, practitioner
):
    url = f"/families/{world.a.id}/stories"
    other_child = _child(db, world.b.id)
    refused = practitioner.submit(url, {"child_id": str(other_child.id), "title": "Stolen"})
    assert refused.status_code == 422
    child = _child(db, world.a.id)
    response = practitioner.submit(
        url, {"child_id": str(child.id), "title": "Our story", **extras(world, version="999")}
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.exec(select(Story).where(Story.title == "Stolen")).all() == []
    story = db.exec(select(Story).where(Story.title == "Our story")).one()
    assert (story.family_group_id, story.child_id) == (world.a.id, child.id)
    assert story.created_by_id == world.a.practitioner.id
    assert story.version == 1


def test_a_three_houses_entry_is_written_by_the_person_signed_in(world, db, practitioner):
    child = _child(db, world.a.id)
    assert practitioner.get(f"/families/{world.a.id}/three-houses/{child.id}").status_code == 200
    response = practitioner.submit(
        f"/families/{world.a.id}/three-houses/{child.id}/entries",
        {
            "house": "dreams",
            "text": "A dog",
            **extras(world, version="999", three_houses_id="1", drawing_id="1"),
        },
    )
    assert response.status_code == 303
    db.expire_all()
    entry = db.exec(select(HouseEntry).where(HouseEntry.text == "A dog")).one()
    assert entry.written_by_id == world.a.practitioner.id
    assert entry.drawing_id is None
    assert entry.version == 1
    houses = db.get(ThreeHouses, entry.three_houses_id)
    assert houses is not None
    assert (houses.family_group_id, houses.child_id) == (world.a.id, child.id)


def test_an_invite_is_for_this_family_made_by_the_person_signed_in_and_never_for_staff(
    world, db, practitioner
):
    response = practitioner.submit(
        f"/families/{world.a.id}/invites",
        {**extras(world, version="999"), "invited_name": "Uncle Dev", "role": "family_member"},
    )
    assert response.status_code in (200, 303)
    refused = practitioner.submit(
        f"/families/{world.a.id}/invites", {"invited_name": "Boss", "role": "practitioner"}
    )
    assert refused.status_code == 422
    db.expire_all()
    invite = db.exec(select(Invite).where(Invite.invited_name == "Uncle Dev")).one()
    assert invite.family_group_id == world.a.id
    assert invite.created_by_id == world.a.practitioner.id
    assert invite.role == "family_member"
    assert invite.redeemed_by_id is None
    assert invite.version == 1
    assert db.exec(select(Invite).where(Invite.invited_name == "Boss")).all() == []


def test_changing_a_passphrase_never_changes_a_role_or_another_account(world, db, browser_for):
    parent = browser_for(world.a.parent)
    response = parent.submit(
        "/account/passphrase",
        {
            "current": PASSPHRASE,
            "new": "a brand new long passphrase",
            **extras(world, login="admin@council.example.org", is_active="false", team_id="1"),
        },
    )
    assert response.status_code == 303
    db.expire_all()
    me = db.get(User, world.a.parent.id)
    assert me is not None
    assert (me.staff_role, me.team_id, me.is_active) == (None, None, True)
    assert me.login == world.a.parent.login
    other = db.get(User, world.b.parent.id)
    assert other is not None and other.password_hash == world.b.parent.password_hash
    memberships = db.exec(select(Membership).where(Membership.user_id == me.id)).all()
    assert {m.family_group_id for m in memberships} == {world.a.id}


def test_an_admin_making_an_account_sets_only_what_the_form_offers(world, db, browser_for):
    admin = browser_for(world.admin)
    response = admin.submit(
        "/admin/users",
        {
            "login": "new.worker@council.example.org",
            "display_name": "New Worker",
            "staff_role": "practitioner",
            "team": "Team A",
            "passphrase": "a long enough passphrase here",
            "id": str(world.a.practitioner.id),
            "is_active": "false",
            "totp_secret": "JBSWY3DPEHPK3PXP",
            "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$x$y",
            "family_group_id": str(world.a.id),
            "version": "999",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    made = db.exec(select(User).where(User.login == "new.worker@council.example.org")).one()
    assert made.id != world.a.practitioner.id
    assert made.staff_role == StaffRole.practitioner
    assert made.is_active is True
    assert made.totp_secret == ""
    assert made.password_hash.startswith("$argon2id$") and "$x$y" not in made.password_hash
    assert made.version != 999  # the database counts versions, not the form
    assert db.exec(select(Membership).where(Membership.user_id == made.id)).all() == []
    kept = db.get(User, world.a.practitioner.id)
    assert kept is not None and kept.display_name == world.a.practitioner.display_name


def test_an_api_token_is_always_the_signed_in_persons_own(world, db, browser_for):
    practitioner = browser_for(world.a.practitioner)
    response = practitioner.submit(
        "/account/api-tokens",
        {"name": "Case system", **extras(world, user_id=str(world.admin.id), version="999")},
    )
    assert response.status_code in (200, 303)
    db.expire_all()
    token = db.exec(select(ApiToken).where(ApiToken.name == "Case system")).one()
    assert token.user_id == world.a.practitioner.id
    assert token.version == 1
    assert token.id != 424242
