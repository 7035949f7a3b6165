"""Family group conferences and reviews: the meeting, who is invited and what they need,
the safety arrangements around it, and, at a review, what happened to each action."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from fgdm.db import Versioned, enum_field, timestamp_field


class MeetingKind(StrEnum):
    conference = "conference"
    review = "review"


class MeetingPart(StrEnum):
    """Where the meeting is: not started, the three parts of a family group conference, or
    ended. A review uses the same parts."""

    not_started = "not_started"
    information_sharing = "information_sharing"
    private_family_time = "private_family_time"
    agreeing_the_plan = "agreeing_the_plan"
    ended = "ended"


class Meeting(Versioned, table=True):
    """One family group conference or review: when and where, the child's advocate, and
    which part of the meeting is happening now. During private family time practitioner
    accounts cannot change the family plan."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    kind: MeetingKind = enum_field(MeetingKind, default=MeetingKind.conference)
    starts_at: datetime | None = timestamp_field(nullable=True, default=None)
    venue: str = Field(default="", max_length=300)
    # If the meeting is in someone's home, whose: people who must not know that person's
    # address are not told the venue on their invitation.
    venue_home_of_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    arrangements: str = Field(default="", max_length=2000)  # food, rooms, breaks
    advocate_name: str = Field(default="", max_length=200)
    advocate_for_child_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    part: MeetingPart = enum_field(MeetingPart, default=MeetingPart.not_started)
    part_changed_at: datetime | None = timestamp_field(nullable=True, default=None)
    family_time_started_at: datetime | None = timestamp_field(nullable=True, default=None)
    family_time_started_by_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True
    )
    family_time_ended_at: datetime | None = timestamp_field(nullable=True, default=None)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class InvitationStatus(StrEnum):
    to_invite = "to_invite"
    invited = "invited"
    coming = "coming"
    not_coming = "not_coming"
    not_to_be_invited = "not_to_be_invited"


class Invitation(Versioned, table=True):
    """One person from the network on a meeting's invite list: their answer, what they
    need to take part, and whether they came."""

    __tablename__ = "invitation"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "person_id", name="uq_invitation"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    status: InvitationStatus = enum_field(InvitationStatus, default=InvitationStatus.to_invite)
    # Arrive at a different time, wait in another room: said on their invitation.
    own_arrival_note: str = Field(default="", max_length=300)
    interpreter_language: str = Field(default="", max_length=80)
    access_needs: str = Field(default="", max_length=500)
    needs_childcare: bool = Field(default=False)
    attended: bool | None = Field(default=None, nullable=True)
    added_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    added_at: datetime = timestamp_field(default_now=True)


class ArrangementKind(StrEnum):
    must_not_meet = "must_not_meet"
    must_not_know_address = "must_not_know_address"


class SafetyArrangement(Versioned, table=True):
    """Keeping people safe around the meeting: two people who must not be in the room
    together, or a person (person_id) who must not learn where another (other_person_id)
    lives. Practitioners only; the reason is never printed."""

    __tablename__ = "safety_arrangement"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    kind: ArrangementKind = enum_field(ArrangementKind)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    other_person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    reason: str = Field(default="", max_length=1000)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    recorded_at: datetime = timestamp_field(default_now=True)


class ActionOutcomeKind(StrEnum):
    done = "done"
    partly = "partly"
    not_done = "not_done"


class ActionOutcome(Versioned, table=True):
    """At a review: what happened to one action of the family plan, and why."""

    __tablename__ = "action_outcome"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "action_id", name="uq_action_outcome"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    action_id: int = Field(foreign_key="plan_action.id", index=True, ondelete="CASCADE")
    outcome: ActionOutcomeKind = enum_field(ActionOutcomeKind)
    why: str = Field(default="", max_length=1000)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    recorded_at: datetime = timestamp_field(default_now=True)


class ReviewRecord(Versioned, table=True):
    """What a review found: the plan revision it looked at, the findings then and now (as
    plain lists of finding codes), and the plan revision it produced."""

    __tablename__ = "review_record"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True, index=True, ondelete="CASCADE")
    reviewed_revision: int = Field(default=0)
    findings_before: list = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    findings_now: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    what_has_changed: str = Field(default="", max_length=4000)
    new_revision: int | None = Field(default=None, nullable=True)
    finished_at: datetime | None = timestamp_field(nullable=True, default=None)
    finished_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
