"""Preparing a meeting: scheduling, the invite list the family decides, needs, the safety
arrangements and how they reach the preparation page and the printed invitations."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.families.models import Referral
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.meetings import service as meetings_service
from fgdm.meetings.models import Invitation, InvitationStatus, SafetyArrangement
from fgdm.meetings.service import InvitationInput, MeetingError, MeetingInput
from tests.factories import actor_for, make_family, make_user
from tests.unit.test_safety_plan_service import access_of, person

REASON = "Domestic abuse: a court order keeps them apart"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def as_(db, settings, family, who):
    user = getattr(family, who)
    return {"actor": actor_for(settings, user), "access": access_of(db, user, family.id)}


def schedule(db, settings, family, date_text="2030-05-14", time_text="10:30"):
    meeting = meetings_service.schedule_meeting(
        db,
        **as_(db, settings, family, "practitioner"),
        kind="conference",
        date_text=date_text,
        time_text=time_text,
    )
    db.commit()
    return meeting


def invite(db, settings, family, meeting, who, status="invited", **needs):
    made = meetings_service.add_invitation(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        person_id=str(who.id),
    )
    db.commit()
    meetings_service.update_invitation(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        invitation_id=made.id,
        version=made.version,
        data=InvitationInput(status=status, **needs),
    )
    db.commit()
    return made


def arrange(db, settings, family, kind, one, other, reason=REASON):
    made = meetings_service.add_arrangement(
        db,
        **as_(db, settings, family, "practitioner"),
        kind=kind,
        person_id=str(one.id),
        other_person_id=str(other.id),
        reason=reason,
    )
    db.commit()
    return made


def actions(db, family):
    return [
        e.action
        for e in db.exec(
            select(AuditEvent)
            .where(AuditEvent.family_group_id == family.id)
            .order_by(AuditEvent.id)
        )
    ]


def test_list_invitations_gives_everyone_on_the_list_by_name_and_is_audited(db, settings, family):
    meeting = schedule(db, settings, family)
    invite(db, settings, family, meeting, person(db, settings, family, "Zara"))
    invite(db, settings, family, meeting, person(db, settings, family, "Bea"), status="coming")

    listed = meetings_service.list_invitations(
        db, **as_(db, settings, family, "young_person"), meeting_id=meeting.id
    )

    assert [(iv.name, iv.invitation.status) for iv in listed] == [
        ("Bea", InvitationStatus.coming),
        ("Zara", InvitationStatus.invited),
    ]
    assert "invitation_list" in actions(db, family)


def test_list_invitations_of_another_family_groups_meeting_is_not_found(db, settings, family):
    other = make_family(db, settings, name="Other family")
    meeting = schedule(db, settings, other)
    with pytest.raises(NotFound):
        meetings_service.list_invitations(
            db, **as_(db, settings, family, "practitioner"), meeting_id=meeting.id
        )


# --- Scheduling and details ----------------------------------------------------------------


def test_a_practitioner_schedules_a_meeting_in_uk_time(db, settings, family):
    meeting = schedule(db, settings, family, "2030-07-01", "10:30")

    assert meeting.starts_at.hour == 9  # 10:30 in British Summer Time
    listed = meetings_service.list_meetings(db, **as_(db, settings, family, "parent"))
    assert [m.id for m in listed.upcoming] == [meeting.id]
    assert "meeting_create" in actions(db, family)


@pytest.mark.parametrize(
    ("date_text", "time_text", "field"),
    [
        ("14/05/2030", "", "date"),
        ("2030-02-30", "", "date"),
        ("", "10:00", "date"),
        ("2030-05-14", "25:00", "time"),
    ],
)
def test_a_bad_date_or_time_is_a_message_by_the_field(
    db, settings, family, date_text, time_text, field
):
    with pytest.raises(MeetingError) as caught:
        schedule(db, settings, family, date_text, time_text)
    assert set(caught.value.errors) == {field}


def test_only_practitioners_schedule_or_change_the_details(db, settings, family):
    meeting = schedule(db, settings, family)
    for who in ("parent", "young_person"):
        with pytest.raises(NotAllowedHere):
            meetings_service.schedule_meeting(
                db, **as_(db, settings, family, who), kind="review", date_text="", time_text=""
            )
        with pytest.raises(NotAllowedHere):
            meetings_service.update_meeting(
                db,
                **as_(db, settings, family, who),
                meeting_id=meeting.id,
                version=meeting.version,
                data=MeetingInput(venue="Somewhere"),
            )


def test_details_are_saved_and_a_stale_change_is_refused(db, settings, family):
    meeting = schedule(db, settings, family)
    nan = person(db, settings, family, "Nan")
    version = meeting.version
    meetings_service.update_meeting(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        version=version,
        data=MeetingInput(
            date="2030-05-14",
            time="11:00",
            venue="Nan's house",
            venue_home_of=str(nan.id),
            arrangements="Sandwiches at 1",
            advocate_name="Sam from the advocacy service",
        ),
    )
    db.commit()
    db.refresh(meeting)
    assert (meeting.venue, meeting.venue_home_of_id) == ("Nan's house", nan.id)

    with pytest.raises(StaleEdit):
        meetings_service.update_meeting(
            db,
            **as_(db, settings, family, "practitioner"),
            meeting_id=meeting.id,
            version=version,
            data=MeetingInput(venue="The family centre"),
        )
    db.rollback()
    db.refresh(meeting)
    assert meeting.venue == "Nan's house"


# --- The invite list -----------------------------------------------------------------------


def test_a_family_member_adds_someone_and_changes_their_needs(db, settings, family):
    meeting = schedule(db, settings, family)
    aunt = person(db, settings, family, "Aunt Rosa")
    made = meetings_service.add_invitation(
        db, **as_(db, settings, family, "parent"), meeting_id=meeting.id, person_id=str(aunt.id)
    )
    db.commit()
    meetings_service.update_invitation(
        db,
        **as_(db, settings, family, "parent"),
        meeting_id=meeting.id,
        invitation_id=made.id,
        version=made.version,
        data=InvitationInput(
            status="coming",
            own_arrival_note="Come at 11:00",
            interpreter_language="Portuguese",
            needs_childcare=True,
        ),
    )
    db.commit()
    db.refresh(made)
    assert (made.status, made.interpreter_language, made.needs_childcare) == (
        InvitationStatus.coming,
        "Portuguese",
        True,
    )
    assert {"invitation_add", "invitation_update"} <= set(actions(db, family))


def test_a_person_is_on_the_list_once_and_children_are_not_invited(db, settings, family):
    meeting = schedule(db, settings, family)
    aunt = person(db, settings, family, "Aunt Rosa")
    invite(db, settings, family, meeting, aunt)
    with pytest.raises(MeetingError) as caught:
        invite(db, settings, family, meeting, aunt)
    assert "already on the list" in caught.value.errors["person_id"]
    db.rollback()
    child_id = next(
        p.id
        for p in meetings_service.children(db, access=access_of(db, family.practitioner, family.id))
    )
    with pytest.raises(MeetingError):
        meetings_service.add_invitation(
            db,
            **as_(db, settings, family, "practitioner"),
            meeting_id=meeting.id,
            person_id=str(child_id),
        )


def test_young_people_and_managers_read_the_list_but_do_not_change_it(db, settings, family):
    meeting = schedule(db, settings, family)
    aunt = person(db, settings, family, "Aunt Rosa")
    manager = make_user(db, settings, role=StaffRole.manager)
    for actor, access in (
        (actor_for(settings, family.young_person), access_of(db, family.young_person, family.id)),
        (actor_for(settings, manager), FamilyAccess(family=family.family, role=AccessRole.manager)),
    ):
        with pytest.raises(NotAllowedHere):
            meetings_service.add_invitation(
                db, actor=actor, access=access, meeting_id=meeting.id, person_id=str(aunt.id)
            )
    assert db.exec(select(Invitation)).all() == []


def test_a_stale_change_to_an_invitation_is_refused(db, settings, family):
    meeting = schedule(db, settings, family)
    made = invite(db, settings, family, meeting, person(db, settings, family, "Aunt Rosa"))
    with pytest.raises(StaleEdit):
        meetings_service.update_invitation(
            db,
            **as_(db, settings, family, "parent"),
            meeting_id=meeting.id,
            invitation_id=made.id,
            version=1,
            data=InvitationInput(status="not_coming"),
        )


# --- Safety arrangements reaching the page and the prints ------------------------------------


def test_practitioners_are_warned_when_two_people_kept_apart_are_both_asked(db, settings, family):
    meeting = schedule(db, settings, family)
    dad, mum = person(db, settings, family, "Dad"), person(db, settings, family, "Mum")
    arrange(db, settings, family, "must_not_meet", dad, mum)
    invite(db, settings, family, meeting, dad)
    made = invite(db, settings, family, meeting, mum, status="to_invite")

    view = meetings_service.load_meeting(
        db, **as_(db, settings, family, "practitioner"), meeting_id=meeting.id
    )
    assert view.warnings == []

    db.refresh(made)
    meetings_service.update_invitation(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        invitation_id=made.id,
        version=made.version,
        data=InvitationInput(status="coming"),
    )
    view = meetings_service.load_meeting(
        db, **as_(db, settings, family, "practitioner"), meeting_id=meeting.id
    )
    assert [w.about for w in view.warnings] == ["invite_list"]
    assert "Dad" in view.warnings[0].text and "Mum" in view.warnings[0].text
    assert REASON not in view.warnings[0].text
    family_view = meetings_service.load_meeting(
        db, **as_(db, settings, family, "parent"), meeting_id=meeting.id
    )
    assert family_view.warnings == []


def _at_home_of(db, settings, family, meeting, host):
    meetings_service.update_meeting(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        version=meeting.version,
        data=MeetingInput(
            date="2030-05-14", time="11:00", venue="12 Hill Road", venue_home_of=str(host.id)
        ),
    )
    db.commit()


def test_a_home_venue_is_withheld_from_family_members_when_an_address_is_protected(
    db, settings, family
):
    meeting = schedule(db, settings, family)
    nan, dad = person(db, settings, family, "Nan"), person(db, settings, family, "Dad")
    _at_home_of(db, settings, family, meeting, nan)
    invite(db, settings, family, meeting, dad)

    open_view = meetings_service.load_meeting(
        db, **as_(db, settings, family, "parent"), meeting_id=meeting.id
    )
    assert open_view.venue == "12 Hill Road"

    arrange(db, settings, family, "must_not_know_address", dad, nan)
    for who in ("parent", "young_person"):
        view = meetings_service.load_meeting(
            db, **as_(db, settings, family, who), meeting_id=meeting.id
        )
        assert (view.venue, view.venue_withheld, view.venue_home_of) == ("", True, None)
    staff = meetings_service.load_meeting(
        db, **as_(db, settings, family, "practitioner"), meeting_id=meeting.id
    )
    assert staff.venue == "12 Hill Road"
    assert [w.about for w in staff.warnings] == ["venue"]


def test_prints_keep_the_arrangements_without_naming_them(db, settings, family):
    db.add(Referral(family_group_id=family.id, decision_to_make="Where Amir lives for now"))
    db.commit()
    meeting = schedule(db, settings, family)
    nan, dad, mum, uncle = (
        person(db, settings, family, n) for n in ("Nan", "Dad", "Mum", "Uncle Joe")
    )
    _at_home_of(db, settings, family, meeting, nan)
    dad_invitation = invite(
        db,
        settings,
        family,
        meeting,
        dad,
        own_arrival_note="Come at 11:00",
        interpreter_language="Polish",
    )
    for who in (nan, mum):
        invite(db, settings, family, meeting, who, status="coming")
    invite(db, settings, family, meeting, uncle, status="not_to_be_invited")
    arrange(db, settings, family, "must_not_meet", mum, dad)
    arrange(db, settings, family, "must_not_know_address", dad, nan)

    (dads,) = meetings_service.print_invitations(
        db,
        **as_(db, settings, family, "practitioner"),
        meeting_id=meeting.id,
        invitation_id=dad_invitation.id,
    )
    assert dads.person.known_as == "Dad"
    assert (dads.venue, dads.venue_withheld) == ("", True)
    assert dads.others == ["Nan"]
    assert dads.decision_to_make == "Where Amir lives for now"
    assert dads.own_arrival_note == "Come at 11:00"
    assert dads.needs == ["An interpreter for Polish."]
    assert dads.contacts == [family.practitioner.display_name]

    everyone = meetings_service.print_invitations(
        db, **as_(db, settings, family, "practitioner"), meeting_id=meeting.id
    )
    by_name = {p.person.known_as: p for p in everyone}
    assert set(by_name) == {"Dad", "Mum", "Nan"}
    assert by_name["Mum"].venue == "12 Hill Road"
    assert by_name["Mum"].others == ["Nan"]
    assert sorted(by_name["Nan"].others) == ["Dad", "Mum"]
    assert "invitation_print" in actions(db, family)


def test_prints_and_arrangements_are_for_practitioners_only(db, settings, family):
    meeting = schedule(db, settings, family)
    dad, mum = person(db, settings, family, "Dad"), person(db, settings, family, "Mum")
    for who in ("parent", "young_person"):
        with pytest.raises(NotAllowedHere):
            meetings_service.print_invitations(
                db, **as_(db, settings, family, who), meeting_id=meeting.id
            )
        with pytest.raises(NotAllowedHere):
            meetings_service.list_arrangements(db, **as_(db, settings, family, who))
        with pytest.raises(NotAllowedHere):
            meetings_service.add_arrangement(
                db,
                **as_(db, settings, family, who),
                kind="must_not_meet",
                person_id=str(dad.id),
                other_person_id=str(mum.id),
                reason="",
            )
    assert db.exec(select(SafetyArrangement)).all() == []


def test_an_arrangement_needs_two_different_people_and_removal_checks_the_version(
    db, settings, family
):
    dad = person(db, settings, family, "Dad")
    with pytest.raises(MeetingError) as caught:
        arrange(db, settings, family, "must_not_meet", dad, dad)
    assert set(caught.value.errors) == {"other_person_id"}
    db.rollback()
    made = arrange(db, settings, family, "must_not_meet", dad, person(db, settings, family, "Mum"))
    with pytest.raises(StaleEdit):
        meetings_service.remove_arrangement(
            db,
            **as_(db, settings, family, "practitioner"),
            arrangement_id=made.id,
            version=made.version + 1,
        )
    db.rollback()
    meetings_service.remove_arrangement(
        db,
        **as_(db, settings, family, "practitioner"),
        arrangement_id=made.id,
        version=made.version,
    )
    db.commit()
    assert db.exec(select(SafetyArrangement)).all() == []
    assert {"arrangement_add", "arrangement_remove"} <= set(actions(db, family))
