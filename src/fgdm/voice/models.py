"""The three houses: what one child puts in the house of worries, the house of good things
and the house of dreams, in their own words or drawings, and who the child lets see it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, enum_field, timestamp_field

ENTRY_TEXT_LIMIT = 1000


class House(StrEnum):
    worries = "worries"
    good_things = "good_things"
    dreams = "dreams"


class ThreeHouses(Versioned, table=True):
    """One child's three houses. The child's own account (a young person's sign-in, if
    they have one) and the group's practitioners may write; who else may see it is the
    child's choice (ThreeHousesViewer). Choosing viewers raises the version."""

    __tablename__ = "three_houses"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    child_id: int = Field(foreign_key="person.id", unique=True, index=True, ondelete="CASCADE")
    own_account_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True, ondelete="SET NULL"
    )
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class ThreeHousesViewer(SQLModel, table=True):
    """A member of the family group the child has chosen to see their three houses."""

    __tablename__ = "three_houses_viewer"

    three_houses_id: int = Field(
        foreign_key="three_houses.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    added_at: datetime = timestamp_field(default_now=True)


class HouseDrawing(SQLModel, table=True):
    """A photo of a child's drawing, stored only after clean_upload re-encoded it without
    metadata. Never edited: a new photo is a new row."""

    __tablename__ = "house_drawing"

    id: int | None = Field(default=None, primary_key=True)
    three_houses_id: int = Field(foreign_key="three_houses.id", index=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    mime: str = Field(max_length=20)
    width: int
    height: int
    created_at: datetime = timestamp_field(default_now=True)


class HouseEntry(Versioned, table=True):
    """One thing in one house: the child's words, a drawing, or both."""

    __tablename__ = "house_entry"

    id: int | None = Field(default=None, primary_key=True)
    three_houses_id: int = Field(foreign_key="three_houses.id", index=True, ondelete="CASCADE")
    house: House = enum_field(House)
    text: str = Field(default="", max_length=ENTRY_TEXT_LIMIT)
    drawing_id: int | None = Field(
        default=None, foreign_key="house_drawing.id", nullable=True, ondelete="SET NULL"
    )
    written_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


VIEW_TEXT_LIMIT = 2000


class HowGiven(StrEnum):
    """How the child gave their view (Lundy: voice, in the way they choose)."""

    said_it = "said_it"
    wrote_it = "wrote_it"
    drew_it = "drew_it"
    through_advocate = "through_advocate"
    at_the_meeting = "at_the_meeting"


class ChildView(Versioned, table=True):
    """A child's view in their own words or drawing, with where and how they gave it and
    who heard it (Lundy: space, voice, audience). Seen by practitioners and the child, and
    by the family group unless the child asked to keep it to practitioners."""

    __tablename__ = "child_view"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    child_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    words: str = Field(default="", max_length=VIEW_TEXT_LIMIT)
    drawing_content: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    drawing_mime: str = Field(default="", max_length=20)
    how_given: HowGiven = enum_field(HowGiven, default=HowGiven.said_it)
    where_given: str = Field(default="", max_length=300)
    heard_by: str = Field(default="", max_length=300)
    given_on: date | None = Field(default=None, nullable=True)
    meeting_id: int | None = Field(
        default=None, foreign_key="meeting.id", nullable=True, ondelete="SET NULL"
    )
    shared_with_family: bool = Field(default=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    recorded_at: datetime = timestamp_field(default_now=True)


class ChildViewLink(Versioned, table=True):
    """What a child's view touched and how it counted (Lundy: influence): a plan goal or
    action, a service request, or a decision written in words; the "we did" answer the
    child can read, and why, when the decision differs from what the child wanted."""

    __tablename__ = "child_view_link"

    id: int | None = Field(default=None, primary_key=True)
    view_id: int = Field(foreign_key="child_view.id", index=True, ondelete="CASCADE")
    goal_id: int | None = Field(
        default=None, foreign_key="plan_goal.id", nullable=True, ondelete="SET NULL"
    )
    action_id: int | None = Field(
        default=None, foreign_key="plan_action.id", nullable=True, ondelete="SET NULL"
    )
    service_request_id: int | None = Field(
        default=None, foreign_key="service_request.id", nullable=True, ondelete="SET NULL"
    )
    decision: str = Field(default="", max_length=VIEW_TEXT_LIMIT)
    we_did: str = Field(default="", max_length=VIEW_TEXT_LIMIT)
    differs_from_wish: bool = Field(default=False)
    why_different: str = Field(default="", max_length=VIEW_TEXT_LIMIT)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    answered_at: datetime | None = timestamp_field(nullable=True, default=None)
