"""The meeting room service: the order of the parts, who may move the meeting on, tick who
is here, start and end private family time and take the family's device back, the plan
lock while the family is on its own, stale versions and the audit trail."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole, UserSession
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.meetings import lock, room_service
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.meetings.room_service import RoomError
from fgdm.security import tokens
from tests.factories import PASSPHRASE, actor_for, make_family, make_user
from tests.http.test_meeting_room import invite, make_meeting, worker_access


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def as_role(db, family, role: AccessRole) -> FamilyAccess:
    return replace(worker_access(db, family), role=role)


def a_session(db, settings, user) -> UserSession:
    token = accounts_service.start_session(
        db, settings=settings, user=user, ip_address="127.0.0.1", user_agent="tablet"
    )
    db.commit()
    found = db.get(UserSession, tokens.token_hash(token))
    assert found is not None
    return found


def device_actor(settings, user, meeting):
    return replace(actor_for(settings, user), family_time_meeting_id=meeting.id)


def device_access(db, family) -> FamilyAccess:
    return replace(worker_access(db, family), role=AccessRole.family_member, on_family_device=True)


def start(db, settings, family, meeting) -> UserSession:
    user_session = a_session(db, settings, family.practitioner)
    room_service.start_family_time(
        db,
        actor=actor_for(settings, family.practitioner),
        access=worker_access(db, family),
        meeting_id=meeting.id,
        version=meeting.version,
        user_session=user_session,
    )
    db.commit()
    return user_session


def test_the_parts_come_in_order():
    assert room_service.next_part(MeetingPart.not_started) == MeetingPart.information_sharing
    assert room_service.next_part(MeetingPart.information_sharing) == (
        MeetingPart.private_family_time
    )
    assert room_service.next_part(MeetingPart.private_family_time) == (
        MeetingPart.agreeing_the_plan
    )
    assert room_service.next_part(MeetingPart.agreeing_the_plan) == MeetingPart.ended
    assert room_service.next_part(MeetingPart.ended) is None


def test_the_coordinator_moves_the_meeting_on_and_it_is_audited(db, settings, family):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    moved = room_service.move_to_next_part(
        db,
        actor=actor_for(settings, family.practitioner),
        access=worker_access(db, family),
        meeting_id=meeting.id,
        version=meeting.version,
    )
    db.commit()
    assert moved.part == MeetingPart.information_sharing
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "meeting_part")).one()
    assert (event.detail, event.actor_role) == ("information_sharing", "practitioner")


@pytest.mark.parametrize(
    "role", [AccessRole.family_member, AccessRole.young_person, AccessRole.manager]
)
def test_only_practitioners_move_the_meeting_on(db, settings, family, role):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    with pytest.raises(NotAllowedHere):
        room_service.move_to_next_part(
            db,
            actor=actor_for(settings, family.parent),
            access=as_role(db, family, role),
            meeting_id=meeting.id,
            version=meeting.version,
        )
    db.expire_all()
    assert db.get(Meeting, meeting.id).part == MeetingPart.not_started
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == Outcome.refused)).all()
    assert [e.action for e in refused] == ["meeting_part"]


def test_a_stale_version_moves_nothing(db, settings, family):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    with pytest.raises(StaleEdit):
        room_service.move_to_next_part(
            db,
            actor=actor_for(settings, family.practitioner),
            access=worker_access(db, family),
            meeting_id=meeting.id,
            version=meeting.version + 1,
        )


def test_family_time_cannot_be_skipped_or_ended_by_the_coordinator(db, settings, family):
    for part in (MeetingPart.information_sharing, MeetingPart.private_family_time):
        meeting = make_meeting(db, family, part=part)
        with pytest.raises(RoomError):
            room_service.move_to_next_part(
                db,
                actor=actor_for(settings, family.practitioner),
                access=worker_access(db, family),
                meeting_id=meeting.id,
                version=meeting.version,
            )


def test_a_meeting_of_another_family_group_is_not_found(db, settings, family):
    theirs = make_family(db, settings, name="Other family")
    meeting = make_meeting(db, theirs)
    with pytest.raises(NotFound):
        room_service.load_room(
            db,
            actor=actor_for(settings, family.practitioner),
            access=worker_access(db, family),
            meeting_id=meeting.id,
            settings=settings,
        )


def test_ticking_who_is_here_is_versioned_and_audited(db, settings, family):
    meeting = make_meeting(db, family)
    nan = invite(db, settings, family, meeting, "Nan")
    actor = actor_for(settings, family.practitioner)
    access = worker_access(db, family)
    ticked = room_service.set_attendance(
        db,
        actor=actor,
        access=access,
        meeting_id=meeting.id,
        invitation_id=nan.id,
        version=nan.version,
        attended=True,
    )
    db.commit()
    assert ticked.attended is True
    with pytest.raises(StaleEdit):
        room_service.set_attendance(
            db,
            actor=actor,
            access=access,
            meeting_id=meeting.id,
            invitation_id=nan.id,
            version=ticked.version - 1,
            attended=False,
        )
    view = room_service.load_room(
        db, actor=actor, access=access, meeting_id=meeting.id, settings=settings
    )
    assert [a.person.known_as for a in view.attendees] == ["Nan"]
    assert view.here_count == 1


def test_leaving_the_room_makes_this_session_the_familys_device(db, settings, family):
    meeting = make_meeting(db, family)
    user_session = start(db, settings, family, meeting)
    db.expire_all()
    assert db.get(UserSession, user_session.id).family_time_meeting_id == meeting.id
    assert db.get(Meeting, meeting.id).part == MeetingPart.private_family_time
    assert lock.private_family_time(db, family_group_id=family.id).id == meeting.id


def test_family_time_starts_only_after_sharing_information(db, settings, family):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    with pytest.raises(RoomError):
        start(db, settings, family, meeting)


def test_during_family_time_practitioners_cannot_change_the_plan_but_the_family_can(
    db, settings, family
):
    meeting = make_meeting(db, family)
    start(db, settings, family, meeting)
    with pytest.raises(lock.PlanLocked):
        lock.check_plan_writable(db, access=worker_access(db, family))
    lock.check_plan_writable(db, access=device_access(db, family))
    lock.check_plan_writable(db, access=as_role(db, family, AccessRole.family_member))
    room_service.end_family_time(
        db,
        actor=actor_for(settings, family.parent),
        access=as_role(db, family, AccessRole.family_member),
        meeting_id=meeting.id,
    )
    db.commit()
    lock.check_plan_writable(db, access=worker_access(db, family))


@pytest.mark.parametrize("role", [AccessRole.practitioner, AccessRole.manager])
def test_only_the_family_ends_family_time(db, settings, family, role):
    meeting = make_meeting(db, family)
    start(db, settings, family, meeting)
    with pytest.raises(NotAllowedHere):
        room_service.end_family_time(
            db,
            actor=actor_for(settings, family.practitioner),
            access=as_role(db, family, role),
            meeting_id=meeting.id,
        )


def test_we_have_finished_twice_ends_family_time_once(db, settings, family):
    meeting = make_meeting(db, family)
    start(db, settings, family, meeting)
    for who in (family.parent, family.young_person):
        ended = room_service.end_family_time(
            db,
            actor=actor_for(settings, who),
            access=as_role(db, family, AccessRole.young_person),
            meeting_id=meeting.id,
        )
        db.commit()
    assert ended.part == MeetingPart.agreeing_the_plan
    assert ended.family_time_ended_at is not None
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "family_time_end")).all()
    assert len(events) == 1


def test_the_device_comes_back_only_with_the_coordinators_passphrase(db, settings, family):
    meeting = make_meeting(db, family)
    user_session = start(db, settings, family, meeting)
    room_service.end_family_time(
        db,
        actor=actor_for(settings, family.parent),
        access=as_role(db, family, AccessRole.family_member),
        meeting_id=meeting.id,
    )
    db.commit()
    actor = device_actor(settings, family.practitioner, meeting)
    with pytest.raises(RoomError) as wrong:
        room_service.return_device(
            db,
            actor=actor,
            access=device_access(db, family),
            meeting_id=meeting.id,
            passphrase="a wrong one",
            user_session=user_session,
        )
    assert wrong.value.field == "passphrase"
    assert user_session.family_time_meeting_id == meeting.id
    db.commit()  # the failed attempt's audit row, as at the end of its request
    room_service.return_device(
        db,
        actor=actor,
        access=device_access(db, family),
        meeting_id=meeting.id,
        passphrase=PASSPHRASE,
        user_session=user_session,
    )
    db.commit()
    db.expire_all()
    assert db.get(UserSession, user_session.id).family_time_meeting_id is None


def test_only_the_device_itself_can_be_given_back(db, settings, family):
    meeting = make_meeting(db, family, part=MeetingPart.agreeing_the_plan)
    user_session = a_session(db, settings, family.practitioner)
    with pytest.raises(NotAllowedHere):
        room_service.return_device(
            db,
            actor=actor_for(settings, family.practitioner),
            access=worker_access(db, family),
            meeting_id=meeting.id,
            passphrase=PASSPHRASE,
            user_session=user_session,
        )


def test_audit_rows_from_the_device_say_family_device(db, settings, family):
    meeting = make_meeting(db, family)
    room_service.load_family_time(
        db,
        actor=device_actor(settings, family.practitioner, meeting),
        access=device_access(db, family),
        meeting_id=meeting.id,
    )
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "family_time_view")).one()
    assert event.actor_role == "family_device"
    manager = make_user(db, settings, role=StaffRole.manager)
    with pytest.raises(NotAllowedHere):
        room_service.load_family_time(
            db,
            actor=actor_for(settings, manager),
            access=as_role(db, family, AccessRole.manager),
            meeting_id=meeting.id,
        )
