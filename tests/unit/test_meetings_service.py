"""Preparing a meeting: scheduling, the invite list the family decides, needs, the safety
arrangements and how they reach the preparation page and the printed invitations."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.audit.models import AuditEvent
from fgdm.db import NotFound
from fgdm.families import service as families_service
from fgdm.meetings import service as meetings_service
from fgdm.meetings.models import InvitationStatus
from fgdm.meetings.service import InvitationInput
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from tests.factories import actor_for, make_family

REASON = "Domestic abuse: a court order keeps them apart"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def as_(db, settings, family, who):
    user = getattr(family, who)
    return {"actor": actor_for(settings, user), "access": access_of(db, user, family.id)}


def person(db, settings, family, name):
    made = network_service.add_person(
        db,
        **as_(db, settings, family, "practitioner"),
        data=PersonInput(known_as=name, kind="family"),
    )
    db.commit()
    return made


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
