"""Staff API tokens: created and revoked in the app, stored only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from fgdm.db import Versioned, timestamp_field


class ApiToken(Versioned, table=True):
    """A token a staff member uses to read the JSON API as themselves."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = timestamp_field(default_now=True)
    last_used_at: datetime | None = timestamp_field(nullable=True, default=None)
    revoked_at: datetime | None = timestamp_field(nullable=True, default=None)
