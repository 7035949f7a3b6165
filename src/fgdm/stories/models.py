"""Words-and-pictures stories: a story for one child, its pages, and the cleaned photos of
drawings the pages show."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, timestamp_field

TEXT_LIMIT = 1000
TITLE_LIMIT = 120


class Story(Versioned, table=True):
    """A story for one child in the network, written by the family with the practitioner."""

    __tablename__ = "story"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    child_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=TITLE_LIMIT)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class StoryImage(SQLModel, table=True):
    """A photo of a drawing, stored only after clean_upload re-encoded it without metadata.
    Never edited, so not versioned: a new photo is a new row."""

    __tablename__ = "story_image"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    mime: str = Field(max_length=20)
    width: int
    height: int
    created_at: datetime = timestamp_field(default_now=True)


class StoryPage(Versioned, table=True):
    """One page of a story: some words and one picture, either a pictogram that ships with
    the app (by name) or an uploaded photo."""

    __tablename__ = "story_page"

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    text: str = Field(max_length=TEXT_LIMIT)
    pictogram: str = Field(default="", max_length=40)
    image_id: int | None = Field(
        default=None, foreign_key="story_image.id", nullable=True, ondelete="SET NULL"
    )
