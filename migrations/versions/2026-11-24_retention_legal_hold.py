"""Retention: a legal hold on a family group, and the audit log's old rows erasable by
`fgdm purge` alone (on PostgreSQL, only in a transaction that set fgdm.audit_purge; on
SQLite the purge lifts the delete trigger inside its own transaction).

Revision ID: 6706daab8a14
Revises: 37151aed9683
Create Date: 2026-11-24 23:55:20.973086
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import fgdm.db


revision = "6706daab8a14"
down_revision = "37151aed9683"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql;
"""
PURGE_MAY_DELETE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('fgdm.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    with op.batch_alter_table("family_group", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legal_hold_at", fgdm.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "legal_hold_reason",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                nullable=False,
                server_default="",
            )
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PURGE_MAY_DELETE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
    with op.batch_alter_table("family_group", schema=None) as batch_op:
        batch_op.drop_column("legal_hold_reason")
        batch_op.drop_column("legal_hold_at")
