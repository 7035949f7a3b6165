"""Family groups (the family record around a child) and who may use them (memberships)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, enum_field, timestamp_field


class Stage(StrEnum):
    """The family group conference stages, from referral to review."""

    referral = "referral"
    preparation = "preparation"
    meeting = "meeting"
    plan_agreed = "plan_agreed"
    review = "review"
    closed = "closed"


class MemberRole(StrEnum):
    family_member = "family_member"
    young_person = "young_person"
    practitioner = "practitioner"


class FamilyGroup(Versioned, table=True):
    """One family record, with the child or children at its centre."""

    __tablename__ = "family_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    team_id: int | None = Field(default=None, foreign_key="team.id", nullable=True, index=True)
    stage: Stage = enum_field(Stage, default=Stage.referral)
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp_field(default_now=True)
    # A legal hold keeps a closed family group past its retention period (court
    # proceedings, a complaint, an inquiry): `fgdm purge` leaves it alone until released.
    legal_hold_at: datetime | None = timestamp_field(nullable=True, default=None)
    legal_hold_reason: str = Field(default="", max_length=300)


class Membership(Versioned, table=True):
    """Who may use a family group, and as what. Removal ends access on the next request."""

    __table_args__ = (sa.Index("ix_membership_user_family", "user_id", "family_group_id"),)

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: MemberRole = enum_field(MemberRole)
    added_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    added_at: datetime = timestamp_field(default_now=True)
    removed_at: datetime | None = timestamp_field(nullable=True, default=None)
    removed_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)


class StageChange(SQLModel, table=True):
    """One step of the family group's journey: from which stage to which, who moved it and
    when, and why when it went back or closed. Append-only; the family's "where we are"
    line is read from these rows."""

    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    from_stage: Stage | None = enum_field(Stage, nullable=True, default=None)
    to_stage: Stage = enum_field(Stage)
    note: str = Field(default="", max_length=1000)
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    changed_at: datetime = timestamp_field(default_now=True)


class Referral(Versioned, table=True):
    """Why a family group conference was asked for: who referred, the worries in plain
    words, the decision the family is asked to make, and the family's consent (with the
    date it was given). One per family group."""

    __tablename__ = "referral"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(
        foreign_key="family_group.id", unique=True, index=True, ondelete="CASCADE"
    )
    referred_by: str = Field(default="", max_length=200)
    worries: str = Field(default="", max_length=4000)
    decision_to_make: str = Field(default="", max_length=2000)
    family_consents: bool = Field(default=False)
    consent_date: date | None = Field(default=None, nullable=True)
    consent_given_by: str = Field(default="", max_length=200)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    updated_at: datetime = timestamp_field(default_now=True)
