"""Invites: how family members and young people join a family group (single-use, expiring,
stored only as a hash)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field

from fgdm.db import Versioned, enum_field, timestamp_field


class InviteRole(StrEnum):
    family_member = "family_member"
    young_person = "young_person"


class Invite(Versioned, table=True):
    """A single-use invitation into one family group. Only the token's hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(foreign_key="family_group.id", index=True, ondelete="CASCADE")
    role: InviteRole = enum_field(InviteRole)
    invited_name: str = Field(max_length=120)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    redeemed_at: datetime | None = timestamp_field(nullable=True, default=None)
    redeemed_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True, default=None)
