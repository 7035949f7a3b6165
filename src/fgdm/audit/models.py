"""The append-only audit log: who saw or changed what in a family's record, and when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import enum_field, timestamp_field


class Outcome(StrEnum):
    ok = "ok"
    refused = "refused"
    failed = "failed"


class AuditEvent(SQLModel, table=True):
    """One audited action. Rows are never updated or deleted (a database trigger refuses).
    family_group_id and actor_id are plain numbers, not foreign keys, so the trail
    outlives the records it describes."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_family_at", "family_group_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(default_now=True, index=True)
    actor_id: int | None = Field(default=None, nullable=True, index=True)
    actor_role: str = Field(default="", max_length=32)
    family_group_id: int | None = Field(default=None, nullable=True)
    action: str = Field(max_length=48, index=True)
    object_type: str = Field(default="", max_length=48)
    object_id: str = Field(default="", max_length=64)
    outcome: Outcome = enum_field(Outcome, default=Outcome.ok)
    ip_address: str = Field(default="", max_length=64)
    request_id: str = Field(default="", max_length=36)
    detail: str = Field(default="", max_length=255)
