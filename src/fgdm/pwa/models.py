"""The offline outbox: each change sent with an idempotency key is stored once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from fgdm.db import timestamp_field


class IdempotencyKey(SQLModel, table=True):
    """A change a phone sent with an idempotency key (from its offline outbox). Stored in
    the same transaction as the change, so a replay of the same request changes nothing
    and answers as the first one did; the same key with a different request is refused."""

    __tablename__ = "idempotency_key"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True, index=True, ondelete="CASCADE"
    )
    # sha256 of the method, the path and the form without its CSRF token and the key.
    request_hash: str = Field(max_length=64)
    status_code: int = Field(default=200)
    # Where the first answer sent the browser (a redirect), to send a replay there too.
    location: str = Field(default="", max_length=500)
    created_at: datetime = timestamp_field(default_now=True)
