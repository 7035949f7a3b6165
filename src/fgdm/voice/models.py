"""The three houses: what one child puts in the house of worries, the house of good things
and the house of dreams, in their own words or drawings, and who the child lets see it."""

from __future__ import annotations

from datetime import datetime
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
