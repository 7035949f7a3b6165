"""The network around the child (the village): people, relationships between them, the help
they offer, and sensitive details that each carry their own visibility."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, enum_field, timestamp_field
from fgdm.network.vocabulary import Closeness, Need, PersonKind, Sureness


class Person(Versioned, table=True):
    """Someone around the child, or the child. Most people in the network never sign in.
    Only details that anyone in the family group may see live here; sensitive ones (full
    address, phone, email, notes, worries) are PersonDetail rows with a visibility."""

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    known_as: str = Field(max_length=80)
    full_name: str = Field(default="", max_length=120)
    is_child: bool = Field(default=False)
    date_of_birth: date | None = Field(default=None, nullable=True)
    age_years: int | None = Field(default=None, nullable=True)
    pronouns: str = Field(default="", max_length=40)
    kind: PersonKind = enum_field(PersonKind, default=PersonKind.family)
    relationship_to_child: str = Field(default="", max_length=80)
    languages: str = Field(default="", max_length=120)
    area: str = Field(default="", max_length=80)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class DetailField(StrEnum):
    address = "address"
    phone = "phone"
    email = "email"
    notes = "notes"
    worry = "worry"  # this person is a worry for the child's safety; the value is why


class Visibility(StrEnum):
    everyone = "everyone"  # everyone in the family group
    practitioners = "practitioners"  # practitioners only
    named = "named"  # the practitioners and the named members only


class PersonDetail(Versioned, table=True):
    """One sensitive detail about a person, visible only to whom it says. A person may
    have several of one field (an old address everyone knows, a new one kept from some),
    so nobody ever overwrites a detail they cannot see."""

    __tablename__ = "person_detail"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    field: DetailField = enum_field(DetailField)
    value: str = Field(max_length=2000)
    visibility: Visibility = enum_field(Visibility, default=Visibility.practitioners)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    updated_at: datetime = timestamp_field(default_now=True)


class DetailViewer(SQLModel, table=True):
    """A member named as allowed to see a detail whose visibility is `named`."""

    __tablename__ = "detail_viewer"

    detail_id: int = Field(foreign_key="person_detail.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")


class Relationship(Versioned, table=True):
    """A tie between two people in the network (undirected; stored with a < b)."""

    __table_args__ = (
        sa.UniqueConstraint("person_a_id", "person_b_id"),
        sa.CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
    )

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    person_a_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    person_b_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    closeness: Closeness = enum_field(Closeness, default=Closeness.some_contact)
    note: str = Field(default="", max_length=500)
    created_at: datetime = timestamp_field(default_now=True)


class Offer(Versioned, table=True):
    """Help a person can give the child and family, and when they are free to give it."""

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    need: Need = enum_field(Need)
    details: str = Field(default="", max_length=500)
    sureness: Sureness = enum_field(Sureness, default=Sureness.yes)
    # Week slots as "mon:morning,sat:night"; empty means not said.
    availability: str = Field(default="", max_length=400)
    created_at: datetime = timestamp_field(default_now=True)
