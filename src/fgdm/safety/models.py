"""Signs of Safety records: the mapping (worries, what is working well, what needs to
happen), danger statements, safety goals, scaling scores over time, and the safety plan
with its rules, safety network, revisions and agreements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

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


# --- The safety plan ---------------------------------------------------------------------

RULE_TEXT_LIMIT = 1000
CHILD_WORDS_LIMIT = 300
WHEN_LIMIT = 300


class SafetyPlan(Versioned, table=True):
    """The family's own safety plan: one per family group. Its rules and safety network are
    rows of their own; every save of any part raises `revision` and keeps a copy of the
    whole plan as a SafetyPlanRevision, so the history can show who changed what."""

    __tablename__ = "safety_plan"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(
        foreign_key="family_group.id", unique=True, index=True, ondelete="CASCADE"
    )
    if_not_working: str = Field(default="", max_length=RULE_TEXT_LIMIT)
    revision: int = Field(default=0)
    updated_at: datetime = timestamp_field(default_now=True)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)


class SafetyRule(Versioned, table=True):
    """One everyday rule in the family's words: what will happen, when, how the child will
    know, and what happens if it is broken; with shorter words and a picture for the
    child's version. Who does it is SafetyRuleResponsible rows (people from the network)."""

    __tablename__ = "safety_rule"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="safety_plan.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    what: str = Field(max_length=RULE_TEXT_LIMIT)
    when_happens: str = Field(default="", max_length=WHEN_LIMIT)
    how_child_knows: str = Field(default="", max_length=RULE_TEXT_LIMIT)
    if_broken: str = Field(default="", max_length=RULE_TEXT_LIMIT)
    child_words: str = Field(default="", max_length=CHILD_WORDS_LIMIT)
    pictogram: str = Field(default="", max_length=40)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class SafetyRuleResponsible(SQLModel, table=True):
    """A person from the network who makes a rule happen. Changed only with its rule (the
    rule's version guards it)."""

    __tablename__ = "safety_rule_responsible"

    rule_id: int = Field(foreign_key="safety_rule.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")


class SafetyNetworkMember(Versioned, table=True):
    """Someone from the network who has agreed to help the safety plan work, and whether
    they know the worries (have seen the words-and-pictures story)."""

    __tablename__ = "safety_network_member"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="safety_plan.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", unique=True, index=True, ondelete="CASCADE")
    what_they_do: str = Field(default="", max_length=WHEN_LIMIT)
    knows_the_worries: bool = Field(default=False)
    added_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    added_at: datetime = timestamp_field(default_now=True)


class SafetyPlanRevision(SQLModel, table=True):
    """A copy of the whole plan as it was after one save (plain names and words, so the
    history reads the same after people leave the network). Append-only."""

    __tablename__ = "safety_plan_revision"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number", name="uq_safety_plan_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="safety_plan.id", index=True, ondelete="CASCADE")
    number: int
    content: dict = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    summary: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class SafetyPlanAgreement(SQLModel, table=True):
    """A family member agreeing to one revision of the plan, with the name they gave and
    when. Append-only: agreeing again after a change is a new row."""

    __tablename__ = "safety_plan_agreement"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="safety_plan.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    revision: int
    name_given: str = Field(max_length=120)
    agreed_at: datetime = timestamp_field(default_now=True)


# --- Rectification ------------------------------------------------------------------------

NOTE_TEXT_LIMIT = 1000


class StatementType(StrEnum):
    """The professional statements a family can disagree with, and whose wording is kept
    when it is corrected."""

    mapping_item = "mapping_item"
    danger = "danger"
    goal = "goal"


class StatementWording(SQLModel, table=True):
    """The words a statement had before someone changed them: a correction keeps the
    history (UK GDPR article 16). Append-only."""

    __tablename__ = "statement_wording"
    __table_args__ = (sa.Index("ix_statement_wording_statement", "statement_type", "statement_id"),)

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    statement_type: StatementType = enum_field(StatementType)
    statement_id: int
    text: str = Field(max_length=2000)
    written_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    replaced_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    replaced_at: datetime = timestamp_field(default_now=True)


class FamilyNote(Versioned, table=True):
    """A family member's or young person's note saying they do not agree with a
    professional's statement, shown beside it wherever it is shown. Only its author
    changes or removes it."""

    __tablename__ = "family_note"
    __table_args__ = (sa.Index("ix_family_note_statement", "statement_type", "statement_id"),)

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    statement_type: StatementType = enum_field(StatementType)
    statement_id: int
    text: str = Field(max_length=NOTE_TEXT_LIMIT)
    author_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True, ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
