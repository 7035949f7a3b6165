"""Accounts: staff and family users, server-side sessions, invites and sign-in attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, enum_field, timestamp_field


class StaffRole(StrEnum):
    practitioner = "practitioner"
    manager = "manager"
    admin = "admin"


class Team(Versioned, table=True):
    """A team of staff; a manager sees the family groups of their team."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    created_at: datetime = timestamp_field(default_now=True)


class User(Versioned, table=True):
    """Anyone who can sign in. Staff have a staff_role; family members and young people
    have none and reach family groups only through a membership."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    staff_role: StaffRole | None = enum_field(StaffRole, nullable=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", nullable=True)
    locale: str = Field(default="en", max_length=16)
    is_active: bool = Field(default=True)
    created_at: datetime = timestamp_field(default_now=True)
    password_changed_at: datetime = timestamp_field(default_now=True)
    # Two-step sign-in (staff): the shared secret for an authenticator app (set when set-up
    # starts, trusted once a code from it is confirmed), and the last time step a code was
    # accepted for, so each code works once.
    totp_secret: str = Field(default="", max_length=64)
    totp_enabled_at: datetime | None = timestamp_field(nullable=True, default=None)
    totp_last_step: int = Field(default=0, sa_type=sa.BigInteger)

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class UserSession(SQLModel, table=True):
    """A signed-in session. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field(default_now=True)
    last_seen_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    ended_at: datetime | None = timestamp_field(nullable=True, default=None)
    ip_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=255)
    # Passphrase accepted, second step not yet: such a session signs nobody in; it only
    # lets the person reach the two-step pages, for a few minutes.
    second_factor_pending: bool = Field(default=False)
    # The meeting tablet handed to the family for private family time: this session sees
    # only the family's view of that meeting's family group, until a practitioner signs in
    # again on it.
    family_time_meeting_id: int | None = Field(
        default=None, foreign_key="meeting.id", nullable=True, ondelete="SET NULL"
    )


class RecoveryCode(SQLModel, table=True):
    """A single-use code for signing in when the authenticator app is lost. Only a hash is
    stored; the codes are shown once."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=255)
    created_at: datetime = timestamp_field(default_now=True)
    used_at: datetime | None = timestamp_field(nullable=True, default=None)


class AttemptKind(StrEnum):
    login = "login"
    invite = "invite"
    second_factor = "second_factor"


class SignInAttempt(SQLModel, table=True):
    """Failed sign-in and invite attempts, counted for throttling across all workers."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (sa.Index("ix_sign_in_attempt_kind_at", "kind", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: AttemptKind = enum_field(AttemptKind)
    login: str = Field(default="", max_length=254, index=True)
    ip_address: str = Field(default="", max_length=64, index=True)
    attempted_at: datetime = timestamp_field(default_now=True)
