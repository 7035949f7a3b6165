"""Signs of Safety records: the mapping (worries, what is working well, what needs to
happen), danger statements, safety goals and scaling scores over time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from fgdm.db import Versioned, enum_field, timestamp_field


class MappingColumn(StrEnum):
    worried = "worried"  # what are we worried about?
    working_well = "working_well"  # what's working well?
    needs_to_happen = "needs_to_happen"  # what needs to happen?


class MappingKind(StrEnum):
    past_harm = "past_harm"
    future_danger = "future_danger"
    complicating_factor = "complicating_factor"
    strength = "strength"
    existing_safety = "existing_safety"
    safety_goal = "safety_goal"
    next_step = "next_step"


KINDS_BY_COLUMN: dict[MappingColumn, tuple[MappingKind, ...]] = {
    MappingColumn.worried: (
        MappingKind.past_harm,
        MappingKind.future_danger,
        MappingKind.complicating_factor,
    ),
    MappingColumn.working_well: (MappingKind.strength, MappingKind.existing_safety),
    MappingColumn.needs_to_happen: (MappingKind.safety_goal, MappingKind.next_step),
}


class MappingItem(Versioned, table=True):
    """One thing written in one of the three mapping columns, in the family's words. A
    practitioner may keep their own item to practitioners until it has been talked through
    with the family; items written by family members are always shared."""

    __tablename__ = "mapping_item"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    column: MappingColumn = enum_field(MappingColumn)
    kind: MappingKind = enum_field(MappingKind)
    text: str = Field(max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
    shared_with_family: bool = Field(default=True)


class DangerStatement(Versioned, table=True):
    """Who is worried, about what adult behaviour, and what could happen to the child if
    nothing changes. Practitioners write it; everyone in the family group reads it."""

    __tablename__ = "danger_statement"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class SafetyGoal(Versioned, table=True):
    """What the people worried need to see the adults doing, for how long and with whom
    around, to be confident the child is safe enough. Practitioners write it; everyone in
    the family group reads it."""

    __tablename__ = "safety_goal"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class ScalingScore(Versioned, table=True):
    """Where one person puts things on the 0 to 10 safety scale on one day, and why. The
    person is a member of the family group (user_id) or someone from the network
    (person_id), never both."""

    __tablename__ = "scaling_score"
    __table_args__ = (
        sa.CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        sa.CheckConstraint("(user_id IS NULL) != (person_id IS NULL)", name="one_scorer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True, index=True, ondelete="CASCADE"
    )
    person_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, index=True, ondelete="CASCADE"
    )
    score: int
    why: str = Field(default="", max_length=2000)
    one_point_higher: str = Field(default="", max_length=2000)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
