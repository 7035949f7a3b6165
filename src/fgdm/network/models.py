"""The network around the child (the village): people, starting with the children."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from fgdm.db import Versioned, timestamp_field


class Person(Versioned, table=True):
    """Someone around the child, or the child. Most people in the network never sign in."""

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    known_as: str = Field(max_length=80)
    is_child: bool = Field(default=False)
    date_of_birth: date | None = Field(default=None, nullable=True)
    age_years: int | None = Field(default=None, nullable=True)
    pronouns: str = Field(default="", max_length=40)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
